"""On-disk cache of parsed models, keyed by file content hash and parser version.

Entries are pickles written by this process family only (the cache directory is trusted, like
any local cache): ``<sha256>-p<PARSER_VERSION>.pickle``. Writes are atomic (write to a temporary
file, then rename), so a crash never leaves a half-written entry that later loads.

This module stays light (no ifcopenshell, numpy or shapely): a cache hit, and
:func:`file_sha256`, cost no more than reading the files.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bim_models.versions import PARSER_VERSION

if TYPE_CHECKING:
    from bim_models.records import BuildingModel

__all__ = ["ModelCache", "default_cache_dir", "file_sha256"]



def _warn(message: str, *args: Any) -> None:
    import logging  # only when something goes wrong: a cache hit does not pay for it

    logging.getLogger(__name__).warning(message, *args)


def file_sha256(path: Path | str) -> str:
    """SHA-256 of a file's bytes, as hex: the cache key of everything derived from the file."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def default_cache_dir() -> Path:
    """``$TWIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/twin``, else ``~/.cache/twin``."""
    explicit = os.environ.get("TWIN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "twin"


class ModelCache:
    """A folder of cached :class:`BuildingModel` pickles.

    Parameters
    ----------
    directory : Path or str, optional
        Defaults to :func:`default_cache_dir`.
    """

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def path_for(self, sha256: str, kind: str = "model") -> Path:
        """The entry's file name for a content hash and the kind of artefact."""
        suffix = "" if kind == "model" else f"-{kind}"
        return self.directory / f"{sha256}{suffix}-p{PARSER_VERSION}.pickle"

    def get(self, sha256: str, kind: str = "model", expected: type | None = None) -> Any:
        """Return the cached artefact, or ``None`` if absent or unreadable (then it is removed).

        Parameters
        ----------
        sha256 : str
            Content hash of the IFC file.
        kind : str, default "model"
            ``"model"`` for the :class:`BuildingModel`; other layers store what they derive
            from it under their own kind (e.g. the graph), invalidated with the model.
        expected : type, optional
            The class the entry must be an instance of (default: :class:`BuildingModel`).
        """
        path = self.path_for(sha256, kind)
        try:
            with open(path, "rb") as stream:
                value = pickle.load(stream)
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError,
                ModuleNotFoundError) as exc:
            _warn("ignoring unreadable cache entry %s: %s", path, exc)
            path.unlink(missing_ok=True)
            return None
        if expected is None:
            from bim_models.records import BuildingModel as expected
        if not isinstance(value, expected):
            return None
        if getattr(value, "parser_version", PARSER_VERSION) != PARSER_VERSION:
            return None
        return value

    def put(self, model: BuildingModel, value: Any = None, kind: str = "model") -> Path | None:
        """Store ``model`` (or ``value`` derived from it under ``kind``).

        Returns the entry path, or ``None`` if the folder is not writable (a warning is logged:
        the cache is an optimisation, never a reason to fail).
        """
        path = self.path_for(model.sha256, kind)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            import tempfile

            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as stream:
                pickle.dump(model if value is None else value, stream,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError as exc:
            _warn("could not write the model cache at %s: %s", self.directory, exc)
            return None
        return path
