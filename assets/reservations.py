"""Future-dated reservations on an availability calendar: per serialised item (no two bookings
overlap) or per quantity (a lot, or every item of a model: concurrent bookings never exceed
the stock). Dates are whole days, ``end`` included.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from assets.errors import AssetsError, ReservationClashError

__all__ = ["Booking", "check_item_free", "check_quantity_free", "free_quantity", "peak_use"]


@dataclass(frozen=True)
class Booking:
    """A span of days an item (or some of a stock) is promised: ``start`` .. ``end`` inclusive."""

    start: date
    end: date
    reference: str = ""
    unit: str = ""
    quantity: int = 1

    def overlaps(self, start: date, end: date) -> bool:
        """Whether the booking shares at least one day with ``start`` .. ``end``."""
        return self.start <= end and start <= self.end


def _check_span(start: date, end: date) -> None:
    if end < start:
        raise AssetsError(f"the reservation ends ({end}) before it starts ({start})")


def check_item_free(bookings: Iterable[Booking], start: date, end: date, *,
                    what: str = "the item") -> None:
    """Raise when any booking overlaps ``start`` .. ``end``.

    Raises
    ------
    ReservationClashError
        Naming the first clashing booking (reference, unit, dates); ``clash`` holds them.
    AssetsError
        The span ends before it starts.

    Examples
    --------
    >>> b = [Booking(date(2026, 1, 5), date(2026, 1, 9), "R-1", "U01")]
    >>> check_item_free(b, date(2026, 1, 10), date(2026, 1, 12))  # the day after: free
    """
    _check_span(start, end)
    clash = min((b for b in bookings if b.overlaps(start, end)), key=lambda b: b.start,
                default=None)
    if clash is not None:
        raise ReservationClashError(
            f"{what} is reserved from {clash.start} to {clash.end} by {clash.reference}"
            + (f" (unit {clash.unit})" if clash.unit else "")
            + f"; it overlaps {start} .. {end}",
            {"reference": clash.reference, "unit": clash.unit,
             "start": clash.start.isoformat(), "end": clash.end.isoformat()})


def peak_use(bookings: Iterable[Booking], start: date, end: date) -> tuple[int, date | None]:
    """The largest quantity booked on one day of ``start`` .. ``end``, and that day."""
    changes: dict[date, int] = {}
    for b in bookings:
        if b.overlaps(start, end):
            first, last = max(b.start, start), min(b.end, end)
            changes[first] = changes.get(first, 0) + b.quantity
            after = last + timedelta(days=1) if last < date.max else last
            changes[after] = changes.get(after, 0) - b.quantity
    peak, peak_day, running = 0, None, 0
    for day in sorted(changes):
        running += changes[day]
        if running > peak:
            peak, peak_day = running, day
    return peak, peak_day


def free_quantity(bookings: Iterable[Booking], stock: int, start: date, end: date) -> int:
    """How many of ``stock`` are free on every day of ``start`` .. ``end``."""
    return max(stock - peak_use(bookings, start, end)[0], 0)


def check_quantity_free(bookings: Iterable[Booking], stock: int, start: date, end: date,
                        quantity: int, *, what: str = "the stock") -> None:
    """Raise when ``quantity`` more would exceed ``stock`` on some day.

    Raises
    ------
    ReservationClashError
        Naming the busiest day and how many are free then.
    """
    _check_span(start, end)
    bookings = list(bookings)
    peak, day = peak_use(bookings, start, end)
    if peak + quantity > stock:
        on_day = [b.reference for b in bookings if day and b.overlaps(day, day)]
        raise ReservationClashError(
            f"{what} has {stock - peak} of {stock} free on {day}, {quantity} asked "
            f"(booked by {', '.join(on_day)})",
            {"day": day.isoformat() if day else None, "free": stock - peak, "stock": stock,
             "references": on_day})
