"""会议一件事 (meetings) in the running system: booking, approving, cancelling, check-in and
no-show release, visitor passes and parking, ICS feeds, finding a room, utilisation.

Routers and commands call these functions; every change happens in the caller's session,
so a refused request stores nothing. Instants are aware UTC datetimes here and Unix seconds
in the tables.

For the security domain (which reads, never writes, what is here):

* :func:`valid_pass` - whether a visitor pass opens a door of a storey at an instant;
* :func:`parking_plates` - the plates with a parking reservation valid at an instant.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from meetings.bookings import Occurrence, RoomSchedule, check_policy, check_times
from meetings.errors import (
    BookingConflictError,
    InvalidBookingError,
    PassRefusedError,
    UnknownBookingError,
)
from meetings.recurrence import DEFAULT_TZ, expand, normalise_rule, parse_exdate, parse_instant
from meetings.visitors import Pass, Visitor, check_pass, pass_window
from twin.core.accounts import record_audit
from twin.core.errors import PermissionDeniedError
from twin.core.permissions import may
from twin.core.tables import Building, User
from twin.meetings.catalogue import RoomEntry, find_room, room_entries
from twin.meetings.tables import (
    BookingRow,
    OccurrenceRow,
    ParkingReservationRow,
    VisitorPassRow,
)

__all__ = [
    "BookingRequest",
    "approve_booking",
    "booking_detail",
    "book",
    "cancel_booking",
    "check_in",
    "move_occurrence",
    "occurrence_of",
    "occurrences_in",
    "parking_plates",
    "passes_of",
    "pending_bookings",
    "plates_of",
    "purge_visitors",
    "seconds",
    "to_utc",
    "valid_pass",
]

ACTIVE = ("requested", "confirmed", "checked_in")


def seconds(value: datetime) -> float:
    """Unix seconds of an aware datetime."""
    return value.timestamp()


def to_utc(value: float | None) -> datetime | None:
    """An aware UTC datetime from Unix seconds (None stays None)."""
    return None if value is None else datetime.fromtimestamp(value, UTC)


@dataclass
class BookingRequest:
    """What a user asks for: a room, a time, maybe a series, services and visitors."""

    room: str
    start: str | datetime
    end: str | datetime
    title: str
    attendees: int
    rrule: str | None = None
    exdates: list[str] = field(default_factory=list)
    services: dict[str, Any] = field(default_factory=dict)
    visitors: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


def occurrence_of(row: OccurrenceRow, attendees: int = 0) -> Occurrence:
    """The domain occurrence of a row."""
    return Occurrence(row.booking_id, row.seq, row.room, to_utc(row.start), to_utc(row.end),
                      row.state, to_utc(row.original_start), to_utc(row.checked_in_at),
                      attendees)


def _next_id(session: Session) -> str:
    last = session.scalar(select(func.max(BookingRow.id)))
    number = int(last.split("-")[1]) + 1 if last else 1
    return f"BK-{number:06d}"


def active_in(session: Session, building_id: int, rooms: Iterable[str] | None,
              start: datetime, end: datetime) -> list[OccurrenceRow]:
    """Active occurrences overlapping ``[start, end)`` in these rooms (None: every room)."""
    query = select(OccurrenceRow).where(
        OccurrenceRow.building_id == building_id, OccurrenceRow.state.in_(ACTIVE),
        OccurrenceRow.start < seconds(end), OccurrenceRow.end > seconds(start))
    if rooms is not None:
        query = query.where(OccurrenceRow.room.in_(list(rooms)))
    return list(session.scalars(query.order_by(OccurrenceRow.start)))


def _visitors(raw: list[dict[str, Any]]) -> list[Visitor]:
    visitors = []
    for item in raw:
        visitors.append(Visitor.of(str(item.get("name") or ""), item.get("id_number"),
                                   item.get("organisation"), item.get("plate")))
    return visitors


def _services(raw: dict[str, Any]) -> dict[str, Any]:
    unknown = set(raw) - {"av", "tea", "signage"}
    if unknown:
        raise InvalidBookingError(f"unknown service {sorted(unknown)[0]!r}; use av, tea, "
                                  f"signage")
    tea = raw.get("tea", 0)
    if not isinstance(tea, int) or tea < 0:
        raise InvalidBookingError("tea is the number of cups of tea (0 or more)")
    return {"av": bool(raw.get("av", False)), "tea": tea,
            "signage": str(raw.get("signage") or "")}


def _refuse_clashes(entry: RoomEntry, rows: list[OccurrenceRow], slots) -> None:
    try:
        RoomSchedule.of(entry.room.global_id, map(occurrence_of, rows)).refuse_clashes(slots)
    except BookingConflictError as error:  # name the room by its number
        raise BookingConflictError(entry.room.number, error.clashes) from None


def book(session: Session, building: Building, user: User, request: BookingRequest,
         now: datetime) -> BookingRow:
    """Decide on a booking (times, recurrence, policy, capacity, conflicts) and store it
    with its occurrences; passes and parking come with the confirmation.

    Raises
    ------
    InvalidBookingError, InvalidRecurrenceError, PolicyError
        Bad input (422); nothing is stored.
    BookingConflictError
        The room is taken (409), naming the clashing booking.
    UnknownRoomError
        No such bookable room (404).
    """
    entry = find_room(room_entries(session, building), request.room)
    if not request.title.strip():
        raise InvalidBookingError("a booking needs a title")
    start, end = parse_instant(request.start), parse_instant(request.end)
    check_times(start, end, now)
    rule = normalise_rule(request.rrule) if request.rrule else None
    slots = expand(start, end, rule, [parse_exdate(d) for d in request.exdates])
    if not slots:
        raise InvalidBookingError("every occurrence of the series is excluded")
    check_policy(entry.policy, slots, request.attendees, entry.room.capacity, now,
                 entry.room.number)
    existing = active_in(session, building.id, [entry.room.global_id], slots[0].start,
                         slots[-1].end)
    _refuse_clashes(entry, existing, slots)
    visitors = _visitors(request.visitors)
    services = _services(request.services)
    needs_approval = not entry.policy.auto_accept or bool(visitors)
    state = "requested" if needs_approval else "confirmed"
    row = BookingRow(id=_next_id(session), building_id=building.id,
                     room=entry.room.global_id, organiser=user.username,
                     title=request.title.strip(), attendees=request.attendees,
                     start=seconds(slots[0].start), end=seconds(slots[0].end), rrule=rule,
                     state=state, data={
                         "exdates": [str(d) for d in request.exdates], "services": services,
                         "visitors": [v.__dict__ for v in visitors], "note": request.note,
                         "room_number": entry.room.number, "storey": entry.room.storey,
                         "history": [[seconds(now), user.username, state]]})
    session.add(row)
    session.flush()
    session.add_all(OccurrenceRow(booking_id=row.id, building_id=building.id,
                                  room=entry.room.global_id, seq=i, start=seconds(s.start),
                                  end=seconds(s.end), original_start=seconds(s.start),
                                  state=state) for i, s in enumerate(slots))
    record_audit(session, actor=user.username, action="meetings.book", target=row.id,
                 detail={"building": building.id, "room": entry.room.number,
                         "occurrences": len(slots), "state": state})
    session.flush()
    return row


def get_booking(session: Session, building: Building, booking_id: str) -> BookingRow:
    """One booking of ``building``.

    Raises
    ------
    UnknownBookingError
    """
    row = session.get(BookingRow, booking_id)
    if row is None or row.building_id != building.id:
        raise UnknownBookingError(booking_id)
    return row


def occurrence_rows(session: Session, booking_id: str) -> list[OccurrenceRow]:
    """The occurrences of a booking, in order."""
    return list(session.scalars(select(OccurrenceRow).where(
        OccurrenceRow.booking_id == booking_id).order_by(OccurrenceRow.seq)))


def may_see_visitors(user: User, row: BookingRow, entry_approver: str | None = None) -> bool:
    """Organisers, approvers and administrators see a request's visitors."""
    return (user.username == row.organiser or user.role == "admin"
            or may(user.role, "meetings.approve") or user.username == entry_approver)


def _history(row: BookingRow, now: datetime, actor: str, what: str) -> None:
    data = dict(row.data)
    data["history"] = [*data.get("history", []), [seconds(now), actor, what]]
    row.data = data


def _issue_passes(session: Session, row: BookingRow, occurrences: list[OccurrenceRow]) -> None:
    visitors = row.data.get("visitors", [])
    storey = row.data.get("storey")
    for occ in occurrences:
        if occ.state not in ACTIVE:
            continue
        opens, closes = pass_window(to_utc(occ.start), to_utc(occ.end))
        for v in visitors:
            session.add(VisitorPassRow(
                token=secrets.token_urlsafe(24), booking_id=row.id,
                building_id=row.building_id, visitor=v["name"], id_masked=v.get("id_number"),
                organisation=v.get("organisation"), plate=v.get("plate"), storey=storey,
                valid_from=seconds(opens), valid_to=seconds(closes)))
            if v.get("plate"):
                session.add(ParkingReservationRow(
                    booking_id=row.id, building_id=row.building_id, plate=v["plate"],
                    valid_from=seconds(opens), valid_to=seconds(closes)))


def approve_booking(session: Session, building: Building, booking_id: str, user: User,
                    now: datetime, *, approve: bool = True, note: str = "") -> BookingRow:
    """Approve (occurrences confirmed, passes and parking issued) or reject a request.

    Raises
    ------
    InvalidBookingError
        The booking is not awaiting approval.
    """
    row = get_booking(session, building, booking_id)
    if row.state != "requested":
        raise InvalidBookingError(f"booking {booking_id} is {row.state}, not awaiting approval")
    occurrences = occurrence_rows(session, booking_id)
    state = "confirmed" if approve else "rejected"
    for occ in occurrences:
        if occ.state == "requested":
            occ.state = state
    row.state = state
    _history(row, now, user.username, state + (f": {note}" if note else ""))
    if approve:
        _issue_passes(session, row, occurrences)
    record_audit(session, actor=user.username, action=f"meetings.{state}", target=row.id)
    session.flush()
    return row


def _owned(row: BookingRow, user: User) -> None:
    if row.organiser != user.username and not may(user.role, "meetings.approve"):
        raise PermissionDeniedError(f"booking {row.id} is {row.organiser}'s; only the organiser "
                                    f"or an approver may change it")


def cancel_booking(session: Session, building: Building, booking_id: str, user: User,
                   now: datetime, *, first: str | None = None, last: str | None = None,
                   seq: int | None = None) -> list[OccurrenceRow]:
    """Cancel a whole booking, one occurrence (``seq``) or the occurrences whose local date
    lies in ``[first, last]``; passes and parking of what is cancelled go with it.

    Raises
    ------
    InvalidBookingError
        A bad range, or nothing left to cancel.
    """
    row = get_booking(session, building, booking_id)
    _owned(row, user)
    rows = occurrence_rows(session, booking_id)
    if seq is not None:
        chosen = [o for o in rows if o.seq == seq]
        if not chosen:
            raise UnknownBookingError(f"{booking_id}/{seq}")
    elif first or last:
        a = parse_exdate(first or last)
        b = parse_exdate(last or first)
        if isinstance(a, datetime) or isinstance(b, datetime):
            raise InvalidBookingError("a range is two dates, like 2026-12-14 and 2026-12-20")
        if b < a:
            raise InvalidBookingError(f"the range ends ({b}) before it starts ({a})")
        chosen = [o for o in rows if a <= to_utc(o.start).astimezone(DEFAULT_TZ).date() <= b]
    else:
        chosen = rows
    chosen = [o for o in chosen if o.state in ACTIVE]
    if not chosen:
        raise InvalidBookingError(f"booking {booking_id} has nothing active to cancel there")
    for occ in chosen:
        occ.state = "cancelled"
        _drop_passes(session, row.id, occ)
    if all(o.state not in ACTIVE for o in rows):
        row.state = "cancelled"
    _history(row, now, user.username, f"cancelled {len(chosen)} occurrence(s)")
    record_audit(session, actor=user.username, action="meetings.cancel", target=row.id,
                 detail={"occurrences": [o.seq for o in chosen]})
    session.flush()
    return chosen


def _drop_passes(session: Session, booking_id: str, occ: OccurrenceRow) -> None:
    opens = seconds(to_utc(occ.start) - timedelta(minutes=30))
    for table in (VisitorPassRow, ParkingReservationRow):
        session.execute(delete(table).where(table.booking_id == booking_id,
                                            table.valid_from == opens))


def move_occurrence(session: Session, building: Building, booking_id: str, seq: int,
                    user: User, now: datetime, start: str, end: str) -> OccurrenceRow:
    """Move one occurrence (its RECURRENCE-ID stays its original start).

    Raises
    ------
    BookingConflictError, InvalidBookingError, PolicyError
    """
    row = get_booking(session, building, booking_id)
    _owned(row, user)
    occ = next((o for o in occurrence_rows(session, booking_id) if o.seq == seq), None)
    if occ is None or occ.state not in ACTIVE:
        raise UnknownBookingError(f"{booking_id}/{seq}")
    a, b = parse_instant(start), parse_instant(end)
    check_times(a, b, now)
    entry = find_room(room_entries(session, building), row.room)
    slots = expand(a, b)
    check_policy(entry.policy, slots, row.attendees, entry.room.capacity, now,
                 entry.room.number)
    others = [o for o in active_in(session, building.id, [row.room], a, b) if o.id != occ.id]
    _refuse_clashes(entry, others, slots)
    _drop_passes(session, row.id, occ)
    occ.start, occ.end = seconds(a), seconds(b)
    if row.state == "confirmed":
        _issue_passes(session, row, [occ])
    _history(row, now, user.username, f"moved occurrence {seq}")
    session.flush()
    return occ


def check_in(session: Session, building: Building, booking_id: str, seq: int, user: User,
             now: datetime) -> OccurrenceRow:
    """Check in to an occurrence (from 5 minutes before its start to its end).

    Raises
    ------
    InvalidBookingError
        Not confirmed, or outside its time.
    """
    row = get_booking(session, building, booking_id)
    occ = next((o for o in occurrence_rows(session, booking_id) if o.seq == seq), None)
    if occ is None:
        raise UnknownBookingError(f"{booking_id}/{seq}")
    if occ.state != "confirmed":
        raise InvalidBookingError(f"occurrence {booking_id}/{seq} is {occ.state}; only a "
                                  f"confirmed one can be checked in")
    if not seconds(now) + 300 >= occ.start or seconds(now) > occ.end:
        raise InvalidBookingError(f"check-in for {booking_id}/{seq} opens 5 minutes before "
                                  f"{to_utc(occ.start).astimezone(DEFAULT_TZ):%H:%M} and closes "
                                  f"at its end")
    occ.state, occ.checked_in_at = "checked_in", seconds(now)
    _history(row, now, user.username, f"checked in {seq}")
    session.flush()
    return occ


def occurrences_in(session: Session, building_id: int, start: datetime, end: datetime, *,
                   rooms: Iterable[str] | None = None, organiser: str | None = None,
                   states: Iterable[str] | None = None
                   ) -> list[tuple[OccurrenceRow, BookingRow]]:
    """Occurrences overlapping ``[start, end)`` with their bookings, by start."""
    query = select(OccurrenceRow, BookingRow).join(
        BookingRow, BookingRow.id == OccurrenceRow.booking_id).where(
        OccurrenceRow.building_id == building_id, OccurrenceRow.start < seconds(end),
        OccurrenceRow.end > seconds(start))
    if rooms is not None:
        query = query.where(OccurrenceRow.room.in_(list(rooms)))
    if organiser is not None:
        query = query.where(BookingRow.organiser == organiser)
    if states is not None:
        query = query.where(OccurrenceRow.state.in_(list(states)))
    return [(o, b) for o, b in session.execute(query.order_by(OccurrenceRow.start))]


def plates_of(session: Session, booking_id: str) -> list[str]:
    """The plates with a parking reservation for a booking, sorted."""
    return sorted(set(session.scalars(select(ParkingReservationRow.plate).where(
        ParkingReservationRow.booking_id == booking_id))))


def pending_bookings(session: Session, building: Building) -> list[BookingRow]:
    """Requests of ``building`` awaiting approval, oldest first."""
    return list(session.scalars(select(BookingRow).where(
        BookingRow.building_id == building.id, BookingRow.state == "requested"
    ).order_by(BookingRow.created_at)))


def passes_of(session: Session, booking_id: str) -> list[VisitorPassRow]:
    """The visitor passes of a booking, by start."""
    return list(session.scalars(select(VisitorPassRow).where(
        VisitorPassRow.booking_id == booking_id).order_by(VisitorPassRow.valid_from)))


def booking_detail(session: Session, building: Building, booking_id: str, user: User
                   ) -> tuple[BookingRow, list[OccurrenceRow], list[VisitorPassRow], bool]:
    """A booking, its occurrences, its passes and whether ``user`` may see visitors."""
    row = get_booking(session, building, booking_id)
    entries = {e.room.global_id: e for e in room_entries(session, building)}
    entry = entries.get(row.room)
    visible = may_see_visitors(user, row, entry.approver if entry else None)
    return (row, occurrence_rows(session, booking_id),
            passes_of(session, booking_id) if visible else [], visible)


def purge_visitors(session: Session, before: datetime) -> int:
    """Retention of visitor records: forget the visitors (names, masked ID numbers,
    organisations, plates) of bookings that ended before ``before``, and their passes and
    parking reservations; the bookings keep how many visitors they had. Returns how many
    bookings were purged."""
    t = seconds(before)
    ended = select(OccurrenceRow.booking_id).group_by(OccurrenceRow.booking_id).having(
        func.max(OccurrenceRow.end) < t)
    purged = 0
    for row in session.scalars(select(BookingRow).where(BookingRow.id.in_(ended))):
        if row.data.get("visitors"):
            row.data = dict(row.data) | {"visitors": [],
                                         "visitors_purged": len(row.data["visitors"])}
            purged += 1
    for table in (VisitorPassRow, ParkingReservationRow):
        session.execute(delete(table).where(table.valid_to < t))
    session.flush()
    return purged


# -- read by the security domain ------------------------------------------------------------

def valid_pass(session: Session, token: str, building_id: int, storey: str | None,
               at: datetime) -> VisitorPassRow:
    """The visitor pass ``token`` if it opens a door of ``storey`` in ``building_id`` at
    ``at`` (it is marked used); for the security domain's door checks.

    Raises
    ------
    PassRefusedError
        Unknown token, another building, another storey, or outside its window
        (30 minutes before the meeting to its end).
    """
    row = session.get(VisitorPassRow, token)
    if row is None or row.building_id != building_id:
        raise PassRefusedError("unknown visitor pass for this building")
    check_pass(Pass(row.token, row.booking_id, row.visitor, row.storey,
                    to_utc(row.valid_from), to_utc(row.valid_to)), storey, at)
    row.used_at = row.used_at or seconds(at)
    return row


def parking_plates(session: Session, building_id: int, at: datetime) -> set[str]:
    """Plates with a parking reservation in ``building_id`` valid at ``at``."""
    t = seconds(at)
    return set(session.scalars(select(ParkingReservationRow.plate).where(
        ParkingReservationRow.building_id == building_id,
        ParkingReservationRow.valid_from <= t, ParkingReservationRow.valid_to >= t)))


def entry_of(session: Session, building: Building, room: str) -> RoomEntry:
    """The bookable room ``room`` (number or GlobalId)."""
    return find_room(room_entries(session, building), room)
