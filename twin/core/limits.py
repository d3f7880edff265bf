"""Guards in front of every route (pure ASGI middleware, so that they act before a body is
read): the bearer token of a request with a body is checked before one byte of the body is
read or written (an anonymous 1 GiB upload answers 401 at once), a declared body larger
than the server accepts answers 413, and every answer carries the security headers.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from twin.core.accounts import resolve_token
from twin.core.database import Database
from twin.core.errors import AuthError

__all__ = ["OPEN_PATHS", "SECURITY_HEADERS", "BodyGuard", "SecurityHeaders", "token_is_known"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Paths taking a body without a token (sign-in).
OPEN_PATHS = frozenset({"/auth/token"})
#: Sent with every answer.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def token_is_known(database: Database, token: str) -> bool:
    """Whether ``token`` is a stored, unexpired token (of a user or a device)."""
    with database.session() as session:
        try:
            resolve_token(session, token)
        except AuthError:
            return False
    return True


async def _answer(send: Send, status: int, code: str, message: str,
                  headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "detail": None}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    """Refuse a request with a body before reading it: 401 without a known bearer token
    (except :data:`OPEN_PATHS`), 413 when its ``Content-Length`` passes ``max_body_mb``.

    Parameters
    ----------
    app : ASGI application
    max_body_mb : float
        The largest body any route accepts (the upload limit, with room for the form).
    """

    def __init__(self, app: ASGIApp, max_body_mb: float) -> None:
        self.app = app
        self.max_body = int(max_body_mb * 1024 * 1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401 or 413 without reading the body, or hand the request on."""
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS \
                or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_body:
            return await _answer(send, 413, "too_large",
                                 f"the body is larger than {self.max_body // 2**20} MiB")
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        token = token.strip()
        database = getattr(scope["app"].state, "database", None) if "app" in scope else None
        if scheme.lower() != "bearer" or not token:
            return await _answer(send, 401, "unauthorized",
                                 "sign in first: send 'Authorization: Bearer <token>'",
                                 [(b"www-authenticate", b"Bearer")])
        if database is not None and not await run_in_threadpool(token_is_known, database,
                                                                token):
            return await _answer(send, 401, "unauthorized", "unknown or expired token",
                                 [(b"www-authenticate", b"Bearer")])
        return await self.app(scope, receive, send)


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the request on; add the headers to its answer."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _v in message.get("headers", ())}
                message["headers"] = [*message.get("headers", ()),
                                      *(h for h in SECURITY_HEADERS if h[0] not in present)]
            await send(message)

        return await self.app(scope, receive, with_headers)
