"""Errors raised by :mod:`energy`; every message is a clear one-liner for a user."""

from __future__ import annotations

__all__ = ["BaselineError", "EnergyError", "MeterTreeError", "QuotaError", "TariffError"]


class EnergyError(Exception):
    """Base class of every error raised by :mod:`energy`."""


class MeterTreeError(EnergyError):
    """A meter tree that cannot be: a cycle, an unknown parent, an unknown category."""


class TariffError(EnergyError):
    """A tariff that cannot be applied: overlapping periods, gaps, bad prices or dates."""


class QuotaError(EnergyError):
    """A quota table that cannot be read, or an indicator it does not hold."""


class BaselineError(EnergyError):
    """Too little or unusable data to fit a baseline."""
