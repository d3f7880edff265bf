"""Errors raised by :mod:`meetings`; every message is a clear one-liner for a user."""

from __future__ import annotations

__all__ = ["MeetingsError"]


class MeetingsError(Exception):
    """Base class of every error raised by :mod:`meetings`."""
