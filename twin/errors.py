"""Errors of the running system, and how the CLI reports errors of the layers below."""

from __future__ import annotations

from bim_models import ModelError
from spaces import SpacesError
from viewer import ViewerError

__all__ = ["USER_ERRORS", "TwinError", "exit_code_for"]


class TwinError(Exception):
    """Base class of errors raised by :mod:`twin`."""


#: Errors caused by the user's input: reported as one line, exit code 2.
USER_ERRORS = (ModelError, SpacesError, ViewerError, TwinError)


def exit_code_for(error: BaseException) -> int:
    """Exit code of the CLI for ``error``: 2 for bad input, 1 for anything unexpected."""
    return 2 if isinstance(error, USER_ERRORS) else 1
