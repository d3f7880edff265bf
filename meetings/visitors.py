"""Visitors of a one-step request (一件事): masked ID numbers, the window of a visitor pass
(30 minutes before the meeting to its end) and the check of a pass at a door."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from meetings.errors import InvalidBookingError, PassRefusedError

__all__ = [
    "PASS_LEAD",
    "Pass",
    "Visitor",
    "check_pass",
    "mask_id_number",
    "normalise_plate",
    "pass_window",
]

#: A pass opens this long before the meeting starts.
PASS_LEAD = timedelta(minutes=30)
_PLATE = re.compile(r"^[\u4e00-\u9fa5A-Z]{1,2}[A-Z0-9]{4,7}$")


def mask_id_number(number: str | None) -> str | None:
    """An ID number with all but the first 4 and last 4 characters hidden.

    Examples
    --------
    >>> mask_id_number("110101199001011234")
    '1101**********1234'
    >>> mask_id_number("A123")
    '****'
    """
    if not number:
        return None
    text = number.strip()
    if "*" in text:  # already masked
        return text
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def normalise_plate(plate: str | None) -> str | None:
    """A vehicle plate without spaces or dots, upper case; None for none.

    Raises
    ------
    InvalidBookingError
        Not like a plate (京A12345, 沪AD12345).
    """
    if not plate or not plate.strip():
        return None
    text = re.sub(r"[\s·.\-]", "", plate).upper()
    if not _PLATE.match(text):
        raise InvalidBookingError(f"{plate!r} is not a vehicle plate (like 京A12345)")
    return text


@dataclass(frozen=True)
class Visitor:
    """A visitor of a request; ``id_number`` is only ever kept masked."""

    name: str
    id_number: str | None = None
    organisation: str | None = None
    plate: str | None = None

    @classmethod
    def of(cls, name: str, id_number: str | None = None, organisation: str | None = None,
           plate: str | None = None) -> Visitor:
        """A visitor with the ID number masked and the plate normalised."""
        if not name or not name.strip():
            raise InvalidBookingError("a visitor needs a name")
        return cls(name.strip(), mask_id_number(id_number), organisation,
                   normalise_plate(plate))


def pass_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """When a pass for a meeting ``start``..``end`` opens doors."""
    return start - PASS_LEAD, end


@dataclass(frozen=True)
class Pass:
    """A visitor pass: a token for the doors of one storey between two instants."""

    token: str
    booking_id: str
    visitor: str
    storey: str | None
    valid_from: datetime
    valid_to: datetime


def check_pass(visitor_pass: Pass, storey: str | None, at: datetime) -> None:
    """Refuse a pass used outside its window or on another storey.

    Raises
    ------
    PassRefusedError
    """
    if at < visitor_pass.valid_from or at > visitor_pass.valid_to:
        raise PassRefusedError(
            f"pass of {visitor_pass.visitor} is valid from "
            f"{visitor_pass.valid_from.isoformat(timespec='minutes')} to "
            f"{visitor_pass.valid_to.isoformat(timespec='minutes')}, not at "
            f"{at.isoformat(timespec='minutes')}")
    if storey is not None and visitor_pass.storey is not None and storey != visitor_pass.storey:
        raise PassRefusedError(f"pass of {visitor_pass.visitor} opens storey "
                               f"{visitor_pass.storey}, not {storey}")
