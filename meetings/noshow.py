"""No-show release: an occurrence nobody checked in to ``release_after_minutes`` after its
start is released; presence on the room's occupancy sensor counts as a check-in; a series
with ``miss_limit`` released occurrences loses the rest (Robin's "strikes").

Pure functions of the occurrences, the clock and a presence lookup, so that a test drives
them with a controllable clock and readings of its choosing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from meetings.bookings import Occurrence, RoomPolicy

__all__ = ["EARLY_PRESENCE", "NoShowDecision", "no_show_decisions", "series_to_cancel"]

#: Presence this long before the start already counts (people arrive early).
EARLY_PRESENCE = timedelta(minutes=5)

#: ``presence(room, since, until)`` -> the first instant someone was there, or None.
Presence = Callable[[str, datetime, datetime], datetime | None]


@dataclass(frozen=True)
class NoShowDecision:
    """What happens to one occurrence: ``checked_in`` (presence seen) or ``released``."""

    occurrence: Occurrence
    action: str
    at: datetime


def no_show_decisions(occurrences: Iterable[Occurrence], now: datetime,
                      policy_of: Callable[[str], RoomPolicy], presence: Presence
                      ) -> list[NoShowDecision]:
    """Check-ins from presence and releases of no-shows, as of ``now``.

    Parameters
    ----------
    occurrences : iterable of Occurrence
        Candidates; only ``confirmed`` ones that have started (or are about to) are looked
        at.
    now : datetime
        The clock.
    policy_of : callable
        ``policy_of(room)`` -> its :class:`RoomPolicy` (the grace period).
    presence : callable
        ``presence(room, since, until)`` -> first instant of presence, or None.
    """
    decisions = []
    for occurrence in occurrences:
        if occurrence.state != "confirmed" or now < occurrence.start - EARLY_PRESENCE:
            continue
        until = min(now, occurrence.end)
        seen = presence(occurrence.room, occurrence.start - EARLY_PRESENCE, until)
        if seen is not None:
            decisions.append(NoShowDecision(occurrence, "checked_in", seen))
            continue
        grace = timedelta(minutes=policy_of(occurrence.room).release_after_minutes)
        if now >= occurrence.start + grace:
            decisions.append(NoShowDecision(occurrence, "released", now))
    return decisions


def series_to_cancel(occurrences: Iterable[Occurrence], series: set[str], limit_of:
                     Callable[[str], int]) -> set[str]:
    """The series (booking ids in ``series``) with at least their limit of released
    occurrences; ``limit_of(booking_id)`` gives the limit."""
    misses = Counter(o.booking_id for o in occurrences
                     if o.state == "released" and o.booking_id in series)
    return {b for b, n in misses.items() if n >= limit_of(b)}
