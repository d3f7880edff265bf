"""公务用车 (the official fleet) in the running system: vehicles, booking and dispatch requests
with approval and clash checks, trips (recorded from gate plate reads by the event ingest),
fuel entries, utilisation and the public disclosure summary per period."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from security.errors import BookingClashError, InvalidBookingError
from security.parking import normalise_plate
from security.vehicles import (
    Booking,
    Trip,
    check_clash,
    check_move,
    disclosure_summary,
    utilisation,
)
from twin.core.accounts import record_audit
from twin.core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from twin.core.permissions import may
from twin.core.tables import User
from twin.portfolio import service as portfolio
from twin.security.schemas import (
    BookingCreate,
    BookingPublic,
    FuelCreate,
    FuelPublic,
    TripPublic,
    VehicleCreate,
    VehiclePublic,
)
from twin.security.service import iso_s, parse_time
from twin.security.tables import FuelEntryRow, VehicleBookingRow, VehicleRow, VehicleTripRow

__all__ = ["add_fuel", "add_vehicle", "book_vehicle", "bookings", "disclosure", "move_booking",
           "trips", "vehicles"]


def _vehicle(session: Session, building_id: int, plate: str) -> VehicleRow:
    row = session.scalar(select(VehicleRow).where(VehicleRow.building_id == building_id,
                                                  VehicleRow.plate == normalise_plate(plate)))
    if row is None:
        raise NotFoundError(f"no fleet vehicle {plate!r} in building {building_id}")
    return row


def add_vehicle(session: Session, building_id: int, user: User | None, spec: VehicleCreate, *,
                actor: str) -> VehiclePublic:
    """Add a vehicle to the fleet.

    Raises
    ------
    ConflictError
        The plate is registered already.
    """
    portfolio.get_building(session, building_id, user)
    plate = normalise_plate(spec.plate)
    if session.scalar(select(VehicleRow.id).where(VehicleRow.plate == plate)):
        raise ConflictError(f"vehicle {plate} is in the fleet already")
    row = VehicleRow(building_id=building_id, plate=plate, name=spec.name, kind=spec.kind,
                     seats=spec.seats, odometer_km=spec.odometer_km, active=True)
    session.add(row)
    record_audit(session, actor=actor, action="vehicles.add", target=plate)
    session.flush()
    return _vehicle_public(session, row, time.time())


def _vehicle_public(session: Session, row: VehicleRow, now: float) -> VehiclePublic:
    rows = list(session.scalars(select(VehicleTripRow).where(
        VehicleTripRow.vehicle_id == row.id, (VehicleTripRow.in_ts.is_(None))
        | (VehicleTripRow.in_ts >= now - 30 * 86400))))
    rate = utilisation([row.plate], [Trip(row.plate, t.out_ts, t.in_ts) for t in rows],
                       now - 30 * 86400, now, now=now)[row.plate]
    return VehiclePublic(id=row.id, plate=row.plate, name=row.name, kind=row.kind,
                         seats=row.seats, odometer_km=row.odometer_km, active=row.active,
                         out=any(t.in_ts is None for t in rows), utilisation_30d=rate)


def vehicles(session: Session, building_id: int, user: User | None, *,
             now: float | None = None) -> list[VehiclePublic]:
    """The fleet, by plate, with who is out and the 30-day utilisation."""
    portfolio.get_building(session, building_id, user)
    now = time.time() if now is None else now
    rows = session.scalars(select(VehicleRow).where(VehicleRow.building_id == building_id)
                           .order_by(VehicleRow.plate))
    return [_vehicle_public(session, r, now) for r in rows]


def _booking_public(row: VehicleBookingRow, vehicle: VehicleRow) -> BookingPublic:
    return BookingPublic(id=row.id, plate=vehicle.plate, vehicle=vehicle.name,
                         requester=row.requester, purpose=row.purpose,
                         destination=row.destination, start=iso_s(row.start_ts),
                         end=iso_s(row.end_ts), state=row.state, approver=row.approver,
                         driver=row.driver)


def _bookings_of(session: Session, vehicle: VehicleRow) -> list[Booking]:
    return [Booking(b.id, vehicle.plate, b.start_ts, b.end_ts, b.state)
            for b in session.scalars(select(VehicleBookingRow).where(
                VehicleBookingRow.vehicle_id == vehicle.id))]


def book_vehicle(session: Session, building_id: int, user: User | None, spec: BookingCreate,
                 *, actor: str) -> BookingPublic:
    """Request a vehicle over ``[start, end)`` (state ``requested``).

    Raises
    ------
    InvalidInputError
        Times not understood, or an end not after the start.
    ConflictError
        The vehicle is booked at an overlapping time (HTTP 409): the other booking is named.
    """
    portfolio.get_building(session, building_id, user)
    vehicle = _vehicle(session, building_id, spec.plate)
    start, end = parse_time(spec.start, "start"), parse_time(spec.end, "end")
    if start is None or end is None:
        raise InvalidInputError("a booking needs a start and an end")
    try:
        check_clash(Booking(0, vehicle.plate, start, end), _bookings_of(session, vehicle))
    except BookingClashError as clash:
        raise ConflictError(str(clash)) from None
    except InvalidBookingError as error:
        raise InvalidInputError(str(error)) from None
    row = VehicleBookingRow(building_id=building_id, vehicle_id=vehicle.id, requester=actor,
                            purpose=spec.purpose, destination=spec.destination,
                            start_ts=start, end_ts=end, state="requested")
    session.add(row)
    record_audit(session, actor=actor, action="vehicles.book", target=vehicle.plate,
                 detail={"start": start, "end": end})
    session.flush()
    return _booking_public(row, vehicle)


def move_booking(session: Session, building_id: int, user: User | None, booking_id: int,
                 to_state: str, *, actor: str, driver: str | None = None) -> BookingPublic:
    """Approve, reject, dispatch, complete or cancel a booking.

    Only dispatchers (``vehicles.dispatch``) approve, reject, dispatch and complete; the
    requester may cancel their own.

    Raises
    ------
    NotFoundError, PermissionDeniedError
    InvalidInputError
        A move the booking states do not allow.
    """
    portfolio.get_building(session, building_id, user)
    row = session.get(VehicleBookingRow, booking_id)
    if row is None or row.building_id != building_id:
        raise NotFoundError(f"no vehicle booking {booking_id} in building {building_id}")
    dispatcher = user is None or may(user.role, "vehicles.dispatch")
    if not dispatcher and not (to_state == "cancelled" and row.requester == actor):
        raise PermissionDeniedError("only dispatchers approve and dispatch vehicles; "
                                    "requesters may cancel their own bookings")
    try:
        check_move(row.state, to_state)
    except InvalidBookingError as error:
        raise InvalidInputError(str(error)) from None
    row.state = to_state
    if to_state in ("approved", "rejected"):
        row.approver = actor
    if to_state == "dispatched":
        row.driver = driver or row.driver
    record_audit(session, actor=actor, action=f"vehicles.booking.{to_state}",
                 target=str(booking_id))
    session.flush()
    return _booking_public(row, session.get(VehicleRow, row.vehicle_id))


def bookings(session: Session, building_id: int, user: User | None, *,
             start: str | None = None, end: str | None = None) -> list[BookingPublic]:
    """Bookings overlapping ``[start, end)`` (default: all), by start: the fleet calendar."""
    portfolio.get_building(session, building_id, user)
    query = select(VehicleBookingRow, VehicleRow).join(
        VehicleRow, VehicleRow.id == VehicleBookingRow.vehicle_id).where(
        VehicleBookingRow.building_id == building_id)
    low, high = parse_time(start, "start"), parse_time(end, "end")
    if low is not None:
        query = query.where(VehicleBookingRow.end_ts > low)
    if high is not None:
        query = query.where(VehicleBookingRow.start_ts < high)
    return [_booking_public(b, v) for b, v in
            session.execute(query.order_by(VehicleBookingRow.start_ts))]


def trips(session: Session, building_id: int, user: User | None, *,
          plate: str | None = None, limit: int = 200) -> list[TripPublic]:
    """Trips, newest first (from gate plate reads)."""
    portfolio.get_building(session, building_id, user)
    query = select(VehicleTripRow, VehicleRow).join(
        VehicleRow, VehicleRow.id == VehicleTripRow.vehicle_id).where(
        VehicleTripRow.building_id == building_id)
    if plate:
        query = query.where(VehicleRow.plate == normalise_plate(plate))
    return [TripPublic(id=t.id, plate=v.plate, out=iso_s(t.out_ts), back=iso_s(t.in_ts),
                       hours=None if t.in_ts is None else round((t.in_ts - t.out_ts) / 3600, 2),
                       km=t.km, booking_id=t.booking_id)
            for t, v in session.execute(query.order_by(VehicleTripRow.out_ts.desc())
                                        .limit(limit))]


def add_fuel(session: Session, building_id: int, user: User | None, spec: FuelCreate, *,
             actor: str) -> FuelPublic:
    """Record fuel bought (and the odometer, which moves the vehicle's forward)."""
    portfolio.get_building(session, building_id, user)
    vehicle = _vehicle(session, building_id, spec.plate)
    ts = parse_time(spec.ts, "ts") or time.time()
    row = FuelEntryRow(vehicle_id=vehicle.id, ts=ts, litres=spec.litres, cost=spec.cost,
                       odometer_km=spec.odometer_km)
    if spec.odometer_km is not None:
        if spec.odometer_km < vehicle.odometer_km:
            raise InvalidInputError(f"odometer {spec.odometer_km:g} km is below the last "
                                    f"{vehicle.odometer_km:g} km")
        vehicle.odometer_km = spec.odometer_km
    session.add(row)
    record_audit(session, actor=actor, action="vehicles.fuel", target=vehicle.plate)
    session.flush()
    return FuelPublic(id=row.id, plate=vehicle.plate, ts=iso_s(ts), litres=row.litres,
                      cost=row.cost, odometer_km=row.odometer_km)


def disclosure(session: Session, building_id: int, user: User | None, *, start: str,
               end: str, now: float | None = None) -> dict:
    """The 公务用车 figures of a period (:func:`security.vehicles.disclosure_summary`)."""
    portfolio.get_building(session, building_id, user)
    low, high = parse_time(start, "start"), parse_time(end, "end")
    if low is None or high is None or high <= low:
        raise InvalidInputError("the period needs a start before its end")
    fleet = {v.id: v for v in session.scalars(select(VehicleRow).where(
        VehicleRow.building_id == building_id))}
    trip_rows = session.scalars(select(VehicleTripRow).where(
        VehicleTripRow.building_id == building_id, VehicleTripRow.out_ts < high))
    fuel_rows = session.scalars(select(FuelEntryRow).where(
        FuelEntryRow.vehicle_id.in_(list(fleet)), FuelEntryRow.ts >= low,
        FuelEntryRow.ts < high))
    return disclosure_summary(
        {v.plate: v.name for v in fleet.values()},
        [Trip(fleet[t.vehicle_id].plate, t.out_ts, t.in_ts, t.km) for t in trip_rows],
        [(fleet[f.vehicle_id].plate, f.ts, f.litres, f.cost) for f in fuel_rows], low, high,
        now=time.time() if now is None else now)
