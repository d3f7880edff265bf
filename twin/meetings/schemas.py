"""Request and response bodies of 会议一件事 (meetings). Times in answers are ISO 8601 in the
building's time zone (Asia/Shanghai, ``+08:00``); requests take ISO 8601 with or without an
offset (without: the building's local time)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["BookingCreate", "BookingDetailPublic", "BookingPublic", "CancelCreate",
           "DecisionCreate", "DoorPanelPublic", "FeedPublic", "MoveCreate",
           "OccurrencePublic", "PassCheckCreate", "PassCheckPublic", "PassPublic", "RoomPublic",
           "RoomStatePublic", "RoomUpdate",
           "RoomUsePublic", "ServicesCreate", "UtilisationPublic", "VisitorCreate"]


class VisitorCreate(BaseModel):
    """A visitor of a one-step request; the ID number is masked before it is stored."""

    name: str = Field(min_length=1, max_length=100)
    id_number: str | None = Field(None, max_length=40)
    organisation: str | None = Field(None, max_length=200)
    plate: str | None = Field(None, max_length=20)


class ServicesCreate(BaseModel):
    """Services with the room: audio-visual support, cups of tea, signage text."""

    av: bool = False
    tea: int = Field(0, ge=0, le=500)
    signage: str = Field("", max_length=200)


class BookingCreate(BaseModel):
    """A booking: ``room`` is its number or GlobalId; ``rrule`` RFC 5545 text (DAILY /
    WEEKLY / MONTHLY, INTERVAL, BYDAY, BYMONTHDAY, COUNT, UNTIL); ``exdates`` local dates or
    occurrence starts to leave out. With visitors (or a room needing approval) it waits for
    the room's approver; the approval issues visitor passes and parking reservations."""

    room: str = Field(min_length=1, max_length=100)
    start: str
    end: str
    title: str = Field(min_length=1, max_length=300)
    attendees: int = Field(ge=1, le=10_000)
    rrule: str | None = Field(None, max_length=300)
    exdates: list[str] = Field(default_factory=list, max_length=500)
    services: ServicesCreate = Field(default_factory=ServicesCreate)
    visitors: list[VisitorCreate] = Field(default_factory=list, max_length=200)
    note: str = Field("", max_length=1000)


class RoomPublic(BaseModel):
    """A bookable room."""

    building_id: int
    global_id: str
    number: str
    name: str
    storey: str | None
    storey_name: str | None
    capacity: int
    capacity_source: str
    area: float | None
    features: list[str]
    equipment: list[str]
    centroid: list[float] | None
    policy: dict[str, Any]
    approver: str | None
    state: str | None = None


class RoomUpdate(BaseModel):
    """An administrator's settings of a space."""

    bookable: bool | None = None
    capacity: int | None = Field(None, ge=1, le=10_000)
    features: list[str] | None = None
    approver: str | None = None
    policy: dict[str, Any] | None = None


class OccurrencePublic(BaseModel):
    """One occurrence: ``id`` is ``<booking>/<seq>``."""

    id: str
    booking_id: str
    building_id: int
    seq: int
    room: str
    room_number: str
    title: str
    organiser: str
    attendees: int
    start: str
    end: str
    original_start: str
    state: str
    checked_in_at: str | None


class BookingPublic(BaseModel):
    """A booking with its occurrences."""

    id: str
    building_id: int
    room: str
    room_number: str
    organiser: str
    title: str
    attendees: int
    start: str
    end: str
    rrule: str | None
    exdates: list[str]
    state: str
    services: dict[str, Any]
    occurrences: list[OccurrencePublic]
    ics_url: str


class PassPublic(BaseModel):
    """A visitor pass: the QR token (``qr_svg``: the token as an SVG QR code)."""

    token: str
    visitor: str
    id_masked: str | None
    organisation: str | None
    plate: str | None
    storey: str | None
    valid_from: str
    valid_to: str
    used_at: str | None
    qr_svg: str | None = None


class BookingDetailPublic(BookingPublic):
    """A booking with its visitors and passes (to organisers, approvers, admins only) and
    its history rows ``[unix seconds, actor, what]``."""

    visitors: list[dict[str, Any]] | None
    passes: list[PassPublic] | None
    parking: list[str] | None
    history: list[list[Any]]


class DecisionCreate(BaseModel):
    """An approver's note with the decision."""

    note: str = Field("", max_length=1000)


class CancelCreate(BaseModel):
    """Cancel a whole booking (no fields), one occurrence (``seq``), or the occurrences whose
    local date is within ``first``..``last`` (ISO dates)."""

    seq: int | None = None
    first: str | None = None
    last: str | None = None


class MoveCreate(BaseModel):
    """A new time for one occurrence."""

    start: str
    end: str


class DoorPanelPublic(BaseModel):
    """What the door panel of a room shows."""

    room: RoomPublic
    now: str
    state: str
    current: OccurrencePublic | None
    next: OccurrencePublic | None
    today: list[OccurrencePublic]


class PassCheckCreate(BaseModel):
    """A pass shown at a door: its token, the door's storey, and the instant (default now)."""

    token: str
    storey: str | None = None
    at: str | None = None


class PassCheckPublic(BaseModel):
    """A pass that opens the door: whose it is and until when."""

    visitor: str
    organisation: str | None
    storey: str | None
    booking_id: str
    valid_to: str


class RoomStatePublic(BaseModel):
    """A bookable room's state at an instant (free, booked, in_use, released)."""

    global_id: str
    state: str


class RoomUsePublic(BaseModel):
    """One room's use over the window (see :class:`meetings.utilisation.RoomUse`)."""

    room: str
    number: str
    name: str
    capacity: int
    meetings: int
    ghosts: int
    booked_hours: float
    occupied_hours: float
    ghost_rate: float | None
    fill: float | None
    peak_people: float


class UtilisationPublic(BaseModel):
    """Every bookable room's use and the totals."""

    start: str
    end: str
    booked_hours: float
    occupied_hours: float
    ghost_rate: float | None
    peak_hour: str | None
    peak_rooms_in_use: int
    rooms: list[RoomUsePublic]


class FeedPublic(BaseModel):
    """A user's personal ICS feed URL (the token in it is the only credential)."""

    url: str
