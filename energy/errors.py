"""Errors raised by :mod:`energy`; every message is a clear one-liner for a user."""

from __future__ import annotations

__all__ = ["EnergyError"]


class EnergyError(Exception):
    """Base class of every error raised by :mod:`energy`."""
