"""The throw-away PostgreSQL server of tests/pg_server.py: real, loopback-only, removed after."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pg_server
import psycopg
import pytest
import sqlalchemy as sa
from pg_server import DATABASE, USER, postgres_url, running_postgres  # noqa: F401 (fixture)
from sqlalchemy.engine import make_url


def _scalar(url: str, sql: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def _accepts(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on ``host:port`` (refused, unreachable: no)."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test_url_names_loopback_user_and_database(postgres_url: str) -> None:  # noqa: F811
    url = make_url(postgres_url)
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.username, url.database) == ("127.0.0.1", USER, DATABASE)
    assert url.port is not None and url.port > 0


def test_server_answers_version_through_sqlalchemy_psycopg(postgres_url: str) -> None:  # noqa: F811
    engine = sa.create_engine(postgres_url)
    try:
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as conn:
            version = conn.execute(sa.text("select version()")).scalar_one()
            database = conn.execute(sa.text("select current_database()")).scalar_one()
    finally:
        engine.dispose()
    assert "PostgreSQL" in version
    assert database == DATABASE


def test_listens_on_127_0_0_1_only(postgres_url: str) -> None:  # noqa: F811
    assert _scalar(postgres_url, "show listen_addresses") == "127.0.0.1"
    assert str(_scalar(postgres_url, "select inet_server_addr()")) == "127.0.0.1"
    assert make_url(postgres_url).host == "127.0.0.1"


def test_data_survives_a_reconnect(postgres_url: str) -> None:  # noqa: F811
    table = f"survivor_{uuid.uuid4().hex[:12]}"
    first = sa.create_engine(postgres_url)
    try:
        with first.begin() as conn:
            conn.execute(sa.text(f"create table {table} (id integer primary key, name text)"))
            conn.execute(
                sa.text(f"insert into {table} values (:id, :name)"),
                [{"id": 1, "name": "Büro 1.01"}, {"id": 2, "name": "Serverraum"}],
            )
    finally:
        first.dispose()

    second = sa.create_engine(postgres_url)
    try:
        with second.begin() as conn:
            rows = conn.execute(sa.text(f"select id, name from {table} order by id")).all()
            conn.execute(sa.text(f"drop table {table}"))
    finally:
        second.dispose()
    assert [tuple(row) for row in rows] == [(1, "Büro 1.01"), (2, "Serverraum")]


def test_teardown_stops_the_server_and_removes_its_directory() -> None:
    with running_postgres() as url:
        port = make_url(url).port
        assert port is not None
        data_directory = Path(str(_scalar(url, "show data_directory")))
        socket_directory = Path(str(_scalar(url, "show unix_socket_directories")))
        assert data_directory.is_dir()
        assert data_directory.parent == socket_directory
        assert data_directory.parent.name.startswith("twin-pg-")
        assert _accepts("127.0.0.1", port)

    assert not _accepts("127.0.0.1", port)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=port, user=USER, dbname=DATABASE, connect_timeout=2)
    assert not data_directory.parent.exists()


def test_teardown_also_when_the_body_raises() -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), running_postgres() as url:
        port = make_url(url).port
        directory = Path(str(_scalar(url, "show data_directory"))).parent
        raise Boom

    assert port is not None and not _accepts("127.0.0.1", port)
    assert not directory.exists()


def test_missing_binaries_raise_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_server, "DEBIAN_ROOT", tmp_path)  # no <version>/bin in there
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_config either
    temp_root = tmp_path / "temp"
    temp_root.mkdir()
    monkeypatch.setattr(pg_server.tempfile, "tempdir", str(temp_root))
    with pytest.raises(RuntimeError, match=r"scripts/ensure-postgres\.sh"), running_postgres():
        pass
    assert list(temp_root.iterdir()) == []  # nothing created, nothing left behind
