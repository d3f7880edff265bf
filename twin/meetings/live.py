"""The live side of 会议一件事 (meetings): occupancy sensors as check-in, the periodic no-show
release with notices on the push stream, the door panel, room states for the viewer, finding
a free room across the portfolio, utilisation, and the ICS feeds."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetings.errors import InvalidBookingError
from meetings.ics import Series, calendar_ics
from meetings.noshow import no_show_decisions, series_to_cancel
from meetings.recurrence import DEFAULT_TZ, local_day_bounds, parse_instant
from meetings.utilisation import UtilisationSummary, summarise
from twin.core.database import Database
from twin.core.errors import AuthError
from twin.core.tables import Building, User
from twin.iot.tables import DeviceRow, ReadingRow
from twin.meetings.catalogue import RoomEntry, room_entries
from twin.meetings.service import (
    ACTIVE,
    active_in,
    occurrence_of,
    occurrence_rows,
    occurrences_in,
    seconds,
    to_utc,
)
from twin.meetings.tables import BookingRow, CalendarTokenRow, OccurrenceRow
from twin.portfolio.service import list_buildings

__all__ = ["MeetingNotice", "NoShowJob", "account_of_calendar_token", "booking_ics",
           "calendar_token", "door_panel", "find_rooms", "occupancy_samples", "parse_window",
           "release_no_shows", "room_ics", "room_states", "user_ics", "user_of_calendar_token",
           "utilisation"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MeetingNotice:
    """A push-stream message: an occurrence was released or a series cancelled."""

    building_id: int
    action: str
    object_id: str
    organiser: str
    data: dict[str, Any]
    type: str = "meeting"

    def to_json(self) -> dict[str, Any]:
        """The push-stream message."""
        return {"type": self.type, "action": self.action, "building": self.building_id,
                "id": self.object_id, "organiser": self.organiser} | self.data


def _occupancy_devices(session: Session, building_id: int, rooms) -> dict[str, list[int]]:
    devices: dict[str, list[int]] = {}
    for pk, space in session.execute(select(DeviceRow.id, DeviceRow.space).where(
            DeviceRow.building_id == building_id, DeviceRow.kind == "occupancy",
            DeviceRow.space.in_(list(rooms)))):
        devices.setdefault(space, []).append(pk)
    return devices


def _presence(session: Session, devices: dict[str, list[int]]
              ) -> Callable[[str, datetime, datetime], datetime | None]:
    def first_presence(room: str, since: datetime, until: datetime) -> datetime | None:
        pks = devices.get(room)
        if not pks:
            return None
        ts = session.scalar(select(ReadingRow.ts).where(
            ReadingRow.device_pk.in_(pks), ReadingRow.ts >= int(seconds(since) * 1000),
            ReadingRow.ts <= int(seconds(until) * 1000), ReadingRow.value > 0
        ).order_by(ReadingRow.ts).limit(1))
        return None if ts is None else datetime.fromtimestamp(ts / 1000, UTC)
    return first_presence


def release_no_shows(session: Session, now: datetime, *, building_id: int | None = None
                     ) -> list[MeetingNotice]:
    """Check in occurrences whose room sensed presence, release those nobody came to, and
    cancel series that reached their miss limit; the notices to publish.

    Looks at confirmed occurrences that started in the last day (or start within 5 min).
    """
    query = select(OccurrenceRow).where(
        OccurrenceRow.state == "confirmed",
        OccurrenceRow.start <= seconds(now) + 300,
        OccurrenceRow.end >= seconds(now) - 86400)
    if building_id is not None:
        query = query.where(OccurrenceRow.building_id == building_id)
    rows = list(session.scalars(query))
    notices: list[MeetingNotice] = []
    by_building: dict[int, list[OccurrenceRow]] = {}
    for row in rows:
        by_building.setdefault(row.building_id, []).append(row)
    for bid, items in by_building.items():
        notices += _release_in(session, bid, items, now)
    session.flush()
    return notices


def _release_in(session: Session, building_id: int, items: list[OccurrenceRow],
                now: datetime) -> list[MeetingNotice]:
    building = session.get(Building, building_id)
    entries = {e.room.global_id: e for e in room_entries(session, building)}
    devices = _occupancy_devices(session, building_id, {r.room for r in items})
    by_key = {(r.booking_id, r.seq): r for r in items}
    decisions = no_show_decisions(
        [occurrence_of(r) for r in items], now,
        lambda room: entries[room].policy if room in entries else _default_policy(),
        _presence(session, devices))
    notices, hit = [], set()
    for decision in decisions:
        row = by_key[(decision.occurrence.booking_id, decision.occurrence.seq)]
        if decision.action == "checked_in":
            row.state, row.checked_in_at = "checked_in", seconds(decision.at)
            continue
        row.state, row.released_at = "released", seconds(now)
        booking = session.get(BookingRow, row.booking_id)
        hit.add(row.booking_id)
        notices.append(MeetingNotice(building_id, "released", f"{row.booking_id}/{row.seq}",
                                     booking.organiser, {
                                         "title": booking.title,
                                         "room": booking.data.get("room_number", row.room),
                                         "start": to_utc(row.start).isoformat()}))
    session.flush()
    series = {b for b in hit if session.get(BookingRow, b).rrule}
    for booking_id in series_to_cancel(
            (occurrence_of(r) for b in series for r in occurrence_rows(session, b)), series,
            lambda b: _limit(entries, session.get(BookingRow, b).room)):
        notices.append(_cancel_series(session, building_id, booking_id, now))
    return notices


def _default_policy():
    from meetings.bookings import RoomPolicy
    return RoomPolicy()


def _limit(entries: dict[str, RoomEntry], room: str) -> int:
    entry = entries.get(room)
    return entry.policy.miss_limit if entry else _default_policy().miss_limit


def _cancel_series(session: Session, building_id: int, booking_id: str, now: datetime
                   ) -> MeetingNotice:
    booking = session.get(BookingRow, booking_id)
    future = [r for r in occurrence_rows(session, booking_id)
              if r.state in ACTIVE and r.start > seconds(now)]
    for row in future:
        row.state = "cancelled"
    booking.state = "cancelled"
    data = dict(booking.data)
    data["history"] = [*data.get("history", []),
                       [seconds(now), "system", "series cancelled after repeated no-shows"]]
    booking.data = data
    return MeetingNotice(building_id, "series_cancelled", booking_id, booking.organiser,
                         {"title": booking.title, "cancelled": len(future)})


class NoShowJob:
    """The periodic no-show release of a server (on ``LiveRuntime.periodic``)."""

    def __init__(self, database: Database, publish: Callable[[Any], None], *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.database, self.publish, self.clock = database, publish, clock

    def __call__(self) -> list[MeetingNotice]:
        """Run once; publish and return the notices."""
        with self.database.session() as session:
            notices = release_no_shows(session, self.clock())
        for notice in notices:
            self.publish(notice)
        return notices


# -- what a room is doing ------------------------------------------------------------------

def room_states(session: Session, building: Building, at: datetime) -> dict[str, str]:
    """Every bookable room's state at ``at``: free, booked, in_use or released."""
    entries = room_entries(session, building)
    states = {e.room.global_id: "free" for e in entries}
    for occ, _b in occurrences_in(session, building.id, at, at + timedelta(seconds=1),
                                  rooms=list(states),
                                  states=("confirmed", "checked_in", "released")):
        states[occ.room] = {"confirmed": "booked", "checked_in": "in_use"}.get(
            occ.state, "released")
    return states


def door_panel(session: Session, building: Building, entry: RoomEntry, now: datetime
               ) -> dict[str, Any]:
    """What a door panel shows: the room, its state, today's meetings, current and next."""
    day_start, day_end = local_day_bounds(now.astimezone(DEFAULT_TZ).date())
    today = occurrences_in(session, building.id, day_start, day_end,
                           rooms=[entry.room.global_id])
    current = next((o for o, _b in today if o.state in ACTIVE and o.start <= seconds(now)
                    < o.end), None)
    upcoming = next((o for o, _b in today if o.state in ACTIVE and o.start > seconds(now)),
                    None)
    return {"state": room_states(session, building, now).get(entry.room.global_id, "free"),
            "today": today, "current": current, "next": upcoming}


def find_rooms(session: Session, user: User, attendees: int, start: datetime, end: datetime,
               features: set[str]) -> list[RoomEntry]:
    """Free rooms for ``attendees`` with ``features`` across the buildings ``user`` sees,
    the best fitting (smallest) first."""
    if end <= start:
        raise InvalidBookingError("the end is not after the start")
    found = []
    for building in list_buildings(session, user):
        fitting = [e for e in room_entries(session, building)
                   if e.room.capacity >= attendees and features <= set(e.room.features)]
        if not fitting:
            continue
        busy = {o.room for o in active_in(session, building.id,
                                          [e.room.global_id for e in fitting], start, end)}
        found += [e for e in fitting if e.room.global_id not in busy]
    return sorted(found, key=lambda e: (e.room.capacity, e.building_id, e.room.number))


# -- utilisation ---------------------------------------------------------------------------

def occupancy_samples(session: Session, building_id: int, rooms, start: datetime,
                      end: datetime) -> dict[str, list[tuple[datetime, float]]]:
    """Occupancy readings per room (summed over its sensors per instant), by time."""
    devices = _occupancy_devices(session, building_id, rooms)
    room_of = {pk: room for room, pks in devices.items() for pk in pks}
    samples: dict[str, dict[int, float]] = {}
    if room_of:
        for pk, ts, value in session.execute(select(
                ReadingRow.device_pk, ReadingRow.ts, ReadingRow.value).where(
                ReadingRow.device_pk.in_(list(room_of)),
                ReadingRow.ts >= int(seconds(start) * 1000),
                ReadingRow.ts < int(seconds(end) * 1000))):
            per = samples.setdefault(room_of[pk], {})
            per[ts] = per.get(ts, 0.0) + value
    return {room: [(datetime.fromtimestamp(ts / 1000, UTC), v) for ts, v in sorted(s.items())]
            for room, s in samples.items()}


def utilisation(session: Session, building: Building, start: datetime, end: datetime
                ) -> tuple[UtilisationSummary, list[RoomEntry]]:
    """Booked vs occupied hours, ghost rate, fill and peak of every bookable room."""
    entries = room_entries(session, building)
    rooms = [e.room.global_id for e in entries]
    occurrences = [replace(occurrence_of(o), attendees=b.attendees)
                   for o, b in occurrences_in(session, building.id, start, end, rooms=rooms)]
    samples = occupancy_samples(session, building.id, rooms, start, end)
    return summarise({e.room.global_id: e.room.capacity for e in entries}, occurrences,
                     samples, start, end), entries


# -- ICS feeds -----------------------------------------------------------------------------

def _series(session: Session, bookings: list[BookingRow], names: dict[str, str]
            ) -> list[Series]:
    series = []
    for b in bookings:
        occurrences = [occurrence_of(r) for r in occurrence_rows(session, b.id)]
        number = b.data.get("room_number", b.room)
        services = b.data.get("services", {})
        extras = [f"{k}: {v}" for k, v in services.items() if v]
        series.append(Series(b.id, b.title, b.room, names.get(b.room, number), b.organiser,
                             b.rrule, occurrences, "; ".join(extras),
                             tentative=b.state == "requested"))
    return series


def room_ics(session: Session, building: Building, entry: RoomEntry,
             now: datetime | None = None) -> bytes:
    """The ICS feed of one room (from 30 days back)."""
    since = (now or datetime.now(UTC)) - timedelta(days=30)
    bookings = list(session.scalars(select(BookingRow).where(
        BookingRow.building_id == building.id, BookingRow.room == entry.room.global_id,
        BookingRow.state.in_(("requested", "confirmed")),
        BookingRow.id.in_(select(OccurrenceRow.booking_id).where(
            OccurrenceRow.end >= seconds(since))))))
    location = f"{building.name} {entry.room.number} {entry.room.name}"
    return calendar_ics(_series(session, bookings, {entry.room.global_id: location}),
                        name=f"{entry.room.number} {entry.room.name}", now=now)


def booking_ics(session: Session, building: Building, booking: BookingRow,
                now: datetime | None = None) -> bytes:
    """One booking as an ICS invitation."""
    entries = {e.room.global_id: e.room for e in room_entries(session, building)}
    room = entries.get(booking.room)
    where = f"{building.name} {room.number} {room.name}" if room else building.name
    return calendar_ics(_series(session, [booking], {booking.room: where}),
                        name=booking.title, now=now)


def calendar_token(session: Session, username: str) -> str:
    """The user's feed token (made on first use)."""
    row = session.get(CalendarTokenRow, username)
    if row is None:
        row = CalendarTokenRow(username=username, token=secrets.token_urlsafe(24))
        session.add(row)
        session.flush()
    return row.token


def user_of_calendar_token(session: Session, token: str) -> str:
    """The username a feed token belongs to.

    Raises
    ------
    AuthError
        Unknown token.
    """
    username = session.scalar(select(CalendarTokenRow.username).where(
        CalendarTokenRow.token == token))
    if username is None:
        raise AuthError("unknown calendar feed token")
    return username


def account_of_calendar_token(session: Session, token: str) -> User:
    """The account a feed token belongs to.

    Raises
    ------
    AuthError
        Unknown token, or an account no longer active.
    """
    username = user_of_calendar_token(session, token)
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise AuthError("the calendar feed's account is not active")
    return user


def user_ics(session: Session, username: str, now: datetime | None = None) -> bytes:
    """The ICS feed of everything ``username`` organises (from 30 days back)."""
    since = (now or datetime.now(UTC)) - timedelta(days=30)
    bookings = list(session.scalars(select(BookingRow).where(
        BookingRow.organiser == username, BookingRow.state.in_(("requested", "confirmed")),
        BookingRow.id.in_(select(OccurrenceRow.booking_id).where(
            OccurrenceRow.end >= seconds(since))))))
    names = {b.room: b.data.get("room_number", b.room) for b in bookings}
    return calendar_ics(_series(session, bookings, names), name=f"{username} 会议", now=now)


def parse_window(start: str | None, end: str | None, now: datetime, days: int = 7
                 ) -> tuple[datetime, datetime]:
    """A query window: ISO 8601 ``start``/``end`` (default today's local midnight and
    ``days`` later)."""
    first = parse_instant(start) if start else local_day_bounds(
        now.astimezone(DEFAULT_TZ).date())[0]
    last = parse_instant(end) if end else first + timedelta(days=days)
    if last <= first:
        raise InvalidBookingError(f"the window ends ({last.isoformat()}) before it starts")
    return first, last
