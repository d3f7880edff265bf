"""Route queries and rule evaluation: how fast, against what a user would otherwise write.

Routes: median / p99 time of ``spaces.routing.route`` over random room pairs on the sample
building and on its 5,000-room variant, against the baseline a user would write:
``networkx.shortest_path`` on the full building MultiDiGraph with a weight function (walk edges
only, straight-line lengths) for every query. Rules: readings per second through
``maintenance.RuleEvaluator`` (default rules) on a day of the sample's device profiles with its
injected faults, against the ingest target of 50,000 readings/s (rules may take 20 % of it).

Usage: ``python bench/route.py [--json] [--pairs 500] [--baseline-pairs 100] [--no-big]
[--work DIR]``. Prints one JSON document (with ``--json`` only that) and then a table.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

from bim_models.sample import generate_sample
from bim_models.sample.profiles import Fault, value_at
from maintenance import AlarmBook, DeviceInfo, Reading, RuleEvaluator, served_spaces
from spaces import open_building
from spaces.queries import WALK_EDGES
from spaces.routing import route, walk_index

INGEST_TARGET = 50_000
RULE_SHARE = 0.20


def _position(graph, node):
    data = graph.nodes[node]
    if data.get("position") is not None:
        return data["position"]
    c = data["footprint"].representative_point()
    return (c.x, c.y, data["z_range"][0])


def baseline_route(graph, a, b):
    """What a user would write: Dijkstra over the whole graph with a weight callable."""
    def weight(u, v, edges):
        if not any(k in WALK_EDGES for k in edges):
            return None
        if "storey" in (graph.nodes[u]["kind"], graph.nodes[v]["kind"]):
            return None
        return math.dist(_position(graph, u), _position(graph, v))
    return nx.shortest_path(graph, a, b, weight=weight)


def _stats(seconds):
    ms = sorted(s * 1e3 for s in seconds)
    return {"median_ms": round(statistics.median(ms), 3),
            "p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 3),
            "n": len(ms)}


def bench_routes(label, ifc, pairs, baseline_pairs, seed=1):
    _, graph = open_building(ifc)
    t = time.perf_counter()
    walk_index(graph)
    build_s = time.perf_counter() - t
    rooms = [n for n, d in graph.nodes(data=True)
             if d["kind"] == "space" and d.get("footprint") is not None]
    rng = random.Random(seed)
    chosen = [tuple(rng.sample(rooms, 2)) for _ in range(pairs)]
    ours = []
    for a, b in chosen:
        t = time.perf_counter()
        route(graph, b, start=a)
        ours.append(time.perf_counter() - t)
    base = []
    for a, b in chosen[:baseline_pairs]:
        t = time.perf_counter()
        baseline_route(graph, a, b)
        base.append(time.perf_counter() - t)
    o, b = _stats(ours), _stats(base)
    return {"building": label, "spaces": len(rooms), "index_build_s": round(build_s, 3),
            "ours": o, "baseline": b,
            "speedup_median": round(b["median_ms"] / o["median_ms"], 1),
            "target_met": o["p99_ms"] < 10.0}


def bench_rules(folder: Path, hours=24):
    rows = list(csv.DictReader((folder / "devices.csv").open(encoding="utf-8")))
    faults = [Fault.from_dict(f) for f in json.loads((folder / "faults.json").read_text())]
    infos = [DeviceInfo(r["device_id"], r["kind"], r["equipment_global_id"],
                        r["space_global_id"] or None) for r in rows]
    start = dt.datetime(2026, 11, 2)
    stream = []
    for step in range(hours * 12):
        t = start + dt.timedelta(minutes=5 * step)
        ts = t.replace(tzinfo=dt.UTC).timestamp()
        for row, info in zip(rows, infos, strict=True):
            value = value_at(row, t, faults=faults)
            if value is not None:
                stream.append((Reading(info.device_id, ts, value), info))
    _, graph = open_building(folder / "office.ifc")
    best = math.inf
    for _ in range(3):
        evaluator = RuleEvaluator()
        t = time.perf_counter()
        events = evaluator.evaluate_many(stream)
        best = min(best, time.perf_counter() - t)
    book = AlarmBook(served_spaces(graph))
    t = time.perf_counter()
    book.apply_all(events)
    book_s = time.perf_counter() - t
    rate = len(stream) / best
    per_reading_us = best / len(stream) * 1e6
    budget_us = 1e6 / INGEST_TARGET * RULE_SHARE
    return {"readings": len(stream), "devices": len(rows), "events": len(events),
            "alarms": len(book.alarms), "roots": sum(a.parent_id is None
                                                     for a in book.alarms.values()),
            "readings_per_s": round(rate), "us_per_reading": round(per_reading_us, 3),
            "budget_us_per_reading": budget_us,
            "share_of_ingest_at_50k": round(per_reading_us / (1e6 / INGEST_TARGET), 3),
            "alarm_book_s": round(book_s, 4), "target_met": per_reading_us <= budget_us}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON document")
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--baseline-pairs", type=int, default=100)
    parser.add_argument("--no-big", action="store_true", help="skip the 5,000-room building")
    parser.add_argument("--work", type=Path, default=None, help="folder for the samples")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-route-"))
    small = work / "sample" / "office.ifc"
    if not small.exists():
        generate_sample(small)
    results = {"routes": [bench_routes("sample (133 spaces)", small, args.pairs,
                                       args.baseline_pairs)]}
    if not args.no_big:
        big = work / "big" / "office.ifc"
        if not big.exists():
            generate_sample(big, storeys=40, rooms_per_storey=125, with_people=False)
        results["routes"].append(bench_routes("sample 40 storeys x 125 rooms", big,
                                              args.pairs, args.baseline_pairs))
    results["rules"] = bench_rules(small.parent)
    print(json.dumps(results, indent=1))
    if not args.json:
        print("\n| building | spaces | index build s | ours median ms | ours p99 ms | "
              "baseline median ms | baseline p99 ms | speed-up | < 10 ms |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in results["routes"]:
            print(f"| {r['building']} | {r['spaces']} | {r['index_build_s']} | "
                  f"{r['ours']['median_ms']} | {r['ours']['p99_ms']} | "
                  f"{r['baseline']['median_ms']} | {r['baseline']['p99_ms']} | "
                  f"{r['speedup_median']}x | {'met' if r['target_met'] else 'missed'} |")
        r = results["rules"]
        print(f"\nrules: {r['readings']:,} readings of {r['devices']} devices -> "
              f"{r['readings_per_s']:,} readings/s ({r['us_per_reading']} µs each; budget "
              f"{r['budget_us_per_reading']} µs = 20 % of 50,000/s ingest; share at 50k/s: "
              f"{r['share_of_ingest_at_50k']:.0%}); {r['events']} events, "
              f"{r['alarms']} alarms ({r['roots']} root)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
