"""会议一件事 (meetings): the domain logic, on plain data (no SQL, no HTTP); the running parts
are in :mod:`twin.meetings`.

* :mod:`meetings.recurrence` - the RFC 5545 subset, expanded in the building's time zone;
* :mod:`meetings.bookings` - occurrences, room policy, conflict index, cancelling a range;
* :mod:`meetings.rooms` - bookable rooms from the model;
* :mod:`meetings.noshow` - check-in from presence, release, series strikes;
* :mod:`meetings.visitors` - masked ID numbers, plates, visitor passes;
* :mod:`meetings.ics` - ICS feeds written and read back;
* :mod:`meetings.utilisation` - booked vs occupied hours, ghost rate, right-sizing, peak.

The public names are imported from their submodules on first use (PEP 562), so that
``import meetings.errors`` (which every CLI command does) loads neither dateutil nor icalendar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bim_models.lazy import lazy_exports, submodule_of

if TYPE_CHECKING:
    from meetings.bookings import Occurrence, RoomPolicy, RoomSchedule, cancel_range
    from meetings.errors import (
        BookingConflictError,
        InvalidBookingError,
        InvalidRecurrenceError,
        MeetingsError,
        PassRefusedError,
        PolicyError,
        UnknownBookingError,
        UnknownRoomError,
    )
    from meetings.recurrence import DEFAULT_TZ, Slot, expand, parse_instant

__all__ = [
    "DEFAULT_TZ",
    "BookingConflictError",
    "InvalidBookingError",
    "InvalidRecurrenceError",
    "MeetingsError",
    "Occurrence",
    "PassRefusedError",
    "PolicyError",
    "RoomPolicy",
    "RoomSchedule",
    "Slot",
    "UnknownBookingError",
    "UnknownRoomError",
    "cancel_range",
    "expand",
    "parse_instant",
]

_EXPORTS = {
    "meetings.bookings": ("Occurrence", "RoomPolicy", "RoomSchedule", "cancel_range"),
    "meetings.errors": (
        "BookingConflictError", "InvalidBookingError", "InvalidRecurrenceError",
        "MeetingsError", "PassRefusedError", "PolicyError", "UnknownBookingError",
        "UnknownRoomError",
    ),
    "meetings.recurrence": ("DEFAULT_TZ", "Slot", "expand", "parse_instant"),
}
__getattr__, __dir__ = lazy_exports(__name__, submodule_of(_EXPORTS), globals())
