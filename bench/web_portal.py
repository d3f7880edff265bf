"""Benchmark: the web portal's time to first meaningful content in headless Chromium, and the
size of its bundle.

Builds the portal (scripts/build-portal.sh), starts the real server (demo data in a temporary
folder, uvicorn on loopback), then loads two pages ``--repeat`` times each in fresh browser
contexts already signed in (the token in sessionStorage), and records the time since navigation
start until the page shows what it is for:

- the home page (``/``): the building card with its KPIs filled in (compliance counts, alarms,
  work orders, devices online);
- the room table (``/housing/rooms?verdict=over``): the table's rows and the three charts.

The bundle is measured on disk: each file of web/portal/dist/assets gzip-compressed (level 9),
what index.html loads first, and the whole. Prints JSON (only that with ``--json``), then a
table.

Usage::

    python bench/web_portal.py [--json] [--repeat 5] [--user manager]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Keep bench/ off the path: its scripts must not shadow the packages (e.g. `viewer`).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO / "tests"))

from browser import LiveServer, launch_chromium  # noqa: E402

DIST = REPO / "web" / "portal" / "dist"
VIEWPORT = {"width": 1280, "height": 800}
PAGES = {
    "home": ("/", "document.querySelector(\"[data-kpi=over] b\")?.textContent.match(/\\d/) "
                  "&& document.querySelector(\"[data-kpi=online] b\")?.textContent.includes('%')"),
    "room_table": ("/housing/rooms?verdict=over",
                   "document.querySelectorAll('.room-table .el-table__body tr').length > 0 "
                   "&& document.querySelectorAll('.chart canvas').length >= 3"),
}


def build_portal() -> None:
    """Run scripts/build-portal.sh (idempotent)."""
    result = subprocess.run(["bash", str(REPO / "scripts" / "build-portal.sh")],
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise SystemExit(f"bench/web_portal.py: the build failed: {result.stderr.strip()}")


def bundle_sizes(dist: Path = DIST) -> dict:
    """Raw and gzip (level 9) bytes of the built files: all, and what index.html loads first.

    Parameters
    ----------
    dist : Path
        The built portal (index.html and assets/).

    Returns
    -------
    dict
        ``js_gzip``, ``css_gzip``, ``initial_gzip`` (the files index.html names), ``largest``
        (the biggest chunk's name and gzip bytes), and the raw totals.
    """
    files = sorted((dist / "assets").iterdir())
    gz = {f.name: len(gzip.compress(f.read_bytes(), compresslevel=9)) for f in files}
    raw = {f.name: f.stat().st_size for f in files}
    index = (dist / "index.html").read_text(encoding="utf-8")
    initial = set(re.findall(r'/assets/([\w.-]+)', index))
    largest = max(gz, key=gz.get)
    return {"js_raw": sum(v for k, v in raw.items() if k.endswith(".js")),
            "js_gzip": sum(v for k, v in gz.items() if k.endswith(".js")),
            "css_gzip": sum(v for k, v in gz.items() if k.endswith(".css")),
            "initial_gzip": sum(gz[name] for name in initial),
            "files": len(files), "largest": {"file": largest, "gzip": gz[largest]}}


def _measure(browser, url: str, token: str, ready: str) -> float:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        context.add_init_script(f"sessionStorage.setItem('twin.token', {json.dumps(token)});")
        page = context.new_page()
        page.goto(url)
        handle = page.wait_for_function(f"({ready}) ? performance.now() : false",
                                        polling="raf", timeout=120_000)
        return float(handle.json_value())
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints JSON and a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON document")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--user", default="manager", help="a demo account with housing.read")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from twin.demo import DEMO_USERS

    build_portal()
    result = {"bundle": bundle_sizes(), "pages": {}, "repeat": args.repeat, "user": args.user}
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as tmp:
        server = LiveServer(Path(tmp) / "data")
        server.prepare()
        server.start()
        try:
            token = server.token(args.user, DEMO_USERS[args.user][1])
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                try:
                    _measure(browser, f"{server.base}/", token, PAGES["home"][1])  # warm-up
                    for name, (path, ready) in PAGES.items():
                        runs = [_measure(browser, f"{server.base}{path}", token, ready)
                                for _ in range(args.repeat)]
                        result["pages"][name] = {
                            "path": path, "median_ms": round(statistics.median(runs), 1),
                            "runs_ms": [round(r, 1) for r in runs]}
                finally:
                    browser.close()
        finally:
            server.stop()
    print(json.dumps(result, indent=2))
    if not args.json:
        bundle = result["bundle"]
        print(f"\n{'page':<12} {'path':<30} {'first content (median ms)':>26}")
        for name, page in result["pages"].items():
            print(f"{name:<12} {page['path']:<30} {page['median_ms']:>26.1f}")
        print(f"\nbundle: JS {bundle['js_gzip'] / 1024:.1f} KiB gzip "
              f"({bundle['js_raw'] / 1024:.0f} KiB raw), CSS {bundle['css_gzip'] / 1024:.1f} KiB "
              f"gzip; loaded first {bundle['initial_gzip'] / 1024:.1f} KiB gzip; largest chunk "
              f"{bundle['largest']['file']} {bundle['largest']['gzip'] / 1024:.1f} KiB gzip")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
