"""Errors raised by :mod:`bim_models`.

Every error names the file it is about and says what is wrong in one line, so that the CLI and
the API can show it to a user without a traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ModelError", "ModelLoadError", "UnsupportedSchemaError"]


class ModelError(Exception):
    """Base class of every error raised by :mod:`bim_models`."""


class ModelLoadError(ModelError):
    """A file could not be read as an IFC model.

    Parameters
    ----------
    path : Path or str
        The file that was being read.
    problem : str
        One line saying what is wrong with it.
    """

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class UnsupportedSchemaError(ModelLoadError):
    """The file is IFC, but written in a schema this product does not read."""
