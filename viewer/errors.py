"""Errors raised by :mod:`viewer`."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["UnknownStoreyError", "ViewerError"]


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
