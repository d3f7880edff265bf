"""Errors of the running system, and how the CLI reports errors of the layers below.

Only the domains' light ``errors`` submodules are imported here (their packages are lazy), so
that every ``twin`` command can import this module without loading ifcopenshell or networkx.
"""

from __future__ import annotations

from bim_models.errors import ModelError
from maintenance.errors import MaintenanceError
from meetings.errors import MeetingsError
from spaces.errors import SpacesError
from viewer.errors import ViewerError

__all__ = [
    "USER_ERRORS",
    "AuthError",
    "ConflictError",
    "InvalidInputError",
    "ThrottledError",
    "TooLargeError",
    "NotFoundError",
    "PermissionDeniedError",
    "TwinError",
    "exit_code_for",
]


class TwinError(Exception):
    """Base class of errors raised by :mod:`twin`.

    ``code`` is the stable machine-readable code of the API's error body.
    """

    code = "error"

    def __init__(self, message: str, detail: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFoundError(TwinError):
    """No such thing, or not one the caller may see (scoping answers 404, not 403)."""

    code = "not_found"


class PermissionDeniedError(TwinError):
    """The caller's role may not do this."""

    code = "forbidden"


class AuthError(TwinError):
    """Missing, wrong or expired credentials."""

    code = "unauthorized"


class ConflictError(TwinError):
    """The request clashes with what exists (a duplicate name, say)."""

    code = "conflict"


class InvalidInputError(TwinError):
    """The request or an uploaded file is malformed or too large."""

    code = "invalid"


class ThrottledError(TwinError):
    """Too many attempts (failed sign-ins): wait ``retry_after`` seconds."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class TooLargeError(InvalidInputError):
    """The request is larger than the server accepts."""

    code = "too_large"


#: Errors caused by the user's input: reported as one line, exit code 2.
USER_ERRORS = (ModelError, SpacesError, ViewerError, MaintenanceError, MeetingsError,
               TwinError)


def exit_code_for(error: BaseException) -> int:
    """Exit code of the CLI for ``error``: 2 for bad input, 1 for anything unexpected."""
    return 2 if isinstance(error, USER_ERRORS) else 1
