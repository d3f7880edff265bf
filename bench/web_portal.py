"""Benchmark: the web portal's time to first meaningful content in headless Chromium, and the
size of its bundle.

Builds the portal (scripts/build-portal.sh), starts the real server (demo data in a temporary
folder, uvicorn on loopback), then loads two pages ``--repeat`` times each in fresh browser
contexts already signed in (the token in sessionStorage), and records the time since navigation
start until the page shows what it is for:

- the home page (``/``): the building card with its KPIs filled in (compliance counts, alarms,
  work orders, devices online);
- the room table (``/housing/rooms?verdict=over``): the table's rows and the three charts.

The room table shows 100 rows a page (sorted over every matching room) and asks for the
rectification plan (the chart per department) after the rooms.

``--big`` adds the 5,000-room building (``twin sample --storeys 40 --rooms-per-storey 125``
with its people: about 30 s to generate, then parsed and loaded with its allocations, and put
in the user's scope) and measures its room table, every room (``/housing/rooms``), until the
rows and the charts show. Target: under 3 s (the sample's home: under 1.5 s).

The bundle is measured on disk: each file of web/portal/dist/assets gzip-compressed (level 9),
what index.html loads first, and the whole. Prints JSON (only that with ``--json``), then a
table.

Usage::

    python bench/web_portal.py [--json] [--repeat 5] [--user manager] [--big] [--data DIR]

``--data DIR`` keeps the server's data folder there (a second run reuses the generated
5,000-room building instead of making it again).
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
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Keep bench/ off the path: its scripts must not shadow the packages (e.g. `viewer`).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO / "tests"))

from browser import LiveServer, launch_chromium  # noqa: E402

DIST = REPO / "web" / "portal" / "dist"
BIG_NAME = "Sample 40 storeys x 125 rooms (bench)"
TARGETS_MS = {"home": 1500.0, "room_table": 3000.0, "big_room_table": 3000.0,
              "big_room_table_complete": 3000.0}
VIEWPORT = {"width": 1280, "height": 800}
PAGES = {
    "home": ("/", "document.querySelector(\"[data-kpi=over] b\")?.textContent.match(/\\d/) "
                  "&& document.querySelector(\"[data-kpi=online] b\")?.textContent.includes('%')"),
    "room_table": ("/housing/rooms?verdict=over",
                   "document.querySelectorAll('.room-table .el-table__body tr').length > 0 "
                   "&& document.querySelectorAll('.chart canvas').length >= 3"),
}
#: The 5,000-room building's room table: its count says every judged room (``{rooms}``, from
#: the API), its first page of rows and the charts per verdict and per storey drawn (the chart
#: per department follows with the rectification plan: ``BIG_COMPLETE``).
BIG_READY = ("Number(document.querySelector('[data-testid=room-count]')?.dataset.count) "
             "=== {rooms} "
             "&& document.querySelectorAll('.room-table .el-table__body tr').length > 0 "
             "&& document.querySelectorAll('.chart canvas').length >= 2")
BIG_COMPLETE = BIG_READY.replace(".length >= 2", ".length >= 3")


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


_BIG_LOADER = """
import sys
from sqlalchemy import select
from bim_models.sample import generate_sample
from spaces import open_building
from spaces.allocations import read_allocations
from spaces.compliance import room_labels
from twin.core import accounts
from twin.core.database import Database, migrate
from twin.core.model_store import ParsedRevision, store_model_file
from twin.core.settings import Settings
from twin.core.tables import Building
from twin.housing import store as housing
from twin.portfolio import service as portfolio
settings = Settings()
name, user = sys.argv[1], sys.argv[2]
path = settings.data_dir / "big" / "office-5000.ifc"
if not path.is_file():
    generate_sample(path, storeys=40, rooms_per_storey=125)
migrate(settings.resolved_database_url)
database = Database(settings.resolved_database_url)
with database.session() as session:
    building = session.scalar(select(Building).where(Building.name == name))
    if building is None:
        model, graph = open_building(path, cache_dir=settings.resolved_cache_dir)
        store_model_file(path, model.sha256, settings)
        building = portfolio.create_building(
            session, name=name, parsed=ParsedRevision.of_building(model, graph),
            filename=path.name, actor="bench")
        session.flush()
        allocations = read_allocations(
            path.parent / "allocations.csv",
            rooms=room_labels(housing.room_facts_of(session, building)))
        housing.replace_allocations(session, building, allocations, actor="bench")
    scope = [b.id for b in session.scalars(select(Building))]
    accounts.set_user_buildings(session, user, scope, actor="bench")
    print(building.id)
database.dispose()
"""


def load_big(server: LiveServer, user: str) -> int:
    """Generate the 5,000-room building (with its people), load it into the server's data
    with its allocations and put it in ``user``'s scope; its id."""
    result = subprocess.run([sys.executable, "-c", _BIG_LOADER, BIG_NAME, user],
                            env=server.env(), capture_output=True, text=True, cwd=REPO,
                            timeout=3600)
    if result.returncode != 0:
        raise SystemExit("bench/web_portal.py: loading the 5,000-room building failed: "
                         f"{result.stderr.strip()[-1500:]}")
    return int(result.stdout.strip().splitlines()[-1])


def _measure(browser, url: str, token: str, ready: str, building: int | None = None) -> float:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        context.add_init_script(f"sessionStorage.setItem('twin.token', {json.dumps(token)});")
        if building is not None:
            context.add_init_script(f"sessionStorage.setItem('twin.building', '{building}');")
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
    parser.add_argument("--big", action="store_true",
                        help="add the 5,000-room building's room table")
    parser.add_argument("--data", type=Path, default=None,
                        help="the server's data folder, kept (default: a temporary one)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from twin.demo import DEMO_USERS

    build_portal()
    result = {"bundle": bundle_sizes(), "pages": {}, "repeat": args.repeat, "user": args.user}
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as tmp:
        server = LiveServer(args.data.resolve() if args.data else Path(tmp) / "data")
        server.prepare()
        big = load_big(server, args.user) if args.big else None
        server.start()
        try:
            token = server.token(args.user, DEMO_USERS[args.user][1])
            big_ready = big_complete = ""
            if big is not None:  # the compliance of 5,000 rooms, judged once before timing
                _status, judged = server.get_json(f"/buildings/{big}/compliance", token)
                started = time.perf_counter()
                server.get_json(f"/buildings/{big}/compliance", token)
                compliance_ms = (time.perf_counter() - started) * 1000
                big_ready = BIG_READY.format(rooms=len(judged["rooms"]))
                big_complete = BIG_COMPLETE.format(rooms=len(judged["rooms"]))
                result["big_building"] = {"id": big, "judged_rooms": len(judged["rooms"]),
                                          "counts": judged["counts"],
                                          "compliance_api_ms": round(compliance_ms, 1)}
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                try:
                    _measure(browser, f"{server.base}/", token, PAGES["home"][1])  # warm-up
                    pages = [(name, path, ready, None) for name, (path, ready) in PAGES.items()]
                    if big is not None:
                        pages.append(("big_room_table", "/housing/rooms", big_ready, big))
                        pages.append(("big_room_table_complete", "/housing/rooms", big_complete,
                                      big))
                        _measure(browser, f"{server.base}/housing/rooms", token, big_ready,
                                 big)  # warm-up
                    for name, path, ready, building in pages:
                        runs = [_measure(browser, f"{server.base}{path}", token, ready,
                                         building) for _ in range(args.repeat)]
                        median = statistics.median(runs)
                        result["pages"][name] = {
                            "path": path, "building": building,
                            "median_ms": round(median, 1),
                            "runs_ms": [round(r, 1) for r in runs],
                            "target_ms": TARGETS_MS[name],
                            "met": median < TARGETS_MS[name]}
                finally:
                    browser.close()
        finally:
            server.stop()
    print(json.dumps(result, indent=2))
    if not args.json:
        bundle = result["bundle"]
        print(f"\n{'page':<24} {'path':<30} {'first content (median ms)':>26}  target")
        for name, page in result["pages"].items():
            print(f"{name:<24} {page['path']:<30} {page['median_ms']:>26.1f}  "
                  f"< {page['target_ms']:.0f} {'met' if page['met'] else 'NOT met'}")
        print(f"\nbundle: JS {bundle['js_gzip'] / 1024:.1f} KiB gzip "
              f"({bundle['js_raw'] / 1024:.0f} KiB raw), CSS {bundle['css_gzip'] / 1024:.1f} KiB "
              f"gzip; loaded first {bundle['initial_gzip'] / 1024:.1f} KiB gzip; largest chunk "
              f"{bundle['largest']['file']} {bundle['largest']['gzip'] / 1024:.1f} KiB gzip")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
