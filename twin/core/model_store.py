"""Uploaded IFC files: size-limited spooling, parsing in a limited child process, storage."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

from twin.core.errors import InvalidInputError
from twin.core.settings import Settings

__all__ = ["ALLOWED_SUFFIXES", "parse_upload", "spool_upload", "store_model_file"]

ALLOWED_SUFFIXES = (".ifc", ".ifczip")
_CHUNK = 1 << 20


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


def parse_upload(path: Path, filename: str, settings: Settings) -> dict:
    """Parse ``path`` in ``python -m twin.core.parse_worker`` under the time and memory limits.

    Returns
    -------
    dict
        ``sha256``, ``schema``, ``counts``, ``warnings``, ``elements``.

    Raises
    ------
    InvalidInputError
        The parser refused the file, or it broke a limit. The message names ``filename``,
        never the temporary path.
    """
    command = [sys.executable, "-m", "twin.core.parse_worker", str(path),
               str(settings.resolved_cache_dir), str(settings.parse_memory_mb)]
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
    return result


def store_model_file(path: Path, sha256: str, settings: Settings) -> Path:
    """Keep an accepted upload under ``models/<sha256><suffix>`` (idempotent)."""
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    target = settings.models_dir / f"{sha256}{path.suffix.lower()}"
    if not target.exists():
        shutil.copyfile(path, target)
    return target
