"""Benchmark of 公物仓 (the shared asset pool): catalogue search, list pages and availability
over 100,000 assets, against the naive way, in the same run.

* A fresh SQLite database (the embedded default, migrated) holds 30 units, 100,000 assets
  across classes and models, and 60,000 loan requests with dates (past, current and future).
* **Ours** is what ``GET /assets?q=``, ``GET /assets?page=`` and
  ``GET /assets/{id}/availability`` run (:func:`twin.assets.service.search_assets`,
  :func:`twin.assets.service.availability`): one COUNT and one page query on indexed columns,
  and the item's bookings through the ``(asset_id, state)`` index.
* **Naive** is what a first version writes (and what makes Snipe-IT take 20 s a page at
  1.4 M assets): load every asset row into objects, filter and sort in Python, slice the page;
  for availability, load every booking and keep the item's.

Targets: search and list page p95 < 300 ms; availability p95 < 20 ms.
Prints one JSON document, then a table.

Usage::

    python -P bench/assets.py [--assets 100000] [--queries 40]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# this file is called assets.py: without ``python -P`` its folder would shadow the package
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from sqlalchemy import insert, select

from assets.reservations import Booking, free_quantity
from twin.assets import service
from twin.assets.seed import SAMPLE_UNITS
from twin.assets.tables import AssetRequestRow, AssetRow, AssetUnitRow
from twin.core.database import Database, migrate

NAMES = ("办公桌", "办公椅", "文件柜", "会议桌", "沙发", "笔记本电脑", "台式计算机", "显示器",
         "打印机", "扫描仪", "投影仪", "摄像头", "话筒", "空气净化器", "电暖器", "书柜")
CLASSES = ("furniture", "furniture", "furniture", "furniture", "furniture", "it", "it", "it",
           "office_equipment", "office_equipment", "av", "av", "av", "appliance", "appliance",
           "furniture")
STATES = ("available",) * 7 + ("on_loan", "transferred", "repair")
TODAY = date(2027, 6, 1)


def fill(database: Database, count: int, rng: random.Random) -> None:
    """Units, ``count`` assets and 0.6 × ``count`` dated loan requests, in bulk."""
    with database.session() as session:
        session.execute(insert(AssetUnitRow), [{"id": n + 1, "code": f"U{n + 1:02d}",
                                                "name": name}
                                               for n, name in enumerate(SAMPLE_UNITS)])
        rows = []
        for n in range(1, count + 1):
            kind = rng.randrange(len(NAMES))
            rows.append({"id": n, "name": f"{NAMES[kind]} {n}", "asset_class": CLASSES[kind],
                         "model": f"M-{kind:02d}-{rng.randrange(40):02d}", "kind": "item",
                         "quantity": 1, "owner_unit_id": rng.randint(1, 30),
                         "room": f"{rng.randint(1, 6)}F-{rng.randint(1, 30):03d}",
                         "value": float(rng.randint(100, 20000)), "residual": 0.0,
                         "purchase_date": TODAY - timedelta(days=rng.randint(30, 4000)),
                         "state": rng.choice(STATES)})
        for first in range(0, len(rows), 20_000):
            session.execute(insert(AssetRow), rows[first:first + 20_000])
        requests = []
        for n in range(int(count * 0.6)):
            start = TODAY + timedelta(days=rng.randint(-300, 120))
            requests.append({"id": n + 1, "kind": "loan", "asset_id": rng.randint(1, count),
                             "unit_id": rng.randint(1, 30), "requester": "bench",
                             "state": "completed" if start < TODAY - timedelta(days=30)
                             else rng.choice(("pending", "approved", "on_loan")),
                             "quantity": 1, "start": start,
                             "end": start + timedelta(days=rng.randint(1, 20)), "renewals": 0,
                             "reason": "", "chain": "bench", "steps": [], "approvals": [],
                             "created_at": datetime(2027, 1, 1, tzinfo=UTC)})
        for first in range(0, len(requests), 20_000):
            session.execute(insert(AssetRequestRow), requests[first:first + 20_000])


def timed(function, runs: list) -> list[float]:
    """Milliseconds of ``function(arg)`` for every arg of ``runs``."""
    out = []
    for arg in runs:
        started = time.perf_counter()
        function(arg)
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[max(int(len(ordered) * 0.95) - 1, 0)], 2),
            "max_ms": round(ordered[-1], 2)}


def naive_search(session, q: str | None, page: int, size: int = 50):
    everything = session.scalars(select(AssetRow)).all()
    hits = [a for a in everything if not q or q in a.name or q in a.model or a.room == q]
    hits.sort(key=lambda a: -a.id)
    return hits[(page - 1) * size:page * size], len(hits)


def naive_availability(session, asset_id: int, start: date, end: date) -> int:
    bookings = [Booking(r.start, r.end, str(r.id)) for r in session.scalars(
        select(AssetRequestRow)).all()
        if r.asset_id == asset_id and r.state in service.BOOKING_STATES]
    lendable = session.get(AssetRow, asset_id).state not in ("transferred", "disposed", "repair")
    return free_quantity(bookings, 1, start, end) if lendable else 0


def run(count: int, queries: int, seed: int) -> dict:
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="bench-assets-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate(url)
    database = Database(url)
    started = time.perf_counter()
    fill(database, count, rng)
    filled_s = time.perf_counter() - started
    searches = [rng.choice((*NAMES, "M-03-1", "5F-017", "不存在的名称")) for _ in range(queries)]
    pages = [rng.randint(1, 200) for _ in range(queries)]
    items = [rng.randint(1, count) for _ in range(queries * 5)]
    naive_runs = 5  # each naive call takes seconds
    results = {}
    with database.session() as session:
        span = (TODAY + timedelta(days=3), TODAY + timedelta(days=9))
        service.search_assets(session, None, q="warm-up")
        results["search"] = {
            "ours": summary(timed(lambda q: service.search_assets(session, None, q=q,
                                                                  size=50), searches)),
            "naive": summary(timed(lambda q: naive_search(session, q, 1),
                                   searches[:naive_runs]))}
        results["list_page"] = {
            "ours": summary(timed(lambda p: service.search_assets(session, None, page=p,
                                                                  size=50), pages)),
            "naive": summary(timed(lambda p: naive_search(session, None, p),
                                   pages[:naive_runs]))}
        results["availability"] = {
            "ours": summary(timed(lambda i: service.availability(session, None, i, *span),
                                  items)),
            "naive": summary(timed(lambda i: naive_availability(session, i, *span),
                                   items[:naive_runs]))}
        # both give the same answers
        for q in searches[:5]:
            ours, total = service.search_assets(session, None, q=q, size=50)
            slow, slow_total = naive_search(session, q, 1)
            assert total == slow_total and [a.id for a in ours] == [a.id for a in slow], q
        for i in items[:20]:
            assert service.availability(session, None, i, *span).free_quantity == \
                naive_availability(session, i, *span)
    database.dispose()
    targets = {"search": 300, "list_page": 300, "availability": 20}
    for name, figures in results.items():
        figures["speed-up_p50"] = round(figures["naive"]["p50_ms"] / figures["ours"]["p50_ms"], 1)
        figures["target_p95_ms"] = targets[name]
        figures["met"] = figures["ours"]["p95_ms"] < targets[name]
    return {"assets": count, "requests": int(count * 0.6), "fill_s": round(filled_s, 2),
            "database": "sqlite", "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    report = run(args.assets, args.queries, args.seed)
    print(json.dumps(report, ensure_ascii=False))
    print(f"\n{report['assets']:,} assets, {report['requests']:,} loan requests "
          f"(filled in {report['fill_s']} s, SQLite)")
    print(f"{'operation':<14}{'ours p50':>10}{'ours p95':>10}{'naive p50':>11}"
          f"{'naive p95':>11}{'speed-up':>10}{'target':>9}  met")
    for name, f in report["results"].items():
        print(f"{name:<14}{f['ours']['p50_ms']:>10}{f['ours']['p95_ms']:>10}"
              f"{f['naive']['p50_ms']:>11}{f['naive']['p95_ms']:>11}{f['speed-up_p50']:>10}"
              f"{f['target_p95_ms']:>9}  {'yes' if f['met'] else 'NO'}")


if __name__ == "__main__":
    main()
