"""Benchmark of 会议一件事 (meetings): the booking decision and the availability search.

* **Building-year**: one building with 18 meeting rooms and 10,000 occurrences over a year
  (office hours, weekdays, random lengths, no overlaps). A booking decision is what
  ``POST /buildings/{id}/bookings`` decides before it stores: parse and expand the request
  (half of them weekly series of 4-12 occurrences), times, policy and capacity, and the
  conflict check of every occurrence. Against the same decision with a naive scan of every
  occurrence of the building. Both variants in memory (the interval index of
  :class:`meetings.RoomSchedule` over the room's occurrences), and the index variant again on
  SQLite with the indexed ``booking_occurrences`` table (the query the service runs, then the
  index check): p50/p95 in ms.
* **Portfolio**: 50 such buildings (500,000 occurrences); the search "10 people, 2 h, with a
  screen" across all of them, against a naive scan of every occurrence.

Targets: booking decision p95 < 50 ms; availability search across 50 buildings < 100 ms.
Prints one JSON document, then a table.

Usage::

    python -P bench/meetings.py [--decisions 500] [--searches 50] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# this file is called meetings.py: without ``python -P`` its folder would shadow the package
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from meetings import BookingConflictError, Occurrence, RoomPolicy, RoomSchedule
from meetings.bookings import check_policy, check_times, naive_clashes
from meetings.recurrence import Slot, expand, normalise_rule

ROOMS = 18
OCCURRENCES = 10_000
YEAR_START = datetime(2027, 1, 4, tzinfo=UTC)  # a Monday


def building_year(rng: random.Random, prefix: str) -> tuple[dict[str, int], list[Occurrence]]:
    """18 rooms and 10,000 non-overlapping occurrences over a year of weekdays."""
    rooms = {f"{prefix}-R{i:02d}": (7, 15, 30)[i % 3] for i in range(ROOMS)}
    per_room = OCCURRENCES // ROOMS + 1
    occurrences: list[Occurrence] = []
    weekdays = [YEAR_START + timedelta(days=d) for d in range(364)
                if (YEAR_START + timedelta(days=d)).weekday() < 5]
    for room in rooms:
        days = sorted(rng.sample(range(len(weekdays)), min(per_room // 3 + 1, len(weekdays))))
        for d in days:
            t = weekdays[d] + timedelta(hours=1)
            for _ in range(3):
                if len(occurrences) >= OCCURRENCES:
                    break
                length = timedelta(minutes=30 * rng.randint(1, 4))
                occurrences.append(Occurrence(f"{room}-B{len(occurrences)}", 0, room, t,
                                              t + length))
                t += length + timedelta(minutes=30 * rng.randint(0, 3))
    return rooms, occurrences[:OCCURRENCES]


def _request(rng: random.Random, rooms: dict[str, int]) -> tuple[str, datetime, datetime,
                                                                 str | None, int]:
    room = rng.choice(list(rooms))
    day = YEAR_START + timedelta(days=rng.randint(0, 90))
    start = day + timedelta(hours=rng.randint(1, 9), minutes=30 * rng.randint(0, 1))
    rule = f"FREQ=WEEKLY;COUNT={rng.randint(4, 12)}" if rng.random() < 0.5 else None
    return room, start, start + timedelta(minutes=30 * rng.randint(1, 4)), rule, \
        rng.randint(2, rooms[room])


def _decide(request, rooms, find_clashes, now) -> bool:
    room, start, end, rule, attendees = request
    check_times(start, end, now)
    slots = expand(start, end, normalise_rule(rule) if rule else None)
    check_policy(RoomPolicy(), slots, attendees, rooms[room], now, room)
    return not any(find_clashes(room, s) for s in slots)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 3),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3),
            "max_ms": round(ordered[-1] * 1000, 3)}


def bench_decisions(n: int, rng: random.Random) -> dict:
    rooms, occurrences = building_year(rng, "B0")
    now = YEAR_START - timedelta(days=1)
    schedules = {r: RoomSchedule.of(r, (o for o in occurrences if o.room == r)) for r in rooms}
    requests = [_request(rng, rooms) for _ in range(n)]
    timings: dict[str, list[float]] = {"index": [], "naive": []}
    accepted = {"index": 0, "naive": 0}
    finders = {"index": lambda room, s: schedules[room].clashes(s),
               "naive": lambda room, s: naive_clashes(occurrences, room, s)}
    for request in requests:
        for name, finder in finders.items():
            t = time.perf_counter()
            accepted[name] += _decide(request, rooms, finder, now)
            timings[name].append(time.perf_counter() - t)
    assert accepted["index"] == accepted["naive"], accepted
    result = {name: _percentiles(values) for name, values in timings.items()}
    result["sqlite_index"] = bench_sqlite(rooms, occurrences, requests, now)
    result["accepted"] = accepted["index"]
    result["requests"] = n
    result["occurrences"] = len(occurrences)
    return result


def bench_sqlite(rooms, occurrences, requests, now) -> dict:
    """The service's path: the indexed range query of the room's active occurrences, then
    the interval index (no ORM objects beyond the rows)."""
    from twin.meetings.service import active_in, occurrence_of
    from twin.meetings.tables import OccurrenceRow

    engine = create_engine("sqlite://")
    OccurrenceRow.__table__.create(engine)
    with Session(engine) as session:
        session.execute(OccurrenceRow.__table__.insert(), [
            {"booking_id": o.booking_id, "building_id": 1, "room": o.room, "seq": 0,
             "start": o.start.timestamp(), "end": o.end.timestamp(),
             "original_start": o.start.timestamp(), "state": "confirmed"}
            for o in occurrences])
        session.commit()
        samples = []
        for room, start, end, rule, attendees in requests:
            t = time.perf_counter()
            check_times(start, end, now)
            slots = expand(start, end, normalise_rule(rule) if rule else None)
            check_policy(RoomPolicy(), slots, attendees, rooms[room], now, room)
            rows = active_in(session, 1, [room], slots[0].start, slots[-1].end)
            try:
                RoomSchedule.of(room, map(occurrence_of, rows)).refuse_clashes(slots)
            except BookingConflictError:
                pass
            samples.append(time.perf_counter() - t)
            session.expunge_all()
    engine.dispose()
    return _percentiles(samples)


def bench_search(buildings: int, n: int, rng: random.Random) -> dict:
    portfolio = [building_year(rng, f"B{b}") for b in range(buildings)]
    features = {room: ("screen",) if i % 2 else () for rooms, _o in portfolio
                for i, room in enumerate(rooms)}
    t = time.perf_counter()
    indexes = [(rooms, {r: RoomSchedule.of(r, (o for o in occ if o.room == r)) for r in rooms})
               for rooms, occ in portfolio]
    build_s = time.perf_counter() - t
    windows = []
    for _ in range(n):
        start = YEAR_START + timedelta(days=rng.randint(0, 300), hours=rng.randint(1, 8))
        windows.append(Slot(start, start + timedelta(hours=2)))

    def search_index(slot):
        return [r for rooms, schedules in indexes for r, seats in rooms.items()
                if seats >= 10 and "screen" in features[r] and schedules[r].free_at(slot)]

    def search_naive(slot):
        found = []
        for rooms, occ in portfolio:
            busy = {o.room for o in occ if o.start < slot.end and o.end > slot.start}
            found += [r for r, seats in rooms.items()
                      if seats >= 10 and "screen" in features[r] and r not in busy]
        return found

    timings = {"index": [], "naive": []}
    for slot in windows:
        for name, search in (("index", search_index), ("naive", search_naive)):
            t = time.perf_counter()
            found = search(slot)
            timings[name].append(time.perf_counter() - t)
        assert sorted(search_index(slot)) == sorted(search_naive(slot))
    result = {name: _percentiles(values) for name, values in timings.items()}
    result |= {"buildings": buildings, "occurrences": sum(len(o) for _r, o in portfolio),
               "rooms": sum(len(r) for r, _o in portfolio), "index_build_s": round(build_s, 2),
               "last_found": len(found)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=500)
    parser.add_argument("--searches", type=int, default=50)
    parser.add_argument("--buildings", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    figures = {"decision": bench_decisions(args.decisions, rng),
               "search": bench_search(args.buildings, args.searches, rng),
               "python": sys.version.split()[0]}
    print(json.dumps(figures, indent=2))
    d, s = figures["decision"], figures["search"]
    print()
    print(f"{'measure':58} {'p50 ms':>9} {'p95 ms':>9}")
    rows = [(f"booking decision, interval index ({d['occurrences']:,} occ.)", d["index"]),
            ("booking decision, index on SQLite (query + index)", d["sqlite_index"]),
            ("booking decision, naive scan (baseline)", d["naive"]),
            (f"availability search, {s['buildings']} buildings, index", s["index"]),
            ("availability search, naive scan (baseline)", s["naive"])]
    for label, p in rows:
        print(f"{label:58} {p['p50_ms']:>9.2f} {p['p95_ms']:>9.2f}")
    print(f"targets: decision p95 < 50 ms: {d['sqlite_index']['p95_ms'] < 50}; "
          f"search < 100 ms (p95): {s['index']['p95_ms'] < 100}")


if __name__ == "__main__":
    main()
