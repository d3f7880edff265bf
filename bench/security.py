"""Benchmark: security events in one process, with the correlation rules on, against the same
ingest without rules, in the same run.

(a) ``rules``     the demo building's security devices: badge-ins (granted, opened, closed) at
    the entrance and plant room, denials, bay changes, plate reads at the gates, and a forced
    door every ``--fault-every`` events, in batches of ``--batch`` through
    :meth:`twin.security.runtime.SecurityService.ingest` with the rules on; alarms go through
    the maintenance alarm lifecycle (saved, announced).
(b) ``no_rules``  the same events, the same ingest (checks, de-duplication, door/bay/gate
    states), no correlation rules.
Event -> alarm latency: from handing a batch holding a forced door to the ingest until the
alarm is in the alarm book (the rules run in the ingest call), p50 / p95.

Targets: (a) >= 1,000 events/s; event -> alarm p95 < 1 s.

Usage::

    python bench/security.py [--events 20000] [--batch 100] [--fault-every 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO))
TARGETS = {"events_per_s": 1000.0, "alarm_p95_s": 1.0}


def _template() -> Path:
    from twin.core.settings import Settings
    from twin.demo import prepare_demo

    folder = OUT / "security-template"
    if not (folder / "twin.db").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        prepare_demo(Settings(data_dir=folder))
    return folder


def _fresh(name: str) -> Path:
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(_template(), folder)
    return folder


def _events(count: int, fault_every: int, now: float) -> list[dict]:
    """A day of traffic ending a minute ago, in time order; every ``fault_every``-th event a
    forced plant-room door."""
    events: list[dict] = []
    step = 86400.0 / count
    n = 0
    while len(events) < count:
        ts = now - 86400 - 60 + len(events) * step
        kind = n % 6
        if len(events) % fault_every == fault_every - 1:
            events.append({"device": "DC-PLANT", "ts": ts, "type": "door.opened"})
        elif kind == 0:
            events += [{"device": "RD-ENTRANCE", "ts": ts, "type": "access.granted",
                        "credential": f"C{n % 900:04d}"},
                       {"device": "DC-ENTRANCE", "ts": ts + step / 3, "type": "door.opened"},
                       {"device": "DC-ENTRANCE", "ts": ts + 2 * step / 3,
                        "type": "door.closed"}]
        elif kind in (1, 2):
            events.append({"device": f"P1-{n % 60 + 1:03d}", "ts": ts,
                           "type": "parking.spot.changed",
                           "status": "occupied" if n % 3 else "free"})
        elif kind == 3:
            events.append({"device": "LPR-GATE-IN" if n % 2 else "LPR-GATE-OUT", "ts": ts,
                           "type": "lpr.read", "plate": f"京AG000{n % 8 + 1}",
                           "confidence": 0.9})
        elif kind == 4:
            events.append({"device": "RD-ENTRANCE", "ts": ts, "type": "access.denied.pin",
                           "credential": "X1"})
        else:
            events.append({"device": "CAM-CARPARK", "ts": ts, "type": "camera.vehicle",
                           "confidence": 0.8, "media": "http://nvr.local/snap.jpg"})
        n += 1
    return events[:count]


def _run(name: str, rules_on: bool, events: list[dict], batch: int) -> dict:
    from sqlalchemy import func, select

    from twin.core.database import Database, migrate
    from twin.core.model_store import GraphStore
    from twin.core.settings import Settings
    from twin.iot.ingest import Ingestor
    from twin.maintenance.service import MaintenanceService
    from twin.portfolio.elements import graph_loader
    from twin.security.runtime import SecurityService
    from twin.security.tables import SecurityEventRow

    folder = _fresh(name)
    settings = Settings(data_dir=folder)
    migrate(settings.resolved_database_url)
    database = Database(settings.resolved_database_url)
    ingestor = Ingestor(database)
    maintenance = MaintenanceService(database, ingestor,
                                     graph_loader(database, GraphStore(settings))).start()
    security = SecurityService(database, ingestor, maintenance,
                               rules=None if rules_on else ())
    building = next(iter(ingestor.devices.values())).building_id
    maintenance.books_of(building)  # the graph loaded before timing, as in a running server
    latencies, refused = [], 0
    started = time.perf_counter()
    for i in range(0, len(events), batch):
        chunk = events[i:i + batch]
        faults = any(e["device"] == "DC-PLANT" for e in chunk)
        before = security.findings
        t0 = time.perf_counter()
        result = security.ingest(chunk, source="bench")
        if faults and rules_on:
            assert security.findings > before, "a forced door raised nothing"
            latencies.append(time.perf_counter() - t0)
        refused += len(result.rejected)
    elapsed = time.perf_counter() - started
    with database.session() as session:
        stored = session.scalar(select(func.count()).select_from(SecurityEventRow))
    alarms = len(maintenance.alarm_list(building, state="all", roots_only=False))
    maintenance.stop()
    database.dispose()
    latencies.sort()
    return {"mode": name, "events": len(events), "stored_rows": stored, "refused": refused,
            "seconds": round(elapsed, 3), "events_per_s": round(len(events) / elapsed, 1),
            "findings": security.findings, "alarms": alarms,
            "alarm_p50_s": round(statistics.median(latencies), 4) if latencies else None,
            "alarm_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 4)
            if latencies else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--fault-every", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="JSON only")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    events = _events(args.events, args.fault_every, time.time())
    results = [_run("no_rules", False, events, args.batch),
               _run("rules", True, events, args.batch)]
    with_rules, without = results[1], results[0]
    summary = {"results": results, "targets": TARGETS,
               "rules_cost_pct": round(100 * (without["events_per_s"] /
                                              with_rules["events_per_s"] - 1), 1),
               "met": {"events_per_s": with_rules["events_per_s"] >= TARGETS["events_per_s"],
                       "alarm_p95_s": (with_rules["alarm_p95_s"] or 0) <
                       TARGETS["alarm_p95_s"]}}
    print(json.dumps(summary, ensure_ascii=False))
    if args.json:
        return
    print()
    print("| mode | events | stored rows | refused | s | events/s | findings | alarms | "
          "alarm p50 s | alarm p95 s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['mode']} | {r['events']} | {r['stored_rows']} | {r['refused']} | "
              f"{r['seconds']} | {r['events_per_s']} | {r['findings']} | {r['alarms']} | "
              f"{r['alarm_p50_s']} | {r['alarm_p95_s']} |")
    print(f"\nthe rules cost {summary['rules_cost_pct']} % of throughput; targets met: "
          f"{summary['met']}")


if __name__ == "__main__":
    main()
