"""Errors raised by :mod:`maintenance`; every message is a clear one-liner for a user."""

from __future__ import annotations

__all__ = [
    "ActiveAlarmError",
    "InvalidTransitionError",
    "MaintenanceError",
    "RuleConfigError",
    "UnknownAlarmError",
    "UnknownWorkOrderError",
]


class MaintenanceError(Exception):
    """Base class of every error raised by :mod:`maintenance`."""


class RuleConfigError(MaintenanceError):
    """A rule declaration that cannot be used (unknown type, bad parameter, unknown kind)."""


class InvalidTransitionError(MaintenanceError):
    """A lifecycle change that the state machine does not allow.

    Attributes
    ----------
    what : str
        ``"alarm"`` or ``"work order"``.
    identifier : str
        The alarm's or work order's id.
    current, requested : str
        The state it is in and the state asked for.
    allowed : tuple of str
        The states it may move to from ``current``.
    """

    def __init__(self, what: str, identifier: str, current: str, requested: str,
                 allowed: tuple[str, ...]) -> None:
        self.what, self.identifier = what, identifier
        self.current, self.requested, self.allowed = current, requested, allowed
        options = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(f"{what} {identifier} cannot go from {current!r} to {requested!r}; "
                         f"allowed from {current!r}: {options}")


class ActiveAlarmError(InvalidTransitionError):
    """Closing a work order whose alarm is still active."""

    def __init__(self, identifier: str, current: str, requested: str, alarm_id: str,
                 alarm_state: str) -> None:
        MaintenanceError.__init__(
            self, f"work order {identifier} cannot be marked {requested!r}: its alarm "
                  f"{alarm_id} is still {alarm_state}; clear the fault first")
        self.what, self.identifier = "work order", identifier
        self.current, self.requested, self.allowed = current, requested, ()
        self.alarm_id, self.alarm_state = alarm_id, alarm_state


class UnknownAlarmError(MaintenanceError, KeyError):
    """No alarm with this id."""

    def __str__(self) -> str:
        return f"no alarm {self.args[0]!r}"


class UnknownWorkOrderError(MaintenanceError, KeyError):
    """No work order with this id."""

    def __str__(self) -> str:
        return f"no work order {self.args[0]!r}"
