"""Errors raised by :mod:`meetings`; every message is a clear one-liner for a user."""

from __future__ import annotations

__all__ = [
    "BookingConflictError",
    "InvalidBookingError",
    "InvalidRecurrenceError",
    "MeetingsError",
    "PassRefusedError",
    "PolicyError",
    "UnknownBookingError",
    "UnknownRoomError",
]


class MeetingsError(Exception):
    """Base class of every error raised by :mod:`meetings`."""


class InvalidBookingError(MeetingsError):
    """A booking that cannot be made as asked: end before start, in the past, bad time."""


class InvalidRecurrenceError(InvalidBookingError):
    """An RRULE outside the supported RFC 5545 subset, or not RFC 5545 at all."""


class PolicyError(InvalidBookingError):
    """A booking the room's policy refuses: too long, too short, too far ahead, too many
    attendees."""


class BookingConflictError(MeetingsError):
    """The room is taken. ``clashes``: ``[(booking_id, start ISO, end ISO), ...]``."""

    def __init__(self, room: str, clashes: list[tuple[str, str, str]]) -> None:
        self.room, self.clashes = room, clashes
        first = clashes[0]
        more = f" and {len(clashes) - 1} more" if len(clashes) > 1 else ""
        super().__init__(f"room {room} is already booked by {first[0]} from {first[1]} to "
                         f"{first[2]}{more}")


class PassRefusedError(MeetingsError):
    """A visitor pass used outside its window, on another storey, or unknown."""


class UnknownBookingError(MeetingsError, KeyError):
    """No booking (or occurrence) with this id."""

    def __str__(self) -> str:
        return f"no booking {self.args[0]!r}"


class UnknownRoomError(MeetingsError, KeyError):
    """No bookable room with this number or GlobalId."""

    def __str__(self) -> str:
        return f"no bookable room {self.args[0]!r}"
