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

    def path_for(self, sha256: str) -> Path:
        """The entry's file name for a content hash."""
        return self.directory / f"{sha256}-p{PARSER_VERSION}.pickle"

    def get(self, sha256: str) -> BuildingModel | None:
        """Return the cached model, or ``None`` if absent or unreadable (then it is removed)."""
        path = self.path_for(sha256)
        try:
            with open(path, "rb") as stream:
                model = pickle.load(stream)
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError) as exc:
            _log.warning("ignoring unreadable cache entry %s: %s", path, exc)
            path.unlink(missing_ok=True)
            return None
        if not isinstance(model, BuildingModel) or model.parser_version != PARSER_VERSION:
            return None
        return model

    def put(self, model: BuildingModel) -> Path | None:
        """Store ``model``; returns the entry path, or ``None`` if the folder is not writable."""
        path = self.path_for(model.sha256)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as stream:
                pickle.dump(model, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError as exc:
            _log.warning("could not write the model cache at %s: %s", self.directory, exc)
            return None
        return path
