"""Open an IFC file safely and turn it into a :class:`~bim_models.records.BuildingModel`.

:func:`load_model` is the entry point: it checks the file, reads records, runs geometry once and
caches the result on disk (see :mod:`bim_models.cache`).
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import ifcopenshell

from bim_models import cache as model_cache
from bim_models.cache import file_sha256
from bim_models.errors import ModelLoadError, UnsupportedSchemaError
from bim_models.extract import get_unit_scales, read_records
from bim_models.geometry import (
    ProgressCallback,
    compute_geometry,
    get_geometry_targets,
)
from bim_models.records import PARSER_VERSION, BuildingModel
from bim_models.schema import SUPPORTED_SCHEMAS, normalise_schema

__all__ = ["file_sha256", "load_model", "open_ifc", "parse_model"]

_SPF_MAGIC = b"ISO-10303-21;"
_SPF_TRAILER = b"END-ISO-10303-21;"
_ZIP_MAGIC = b"PK\x03\x04"
_LOG_PREFIX = re.compile(r"^\[error\] (\[[^\]]*\] )*")


def _check_spf_bytes(path: Path, head: bytes, tail: bytes) -> None:
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text_head.startswith(b"<?xml") or text_head.startswith(b"<"):
        raise ModelLoadError(path, "ifcXML is not supported; export the model as IFC-SPF (.ifc)")
    if not text_head.startswith(_SPF_MAGIC):
        raise ModelLoadError(path, "not an IFC file (no ISO-10303-21 header)")
    if _SPF_TRAILER not in tail:
        raise ModelLoadError(path, "truncated IFC file (no END-ISO-10303-21; at the end)")
    before, found, _after = tail.rpartition(b"ENDSEC;")
    before = before.rstrip()
    if found and before and not before.endswith((b";", b"DATA", b"*/")):
        # the end marker was appended to a file cut in the middle of an entity
        raise ModelLoadError(path, "truncated IFC file (the last entity before ENDSEC; is cut "
                                   "off)")


def _read_zip(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".ifc")]
            if not members:
                raise ModelLoadError(path, "the .ifczip archive holds no .ifc file")
            return archive.read(members[0])
    except zipfile.BadZipFile as exc:
        raise ModelLoadError(path, f"corrupt .ifczip archive ({exc})") from exc


def _parse_errors() -> list[str]:
    """Error lines of the IFC parser's log since the last call, without level and timestamp."""
    lines = ifcopenshell.get_log().splitlines()
    return [_LOG_PREFIX.sub("", line) for line in lines if line.startswith("[error]")]


def open_ifc(path: Path | str) -> ifcopenshell.file:
    """Open an ``.ifc`` or ``.ifczip`` file after checking that it is a whole IFC model.

    Parameters
    ----------
    path : Path or str
        The file.

    Returns
    -------
    ifcopenshell.file

    Raises
    ------
    ModelLoadError
        Missing file, not IFC, truncated, refused by the parser, or no ``IfcProject``.
    UnsupportedSchemaError
        A schema other than IFC2X3, IFC4 or IFC4X3.
    """
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(path, "no such file")
    if not path.is_file():
        raise ModelLoadError(path, "not a file")
    with open(path, "rb") as stream:
        head = stream.read(4096)
        stream.seek(max(0, path.stat().st_size - 4096))
        tail = stream.read()
    if not head:
        raise ModelLoadError(path, "empty file")
    if head.startswith(_ZIP_MAGIC):
        content = _read_zip(path)
        _check_spf_bytes(path, content[:4096], content[-4096:])
    else:
        content = None
        _check_spf_bytes(path, head, tail)
    ifcopenshell.get_log()  # drop messages of earlier files
    try:
        if content is None:
            model = ifcopenshell.open(str(path))
        else:
            model = ifcopenshell.file.from_string(content.decode("utf-8", errors="replace"))
    except ifcopenshell.SchemaError as exc:
        raise UnsupportedSchemaError(
            path, f"unsupported IFC schema ({exc}); supported: {', '.join(SUPPORTED_SCHEMAS)}"
        ) from exc
    except (ifcopenshell.Error, RuntimeError, UnicodeError) as exc:
        raise ModelLoadError(path, f"the IFC parser refused it: {exc}") from exc
    if normalise_schema(model) is None:
        raise UnsupportedSchemaError(
            path, f"unsupported IFC schema {model.schema_identifier}; "
                  f"supported: {', '.join(SUPPORTED_SCHEMAS)}")
    errors = _parse_errors()
    if not model.by_type("IfcProject"):
        reason = f"; first parser error: {errors[0]}" if errors else ""
        raise ModelLoadError(path, f"no IfcProject in the file, not a building model{reason}")
    return model


def parse_model(path: Path | str, *, progress: ProgressCallback | None = None,
                threads: int | None = None, sha256: str | None = None) -> BuildingModel:
    """Read ``path`` into a :class:`BuildingModel` without touching the cache.

    Parameters
    ----------
    path : Path or str
        An ``.ifc`` or ``.ifczip`` file.
    progress : callable, optional
        ``progress(done, total)`` while geometry runs.
    threads : int, optional
        Geometry iterator threads (default: all CPUs).
    sha256 : str, optional
        The file's hash if already known.

    Returns
    -------
    BuildingModel

    Raises
    ------
    ModelLoadError
        See :func:`open_ifc`.
    """
    model = open_ifc(path)
    parse_errors = _parse_errors()
    scales = get_unit_scales(model)
    fields = read_records(model, scales)
    warnings = list(_unit_warnings(model))
    if parse_errors:
        warnings.append(f"the IFC parser reported {len(parse_errors)} errors; "
                        f"first: {parse_errors[0]}")
    targets = get_geometry_targets(
        model,
        spaces=fields["spaces"],
        doors=[k for k, v in fields["openings"].items() if v.kind in ("door", "opening")],
        verticals=fields["verticals"],
        equipment=fields["equipment"],
    )
    shapes = compute_geometry(model, targets, threads=threads, progress=progress)
    for table in ("spaces", "openings", "verticals", "equipment"):
        fields[table] = {
            gid: dataclasses.replace(rec, geometry=shapes[gid]) if gid in shapes else rec
            for gid, rec in fields[table].items()
        }
    warnings.extend(_content_warnings(fields))
    return BuildingModel(
        source=str(path),
        sha256=sha256 or file_sha256(path),
        schema=normalise_schema(model),
        schema_identifier=model.schema_identifier,
        parser_version=PARSER_VERSION,
        length_unit_scale=scales.length,
        warnings=tuple(warnings),
        **fields,
    )


def _unit_warnings(model: ifcopenshell.file):
    project = model.by_type("IfcProject")[0]
    units = getattr(project, "UnitsInContext", None)
    names = {getattr(u, "UnitType", None) for u in (units.Units if units else ())}
    if "LENGTHUNIT" not in names:
        yield "the project declares no length unit; metres assumed"


def _content_warnings(fields: dict) -> list[str]:
    warnings: list[str] = []
    spaces = fields["spaces"]
    if not spaces:
        warnings.append("the model has no spaces (IfcSpace): equipment sits in its storey")
    missing = sorted((s.name or gid) for gid, s in spaces.items()
                     if s.geometry is None or s.geometry.footprint is None)
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        warnings.append(f"{len(missing)} of {len(spaces)} spaces have no body geometry "
                        f"(areas from Qto only): {shown}")
    orphans = sorted((s.name or gid) for gid, s in spaces.items() if s.storey is None)
    if orphans:
        warnings.append(f"{len(orphans)} spaces belong to no storey: {', '.join(orphans[:10])}")
    return warnings


def load_model(path: Path | str, *, use_cache: bool = True, cache_dir: Path | str | None = None,
               progress: ProgressCallback | None = None,
               threads: int | None = None) -> BuildingModel:
    """Load an IFC model, from the on-disk cache when this file was parsed before.

    The cache key is the file's SHA-256 plus :data:`~bim_models.records.PARSER_VERSION`, so
    an edited file or a newer parser re-runs geometry.

    Parameters
    ----------
    path : Path or str
        An ``.ifc`` or ``.ifczip`` file.
    use_cache : bool, default True
        ``False`` parses from scratch and neither reads nor writes the cache.
    cache_dir : Path or str, optional
        Defaults to :func:`bim_models.cache.default_cache_dir` (``TWIN_CACHE_DIR``).
    progress : callable, optional
        ``progress(done, total)`` while geometry runs (not called on a cache hit).
    threads : int, optional
        Geometry iterator threads.

    Returns
    -------
    BuildingModel
        From the cache (its ``source`` set to ``path``) or parsed by :func:`parse_model`.

    Raises
    ------
    ModelLoadError
        The file is missing, not IFC, truncated, refused or of an unsupported schema.

    Examples
    --------
    >>> model = load_model("duplex.ifc")  # doctest: +SKIP
    >>> model.counts()["spaces"]  # doctest: +SKIP
    21
    """
    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(path, "no such file" if not path.exists() else "not a file")
    if not use_cache:
        return parse_model(path, progress=progress, threads=threads)
    digest = file_sha256(path)
    store = model_cache.ModelCache(cache_dir)
    cached = store.get(digest)
    if cached is not None:
        return dataclasses.replace(cached, source=str(path))
    model = parse_model(path, progress=progress, threads=threads, sha256=digest)
    store.put(model)
    return model
