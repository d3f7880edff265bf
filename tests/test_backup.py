"""``twin backup`` / ``twin restore``: a backup restored into a fresh data folder (SQLite) or a
fresh database (PostgreSQL, a real server) has every row and the model files; a database
holding data is not overwritten by mistake; old dead letters and audit entries are purged."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tarfile

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from twin.core.backup import backup, purge_old_rows, restore, table_counts
from twin.core.database import Database, migrate
from twin.core.errors import ConflictError, InvalidInputError
from twin.core.settings import Settings

TWIN = [sys.executable, "-m", "twin.cli"]


def _twin(*args: str, settings: Settings) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
    env["TWIN_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["TWIN_DATABASE_URL"] = settings.database_url
    return subprocess.run([*TWIN, *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def sqlite_backup(demo_copy, tmp_path_factory):
    settings, _state = demo_copy
    out = tmp_path_factory.mktemp("backup") / "twin-backup.tar.gz"
    result = _twin("backup", "--out", str(out), settings=settings)
    assert result.returncode == 0, result.stderr
    return settings, out


def test_sqlite_backup_restores_every_row_and_model_file(sqlite_backup, tmp_path):
    settings, out = sqlite_backup
    original = table_counts(settings.resolved_database_url)
    assert original["devices"] > 0 and original["revisions"] > 0
    fresh = Settings(data_dir=tmp_path / "restored")
    result = _twin("restore", str(out), settings=fresh)
    assert result.returncode == 0, result.stderr
    assert table_counts(fresh.resolved_database_url) == original
    models = sorted(p.relative_to(settings.data_dir) for p in settings.models_dir.rglob("*")
                    if p.is_file())
    assert models, "the demo stores its model revision"
    assert sorted(p.relative_to(fresh.data_dir) for p in fresh.models_dir.rglob("*")
                  if p.is_file()) == models
    with tarfile.open(out) as archive:
        names = archive.getnames()
    assert "manifest.json" in names and "database.sqlite" in names
    assert not any(n.startswith("data/cache") for n in names)


def test_restore_refuses_to_overwrite_data_unless_forced(sqlite_backup, tmp_path):
    settings, out = sqlite_backup
    result = _twin("restore", str(out), settings=settings)
    assert result.returncode == 2
    assert "already holds data" in result.stderr and "Traceback" not in result.stderr
    report = restore(settings, out, force=True, migrate=migrate)
    assert report.mismatches == {}


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(InvalidInputError, match="not a twin backup"):
        restore(Settings(data_dir=tmp_path / "d"), junk)
    result = _twin("restore", str(junk), settings=Settings(data_dir=tmp_path / "d"))
    assert result.returncode == 2 and "not a twin backup" in result.stderr


def _fresh_database(url: str, name: str) -> str:
    parts = make_url(url)
    with psycopg.connect(host=parts.host, port=parts.port, user=parts.username,
                         dbname=parts.database, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return parts.set(database=name).render_as_string(hide_password=False)


def test_postgres_backup_restores_into_a_fresh_database(postgres_url, tmp_path):
    from twin.core import accounts

    source = _fresh_database(postgres_url, "twin_backup_source")
    migrate(source)
    database = Database(source)
    try:
        with database.session() as session:
            for i in range(3):
                accounts.add_user(session, username=f"user{i}", password="Long-enough-1",
                                  role="viewer", actor="test")
    finally:
        database.dispose()
    (tmp_path / "src" / "models").mkdir(parents=True)
    (tmp_path / "src" / "models" / "abc.ifc").write_text("ISO-10303-21;")
    out = tmp_path / "pg.tar.gz"
    report = backup(Settings(data_dir=tmp_path / "src", database_url=source), out)
    assert report.engine == "postgresql" and report.counts["users"] == 3
    target = _fresh_database(postgres_url, "twin_backup_target")
    fresh = Settings(data_dir=tmp_path / "dst", database_url=target)
    restored = restore(fresh, out, migrate=migrate)
    assert restored.mismatches == {}
    assert table_counts(target) == table_counts(source)
    assert (tmp_path / "dst" / "models" / "abc.ifc").read_text() == "ISO-10303-21;"
    with pytest.raises(InvalidInputError, match="postgresql backup"):
        restore(Settings(data_dir=tmp_path / "sqlite"), out)
    with pytest.raises(ConflictError):
        restore(fresh, out)


def test_purge_keeps_recent_dead_letters_and_audit(tmp_path):
    settings = Settings(data_dir=tmp_path)
    migrate(settings.resolved_database_url)
    database = Database(settings.resolved_database_url)
    now = 2_000_000_000.0
    try:
        with database.engine.begin() as connection:
            for age_days in (1, 40):
                connection.execute(text(
                    "INSERT INTO dead_letters (received_at, source, reason, detail, payload) "
                    "VALUES (:t, 'http', 'unknown_device', '', '{}')"),
                    {"t": int((now - age_days * 86400) * 1000)})
        with database.session() as session:
            from twin.core.tables import AuditEntry

            for age_days in (1, 800):
                session.add(AuditEntry(
                    at=dt.datetime.fromtimestamp(now - age_days * 86400, dt.UTC),
                    actor="t", action="x", target="y", detail={}))
        deleted = purge_old_rows(database, now_s=now, dead_letter_days=30, audit_days=730)
        assert deleted == {"dead_letters": 1, "audit_log": 1}
        counts = table_counts(settings.resolved_database_url)
        assert counts["dead_letters"] == 1 and counts["audit_log"] == 1
        assert purge_old_rows(database, now_s=now, dead_letter_days=None,
                              audit_days=None) == {"dead_letters": 0, "audit_log": 0}
    finally:
        database.dispose()
