"""Storage on SQLite and on a real PostgreSQL server: migrations, accounts, portfolio, diff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from twin.core import accounts
from twin.core.database import Database, migrate
from twin.core.errors import AuthError, ConflictError, InvalidInputError, NotFoundError
from twin.core.model_store import ParsedRevision
from twin.core.tables import ApiToken, AuditEntry, ElementRow, utcnow
from twin.portfolio import service as portfolio


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'twin.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    migrate(url)
    db = Database(url)
    yield db
    if request.param == "postgresql":  # leave the shared server's database empty again
        from twin.migrations import all_tables

        all_tables().drop_all(db.engine)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    db.dispose()


def _parsed(sha: str, elements: list[dict]) -> ParsedRevision:
    return ParsedRevision(sha256=sha, schema="IFC4", counts={"spaces": len(elements)},
                          warnings=[], elements=elements)


def _element(gid: str, centroid, space=None, kind="equipment") -> dict:
    return {"global_id": gid, "kind": kind, "ifc_class": "IfcSensor", "name": gid,
            "storey": "S1", "space": space, "data": {"centroid": centroid}}


def test_migrations_create_every_table(database):
    tables = set(inspect(database.engine).get_table_names())
    assert {"buildings", "revisions", "elements", "users", "user_buildings", "api_tokens",
            "audit_log", "alembic_version"} <= tables
    migrate(database.url)  # idempotent


def test_accounts_passwords_tokens_and_expiry(database):
    with database.session() as session:
        user = accounts.add_user(session, username="li", password="correct horse",
                                 role="housing_officer")
        assert user.password_hash.startswith("$argon2")
        with pytest.raises(ConflictError):
            accounts.add_user(session, username="li", password="another one", role="viewer")
        with pytest.raises(InvalidInputError):
            accounts.add_user(session, username="wang", password="short", role="viewer")
        with pytest.raises(InvalidInputError):
            accounts.add_user(session, username="wang", password="long enough", role="king")
    with database.session() as session:
        with pytest.raises(AuthError):
            accounts.authenticate(session, "li", "wrong password")
        user = accounts.authenticate(session, "li", "correct horse")
        token, _expires = accounts.issue_token(session, user, hours=1)
    with database.session() as session:
        assert accounts.resolve_token(session, token).user_id == user.id
        stored = session.scalar(select(ApiToken))
        assert token not in stored.token_hash  # only the hash is kept
        stored.expires_at = utcnow() - timedelta(minutes=1)
    with database.session() as session, pytest.raises(AuthError, match="expired"):
        accounts.resolve_token(session, token)


def test_portfolio_scoping_diff_and_cascade(database):
    with database.session() as session:
        accounts.add_user(session, username="zhao", password="long enough",
                          role="viewer")
        a = portfolio.create_building(session, name="A", filename="a.ifc", actor="t",
                                      parsed=_parsed("a" * 64, [
                                          _element("E1", [0, 0, 0], "R1"),
                                          _element("E2", [1, 1, 1], "R1"),
                                          _element("E3", [2, 2, 2], "R1")]))
        b = portfolio.create_building(session, name="B", filename="b.ifc", actor="t",
                                      parsed=_parsed("b" * 64, []))
        with pytest.raises(ConflictError):
            portfolio.create_building(session, name="A", filename="a.ifc", actor="t",
                                      parsed=_parsed("c" * 64, []))
        session.flush()
        accounts.set_user_buildings(session, "zhao", [a.id])
        portfolio.add_revision(session, a, filename="a2.ifc", actor="t",
                               parsed=_parsed("d" * 64, [
                                   _element("E1", [0, 0, 0], "R1"),
                                   _element("E2", [4, 1, 1], "R1"),
                                   _element("E3", [2, 2, 2], "R2"),
                                   _element("E4", [3, 3, 3], "R2")]))
    with database.session() as session:
        user = accounts.get_user(session, "zhao")
        assert [x.name for x in portfolio.list_buildings(session, user)] == ["A"]
        assert [x.name for x in portfolio.list_buildings(session, None)] == ["A", "B"]
        with pytest.raises(NotFoundError):
            portfolio.get_building(session, b.id, user)
        building = portfolio.get_building(session, a.id, user)
        diff = portfolio.diff_revisions(session, portfolio.get_revision(session, building, 1),
                                        portfolio.get_revision(session, building, 2))
        assert [e["global_id"] for e in diff["appeared"]] == ["E4"]
        assert diff["disappeared"] == []
        assert [(e["global_id"], e["distance"]) for e in diff["moved"]] == [("E2", 3.0)]
        assert [e["global_id"] for e in diff["relocated"]] == ["E3"]
        rows, total = portfolio.query_elements(session, portfolio.latest_revision(
            session, building), space="R2", limit=1)
        assert total == 2 and len(rows) == 1
        portfolio.delete_building(session, building, actor="t")
    with database.session() as session:
        assert session.scalars(select(ElementRow)).all() == []  # cascaded with the building
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions.count("building.create") == 2 and "building.delete" in actions
        assert actions.count("revision.add") == 3


def test_a_failed_transaction_leaves_nothing(database):
    with pytest.raises(ConflictError), database.session() as session:
        portfolio.create_building(session, name="X", filename="x.ifc", actor="t",
                                  parsed=_parsed("e" * 64, [_element("E1", [0, 0, 0])]))
        raise ConflictError("simulated failure after the writes")
    with database.session() as session:
        assert portfolio.list_buildings(session, None) == []
        assert session.scalars(select(AuditEntry)).all() == []


def test_ingest_rollups_and_state_on_both_databases(database):
    """The ingest's SQL (upserts with LEAST/GREATEST on PostgreSQL, min/max on SQLite)."""
    from twin.iot import registry
    from twin.iot.ingest import Ingestor
    from twin.iot.rollups import RESOLUTIONS, recompute

    elements = [_element("S-1", [0, 0, 0], space="S-1", kind="space"),
                _element("SENSOR-1", [1, 1, 0], space="S-1")]
    with database.session() as session:
        building = portfolio.create_building(session, name="Live", filename="l.ifc",
                                             actor="t", parsed=_parsed("d" * 64, elements))
        session.flush()
        registry.add_devices(session, building, [
            {"key": "T-1", "kind": "temperature", "equipment": "SENSOR-1"},
            {"key": "E-1", "kind": "energy", "space": "S-1"}], source="api", actor="t")
    t0 = 1_790_000_000
    ingestor = Ingestor(database, clock=lambda: t0 + 10 * 86400)
    assert ingestor.devices["T-1"].space == "S-1" and ingestor.devices["T-1"].storey == "S1"
    batch = [{"device": "T-1", "ts": t0 + 37 * i, "value": 18 + (i * 7 % 11)}
             for i in range(300)]
    counter = [{"device": "E-1", "ts": t0 + 60 * i, "value": 100 + i} for i in range(100)]
    first = ingestor.ingest(batch[150:] + counter[:50])
    second = ingestor.ingest(batch[:160] + counter[40:] + [
        {"device": "E-1", "ts": t0 + 60 * 200, "value": 5}])
    assert (first.stored, first.duplicates) == (200, 0)
    assert (second.stored, second.duplicates) == (200, 20)
    assert second.summary()["rejected_by_reason"] == {"counter_backwards": 1}
    with database.engine.connect() as connection:
        for key, count in (("T-1", 300), ("E-1", 100)):
            device_id = ingestor.devices[key].id
            for resolution in RESOLUTIONS:
                stored = connection.exec_driver_sql(
                    "SELECT device_id, resolution, bucket, count, min, max, sum, first, "
                    "first_ts, last, last_ts FROM rollups WHERE device_id = "
                    f"{device_id} AND resolution = {resolution} ORDER BY bucket").all()
                fresh = recompute(connection, device_id, 0, (t0 + 10 * 86400) * 1000,
                                  resolution)
                assert [tuple(r[:4]) for r in stored] == [tuple(r[:4]) for r in fresh]
                for a, b in zip(stored, fresh, strict=True):
                    assert tuple(a[4:]) == pytest.approx(tuple(b[4:]))
                assert sum(r[3] for r in stored) == count
    restarted = Ingestor(database, clock=lambda: t0 + 10 * 86400)
    state = restarted.states[restarted.devices["E-1"].id]
    assert state.value == 199 and state.online
