"""Benchmark: 数字节能 indicators over a year of hourly meter counters, against pandas.

Stores ``--meters`` meters x ``--days`` of hourly counter readings (1,000 x 365 = 8.76 M
readings) in a fresh SQLite database, with the hourly and daily rollups the ingest keeps, then
times (a) every indicator of the building-year (:func:`twin.energy.analysis.indicators`:
per carrier by category and month, by storey, cost with time-of-use tariffs, kgce, CO2, quota
verdicts), (b) ``energy/summary`` for the year (p50/p95 over ``--repeat`` calls), against (c)
the obvious pandas ``groupby`` over the raw readings (read them, diff per meter, group by
category and month). (a) and (c) must give the same kWh per category. Targets: (a) < 60 s,
(b) p95 < 300 ms. Prints JSON, then a table.

Usage::

    python bench/energy.py [--meters 1000] [--days 365] [--repeat 20] [--db PATH]

With ``--db`` naming a database an earlier run stored, only the queries are timed again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# this file is named like the ``energy`` package: keep its folder off the import path
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

CATEGORIES = ("a1", "a2", "b1", "b2", "c1", "c2", "c3", "d1", "d6")
START = dt.datetime(2026, 1, 1)


def _create(db: Path, meters: int, days: int) -> dict:
    """A database with one building, its meters and their hourly history."""
    from twin.core.database import migrate

    url = f"sqlite:///{db}"
    migrate(url)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    now = dt.datetime.now().isoformat()
    con.execute("INSERT INTO buildings (id, name, created_at) VALUES (1, 'bench', ?)", (now,))
    con.execute("INSERT INTO revisions (id, building_id, number, sha256, filename, schema, "
                "counts, warnings, created_at) VALUES (1, 1, 1, 'x', 'x.ifc', 'IFC4', '{}', "
                "'[]', ?)", (now,))
    rows = [(1, 1, "B-MAIN", "energy", "kWh", "total_increasing", 0.0, 1e12, "bench", now,
             None, None, None)]
    for n in range(1, meters):
        rows.append((n + 1, 1, f"B-{n:05d}", "energy", "kWh", "total_increasing", 0.0, 1e12,
                     "bench", now, "B-MAIN", CATEGORIES[n % len(CATEGORIES)], f"S{n % 10}"))
    con.executemany("INSERT INTO devices (id, building_id, key, kind, unit, state_class, "
                    "minimum, maximum, source, created_at, parent, category, storey) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    hours = (int(START.replace(tzinfo=dt.UTC).timestamp()) // 3600
             + np.arange(days * 24, dtype=np.int64)) * 3600
    hour_of_day = (hours % 86400) // 3600
    weekday = ((hours // 86400) + 3) % 7
    work = (weekday < 5) & (hour_of_day >= 8) & (hour_of_day < 18)
    rng = np.random.default_rng(7)
    total = np.zeros(len(hours))
    stored = 0
    day_index = hours // 86400
    starts = np.flatnonzero(np.r_[True, day_index[1:] != day_index[:-1]])
    ends = np.r_[starts[1:], len(hours)] - 1

    def store(pk: int, load: np.ndarray) -> None:
        nonlocal stored
        counter = np.round(1000.0 + np.cumsum(load), 3)
        ts = (hours * 1000).tolist()
        values = counter.tolist()
        con.executemany("INSERT INTO readings (device_id, ts, value) VALUES (?,?,?)",
                        zip([pk] * len(ts), ts, values, strict=True))
        con.executemany("INSERT INTO rollups (device_id, resolution, bucket, count, min, max, "
                        "sum, first, first_ts, last, last_ts) VALUES (?,3600,?,1,?,?,?,?,?,?,?)",
                        zip([pk] * len(ts), hours.tolist(), values, values, values, values, ts,
                            values, ts, strict=True))
        con.executemany("INSERT INTO rollups (device_id, resolution, bucket, count, min, max, "
                        "sum, first, first_ts, last, last_ts) VALUES (?,86400,?,?,?,?,?,?,?,?,?)",
                        zip([pk] * len(starts), (day_index[starts] * 86400).tolist(),
                            np.diff(np.r_[starts, len(hours)]).tolist(),
                            counter[starts].tolist(), counter[ends].tolist(),
                            np.add.reduceat(counter, starts).tolist(),
                            counter[starts].tolist(), (hours[starts] * 1000).tolist(),
                            counter[ends].tolist(), (hours[ends] * 1000).tolist(),
                            strict=True))
        stored += len(ts)

    for pk in range(2, meters + 1):
        base, peak = rng.uniform(0.2, 2.0), rng.uniform(2.0, 20.0)
        load = np.where(work, peak, base) * (1 + 0.05 * rng.standard_normal(len(hours)))
        load = np.maximum(load, 0.0)
        total += load
        store(pk, load)
    store(1, total * 1.03)  # the main meter: its sub-meters and 3 % unmetered
    con.commit()
    con.close()
    return {"url": url, "readings": stored, "hours": len(hours)}


def _ours(url: str, year: int, repeat: int) -> dict:
    from sqlalchemy import select

    from twin.core.database import Database
    from twin.core.tables import Building
    from twin.energy import analysis, service

    database = Database(url)
    try:
        with database.session() as session:
            building = session.scalar(select(Building))
            start = time.perf_counter()
            data = analysis.indicators(session, building, year=year, zone="cold")
            indicators_s = time.perf_counter() - start
            period = service.Period(service.seconds_of(dt.date(year, 1, 1)),
                                    service.seconds_of(dt.date(year + 1, 1, 1)))
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                summary = service.summary(session, building, period=period,
                                          group_by="category", interval="month")
                times.append(time.perf_counter() - start)
    finally:
        database.dispose()
    by_category = {g["key"]: g["total"] for g in summary["groups"] if g["key"] != "unassigned"}
    times.sort()
    return {"indicators_s": indicators_s, "summary_p50_s": statistics.median(times),
            "summary_p95_s": times[min(len(times) - 1, int(0.95 * len(times)))],
            "by_category": by_category, "quotas": len(data["quotas"])}


def _pandas(db: Path, year: int) -> dict:
    import pandas as pd

    start = time.perf_counter()
    con = sqlite3.connect(db)
    a = int(dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
    b = int(dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
    readings = pd.read_sql_query("SELECT device_id, ts, value FROM readings WHERE ts >= ? - "
                                 "3600000 AND ts < ?", con, params=(a, b))
    devices = pd.read_sql_query("SELECT id AS device_id, category FROM devices", con)
    con.close()
    readings = readings.sort_values(["device_id", "ts"])
    readings["kwh"] = readings.groupby("device_id")["value"].diff()
    readings = readings[readings["ts"] >= a].dropna(subset=["kwh"])
    readings["month"] = pd.to_datetime(readings["ts"], unit="ms").dt.to_period("M")
    merged = readings.merge(devices, on="device_id")
    table = merged.groupby(["category", "month"])["kwh"].sum()
    by_category = table.groupby(level=0).sum().to_dict()
    return {"seconds": time.perf_counter() - start, "by_category": by_category,
            "rows_read": len(readings)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-energy-"))
    db = args.db or folder / "energy.db"
    start = time.perf_counter()
    if db.exists():  # stored by an earlier run: time the queries again
        con = sqlite3.connect(db)
        count = con.execute("SELECT count(*) FROM readings").fetchone()[0]
        con.close()
        made = {"url": f"sqlite:///{db}", "readings": count}
    else:
        made = _create(db, args.meters, args.days)
    create_s = time.perf_counter() - start
    ours = _ours(made["url"], START.year, args.repeat)
    baseline = _pandas(db, START.year)
    same = all(abs(ours["by_category"].get(k, 0.0) - v) <= 1e-6 * max(1.0, abs(v))
               for k, v in baseline["by_category"].items())
    result = {"meters": args.meters, "days": args.days, "readings": made["readings"],
              "create_s": round(create_s, 1),
              "indicators_s": round(ours["indicators_s"], 3),
              "summary_p50_ms": round(ours["summary_p50_s"] * 1000, 1),
              "summary_p95_ms": round(ours["summary_p95_s"] * 1000, 1),
              "pandas_groupby_s": round(baseline["seconds"], 3),
              "same_kwh_per_category": same,
              "targets": {"indicators_s": 60, "summary_p95_ms": 300}}
    print(json.dumps(result))
    print(f"\n{'what':<44}{'value':>14}")
    for label, value in (("readings stored", f"{made['readings']:,}"),
                         ("all indicators of the year (s)", result["indicators_s"]),
                         ("energy/summary year p50 (ms)", result["summary_p50_ms"]),
                         ("energy/summary year p95 (ms)", result["summary_p95_ms"]),
                         ("pandas groupby over raw readings (s)", result["pandas_groupby_s"]),
                         ("same kWh per category", same)):
        print(f"{label:<44}{value!s:>14}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
