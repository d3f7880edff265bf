"""Official vehicles (公务用车): booking clashes and state moves, trips from gate plate reads,
utilisation per vehicle and the public disclosure summary per period (公务用车信息公开)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from security.choices import BOOKING_TRANSITIONS
from security.errors import BookingClashError, InvalidBookingError

__all__ = ["BLOCKING_STATES", "Booking", "Trip", "check_clash", "check_move",
           "disclosure_summary", "trips_from_reads", "utilisation"]

#: Bookings in these states hold their vehicle.
BLOCKING_STATES = frozenset({"requested", "approved", "dispatched"})


@dataclass(frozen=True, slots=True)
class Booking:
    """A booking of one vehicle over ``[start, end)`` (Unix seconds)."""

    booking_id: int | str
    plate: str
    start: float
    end: float
    state: str = "requested"


@dataclass(frozen=True, slots=True)
class Trip:
    """A vehicle out at ``out_ts`` and back at ``in_ts`` (None: still out); Unix seconds."""

    plate: str
    out_ts: float
    in_ts: float | None = None
    km: float | None = None

    def hours_within(self, start: float, end: float, now: float) -> float:
        """Hours of this trip inside ``[start, end)``; a trip still out counts up to ``now``."""
        back = self.in_ts if self.in_ts is not None else now
        return max(0.0, min(back, end) - max(self.out_ts, start)) / 3600.0


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M")


def check_clash(new: Booking, bookings: Iterable[Booking]) -> None:
    """Refuse ``new`` if its vehicle is booked at an overlapping time.

    Raises
    ------
    InvalidBookingError
        The end is not after the start.
    BookingClashError
        It overlaps a requested, approved or dispatched booking of the same vehicle.

    Examples
    --------
    >>> check_clash(Booking(2, "A", 10, 20), [Booking(1, "A", 20, 30)])  # back to back: fine
    """
    if new.end <= new.start:
        raise InvalidBookingError("a booking must end after it starts")
    for other in bookings:
        if other.booking_id != new.booking_id and other.plate == new.plate \
                and other.state in BLOCKING_STATES and other.start < new.end \
                and new.start < other.end:
            raise BookingClashError(new.plate, other.booking_id, _iso(other.start),
                                    _iso(other.end))


def check_move(state: str, to_state: str) -> None:
    """Refuse a booking move the transition table does not allow.

    Raises
    ------
    InvalidBookingError
    """
    if to_state not in BOOKING_TRANSITIONS.get(state, ()):
        allowed = ", ".join(BOOKING_TRANSITIONS.get(state, ())) or "none"
        raise InvalidBookingError(f"a {state} booking cannot become {to_state} "
                                  f"(allowed: {allowed})")


def trips_from_reads(reads: Iterable[tuple[str, float, str]]) -> list[Trip]:
    """Trips from gate plate reads ``(plate, ts, direction)``: each ``out`` opens a trip that
    the next ``in`` of the plate closes; a repeated read of the same direction is ignored.

    Examples
    --------
    >>> trips_from_reads([("A", 10, "out"), ("A", 11, "out"), ("A", 50, "in"), ("A", 60, "out")])
    [Trip(plate='A', out_ts=10, in_ts=50, km=None), Trip(plate='A', out_ts=60, in_ts=None, km=None)]
    """
    open_trips: dict[str, Trip] = {}
    trips: list[Trip] = []
    for plate, ts, direction in sorted(reads, key=lambda r: r[1]):
        if direction == "out" and plate not in open_trips:
            open_trips[plate] = Trip(plate, ts)
        elif direction == "in" and plate in open_trips:
            trip = open_trips.pop(plate)
            trips.append(Trip(plate, trip.out_ts, ts))
    trips.extend(open_trips.values())
    return sorted(trips, key=lambda t: t.out_ts)


def utilisation(plates: Iterable[str], trips: Iterable[Trip], start: float, end: float, *,
                now: float, hours_per_day: float = 10.0) -> dict[str, float]:
    """Share of available hours each vehicle was out, in ``[start, end)``.

    Available hours are ``hours_per_day`` per day of the period (a working day's service).

    Examples
    --------
    >>> utilisation(["A", "B"], [Trip("A", 0, 18000)], 0, 86400, now=86400)
    {'A': 0.5, 'B': 0.0}
    """
    available = max((end - start) / 86400.0, 1e-9) * hours_per_day
    hours = {p: 0.0 for p in plates}
    for trip in trips:
        if trip.plate in hours:
            hours[trip.plate] += trip.hours_within(start, end, now)
    return {p: round(min(h / available, 1.0), 4) for p, h in hours.items()}


def disclosure_summary(vehicles: Mapping[str, str], trips: Iterable[Trip],
                       fuel: Iterable[tuple[str, float, float, float]], start: float,
                       end: float, *, now: float) -> dict:
    """The 公务用车 figures of a period, as published: vehicles, trips, kilometres, fuel.

    Parameters
    ----------
    vehicles : mapping
        Plate -> vehicle name.
    trips : iterable of Trip
    fuel : iterable of (plate, ts, litres, cost)
    start, end : float
        The period, Unix seconds.

    Returns
    -------
    dict
        ``period``, ``vehicles``, ``trips``, ``km``, ``fuel_litres``, ``fuel_cost`` and
        ``per_vehicle`` (the same per plate, with ``utilisation``).
    """
    trips = [t for t in trips if start <= t.out_ts < end]
    fuel = [f for f in fuel if start <= f[1] < end]
    rates = utilisation(vehicles, trips, start, end, now=now)
    per_vehicle = []
    for plate, name in sorted(vehicles.items()):
        mine = [t for t in trips if t.plate == plate]
        litres = sum(f[2] for f in fuel if f[0] == plate)
        cost = sum(f[3] for f in fuel if f[0] == plate)
        per_vehicle.append({"plate": plate, "name": name, "trips": len(mine),
                            "km": round(sum(t.km or 0.0 for t in mine), 1),
                            "fuel_litres": round(litres, 1), "fuel_cost": round(cost, 2),
                            "utilisation": rates[plate]})
    return {"period": {"start": _iso(start), "end": _iso(end)}, "vehicles": len(vehicles),
            "trips": len(trips), "km": round(sum(v["km"] for v in per_vehicle), 1),
            "fuel_litres": round(sum(v["fuel_litres"] for v in per_vehicle), 1),
            "fuel_cost": round(sum(v["fuel_cost"] for v in per_vehicle), 2),
            "per_vehicle": per_vehicle}
