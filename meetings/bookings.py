"""Bookings and their occurrences: the room policy, the decision on a new booking (conflict
and policy), and the changes to a series (move or cancel one occurrence, cancel a date range).

A booking is a single meeting or a series; its occurrences are materialised, each with its
own state (Indico's model), so one can be moved, cancelled, checked in or released without
touching the others.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo

from meetings.choices import ACTIVE_OCCURRENCE_STATES
from meetings.errors import BookingConflictError, InvalidBookingError, PolicyError
from meetings.recurrence import DEFAULT_TZ, Slot

__all__ = [
    "Occurrence",
    "RoomPolicy",
    "RoomSchedule",
    "cancel_range",
    "check_policy",
    "check_times",
    "naive_clashes",
]


@dataclass(frozen=True)
class RoomPolicy:
    """What a room accepts (Exchange's ``Set-CalendarProcessing`` in small).

    Attributes
    ----------
    auto_accept : bool
        Confirm at once; else the booking waits for the room's approver.
    window_days : int
        How far ahead a booking may start (default 180 days).
    min_minutes, max_minutes : int
        Shortest and longest occurrence.
    release_after_minutes : int
        No check-in this long after the start releases the occurrence (5–20).
    miss_limit : int
        Released occurrences after which the rest of a series is cancelled.
    enforce_capacity : bool
        Refuse more attendees than the room seats.
    """

    auto_accept: bool = True
    window_days: int = 180
    min_minutes: int = 15
    max_minutes: int = 480
    release_after_minutes: int = 10
    miss_limit: int = 3
    enforce_capacity: bool = True

    def __post_init__(self) -> None:
        if not 5 <= self.release_after_minutes <= 20:
            raise PolicyError(f"release after {self.release_after_minutes} min: use 5 to 20")
        if not 0 < self.min_minutes <= self.max_minutes:
            raise PolicyError(f"minimum duration {self.min_minutes} min must be positive and "
                              f"at most the maximum {self.max_minutes} min")
        if not 0 <= self.window_days <= 1080:
            raise PolicyError(f"booking window {self.window_days} days: use 0 to 1080")
        if self.miss_limit < 1:
            raise PolicyError("the miss limit must be at least 1")

    def to_dict(self) -> dict:
        """The policy as JSON-ready data."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict | None) -> RoomPolicy:
        """Inverse of :meth:`to_dict` (unknown keys ignored, missing keys defaulted)."""
        data = data or {}
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a booking, with its own state.

    ``seq`` numbers the occurrences of a series from 0; ``original_start`` is where the
    series put it (the RECURRENCE-ID of a moved one).
    """

    booking_id: str
    seq: int
    room: str
    start: datetime
    end: datetime
    state: str = "confirmed"
    original_start: datetime | None = None
    checked_in_at: datetime | None = None
    attendees: int = 0

    @property
    def active(self) -> bool:
        """Whether it holds its room."""
        return self.state in ACTIVE_OCCURRENCE_STATES

    @property
    def key(self) -> str:
        """``<booking>/<seq>``: the occurrence's id in the API."""
        return f"{self.booking_id}/{self.seq}"

    @property
    def moved(self) -> bool:
        """Whether it no longer sits where its series put it."""
        return self.original_start is not None and self.original_start != self.start


def _iso(value: datetime, tz: tzinfo) -> str:
    return value.astimezone(tz).isoformat(timespec="minutes")


def check_times(start: datetime, end: datetime, now: datetime) -> None:
    """Refuse an end before the start and a start in the past (one minute of slack).

    Raises
    ------
    InvalidBookingError
    """
    if end <= start:
        raise InvalidBookingError(f"the end {end.isoformat()} is not after the start "
                                  f"{start.isoformat()}")
    if start < now - timedelta(minutes=1):
        raise InvalidBookingError(f"the start {start.isoformat()} is in the past "
                                  f"(now {now.astimezone(UTC).isoformat(timespec='minutes')})")


def check_policy(policy: RoomPolicy, slots: Sequence[Slot], attendees: int, capacity: int,
                 now: datetime, room: str = "") -> None:
    """Refuse what the room's policy does not allow.

    Raises
    ------
    PolicyError
        Attendees above capacity, a duration outside min/max, an occurrence beyond the
        booking window.
    """
    if attendees < 1:
        raise PolicyError("attendees must be at least 1")
    if policy.enforce_capacity and attendees > capacity:
        raise PolicyError(f"{attendees} attendees exceed the capacity of room {room} "
                          f"({capacity} seats)")
    minutes = (slots[0].end - slots[0].start).total_seconds() / 60
    if not policy.min_minutes <= minutes <= policy.max_minutes:
        raise PolicyError(f"a meeting of {minutes:g} min is outside room {room}'s limits "
                          f"({policy.min_minutes}–{policy.max_minutes} min)")
    limit = now + timedelta(days=policy.window_days)
    if slots[-1].start > limit:
        raise PolicyError(f"{slots[-1].start.date().isoformat()} is beyond the booking window "
                          f"of {policy.window_days} days (last bookable day "
                          f"{limit.date().isoformat()})")


@dataclass
class RoomSchedule:
    """The active occurrences of one room, sorted, for conflict checks in O(log n).

    Active occurrences of a room never overlap (a clash is refused), so their ends are as
    sorted as their starts and one bisection finds the only candidate before a new slot.
    """

    room: str
    starts: list[datetime] = field(default_factory=list)
    items: list[Occurrence] = field(default_factory=list)

    @classmethod
    def of(cls, room: str, occurrences: Iterable[Occurrence]) -> RoomSchedule:
        """The schedule of ``room`` from any occurrences (inactive ones dropped)."""
        items = sorted((o for o in occurrences if o.active and o.room == room),
                       key=lambda o: o.start)
        return cls(room, [o.start for o in items], items)

    def clashes(self, slot: Slot, *, ignore: str | None = None) -> list[Occurrence]:
        """Active occurrences overlapping ``slot`` (those of booking ``ignore`` left out)."""
        i = bisect.bisect_left(self.starts, slot.end)
        found = []
        while i > 0 and self.items[i - 1].end > slot.start:
            if self.items[i - 1].booking_id != ignore:
                found.append(self.items[i - 1])
            i -= 1
        return found[::-1]

    def refuse_clashes(self, slots: Iterable[Slot], *, ignore: str | None = None,
                       tz: tzinfo = DEFAULT_TZ) -> None:
        """Raise :class:`BookingConflictError` naming every clash of ``slots``."""
        clashes = [o for s in slots for o in self.clashes(s, ignore=ignore)]
        if clashes:
            raise BookingConflictError(self.room, [(o.key, _iso(o.start, tz), _iso(o.end, tz))
                                                   for o in clashes])

    def add(self, occurrence: Occurrence) -> None:
        """Insert an active occurrence (after :meth:`refuse_clashes`)."""
        i = bisect.bisect_left(self.starts, occurrence.start)
        self.starts.insert(i, occurrence.start)
        self.items.insert(i, occurrence)

    def free_at(self, slot: Slot) -> bool:
        """Whether nothing active overlaps ``slot``."""
        return not self.clashes(slot)


def naive_clashes(occurrences: Iterable[Occurrence], room: str, slot: Slot) -> list[Occurrence]:
    """The baseline: scan every occurrence (what :class:`RoomSchedule` avoids)."""
    return [o for o in occurrences if o.room == room and o.active and o.start < slot.end
            and o.end > slot.start]


def cancel_range(occurrences: Iterable[Occurrence], first: date, last: date, *,
                 tz: tzinfo = DEFAULT_TZ) -> list[Occurrence]:
    """The occurrences whose local date lies in ``[first, last]``, marked cancelled (those
    already ended states are kept as they are).

    Raises
    ------
    InvalidBookingError
        ``last`` before ``first``.
    """
    if last < first:
        raise InvalidBookingError(f"the range ends ({last}) before it starts ({first})")
    return [replace(o, state="cancelled") for o in occurrences
            if first <= o.start.astimezone(tz).date() <= last and o.active]
