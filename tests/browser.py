"""Helpers of the browser tests and the viewer benchmark: a real server on loopback, the built
viewer bundle, and Debian's Chromium driven by Python Playwright.

Chromium runs headless with WebGL on SwiftShader (software rendering through ANGLE), without
sandbox, GPU or any background networking; pages only talk to 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from http_helpers import (
    http_get_bytes,
    http_get_json,
    http_post_json,
    http_sign_in,
    wait_until_healthy,
)
from ports import free_port

__all__ = [
    "signed_in_page",
    "QuietServer",
    "build_portal",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "REPO",
    "LiveServer",
    "build_viewer",
    "free_port",
    "launch_chromium",
    "open_viewer",
]

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--no-default-browser-check",
    "--disable-features=MediaRouter,OptimizationHints,Translate",
]


def build_viewer() -> Path:
    """Run scripts/build-viewer.sh (idempotent) and return the bundle folder."""
    result = _locked_build("build-viewer.sh", 600)
    if result.returncode != 0:
        raise AssertionError(f"scripts/build-viewer.sh failed: {result.stderr.strip()}")
    return REPO / "viewer" / "web" / "dist"


def _locked_build(script: str, timeout: int) -> subprocess.CompletedProcess:
    """Run a build script with an exclusive lock: pytest-xdist workers may ask at once."""
    import fcntl

    folder = REPO / "tests" / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f".{script}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return subprocess.run(["bash", str(REPO / "scripts" / script)], capture_output=True,
                              text=True, timeout=timeout)


def build_portal() -> None:
    """Run scripts/build-portal.sh (idempotent)."""
    result = _locked_build("build-portal.sh", 900)
    if result.returncode != 0:
        raise AssertionError(f"scripts/build-portal.sh failed: {result.stderr.strip()}")


def launch_chromium(playwright, **kwargs):
    """Debian's Chromium, headless with software WebGL; fails (not skips) when missing."""
    if not os.access(CHROMIUM, os.X_OK):
        raise AssertionError(f"{CHROMIUM} is missing: run "
                             "'bash scripts/ensure-deb.sh /usr/bin/chromium chromium'")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS, **kwargs)


class LiveServer:
    """The demo's data (``twin.demo.prepare_demo``) served by uvicorn in a subprocess.

    Parameters
    ----------
    data_dir : Path
        The data folder (database, models, cache).
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.building_id: int | None = None
        self._log = self.data_dir / "server.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ, TWIN_DATA_DIR=str(self.data_dir))
        env.pop("TWIN_DATABASE_URL", None)
        env.pop("TWIN_CACHE_DIR", None)
        return env

    def prepare(self, **demo_options) -> int:
        """Prepare the demo data in a subprocess (the server's own settings); its building id."""
        code = ("import json, sys; from twin.demo import prepare_demo; "
                "from twin.core.settings import Settings; "
                "state = prepare_demo(Settings(), **json.loads(sys.argv[1])); "
                "print(state.building_id)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([sys.executable, "-c", code, json.dumps(demo_options)],
                                env=self.env(), capture_output=True, text=True, timeout=900,
                                cwd=REPO)
        if result.returncode != 0:
            raise AssertionError(f"prepare_demo failed: {result.stderr.strip()[-2000:]}")
        self.building_id = int(result.stdout.strip().splitlines()[-1])
        return self.building_id

    def prepare_from(self, template: tuple[Path, object]) -> int:
        """Copy the session's demo data (conftest's ``demo_template``: folder, DemoState)
        instead of preparing it again; the building id."""
        import shutil

        folder, state = template
        shutil.copytree(folder, self.data_dir, dirs_exist_ok=True)
        self.building_id = int(state.building_id)
        return self.building_id

    def start(self, timeout: float = 120) -> LiveServer:
        """Start uvicorn (``twin.api.app:create_app``) and wait for ``/health``."""
        log = self._log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "twin.api.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        wait_until_healthy(f"{self.base}/health", self.process, timeout=timeout,
                           exit_output=lambda: self._log.read_text()[-2000:])
        return self

    def stop(self) -> None:
        """Terminate the server (kill it if it does not stop within 20 s)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)

    def token(self, username: str, password: str) -> str:
        """A bearer token for a user."""
        return http_sign_in(self.base, username, password, timeout=30)

    def get_json(self, path: str, token: str | None = None) -> tuple[int, object]:
        """GET a JSON document: (status, body)."""
        return http_get_json(f"{self.base}{path}", token, timeout=120)

    def post_json(self, path: str, body: object, token: str | None = None
                  ) -> tuple[int, object]:
        """POST a JSON document: (status, body)."""
        return http_post_json(f"{self.base}{path}", body, token, timeout=120)

    def get_bytes(self, path: str, token: str | None = None) -> bytes:
        """GET raw content (AssertionError with the error body on a non-2xx answer)."""
        return http_get_bytes(f"{self.base}{path}", token, timeout=600)


def open_viewer(page, server: LiveServer, token: str, *, building: int | None = None,
                timeout_ms: float = 60_000) -> dict:
    """Open /viewer signed in with ``token`` and wait for its first frame; the hook's state."""
    page.add_init_script(f"sessionStorage.setItem('twin.token', {json.dumps(token)});")
    query = f"?building={building}" if building is not None else ""
    page.goto(f"{server.base}/viewer{query}")
    page.wait_for_function("window.twinViewer && (window.twinViewer.isReady || "
                           "window.twinViewer.error)", timeout=timeout_ms)
    error = page.evaluate("window.twinViewer.error")
    if error:
        raise AssertionError(f"the viewer failed: {error}")
    return page.evaluate("window.twinViewer.state()")


class QuietServer(LiveServer):
    """The demo server without the reading simulator."""

    def env(self) -> dict[str, str]:
        return dict(super().env(), TWIN_SIMULATE="false")


def signed_in_page(browser, server: LiveServer, username: str, path: str, *,
                   height: int = 900, **context_options):
    """A new page at ``path`` after signing in there as the demo user ``username``.

    ``page.problems`` collects the page's uncaught errors (tests assert it stays empty).
    """
    from twin.demo import DEMO_USERS

    context = browser.new_context(viewport={"width": 1360, "height": height}, locale="zh-CN",
                                  **context_options)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    page.goto(f"{server.base}{path}")
    page.wait_for_selector(".signin-card")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_USERS[username][1])
    page.click(".signin-submit")
    page.wait_for_selector("[data-testid=nav]")
    return page
