"""On-disk cache of parsed models, keyed by file content hash and parser version.

Entries are pickles written by this process family only (the cache directory is trusted, like
any local cache): ``<sha256>-p<PARSER_VERSION>.pickle``. Writes are atomic (write to a temporary
file, then rename), so a crash never leaves a half-written entry that later loads.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from bim_models.records import PARSER_VERSION, BuildingModel

__all__ = ["ModelCache", "default_cache_dir"]

_log = logging.getLogger(__name__)


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

    def get(self, sha256: str, kind: str = "model", expected: type = BuildingModel) -> Any:
        """Return the cached artefact, or ``None`` if absent or unreadable (then it is removed).

        Parameters
        ----------
        sha256 : str
            Content hash of the IFC file.
        kind : str, default "model"
            ``"model"`` for the :class:`BuildingModel`; other layers store what they derive
            from it under their own kind (e.g. the graph), invalidated with the model.
        expected : type
            The class the entry must be an instance of.
        """
        path = self.path_for(sha256, kind)
        try:
            with open(path, "rb") as stream:
                value = pickle.load(stream)
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError,
                ModuleNotFoundError) as exc:
            _log.warning("ignoring unreadable cache entry %s: %s", path, exc)
            path.unlink(missing_ok=True)
            return None
        if not isinstance(value, expected):
            return None
        if isinstance(value, BuildingModel) and value.parser_version != PARSER_VERSION:
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
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as stream:
                pickle.dump(model if value is None else value, stream,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError as exc:
            _log.warning("could not write the model cache at %s: %s", self.directory, exc)
            return None
        return path
