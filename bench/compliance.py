"""Benchmark: office-space compliance over a large portfolio, against a naive scan.

Builds 10,000+ rooms and their people from the 5,000-room sample plan taken twice (two
buildings' worth, GlobalIds kept apart), then times :func:`spaces.compliance.assess` and, as
the baseline a script writer would produce, a per-room scan of every assignment. Both must give
the same verdict counts. Target: ``assess`` under 0.5 s. Prints JSON, then a table.

Usage::

    python bench/compliance.py [--storeys 40] [--rooms-per-storey 125] [--copies 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter

from bim_models.sample import plan_sample
from bim_models.sample.people import SAMPLE_DATE, plan_people
from spaces.allocations import Allocations, Assignment, Person
from spaces.area_standards import rule_set_for
from spaces.compliance import RoomFacts, assess

TARGET_S = 0.5


def _portfolio(storeys: int, rooms_per_storey: int, copies: int):
    plan = plan_sample(storeys=storeys, rooms_per_storey=rooms_per_storey)
    people = plan_people(plan)
    rooms, allocations = [], Allocations()
    for copy in range(copies):
        tag = f"#{copy}"
        for r in plan.rooms:
            rooms.append(RoomFacts(r.global_id + tag, r.number, str(r.storey),
                                   r.long_name, r.use, r.area, r.qto_area))
        for a in people:
            pid = a.staff_id + tag
            allocations.people.setdefault(pid, Person(
                pid, a.name, a.department, a.tier, False, a.grade, a.status,
                _day(a.status_date)))
            if a.room_number:
                allocations.assignments.append(Assignment(
                    pid, plan.room(a.room_number).global_id + tag, a.room_number,
                    _day(a.assigned_from), _day(a.assigned_to), a.register_area, 0))
    return rooms, allocations


def _day(text: str):
    from datetime import date

    return date.fromisoformat(text) if text else None


def _naive(rooms, allocations, rule_set, day) -> Counter:
    """What a straightforward script does: for each room, scan every assignment."""
    counts: Counter = Counter()
    for room in rooms:
        occupants = [a.person_id for a in allocations.assignments
                     if a.space == room.global_id and a.holds_on(day)]
        if not occupants:
            counts["vacant" if room.is_office else "unused"] += 1
            continue
        if not room.is_office:
            counts["not_office_space"] += 1
            continue
        people = [allocations.people[p] for p in set(occupants)]
        limit = sum(rule_set.limit(p.grade, p.org_level).area_m2 for p in people)
        area = room.area_geometry
        if area > limit + 1e-6:
            counts["over" if len(people) == 1 else "shared_over"] += 1
        else:
            counts["compliant"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storeys", type=int, default=40)
    parser.add_argument("--rooms-per-storey", type=int, default=125)
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rooms, allocations = _portfolio(args.storeys, args.rooms_per_storey, args.copies)
    rule_set = rule_set_for(SAMPLE_DATE)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        report = assess(rooms, allocations, rule_set, day=SAMPLE_DATE)
        times.append(time.perf_counter() - start)
    ours = Counter(v.verdict for v in report.rooms)
    start = time.perf_counter()
    naive = _naive(rooms, allocations, rule_set, SAMPLE_DATE)
    naive_s = time.perf_counter() - start
    agree = all(ours[k] == naive[k] for k in ("over", "shared_over", "vacant", "compliant",
                                               "not_office_space"))
    result = {"benchmark": "compliance", "rooms": len(rooms),
              "people": len(allocations.people), "assignments": len(allocations.assignments),
              "assess_s": statistics.median(times), "naive_s": naive_s,
              "speedup": naive_s / statistics.median(times), "target_s": TARGET_S,
              "meets_target": statistics.median(times) < TARGET_S,
              "verdicts": dict(ours), "same_verdicts_as_naive": agree}
    print(json.dumps(result, indent=1, ensure_ascii=False))
    print()
    print(f"{'rooms':>7} {'people':>7} {'assess s':>9} {'naive s':>8} {'speedup':>8}  target")
    print(f"{result['rooms']:>7} {result['people']:>7} {result['assess_s']:>9.3f} "
          f"{naive_s:>8.2f} {result['speedup']:>8.0f}  < {TARGET_S} s: "
          f"{'met' if result['meets_target'] else 'MISSED'}; verdicts agree: {agree}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
