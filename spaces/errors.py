"""Errors raised by :mod:`spaces`."""

from __future__ import annotations

__all__ = ["GraphExportError", "RouteError", "RuleSetError", "SpacesError",
           "UnknownElementError", "UnknownGradeError"]


class SpacesError(Exception):
    """Base class of every error raised by :mod:`spaces`."""


class UnknownElementError(SpacesError, KeyError):
    """A GlobalId that is not a node of the graph (or not of the expected kind)."""

    def __init__(self, global_id: str, expected: str | None = None) -> None:
        self.global_id = global_id
        self.expected = expected
        what = f"no {expected} with GlobalId" if expected else "no element with GlobalId"
        super().__init__(f"{what} {global_id!r} in this building")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.args[0]


class GraphExportError(SpacesError):
    """The graph could not be written in the requested format."""


class RouteError(SpacesError):
    """No walking route with the options asked for (closed, unreachable, no geometry)."""


class RuleSetError(SpacesError):
    """A rule set that cannot be read or used: bad file, unknown tier, figure not encoded."""


class UnknownGradeError(RuleSetError):
    """A grade that the rule set's tier does not have; ``valid`` lists the grades it has."""

    def __init__(self, message: str, grade: str, tier: str | None, valid: tuple[str, ...]):
        super().__init__(message)
        self.grade, self.tier, self.valid = grade, tier, valid
