"""Tables of 会议一件事 (meetings): rooms' settings, bookings, their materialised occurrences,
visitor passes, parking reservations and the calendar-feed tokens.

Instants are Unix seconds (UTC) in ``Double`` columns, like the maintenance tables: exact
enough, and compared the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Double, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twin.core.tables import Base, utcnow

__all__ = ["BookingRow", "CalendarTokenRow", "MeetingRoomRow", "OccurrenceRow",
           "ParkingReservationRow", "VisitorPassRow"]


class MeetingRoomRow(Base):
    """An administrator's settings of a room: bookable or not, capacity, policy, approver."""

    __tablename__ = "meeting_rooms"
    __table_args__ = (UniqueConstraint("building_id", "global_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    global_id: Mapped[str] = mapped_column(String(22))
    bookable: Mapped[bool | None]
    capacity: Mapped[int | None]
    features: Mapped[list[Any] | None]
    approver: Mapped[str | None] = mapped_column(String(100))
    policy: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BookingRow(Base):
    """A booking: one meeting or a series, with the request's services and visitors in
    ``data`` (ID numbers masked)."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_building_organiser", "building_id", "organiser"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    room: Mapped[str] = mapped_column(String(22))
    organiser: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    attendees: Mapped[int]
    start: Mapped[float] = mapped_column(Double)
    end: Mapped[float] = mapped_column(Double)
    rrule: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OccurrenceRow(Base):
    """One occurrence of a booking, with its own state."""

    __tablename__ = "booking_occurrences"
    __table_args__ = (Index("ix_occurrences_room_start", "building_id", "room", "start"),
                      UniqueConstraint("booking_id", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"),
                                            index=True)
    building_id: Mapped[int]
    room: Mapped[str] = mapped_column(String(22))
    seq: Mapped[int]
    start: Mapped[float] = mapped_column(Double)
    end: Mapped[float] = mapped_column(Double)
    original_start: Mapped[float] = mapped_column(Double)
    state: Mapped[str] = mapped_column(String(20))
    checked_in_at: Mapped[float | None] = mapped_column(Double)
    released_at: Mapped[float | None] = mapped_column(Double)


class VisitorPassRow(Base):
    """A visitor pass of a request: a QR token opening one storey's doors in a window."""

    __tablename__ = "visitor_passes"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"),
                                            index=True)
    building_id: Mapped[int]
    visitor: Mapped[str] = mapped_column(String(100))
    id_masked: Mapped[str | None] = mapped_column(String(40))
    organisation: Mapped[str | None] = mapped_column(String(200))
    plate: Mapped[str | None] = mapped_column(String(20))
    storey: Mapped[str | None] = mapped_column(String(22))
    valid_from: Mapped[float] = mapped_column(Double)
    valid_to: Mapped[float] = mapped_column(Double)
    used_at: Mapped[float | None] = mapped_column(Double)


class ParkingReservationRow(Base):
    """A parking reservation for a visitor's vehicle (read by the security domain's gates)."""

    __tablename__ = "parking_reservations"
    __table_args__ = (Index("ix_parking_building_plate", "building_id", "plate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"),
                                            index=True)
    building_id: Mapped[int]
    plate: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[float] = mapped_column(Double)
    valid_to: Mapped[float] = mapped_column(Double)


class CalendarTokenRow(Base):
    """The secret in a user's ICS feed URL (calendar clients cannot send a bearer token)."""

    __tablename__ = "calendar_tokens"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
