"""Backups of a whole installation (``twin backup --out F``, ``twin restore F``) and the
periodic purge of old dead letters and audit entries.

A backup is one ``.tar.gz`` holding

* ``manifest.json``: format, engine, time, schema revision, row counts of every table;
* the database: ``database.sqlite`` (SQLite's online backup API: consistent while the server
  writes) or ``database.pgdump`` (``pg_dump --format=custom``, one consistent snapshot);
* ``data/...``: the data folder's files the database refers to: stored IFC revisions
  (``models/``), the sample's files. The parsed-model cache (``cache/``) is left out: it is
  rebuilt from the revisions on first use.

:func:`restore` refuses to overwrite a database that holds data unless told to, restores,
migrates to the current schema and compares the row counts with the manifest.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import DateTime, bindparam, create_engine, inspect, text

from twin.core.errors import ConflictError, InvalidInputError, TwinError
from twin.core.settings import Settings

__all__ = ["BackupReport", "backup", "pg_tool", "purge_old_rows", "restore", "table_counts"]

FORMAT = 1
#: Files of the data folder never archived: the SQLite database (archived through the
#: backup API) and the rebuildable cache.
_SKIP = {"twin.db", "twin.db-wal", "twin.db-shm", "twin.db-journal", "cache"}


@dataclass
class BackupReport:
    """What a backup or a restore did."""

    path: Path
    engine: str
    counts: dict[str, int]
    files: int
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)


def table_counts(url: str) -> dict[str, int]:
    """Rows of every table of the database at ``url`` (Alembic's own table left out)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            names = sorted(n for n in inspect(connection).get_table_names()
                           if n != "alembic_version")
            return {n: connection.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()
                    for n in names}
    finally:
        engine.dispose()


def _schema_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if "alembic_version" not in inspect(connection).get_table_names():
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _engine_of(url: str) -> str:
    if url.startswith("sqlite:///"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise InvalidInputError(f"backups support SQLite and PostgreSQL, not {url.split(':')[0]}")


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _libpq_url(url: str) -> str:
    """``postgresql+psycopg://...`` -> ``postgresql://...`` (what pg_dump understands)."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else url


def pg_tool(name: str) -> str:
    """Path of ``pg_dump`` or ``pg_restore``: Debian's newest version folder, else ``PATH``.

    Raises
    ------
    TwinError
        Not installed.
    """
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                      else -1)
    found = str(versions[-1]) if versions else shutil.which(name)
    if not found:
        raise TwinError(f"{name} is not installed (Debian package postgresql-client)")
    return found


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          env={k: v for k, v in os.environ.items() if not k.startswith("PG")})
    if done.returncode != 0:
        raise TwinError(f"{what} failed: {done.stderr.strip()[-400:]}")


def _data_files(data_dir: Path, exclude: set[Path]) -> list[Path]:
    if not data_dir.is_dir():
        return []
    files = []
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if relative.parts[0] in _SKIP or path.resolve() in exclude or not path.is_file():
            continue
        files.append(path)
    return files


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(dt.datetime.now().timestamp()), 0o644
    archive.addfile(info, io.BytesIO(data))


def backup(settings: Settings, out: Path) -> BackupReport:
    """Write a backup of the database and the data folder to ``out`` (``.tar.gz``).

    Parameters
    ----------
    settings : Settings
        Which database and data folder.
    out : Path
        The archive to write (replaced atomically when complete).

    Returns
    -------
    BackupReport

    Raises
    ------
    InvalidInputError
        An unsupported engine, or ``out`` in a folder that does not exist.
    TwinError
        ``pg_dump`` failed or is missing.
    """
    url = settings.resolved_database_url
    engine = _engine_of(url)
    if not out.parent.is_dir():
        raise InvalidInputError(f"{out.parent}: no such folder for the backup")
    with tempfile.TemporaryDirectory(prefix="twin-backup-", dir=out.parent) as work:
        dump = Path(work) / ("database.sqlite" if engine == "sqlite" else "database.pgdump")
        if engine == "sqlite":
            source = sqlite3.connect(_sqlite_path(url))
            target = sqlite3.connect(dump)
            try:
                with target:
                    source.backup(target)
            finally:
                source.close()
                target.close()
            counts = table_counts(f"sqlite:///{dump}")
            revision = _schema_revision(f"sqlite:///{dump}")
        else:
            # counts first: the dump is a later snapshot, so a busy server only adds rows
            counts = table_counts(url)
            revision = _schema_revision(url)
            _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(dump), "--dbname", _libpq_url(url)], "pg_dump")
        files = _data_files(settings.data_dir, {out.resolve()})
        manifest = {"format": FORMAT, "engine": engine, "revision": revision,
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "counts": counts,
                    "files": [str(f.relative_to(settings.data_dir)) for f in files]}
        partial = Path(work) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=1) as archive:
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
            archive.add(dump, dump.name)
            for path in files:
                archive.add(path, f"data/{path.relative_to(settings.data_dir)}")
        os.replace(partial, out)
    return BackupReport(out, engine, counts, len(files))


def _read_manifest(archive: tarfile.TarFile, path: Path) -> dict:
    try:
        manifest = json.load(archive.extractfile("manifest.json"))
    except (KeyError, json.JSONDecodeError, AttributeError):
        raise InvalidInputError(f"{path}: not a twin backup (no manifest.json)") from None
    if manifest.get("format") != FORMAT:
        raise InvalidInputError(f"{path}: backup format {manifest.get('format')!r} is not "
                                f"{FORMAT}")
    return manifest


def _has_data(url: str) -> bool:
    try:
        counts = table_counts(url)
    except Exception:  # noqa: BLE001 - a database that cannot be read holds nothing usable
        return False
    return any(counts.values())


def _restore_sqlite(dump: Path, url: str) -> None:
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    shutil.copyfile(dump, partial)
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(partial, target)


def _restore_postgres(dump: Path, url: str) -> None:
    _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", "--dbname", _libpq_url(url), str(dump)],
         "pg_restore")


def restore(settings: Settings, path: Path, *, force: bool = False,
            migrate: Callable[[str], None] | None = None) -> BackupReport:
    """Restore the backup ``path`` into the configured database and data folder.

    Parameters
    ----------
    settings : Settings
        Where to restore (``TWIN_DATABASE_URL``, ``TWIN_DATA_DIR``).
    path : Path
        A ``twin backup`` archive.
    force : bool
        Replace a database that already holds data.
    migrate : callable, optional
        ``migrate(url)`` run after the restore (bringing an older backup to this schema).

    Returns
    -------
    BackupReport
        With ``mismatches``: tables whose row count differs from the manifest's.

    Raises
    ------
    InvalidInputError
        Not a backup, or a backup of another engine.
    ConflictError
        The database holds data and ``force`` is not set.
    """
    url = settings.resolved_database_url
    engine = _engine_of(url)
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such backup file")
    try:
        archive = tarfile.open(path, "r:*")
    except tarfile.TarError as error:
        raise InvalidInputError(f"{path}: not a twin backup ({error})") from None
    with archive, tempfile.TemporaryDirectory(prefix="twin-restore-") as work:
        manifest = _read_manifest(archive, path)
        if manifest["engine"] != engine:
            raise InvalidInputError(f"{path} is a {manifest['engine']} backup; the configured "
                                    f"database is {engine} (restore it into {manifest['engine']}"
                                    " and migrate the data, or configure that engine)")
        if not force and _has_data(url):
            raise ConflictError("the configured database already holds data: restore into an "
                                "empty one, or pass --force to replace it")
        archive.extractall(work, filter="data")
        dump = Path(work) / ("database.sqlite" if engine == "sqlite" else "database.pgdump")
        if not dump.is_file():
            raise InvalidInputError(f"{path}: the archive holds no {dump.name}")
        if engine == "sqlite":
            _restore_sqlite(dump, url)
        else:
            _restore_postgres(dump, url)
        data = Path(work) / "data"
        files = [p for p in data.rglob("*") if p.is_file()] if data.is_dir() else []
        for source in files:
            target = settings.data_dir / source.relative_to(data)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    if migrate is not None:
        migrate(url)
    counts = table_counts(url)
    expected: dict[str, int] = manifest["counts"]
    mismatches = {name: (n, counts.get(name, 0)) for name, n in expected.items()
                  if counts.get(name, 0) != n}
    return BackupReport(path, engine, counts, len(files), mismatches)


def purge_old_rows(database, *, now_s: float, dead_letter_days: float | None,
                   audit_days: float | None) -> dict[str, int]:
    """Delete dead letters and audit entries older than their retention (None: keep all).

    Parameters
    ----------
    database : Database
    now_s : float
        The clock, Unix seconds.
    dead_letter_days, audit_days : float or None
        Retention in days.

    Returns
    -------
    dict
        Rows deleted per table.
    """
    deleted = {"dead_letters": 0, "audit_log": 0}
    with database.engine.begin() as connection:
        if dead_letter_days is not None:
            cutoff_ms = int((now_s - dead_letter_days * 86400) * 1000)
            deleted["dead_letters"] = connection.execute(
                text("DELETE FROM dead_letters WHERE received_at < :c"),
                {"c": cutoff_ms}).rowcount or 0
        if audit_days is not None:
            cutoff = dt.datetime.fromtimestamp(now_s - audit_days * 86400, dt.UTC)
            statement = text("DELETE FROM audit_log WHERE at < :c").bindparams(
                bindparam("c", type_=DateTime(timezone=True)))
            deleted["audit_log"] = connection.execute(statement, {"c": cutoff}).rowcount or 0
    return deleted
