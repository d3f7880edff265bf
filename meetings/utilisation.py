"""How meeting rooms are really used, from bookings and the rooms' occupancy sensors:
booked vs occupied hours, ghost rate (booked meetings nobody came to), people vs capacity
(right-sizing) and the peak hour."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from meetings.bookings import Occurrence
from meetings.recurrence import DEFAULT_TZ

__all__ = ["MAX_SAMPLE_GAP", "RoomUse", "UtilisationSummary", "room_use", "summarise"]

#: A reading stands for at most this long (a silent sensor is not presence).
MAX_SAMPLE_GAP = timedelta(minutes=15)
_COUNTED = frozenset({"confirmed", "checked_in", "released"})

#: Occupancy samples of a room: ``[(instant, people), ...]`` sorted by instant.
Samples = Sequence[tuple[datetime, float]]


@dataclass(frozen=True)
class RoomUse:
    """One room over a period.

    ``ghost_rate``: share of ended meetings with nobody seen during them (released or not);
    ``fill``: mean of each attended meeting's peak people / capacity.
    """

    room: str
    capacity: int
    meetings: int
    ghosts: int
    booked_hours: float
    occupied_hours: float
    ghost_rate: float | None
    fill: float | None
    peak_people: float


@dataclass(frozen=True)
class UtilisationSummary:
    """Every room together, and the busiest local hour of the week."""

    rooms: list[RoomUse]
    booked_hours: float
    occupied_hours: float
    ghost_rate: float | None
    peak_hour: str | None
    peak_rooms_in_use: int


def _occupied_spans(samples: Samples, start: datetime, end: datetime
                    ) -> list[tuple[datetime, datetime, float]]:
    spans = []
    for i, (at, people) in enumerate(samples):
        nxt = samples[i + 1][0] if i + 1 < len(samples) else at + MAX_SAMPLE_GAP
        a, b = max(at, start), min(nxt, at + MAX_SAMPLE_GAP, end)
        if people > 0 and b > a:
            spans.append((a, b, people))
    return spans


def _peak(samples: Samples, start: datetime, end: datetime) -> float:
    return max((p for a, b, p in _occupied_spans(samples, start, end)), default=0.0)


def _hours(spans: Iterable[tuple[datetime, datetime]], tz: tzinfo) -> set[str]:
    """The local weekday-hours (``"Mon 09:00"``) a room is in use during ``spans``."""
    hours = set()
    for a, b in spans:
        t = a.replace(minute=0, second=0, microsecond=0)
        while t < b:
            hours.add(t.astimezone(tz).strftime("%a %H:00"))
            t += timedelta(hours=1)
    return hours


def room_use(room: str, capacity: int, occurrences: Iterable[Occurrence], samples: Samples,
             start: datetime, end: datetime) -> RoomUse:
    """The use of one room between ``start`` and ``end`` (meetings that ended by ``end``).

    With occupancy samples, a meeting nobody was seen at is a ghost and people are the
    sensor's peak; without any (no sensor, or no readings kept), released meetings are the
    ghosts, checked-in hours the occupied hours and the booked attendees the people.
    """
    meetings = [o for o in occurrences if o.room == room and o.state in _COUNTED
                and o.start >= start and o.end <= end]
    booked = sum((o.end - o.start).total_seconds() for o in meetings) / 3600
    occupied = sum((b - a).total_seconds()
                   for a, b, _p in _occupied_spans(samples, start, end)) / 3600
    if samples:  # sensor truth
        peaks = [_peak(samples, o.start, o.end) for o in meetings]
    else:  # no sensor readings: the check-in records, and the booked attendees
        peaks = [0.0 if o.state == "released" else float(o.attendees) for o in meetings]
        occupied = sum((o.end - o.start).total_seconds() for o in meetings
                       if o.state == "checked_in") / 3600
    attended = [p for p in peaks if p > 0]
    ghosts = len(peaks) - len(attended)
    return RoomUse(room, capacity, len(meetings), ghosts, round(booked, 2), round(occupied, 2),
                   round(ghosts / len(meetings), 3) if meetings else None,
                   round(sum(attended) / len(attended) / capacity, 3)
                   if attended and capacity else None,
                   max(peaks, default=0.0))


def summarise(capacities: Mapping[str, int], occurrences: Sequence[Occurrence],
              samples: Mapping[str, Samples], start: datetime, end: datetime, *,
              tz: tzinfo = DEFAULT_TZ) -> UtilisationSummary:
    """Every room's :func:`room_use` and the totals; the peak is the local weekday and hour
    with the most rooms in use (by sensor)."""
    rooms = [room_use(r, c, occurrences, samples.get(r, ()), start, end)
             for r, c in capacities.items()]
    in_use: Counter[str] = Counter()
    for room in capacities:
        if samples.get(room):
            spans = [(a, b) for a, b, _p in _occupied_spans(samples[room], start, end)]
        else:  # no readings: the checked-in meetings
            spans = [(o.start, o.end) for o in occurrences
                     if o.room == room and o.state == "checked_in" and start <= o.start < end]
        in_use.update(_hours(spans, tz))
    meetings = sum(r.meetings for r in rooms)
    ghosts = sum(r.ghosts for r in rooms)
    peak = in_use.most_common(1)
    return UtilisationSummary(
        rooms, round(sum(r.booked_hours for r in rooms), 2),
        round(sum(r.occupied_hours for r in rooms), 2),
        round(ghosts / meetings, 3) if meetings else None,
        peak[0][0] if peak else None, peak[0][1] if peak else 0)
