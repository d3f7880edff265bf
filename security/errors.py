"""Errors raised by :mod:`security`; every message is a clear one-liner for a user."""

from __future__ import annotations

__all__ = ["SecurityError"]


class SecurityError(Exception):
    """Base class of every error raised by :mod:`security`."""
