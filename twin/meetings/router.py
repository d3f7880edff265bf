"""HTTP routes of 会议一件事 (meetings): bookable rooms, bookings (single and series),
approvals, cancelling and moving, check-in, the door panel, visitor passes, ICS feeds,
finding a room across the portfolio and utilisation. ``meetings.read`` reads,
``meetings.book`` books, ``meetings.approve`` approves and sets room policies."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from meetings.recurrence import DEFAULT_TZ, parse_instant
from twin.core.accounts import user_of_token
from twin.core.deps import SessionDep, require
from twin.core.errors import PermissionDeniedError
from twin.core.permissions import may
from twin.core.tables import User
from twin.meetings import live, service
from twin.meetings.catalogue import RoomEntry, room_entries, set_room
from twin.meetings.schemas import (
    BookingCreate,
    BookingDetailPublic,
    BookingPublic,
    CancelCreate,
    DecisionCreate,
    DoorPanelPublic,
    FeedPublic,
    MoveCreate,
    OccurrencePublic,
    PassCheckCreate,
    PassCheckPublic,
    PassPublic,
    RoomPublic,
    RoomStatePublic,
    RoomUpdate,
    RoomUsePublic,
    UtilisationPublic,
)
from twin.meetings.tables import BookingRow, OccurrenceRow
from twin.portfolio import service as portfolio

__all__ = ["router"]

router = APIRouter(tags=["meetings"])
Reader = Annotated[User, Depends(require("meetings.read"))]
Booker = Annotated[User, Depends(require("meetings.book"))]
Approver = Annotated[User, Depends(require("meetings.approve"))]
Guard = Annotated[User, Depends(require("security.read"))]
_bearer = HTTPBearer(auto_error=False)
_B = "/buildings/{building_id}"


def _now(request: Request) -> datetime:
    """The clock (tests set ``app.state.meetings_clock``)."""
    clock = getattr(request.app.state, "meetings_clock", None)
    return clock() if clock else datetime.now(UTC)


def _iso(value: float | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC).astimezone(DEFAULT_TZ).isoformat()


def _room(entry: RoomEntry, state: str | None = None) -> RoomPublic:
    r = entry.room
    return RoomPublic(building_id=entry.building_id, global_id=r.global_id, number=r.number,
                      name=r.name, storey=r.storey, storey_name=r.storey_name,
                      capacity=r.capacity, capacity_source=r.capacity_source, area=r.area,
                      features=list(r.features), equipment=list(r.equipment),
                      centroid=list(r.centroid) if r.centroid else None,
                      policy=entry.policy.to_dict(), approver=entry.approver, state=state)


def _occurrence(o: OccurrenceRow, b: BookingRow) -> OccurrencePublic:
    return OccurrencePublic(id=f"{o.booking_id}/{o.seq}", booking_id=o.booking_id,
                            building_id=o.building_id, seq=o.seq,
                            room=o.room, room_number=b.data.get("room_number", o.room),
                            title=b.title, organiser=b.organiser, attendees=b.attendees,
                            start=_iso(o.start), end=_iso(o.end),
                            original_start=_iso(o.original_start), state=o.state,
                            checked_in_at=_iso(o.checked_in_at))


def _booking(b: BookingRow, occurrences: list[OccurrenceRow]) -> dict:
    return {"id": b.id, "building_id": b.building_id, "room": b.room,
            "room_number": b.data.get("room_number", b.room), "organiser": b.organiser,
            "title": b.title, "attendees": b.attendees, "start": _iso(b.start),
            "end": _iso(b.end), "rrule": b.rrule, "exdates": b.data.get("exdates", []),
            "state": b.state, "services": b.data.get("services", {}),
            "occurrences": [_occurrence(o, b) for o in occurrences],
            "ics_url": f"/buildings/{b.building_id}/bookings/{b.id}/invitation.ics"}


def _qr(token: str) -> str:
    out = io.BytesIO()
    segno.make(token, error="m").save(out, kind="svg", scale=3, xmldecl=False)
    return out.getvalue().decode()


def _building(session, building_id: int, user: User):
    return portfolio.get_building(session, building_id, user)


# -- rooms ---------------------------------------------------------------------------------

@router.get(_B + "/meeting-rooms", response_model=list[RoomPublic])
def meeting_rooms(building_id: int, request: Request, session: SessionDep,
                  user: Reader) -> list[RoomPublic]:
    """The bookable rooms with capacity, equipment features, policy and state now."""
    building = _building(session, building_id, user)
    states = live.room_states(session, building, _now(request))
    return [_room(e, states.get(e.room.global_id)) for e in room_entries(session, building)]


@router.get(_B + "/meeting-rooms/states", response_model=list[RoomStatePublic])
def meeting_room_states(building_id: int, request: Request, session: SessionDep, user: Reader,
                        at: str | None = None) -> list[RoomStatePublic]:
    """Each bookable room's state at ``at`` (default now): free / booked / in_use /
    released, for the 3D viewer's colours."""
    building = _building(session, building_id, user)
    states = live.room_states(session, building, parse_instant(at) if at else _now(request))
    return [RoomStatePublic(global_id=g, state=s) for g, s in states.items()]


@router.patch(_B + "/meeting-rooms/{room}", response_model=RoomPublic)
def update_room(building_id: int, room: str, body: RoomUpdate, session: SessionDep,
                user: Approver) -> RoomPublic:
    """Mark a space bookable or not, set its capacity, approver and policy."""
    building = _building(session, building_id, user)
    return _room(set_room(session, building, room, **body.model_dump()))


# -- bookings ------------------------------------------------------------------------------

@router.post(_B + "/bookings", status_code=201, response_model=BookingPublic)
def create_booking(building_id: int, body: BookingCreate, request: Request,
                   session: SessionDep, user: Booker) -> BookingPublic:
    """Book a room (a single meeting or a series); with services and visitors it is the
    one-step request (一件事). 409 names the clashing booking; 422 says what is wrong."""
    building = _building(session, building_id, user)
    row = service.book(session, building, user, service.BookingRequest(
        room=body.room, start=body.start, end=body.end, title=body.title,
        attendees=body.attendees, rrule=body.rrule, exdates=body.exdates,
        services=body.services.model_dump(), visitors=[v.model_dump() for v in body.visitors],
        note=body.note), _now(request))
    return BookingPublic(**_booking(row, service.occurrence_rows(session, row.id)))


@router.get(_B + "/bookings", response_model=list[OccurrencePublic])
def list_bookings(building_id: int, request: Request, session: SessionDep, user: Reader,
                  room: str | None = None, start: str | None = None, end: str | None = None,
                  mine: bool = False, state: Annotated[str | None, Query(
                      description="comma-separated occurrence states")] = None
                  ) -> list[OccurrencePublic]:
    """The occurrences overlapping ``start``..``end`` (default: the coming week), of one room
    (number or GlobalId) or all."""
    building = _building(session, building_id, user)
    first, last = live.parse_window(start, end, _now(request))
    rooms = [service.entry_of(session, building, room).room.global_id] if room else None
    pairs = service.occurrences_in(session, building.id, first, last, rooms=rooms,
                                   organiser=user.username if mine else None,
                                   states=state.split(",") if state else None)
    return [_occurrence(o, b) for o, b in pairs]


@router.get(_B + "/bookings/{booking_id}", response_model=BookingDetailPublic)
def get_booking(building_id: int, booking_id: str, session: SessionDep,
                user: Reader) -> BookingDetailPublic:
    """A booking; visitors, passes and plates only for its organiser, approvers, admins."""
    building = _building(session, building_id, user)
    row, occurrences, passes, visible = service.booking_detail(session, building, booking_id,
                                                               user)
    plates = service.plates_of(session, row.id) if visible else None
    return BookingDetailPublic(
        **_booking(row, occurrences),
        visitors=row.data.get("visitors", []) if visible else None,
        passes=[PassPublic(token=p.token, visitor=p.visitor, id_masked=p.id_masked,
                           organisation=p.organisation, plate=p.plate, storey=p.storey,
                           valid_from=_iso(p.valid_from), valid_to=_iso(p.valid_to),
                           used_at=_iso(p.used_at), qr_svg=_qr(p.token))
                for p in passes] if visible else None,
        parking=plates, history=row.data.get("history", []))


@router.get(_B + "/approvals", response_model=list[BookingPublic])
def approvals(building_id: int, session: SessionDep, user: Approver) -> list[BookingPublic]:
    """Requests awaiting approval, oldest first."""
    building = _building(session, building_id, user)
    rows = service.pending_bookings(session, building)
    return [BookingPublic(**_booking(r, service.occurrence_rows(session, r.id))) for r in rows]


def _decide(request: Request, session, building_id: int, booking_id: str, user: User,
            body: DecisionCreate, approve: bool) -> BookingPublic:
    building = _building(session, building_id, user)
    row = service.approve_booking(session, building, booking_id, user, _now(request),
                                  approve=approve, note=body.note)
    return BookingPublic(**_booking(row, service.occurrence_rows(session, row.id)))


@router.post(_B + "/bookings/{booking_id}/approve", response_model=BookingPublic)
def approve(building_id: int, booking_id: str, body: DecisionCreate, request: Request,
            session: SessionDep, user: Approver) -> BookingPublic:
    """Approve a request: occurrences confirmed, visitor passes and parking issued."""
    return _decide(request, session, building_id, booking_id, user, body, True)


@router.post(_B + "/bookings/{booking_id}/reject", response_model=BookingPublic)
def reject(building_id: int, booking_id: str, body: DecisionCreate, request: Request,
           session: SessionDep, user: Approver) -> BookingPublic:
    """Reject a request (its slot is freed)."""
    return _decide(request, session, building_id, booking_id, user, body, False)


@router.post(_B + "/bookings/{booking_id}/cancel", response_model=BookingPublic)
def cancel(building_id: int, booking_id: str, body: CancelCreate, request: Request,
           session: SessionDep, user: Booker) -> BookingPublic:
    """Cancel the booking, one occurrence (``seq``) or a date range (``first``..``last``)."""
    building = _building(session, building_id, user)
    service.cancel_booking(session, building, booking_id, user, _now(request),
                           first=body.first, last=body.last, seq=body.seq)
    row = service.get_booking(session, building, booking_id)
    return BookingPublic(**_booking(row, service.occurrence_rows(session, row.id)))


@router.post(_B + "/bookings/{booking_id}/occurrences/{seq}/move",
             response_model=OccurrencePublic)
def move(building_id: int, booking_id: str, seq: int, body: MoveCreate, request: Request,
         session: SessionDep, user: Booker) -> OccurrencePublic:
    """Move one occurrence of a series to another time."""
    building = _building(session, building_id, user)
    occ = service.move_occurrence(session, building, booking_id, seq, user, _now(request),
                                  body.start, body.end)
    return _occurrence(occ, service.get_booking(session, building, booking_id))


@router.post(_B + "/bookings/{booking_id}/occurrences/{seq}/check-in",
             response_model=OccurrencePublic)
def check_in(building_id: int, booking_id: str, seq: int, request: Request,
             session: SessionDep, user: Reader) -> OccurrencePublic:
    """Check in (door panel or QR); presence on the room's sensor does it by itself."""
    building = _building(session, building_id, user)
    occ = service.check_in(session, building, booking_id, seq, user, _now(request))
    return _occurrence(occ, service.get_booking(session, building, booking_id))


_ICS = "text/calendar; charset=utf-8"
_ICS_ANSWER = {"response_class": Response,
               "responses": {200: {"content": {"text/calendar": {}},
                                   "description": "an iCalendar (RFC 5545) document"}}}


@router.get(_B + "/bookings/{booking_id}/invitation.ics", **_ICS_ANSWER)
def invitation(building_id: int, booking_id: str, request: Request, session: SessionDep,
               user: Reader) -> Response:
    """The booking as an ICS invitation."""
    building = _building(session, building_id, user)
    row = service.get_booking(session, building, booking_id)
    body = live.booking_ics(session, building, row, _now(request))
    return Response(body, media_type=_ICS, headers={
        "Content-Disposition": f'attachment; filename="{row.id}.ics"'})


@router.get(_B + "/rooms/{room}/calendar.ics", **_ICS_ANSWER)
def room_calendar(building_id: int, room: str, request: Request, session: SessionDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None,
                                         Depends(_bearer)],
                  token: str | None = None) -> Response:
    """The room's ICS feed. Calendar clients pass the user's feed token (``?token=``, see
    ``GET /meetings/feed``) instead of a bearer token."""
    if token:
        user = live.account_of_calendar_token(session, token)
    else:
        user = user_of_token(session, credentials.credentials if credentials else None)
    if not may(user.role, "meetings.read"):
        raise PermissionDeniedError(f"role {user.role!r} may not read calendars "
                                    f"(meetings.read)")
    building = _building(session, building_id, user)
    entry = service.entry_of(session, building, room)
    return Response(live.room_ics(session, building, entry, _now(request)), media_type=_ICS)


@router.get(_B + "/rooms/{room}/panel", response_model=DoorPanelPublic)
def door_panel(building_id: int, room: str, request: Request, session: SessionDep,
               user: Reader) -> DoorPanelPublic:
    """The room's door panel: state now, the current and next meeting, today's list."""
    building = _building(session, building_id, user)
    entry = service.entry_of(session, building, room)
    now = _now(request)
    panel = live.door_panel(session, building, entry, now)
    today = panel["today"]
    books = {b.id: b for _o, b in today}

    def public(o):
        return None if o is None else _occurrence(o, books[o.booking_id])
    return DoorPanelPublic(room=_room(entry, panel["state"]),
                           now=now.astimezone(DEFAULT_TZ).isoformat(), state=panel["state"],
                           current=public(panel["current"]), next=public(panel["next"]),
                           today=[_occurrence(o, b) for o, b in today])


@router.get(_B + "/meetings/utilisation", response_model=UtilisationPublic)
def utilisation(building_id: int, request: Request, session: SessionDep, user: Reader,
                start: str | None = None, end: str | None = None) -> UtilisationPublic:
    """Booked vs occupied hours, ghost rate, fill and peak per room (default: the last 7
    days)."""
    building = _building(session, building_id, user)
    now = _now(request)
    first = parse_instant(start) if start else now - timedelta(days=7)
    last = parse_instant(end) if end else (first + timedelta(days=7) if start else now)
    summary, entries = live.utilisation(session, building, first, last)
    names = {e.room.global_id: e.room for e in entries}
    return UtilisationPublic(
        start=first.astimezone(DEFAULT_TZ).isoformat(),
        end=last.astimezone(DEFAULT_TZ).isoformat(), booked_hours=summary.booked_hours,
        occupied_hours=summary.occupied_hours, ghost_rate=summary.ghost_rate,
        peak_hour=summary.peak_hour, peak_rooms_in_use=summary.peak_rooms_in_use,
        rooms=[RoomUsePublic(room=r.room, number=names[r.room].number,
                             name=names[r.room].name, capacity=r.capacity,
                             meetings=r.meetings, ghosts=r.ghosts,
                             booked_hours=r.booked_hours, occupied_hours=r.occupied_hours,
                             ghost_rate=r.ghost_rate, fill=r.fill, peak_people=r.peak_people)
               for r in summary.rooms])


@router.post(_B + "/visitor-passes/check", response_model=PassCheckPublic)
def check_pass(building_id: int, body: PassCheckCreate, request: Request,
               session: SessionDep, user: Guard) -> PassCheckPublic:
    """Whether a visitor pass opens a door of ``storey`` now (or ``at``): 200 with the
    visitor, or 403 saying why not."""
    _building(session, building_id, user)
    at = parse_instant(body.at) if body.at else _now(request)
    row = service.valid_pass(session, body.token, building_id, body.storey, at)
    return PassCheckPublic(visitor=row.visitor, organisation=row.organisation,
                           storey=row.storey, booking_id=row.booking_id,
                           valid_to=_iso(row.valid_to))


# -- across the portfolio ------------------------------------------------------------------

@router.get("/meetings/find", response_model=list[RoomPublic])
def find_rooms(session: SessionDep, user: Reader, attendees: int = Query(ge=1),
               start: str = Query(), end: str = Query(),
               features: Annotated[str | None, Query(
                   description="comma-separated: screen, projector, video")] = None
               ) -> list[RoomPublic]:
    """Free rooms for ``attendees`` people from ``start`` to ``end`` with ``features``, in
    every building you see, the best fitting first."""
    wanted = {f for f in (features or "").split(",") if f}
    entries = live.find_rooms(session, user, attendees, parse_instant(start),
                              parse_instant(end), wanted)
    return [_room(e, "free") for e in entries]


@router.get("/meetings/mine", response_model=list[OccurrencePublic])
def my_bookings(request: Request, session: SessionDep, user: Reader,
                start: str | None = None, end: str | None = None) -> list[OccurrencePublic]:
    """Your occurrences in every building (default: the coming 30 days)."""
    first, last = live.parse_window(start, end, _now(request), days=30)
    found = []
    for building in portfolio.list_buildings(session, user):
        found += [_occurrence(o, b) for o, b in service.occurrences_in(
            session, building.id, first, last, organiser=user.username)]
    return sorted(found, key=lambda o: o.start)


@router.get("/meetings/feed", response_model=FeedPublic)
def my_feed(session: SessionDep, user: Reader) -> FeedPublic:
    """Your personal ICS feed URL: subscribe to it in a calendar client."""
    return FeedPublic(url=f"/meetings/feeds/{live.calendar_token(session, user.username)}.ics")


@router.get("/meetings/feeds/{token}.ics", **_ICS_ANSWER)
def feed(token: str, request: Request, session: SessionDep) -> Response:
    """A user's ICS feed; the token in the URL is the credential."""
    username = live.user_of_calendar_token(session, token)
    return Response(live.user_ics(session, username, _now(request)), media_type=_ICS)
