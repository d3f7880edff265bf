"""Errors raised by :mod:`viewer`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["RenderError", "SceneError", "UnknownRoomError", "UnknownStoreyError", "ValuesFileError",
           "ViewerError"]


class ViewerError(Exception):
    """Base class of every error raised by :mod:`viewer`."""


class UnknownStoreyError(ViewerError, LookupError):
    """A storey asked for by GlobalId or name that the building does not have.

    Attributes
    ----------
    storey : str
        What was asked for.
    available : tuple of str
        The names (or GlobalIds, for unnamed storeys) of the building's storeys.
    """

    def __init__(self, storey: str, available: Iterable[str]) -> None:
        self.storey = storey
        self.available = tuple(available)
        names = ", ".join(repr(name) for name in self.available) or "none"
        super().__init__(f"no storey {storey!r} in this building; available storeys: {names}")


class RenderError(ViewerError):
    """An image or video could not be made: bad options, nothing to draw, or the off-screen
    renderer failed (one line saying which)."""


class SceneError(ViewerError):
    """A glTF scene could not be built or written."""


class ValuesFileError(ViewerError, ValueError):
    """A values file (room -> number or category) that cannot be used.

    Parameters
    ----------
    path : Path or str
        The file (or ``"values"`` for values given in code).
    problem : str
        One line saying what is wrong.
    """

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class UnknownRoomError(ViewerError, LookupError):
    """A room asked for by number or GlobalId that the building does not have."""

    def __init__(self, room: str, examples: Iterable[str]) -> None:
        self.room = room
        shown = ", ".join(repr(r) for r in list(examples)[:8])
        super().__init__(f"no room {room!r} in this building (room numbers are space names, "
                         f"e.g. {shown})")
