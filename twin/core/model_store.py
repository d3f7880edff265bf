"""Model files and what is derived from them: size-limited spooling of uploads, parsing in a
limited child process (:class:`ParsedRevision`), the stored files keyed by content hash
(:func:`model_file`) and the graphs of recently used ones (:class:`GraphStore`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any, BinaryIO

from twin.core.errors import InvalidInputError, NotFoundError
from twin.core.settings import Settings

if TYPE_CHECKING:
    import networkx as nx

    from bim_models import BuildingModel

__all__ = ["ALLOWED_SUFFIXES", "GraphStore", "ParsedRevision", "model_file", "parse_upload",
           "spool_upload", "store_model_file"]

ALLOWED_SUFFIXES = (".ifc", ".ifczip")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ParsedRevision:
    """What a parsed model file gives a new revision: its identity, counts, warnings and one
    plain row per element (:func:`spaces.element_index`; row ``data`` keys are
    :class:`spaces.element_data.ElementData`).

    Attributes
    ----------
    sha256 : str
        Content hash of the file (the key of the stored file and of the caches).
    schema : str
        ``IFC2X3``, ``IFC4`` or ``IFC4X3``.
    counts : dict
        Element counts by kind (:meth:`bim_models.BuildingModel.counts`).
    warnings : list of str
        What the parser noticed.
    elements : list of dict
        Rows with ``global_id``, ``kind``, ``ifc_class``, ``name``, ``storey``, ``space``,
        ``data``.
    quality : dict, optional
        The model-quality report (:func:`bim_models.standards.ids.check_ifc`), when the file
        was checked.
    """

    sha256: str
    schema: str
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    elements: list[dict[str, Any]] = field(default_factory=list)
    quality: dict[str, Any] | None = None

    @classmethod
    def of_building(cls, model: BuildingModel, graph: nx.MultiDiGraph,
                    quality: dict[str, Any] | None = None) -> ParsedRevision:
        """The revision data of an opened building (model and graph), with its quality
        report if it was checked."""
        from spaces import element_index

        return cls(sha256=model.sha256, schema=model.schema, counts=model.counts(),
                   warnings=list(model.warnings), elements=element_index(model, graph),
                   quality=quality)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParsedRevision:
        """From the parse worker's JSON line (extra keys such as ``ok`` are ignored)."""
        return cls(sha256=data["sha256"], schema=data["schema"], counts=data["counts"],
                   warnings=list(data["warnings"]), elements=list(data["elements"]),
                   quality=data.get("quality"))

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict (what the parse worker prints)."""
        return asdict(self)


def spool_upload(stream: BinaryIO, filename: str, folder: Path, limit_mb: int) -> Path:
    """Copy an upload to ``folder`` in chunks, refusing it as soon as it passes the limit.

    Raises
    ------
    InvalidInputError
        A name without .ifc/.ifczip, an empty file, or one larger than ``limit_mb``.
    """
    suffix = Path(filename or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise InvalidInputError(f"{filename!r}: only .ifc and .ifczip files can be uploaded")
    target = folder / f"upload{suffix}"
    limit, size = limit_mb * 1024 * 1024, 0
    with open(target, "wb") as out:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise InvalidInputError(f"{filename!r} is larger than the upload limit of "
                                        f"{limit_mb} MiB", {"limit_mb": limit_mb})
            out.write(chunk)
    if size == 0:
        raise InvalidInputError(f"{filename!r} is empty")
    return target


def parse_upload(path: Path, filename: str, settings: Settings) -> ParsedRevision:
    """Parse ``path`` in ``python -m twin.core.parse_worker`` under the time and memory limits.

    Returns
    -------
    ParsedRevision
        What the new revision stores.

    Raises
    ------
    InvalidInputError
        The parser refused the file, it broke a limit, or it failed a blocking model-quality
        requirement (``settings.ids_blocking``; ``detail`` has the failures). The message
        names ``filename``, never the temporary path.
    """
    command = [sys.executable, "-m", "twin.core.parse_worker", str(path),
               str(settings.resolved_cache_dir), str(settings.parse_memory_mb),
               settings.ids_blocking]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=settings.parse_timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise InvalidInputError(f"{filename}: parsing took longer than "
                                f"{settings.parse_timeout_s} s; the file was refused") from exc
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        result = None
    if not result:
        raise InvalidInputError(f"{filename}: the parser stopped without an answer (exit code "
                                f"{done.returncode}; memory limit {settings.parse_memory_mb} MiB)")
    if not result.get("ok"):
        message = str(result.get("error", "refused")).replace(str(path), filename)
        raise InvalidInputError(message)
    parsed = ParsedRevision.from_json(result)
    if parsed.quality is not None:
        parsed.quality["file"] = filename  # the worker saw the spooled copy's name
    if parsed.quality is not None and not parsed.quality["passed"]:
        from bim_models.standards.quality_report import blocking_failures

        lines = blocking_failures(parsed.quality)
        failed = [r for r in parsed.quality["requirements"]
                  if r["blocking"] and r["status"] == "failed"]
        raise InvalidInputError(f"{filename}: refused by the model quality check: "
                                + "; ".join(lines), {"blocking_failures": failed})
    return parsed


def store_model_file(path: Path, sha256: str, settings: Settings) -> Path:
    """Keep an accepted upload under ``models/<sha256><suffix>`` (idempotent)."""
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    target = settings.models_dir / f"{sha256}{path.suffix.lower()}"
    if not target.exists():
        shutil.copyfile(path, target)
    return target


def model_file(settings: Settings, sha256: str) -> Path:
    """The stored model file with content hash ``sha256`` (the one lookup by hash).

    Raises
    ------
    NotFoundError
        No such file in ``settings.models_dir``.
    """
    files = sorted(settings.models_dir.glob(f"{sha256}.*"))
    if not files:
        raise NotFoundError(f"the model file {sha256} is missing from {settings.models_dir}")
    return files[0]


class GraphStore:
    """The graphs of recently used model files, loaded through the on-disk cache by hash.

    Parameters
    ----------
    settings : Settings
        Where the model files and the cache are.
    size : int
        How many graphs stay in memory (least recently used first out).
    """

    def __init__(self, settings: Settings, size: int = 8) -> None:
        self.settings = settings
        self.size = size
        self._graphs: OrderedDict[str, nx.MultiDiGraph] = OrderedDict()
        self._lock = Lock()

    def get(self, sha256: str) -> nx.MultiDiGraph:
        """The graph of the stored model with this hash.

        Raises
        ------
        NotFoundError
            The model file is missing.
        """
        with self._lock:
            if sha256 in self._graphs:
                self._graphs.move_to_end(sha256)
                return self._graphs[sha256]
        from spaces import open_building

        _, graph = open_building(model_file(self.settings, sha256),
                                 cache_dir=self.settings.resolved_cache_dir)
        with self._lock:
            self._graphs[sha256] = graph
            while len(self._graphs) > self.size:
                self._graphs.popitem(last=False)
        return graph
