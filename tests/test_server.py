"""`twin demo` as a user runs it: a real uvicorn process on a loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from twin.demo import DEMO_USERS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.stderr.read()}")
        try:
            if _get(url)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not answer in time")


def test_demo_serves_the_sample_building_on_loopback(tmp_path):
    port = _free_port()
    env = dict(os.environ, TWIN_DATA_DIR=str(tmp_path / "data"))
    env.pop("TWIN_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "twin.cli", "demo", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/health", process)
        username, (_role, password) = "viewer", DEMO_USERS["viewer"]
        request = urllib.request.Request(
            f"{base}/auth/token", data=json.dumps({"username": username,
                                                   "password": password}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            token = json.loads(response.read())["access_token"]
        status, spaces = _get(f"{base}/buildings/1/spaces?limit=1", token)
        assert status == 200 and spaces["total"] == 133
        status, equipment = _get(f"{base}/buildings/1/equipment?limit=1", token)
        assert status == 200 and equipment["total"] == 642
        status, body = _get(f"{base}/buildings/1/spaces")
        assert status == 401 and body["error"]["code"] == "unauthorized"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    assert (tmp_path / "data" / "twin.db").is_file()
