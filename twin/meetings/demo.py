"""A week of the sample building's bookings for ``twin demo``: the meetings its occupancy
simulator plays (so the sensors agree with the calendar), plus realistic no-shows (about half
of room-days get a booking nobody comes to), a morning series struck off after three
misses, and two one-step requests with visitors (one approved with passes and parking, one
waiting for approval).

The sample's occupancy profiles run on the simulator's clock (naive UTC hours, see
:mod:`twin.iot.simulator`); the meetings here are put on the same clock.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bim_models.sample.profiles import value_at
from meetings.recurrence import expand
from meetings.visitors import Visitor, pass_window
from twin.core.tables import Building
from twin.iot.tables import DeviceRow
from twin.meetings.catalogue import room_entries
from twin.meetings.tables import (
    BookingRow,
    OccurrenceRow,
    ParkingReservationRow,
    VisitorPassRow,
)

__all__ = ["seed_week"]

_TITLES = ("处务会", "项目推进会", "专题研讨", "周例会", "预算评审", "党支部学习", "业务培训",
           "工作调度会", "方案讨论", "对接会")
_ORGANISERS = ("staff", "staff", "manager", "housing", "staff", "maintenance")
_STEP = timedelta(minutes=30)


def _draw(*parts: object) -> float:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32


def _meetings(device: DeviceRow, day: date) -> list[tuple[datetime, datetime, int]]:
    """The meetings the simulator plays in the device's room on ``day`` (UTC instants)."""
    row = {"device_id": device.key, "kind": device.kind, "profile": device.profile,
           "min": device.minimum, "max": device.maximum}
    found, current = [], None
    for k in range(2 * 8, 2 * 19):
        naive = datetime.combine(day, datetime.min.time()) + k * _STEP
        people = int(value_at(row, naive) or 0)
        at = naive.replace(tzinfo=UTC)
        if current and (people != current[2]):
            found.append((current[0], at, current[2]))
            current = None
        if people and current is None:
            current = (at, None, people)
    return found


def _free_hour(meetings: list[tuple[datetime, datetime, int]], day: date
               ) -> tuple[datetime, datetime] | None:
    for k in range(2 * 9, 2 * 17):
        a = datetime.combine(day, datetime.min.time(), UTC) + k * _STEP
        b = a + timedelta(hours=1)
        if all(b <= s or a >= e for s, e, _p in meetings):
            return a, b
    return None


class _Book:
    """Collects rows, numbering bookings from the next free id."""

    def __init__(self, session: Session, building_id: int, now: datetime) -> None:
        last = session.scalar(select(func.max(BookingRow.id)))
        self.number = int(last.split("-")[1]) + 1 if last else 1
        self.session, self.building_id, self.now = session, building_id, now
        self.rows: list = []

    def add(self, room: str, number: str, storey: str | None, slots, title: str,
            organiser: str, attendees: int, states, *, rule: str | None = None,
            booking_state: str = "confirmed", data: dict | None = None) -> BookingRow:
        booking = BookingRow(
            id=f"BK-{self.number:06d}", building_id=self.building_id, room=room,
            organiser=organiser, title=title, attendees=attendees,
            start=slots[0][0].timestamp(), end=slots[0][1].timestamp(), rrule=rule,
            state=booking_state,
            data={"exdates": [], "services": {"av": False, "tea": 0, "signage": ""},
                  "visitors": [], "note": "", "room_number": number, "storey": storey,
                  "history": [[(slots[0][0] - timedelta(days=2)).timestamp(), organiser,
                               booking_state]]} | (data or {}))
        self.number += 1
        self.rows.append(booking)
        for seq, ((a, b), state) in enumerate(zip(slots, states, strict=True)):
            self.rows.append(OccurrenceRow(
                booking_id=booking.id, building_id=self.building_id, room=room, seq=seq,
                start=a.timestamp(), end=b.timestamp(), original_start=a.timestamp(),
                state=state,
                checked_in_at=(a + timedelta(minutes=2)).timestamp()
                if state == "checked_in" else None,
                released_at=(a + timedelta(minutes=10)).timestamp()
                if state == "released" else None))
        return booking

    def state_of(self, a: datetime, b: datetime, attended: bool) -> str:
        if a > self.now:
            return "confirmed"
        if attended:
            return "checked_in"
        return "released" if self.now >= a + timedelta(minutes=10) else "confirmed"


def seed_week(session: Session, building: Building, now: datetime | None = None) -> int:
    """Store the demo's bookings (the past 7 days and the coming 7) unless the building
    has bookings already; returns how many bookings were stored."""
    building_id = building.id
    if session.scalar(select(BookingRow.id).where(BookingRow.building_id == building_id)
                      .limit(1)):
        return 0
    rooms = {e.room.global_id: (e.room.number, e.room.storey)
             for e in room_entries(session, building)}
    now = now or datetime.now(UTC)
    book = _Book(session, building_id, now)
    devices = [d for d in session.scalars(select(DeviceRow).where(
        DeviceRow.building_id == building_id, DeviceRow.kind == "occupancy"))
        if d.space in rooms and d.profile and "meeting_bookings" in d.profile]
    today = now.date()
    days = [today + timedelta(days=k) for k in range(-7, 7)]
    for device in devices:
        number, storey = rooms[device.space]
        for day in days:
            meetings = _meetings(device, day)
            for i, (a, b, people) in enumerate(meetings):
                book.add(device.space, number, storey, [(a, b)],
                         _TITLES[int(_draw(device.key, day, i) * len(_TITLES))],
                         _ORGANISERS[int(_draw("o", device.key, day, i) * 6)],
                         people, [book.state_of(a, b, True)])
            free = _free_hour(meetings, day) if _draw("ghost", device.key, day) < 0.5 \
                else None
            if free:
                book.add(device.space, number, storey, [free],
                         _TITLES[int(_draw("t", device.key, day) * len(_TITLES))],
                         _ORGANISERS[int(_draw("g", device.key, day) * 6)], 4,
                         [book.state_of(*free, False)])
    if devices:
        _series_and_requests(book, devices[-1].space, rooms, days[0], today)
    session.add_all(book.rows)
    session.flush()
    return sum(isinstance(r, BookingRow) for r in book.rows)


def _series_and_requests(book: _Book, room: str, rooms: dict, first: date, today: date
                         ) -> None:
    number, storey = rooms[room]
    start = datetime.combine(first, datetime.min.time(), UTC) + timedelta(hours=8)
    rule = "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=12"
    slots = [(s.start, s.end) for s in expand(start, start + _STEP, rule)]
    states, misses = [], 0
    for a, b in slots:
        if misses >= 3:
            states.append("cancelled")
            continue
        state = book.state_of(a, b, False)
        misses += state == "released"
        states.append(state)
    history = [[slots[0][0].timestamp(), "system", "series cancelled after repeated no-shows"]] \
        if misses >= 3 else []
    book.add(room, number, storey, slots, "晨会", "staff", 6, states, rule=rule,
             booking_state="cancelled" if misses >= 3 else "confirmed",
             data={"history": [[(start - timedelta(days=2)).timestamp(), "staff",
                                "confirmed"], *history]})
    tomorrow = today + timedelta(days=1)
    a = datetime.combine(tomorrow, datetime.min.time(), UTC) + timedelta(hours=7)
    visitors = [Visitor.of("王明", "110101198803071234", "市发展改革委", "京A12345"),
                Visitor.of("李娜", "310104199112052345", "区财政局")]
    services = {"av": True, "tea": 12, "signage": "项目评审会 3楼"}
    for k, state in enumerate(("confirmed", "requested")):
        s, e = a + timedelta(days=k), a + timedelta(days=k, hours=1)
        booking = book.add(room, number, storey, [(s, e)], "项目评审会（一件事）", "staff",
                           10, [state], booking_state=state,
                           data={"services": services,
                                 "visitors": [v.__dict__ for v in visitors]})
        if state == "confirmed":
            opens, closes = pass_window(s, e)
            for v in visitors:
                book.rows.append(VisitorPassRow(
                    token=secrets.token_urlsafe(24), booking_id=booking.id,
                    building_id=book.building_id, visitor=v.name, id_masked=v.id_number,
                    organisation=v.organisation, plate=v.plate, storey=storey,
                    valid_from=opens.timestamp(), valid_to=closes.timestamp()))
                if v.plate:
                    book.rows.append(ParkingReservationRow(
                        booking_id=booking.id, building_id=book.building_id, plate=v.plate,
                        valid_from=opens.timestamp(), valid_to=closes.timestamp()))
