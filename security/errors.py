"""Errors raised by :mod:`security`; every message is a clear one-liner for a user."""

from __future__ import annotations

__all__ = ["BookingClashError", "EventRefused", "InvalidBookingError", "RuleDataError",
           "SecurityError"]


class SecurityError(Exception):
    """Base class of every error raised by :mod:`security`."""


class EventRefused(SecurityError):
    """An incoming event is refused: ``reason`` (a dead-letter reason) and ``detail``."""

    def __init__(self, reason: str, detail: str, device: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.device = reason, detail, device


class RuleDataError(SecurityError):
    """The correlation rules (TOML) are wrong: the rule and the field are named."""


class InvalidBookingError(SecurityError):
    """A vehicle booking is not possible as asked (times, state, vehicle)."""


class BookingClashError(SecurityError):
    """A vehicle booking overlaps another one of the same vehicle."""

    def __init__(self, plate: str, other_id: int | str, start: str, end: str) -> None:
        super().__init__(f"vehicle {plate} is booked already from {start} to {end} "
                         f"(booking {other_id})")
        self.plate, self.other_id = plate, other_id
