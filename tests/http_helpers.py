"""HTTP helpers of the API tests: signing in, bearer headers, JSON over loopback, health waits.

Two kinds of client use them: FastAPI's ``TestClient`` (in-process, :func:`sign_in` and
:func:`sign_in_all`) and a real server in a subprocess spoken to with ``urllib``
(:func:`http_sign_in`, :func:`http_get_json`, :func:`http_post_json`, :func:`http_get_bytes`,
:func:`wait_until_healthy`). Passwords default to the demo users' (``twin.demo.DEMO_USERS``).
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

from twin.demo import DEMO_USERS

__all__ = [
    "auth",
    "bearer",
    "http_get_bytes",
    "http_get_json",
    "http_post_json",
    "http_sign_in",
    "sign_in",
    "sign_in_all",
    "wait_until_healthy",
]


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header of a bearer ``token``."""
    return {"Authorization": f"Bearer {token}"}


def auth(tokens: Mapping[str, str], user: str) -> dict[str, str]:
    """The bearer header of ``user`` from ``{username: token}`` (see :func:`sign_in_all`)."""
    return bearer(tokens[user])


def _password(username: str, password: str | None) -> str:
    return DEMO_USERS[username][1] if password is None else password


def sign_in(client, username: str, password: str | None = None) -> str:
    """``POST /auth/token`` through a ``TestClient``; the access token (fails on non-200)."""
    response = client.post("/auth/token", json={"username": username,
                                                "password": _password(username, password)})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def sign_in_all(client) -> dict[str, str]:
    """Sign every demo user in through a ``TestClient``: ``{username: access token}``."""
    return {username: sign_in(client, username) for username in DEMO_USERS}


def _request(url: str, token: str | None, body: object = None) -> urllib.request.Request:
    headers = {} if token is None else bearer(token)
    if body is None:
        return urllib.request.Request(url, headers=headers)
    headers["Content-Type"] = "application/json"
    return urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)


def _json_answer(request: urllib.request.Request, timeout: float) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def http_get_json(url: str, token: str | None = None, *,
                  timeout: float = 10) -> tuple[int, object]:
    """GET a JSON document from a live server: ``(status, body)``, error answers included."""
    return _json_answer(_request(url, token), timeout)


def http_post_json(url: str, body: object, token: str | None = None, *,
                   timeout: float = 10) -> tuple[int, object]:
    """POST a JSON document to a live server: ``(status, body)``, error answers included."""
    return _json_answer(_request(url, token, body), timeout)


def http_get_bytes(url: str, token: str | None = None, *, timeout: float = 600) -> bytes:
    """GET raw content from a live server (AssertionError with the error body on non-2xx)."""
    try:
        with urllib.request.urlopen(_request(url, token), timeout=timeout) as answer:
            return answer.read()
    except urllib.error.HTTPError as error:
        raise AssertionError(f"GET {url}: HTTP {error.code} {error.read()[:500]!r}") from None


def http_sign_in(base: str, username: str, password: str | None = None, *,
                 timeout: float = 10) -> str:
    """``POST {base}/auth/token`` on a live server; the access token (fails on non-200)."""
    status, body = http_post_json(
        f"{base}/auth/token",
        {"username": username, "password": _password(username, password)}, timeout=timeout)
    assert status == 200, body
    return body["access_token"]


def wait_until_healthy(url: str, process: subprocess.Popen, *, exit_output: Callable[[], str],
                       timeout: float = 120) -> None:
    """Poll ``url`` (a server's ``/health``) until it answers 200.

    Parameters
    ----------
    url : str
        The health endpoint.
    process : subprocess.Popen
        The server: its exit ends the wait.
    exit_output : callable
        What the server wrote, for the message when it exited.
    timeout : float, default 120
        Seconds to wait.

    Raises
    ------
    AssertionError
        The server exited, or did not answer 200 within ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {exit_output()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer in time")
