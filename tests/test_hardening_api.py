"""Hardening (issue 20), the defects of access and integrity: the push stream filtered like
REST, building deletion that leaves nothing and never reuses ids, device and gateway tokens,
building-scoped simulator faults, the last admin, sign-in throttling and account rules."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from http_helpers import bearer, sign_in, sign_in_all
from sqlalchemy import func, select, text

from twin.api import create_app
from twin.core.model_store import ParsedRevision
from twin.core.tables import ApiToken, AuditEntry, ElementRow, Revision
from twin.iot.runtime import load_fault_templates
from twin.iot.simulator import SimulatedDevice, Simulator
from twin.portfolio import service as portfolio


class Clock:
    """A controllable clock (Unix seconds)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def setup(demo_copy):
    settings, state = demo_copy
    with TestClient(create_app(settings.model_copy(update={"simulate": False}))) as client:
        yield client, sign_in_all(client), state.building_id, settings


def _database(client):
    return client.app.state.database


def _copy_building(client, source: int, name: str) -> int:
    """A second building with the same model as ``source`` (its revision's rows copied)."""
    with _database(client).session() as session:
        revision = session.scalar(select(Revision).where(Revision.building_id == source))
        rows = session.scalars(select(ElementRow).where(
            ElementRow.revision_id == revision.id)).all()
        parsed = ParsedRevision(
            sha256=revision.sha256, schema=revision.schema, counts=revision.counts,
            warnings=[], elements=[{"global_id": r.global_id, "kind": r.kind,
                                    "ifc_class": r.ifc_class, "name": r.name,
                                    "storey": r.storey, "space": r.space, "data": r.data}
                                   for r in rows])
        building = portfolio.create_building(session, name=name, parsed=parsed,
                                             filename="copy.ifc", actor="test")
        return building.id


def _a_space(client, tokens, building) -> str:
    answer = client.get(f"/buildings/{building}/spaces?limit=1", headers=bearer(tokens["admin"]))
    return answer.json()["items"][0]["global_id"]


def _register(client, tokens, building, key, kind="temperature") -> None:
    answer = client.post(f"/buildings/{building}/devices",
                         json=[{"key": key, "kind": kind,
                                "space": _a_space(client, tokens, building)}],
                         headers=bearer(tokens["admin"]))
    assert answer.status_code == 201, answer.text


def _device_key(client, tokens, building, kind="temperature", index=3) -> str:
    answer = client.get(f"/buildings/{building}/devices", params={"kind": kind},
                        headers=bearer(tokens["admin"]))
    return answer.json()[index]["key"]


@pytest.fixture(scope="module")
def second(setup):
    """A second building with one device and a maintenance user scoped to it only."""
    client, tokens, _building, _settings = setup
    other = _copy_building(client, _building, "Second building (copy)")
    _register(client, tokens, other, "B2-T-1")
    answer = client.post("/users", json={"username": "maint2", "password": "second-maint-26",
                                         "role": "maintenance", "buildings": [other]},
                         headers=bearer(tokens["admin"]))
    assert answer.status_code == 201, answer.text
    return other, sign_in(client, "maint2", "second-maint-26")


# -- 1: the push stream ------------------------------------------------------------------

@pytest.mark.parametrize("who", ["viewer", "housing"])
def test_the_stream_sends_no_alarm_or_work_order_to_those_refused_them_over_rest(setup, who):
    client, tokens, building, _settings = setup
    assert client.get(f"/buildings/{building}/work-orders",
                      headers=bearer(tokens[who])).status_code == 403
    temp = _device_key(client, tokens, building)
    with client.websocket_connect(f"/buildings/{building}/stream?token={tokens[who]}"
                                  "&types=state,alarm,work_order") as ws:
        assert ws.receive_json()["filters"]["types"] == ["state"]
        created = client.post(f"/buildings/{building}/work-orders",
                              json={"title": "secret: the director's office lock"},
                              headers=bearer(tokens["maintenance"]))
        assert created.status_code == 201
        client.post("/ingest", json=[{"device": temp, "ts": time.time() - 1, "value": 21.5}],
                    headers=bearer(tokens["admin"]))
        message = ws.receive_json()  # the work order came first: it must not be sent
    assert message["type"] == "state" and message["device"] == temp


def test_the_stream_still_sends_work_orders_to_maintenance_readers(setup):
    client, tokens, building, _settings = setup
    with client.websocket_connect(f"/buildings/{building}/stream?token={tokens['manager']}"
                                  "&types=work_order,alarm") as ws:
        assert ws.receive_json()["filters"]["types"] == ["alarm", "work_order"]
        client.post(f"/buildings/{building}/work-orders", json={"title": "visible"},
                    headers=bearer(tokens["maintenance"]))
        assert ws.receive_json()["type"] == "work_order"


# -- 3: deleting a building ----------------------------------------------------------------

def _count(client, sql: str, **params) -> int:
    with _database(client).engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def test_deleting_a_building_removes_everything_of_it_and_ids_are_never_reused(setup):
    client, tokens, building, _settings = setup
    doomed = _copy_building(client, building, "Doomed building")
    _register(client, tokens, doomed, "DOOMED-T-1")
    now = time.time()
    stored = client.post("/ingest", json=[{"device": "DOOMED-T-1", "ts": now - 60 * i,
                                           "value": 20 + i / 10} for i in range(1, 30)],
                         headers=bearer(tokens["admin"])).json()
    assert stored["stored"] == 29
    client.post("/ingest", json=[{"device": "DOOMED-T-1", "ts": now - 5, "value": 999}],
                headers=bearer(tokens["admin"]))  # out of range: a dead letter of the building
    order = client.post(f"/buildings/{doomed}/work-orders", json={"title": "doomed order"},
                        headers=bearer(tokens["admin"]))
    assert order.status_code == 201
    device_pk = _count(client, "SELECT id FROM devices WHERE key = 'DOOMED-T-1'")
    assert client.delete(f"/buildings/{doomed}",
                         headers=bearer(tokens["admin"])).status_code == 204
    for table in ("readings", "rollups", "device_states"):
        assert _count(client, f"SELECT count(*) FROM {table} WHERE device_id = :d",
                      d=device_pk) == 0, table
    for table in ("devices", "dead_letters", "work_orders", "alarms", "revisions"):
        assert _count(client, f"SELECT count(*) FROM {table} WHERE building_id = :b",
                      b=doomed) == 0, table
    assert doomed not in client.app.state.maintenance.books
    assert "DOOMED-T-1" not in client.app.state.ingestor.devices
    # ids are never reused, so nothing of the deleted building shows under a new one
    newer = _copy_building(client, building, "Newer building")
    assert newer > doomed
    _register(client, tokens, newer, "NEWER-T-1")
    assert _count(client, "SELECT id FROM devices WHERE key = 'NEWER-T-1'") > device_pk
    assert client.get(f"/buildings/{newer}/work-orders",
                      headers=bearer(tokens["admin"])).json() == []
    with _database(client).session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "building.delete")
                               .order_by(AuditEntry.id.desc()))
    assert entry.detail["deleted"]["readings"] == 29 and entry.actor == "admin"


def test_a_batch_with_a_device_removed_behind_the_cache_stores_the_good_readings(setup):
    client, tokens, building, _settings = setup
    gone = _copy_building(client, building, "Gone behind the cache")
    _register(client, tokens, gone, "GONE-T-1")
    with _database(client).session() as session:  # not through the API: the cache is stale
        portfolio.delete_building(session, portfolio.get_building(session, gone, None),
                                  actor="test")
    assert "GONE-T-1" in client.app.state.ingestor.devices
    good = _device_key(client, tokens, building, index=6)
    now = time.time()
    answer = client.post("/ingest", json=[{"device": "GONE-T-1", "ts": now - 3, "value": 21},
                                          {"device": good, "ts": now - 3, "value": 21.25}],
                         headers=bearer(tokens["admin"]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 1
    assert answer.json()["rejected_by_reason"] == {"unknown_device": 1}


# -- 6: device and gateway tokens ----------------------------------------------------------

def test_a_gateway_token_needs_a_building(setup):
    client, tokens, _building, _settings = setup
    answer = client.post("/device-tokens", json={"device": "gateway-nowhere"},
                         headers=bearer(tokens["admin"]))
    assert answer.status_code == 422 and "building_id" in answer.json()["error"]["message"]


def test_a_token_of_an_unregistered_device_reports_for_nothing(setup):
    client, tokens, building, _settings = setup
    with _database(client).session() as session:  # as issued before: no building, no device
        from twin.core.accounts import issue_device_token

        legacy = issue_device_token(session, device="never-registered", building_id=None)
    good = _device_key(client, tokens, building, index=7)
    answer = client.post("/ingest", json=[{"device": good, "ts": time.time() - 2, "value": 22}],
                         headers=bearer(legacy))
    assert answer.status_code == 403


def test_a_deleted_devices_token_is_no_gateway(setup, second):
    client, tokens, _building, _settings = setup
    other, _maint2 = second
    _register(client, tokens, other, "B2-T-2")
    token = client.post("/device-tokens", json={"device": "B2-T-2", "building_id": other},
                        headers=bearer(tokens["admin"])).json()["token"]
    assert client.delete(f"/buildings/{other}/devices/B2-T-2",
                         headers=bearer(tokens["admin"])).status_code == 204
    answer = client.post("/ingest", json=[{"device": "B2-T-1", "ts": time.time() - 2,
                                           "value": 22}], headers=bearer(token))
    assert answer.status_code == 403


# -- 7: simulator faults --------------------------------------------------------------------

@pytest.fixture()
def simulator(setup, second):
    client, tokens, building, settings = setup
    devices = [SimulatedDevice.of(_device_key(client, tokens, building, index=i), "temperature",
                                  "office", None, 0, 40) for i in range(3)]
    devices.append(SimulatedDevice.of("B2-T-1", "temperature", "office", None, 0, 40))
    live = client.app.state.live
    live.simulator = Simulator(devices, lambda _items: None, start=time.time(),
                               templates=load_fault_templates(
                                   settings.data_dir / "sample" / "faults.json"))
    yield live.simulator, devices
    live.simulator = None


def test_simulator_faults_are_building_scoped(setup, second, simulator):
    client, tokens, _building, _settings = setup
    _other, maint2 = second
    sim, devices = simulator
    theirs = devices[0].key
    assert sim.templates  # the sample's AHU failures
    for fault in ({"kind": "stuck", "target": theirs},
                  {"kind": "ahu_failure", "target": next(iter(sim.templates))},
                  {"kind": "stuck", "target": "B2-T-1", "params": {"devices": [theirs]}}):
        answer = client.post("/simulator/faults", json=fault, headers=bearer(maint2))
        assert answer.status_code == 404, (fault, answer.text)
    assert sim.faults == []
    assert client.post("/simulator/faults", json={"kind": "stuck", "target": theirs},
                       headers=bearer(tokens["maintenance"])).status_code == 201
    assert client.post("/simulator/faults", json={"kind": "drift", "target": "B2-T-1"},
                       headers=bearer(maint2)).status_code == 201
    cleared = client.delete("/simulator/faults", headers=bearer(maint2))
    assert cleared.json() == {"cleared": 1}
    assert [f.target for f in sim.faults] == [theirs]  # building 1's fault is still there


def test_simulator_fault_injection_and_clearing_are_audited(setup, simulator):
    client, tokens, _building, _settings = setup
    _sim, devices = simulator
    admin = bearer(tokens["admin"])
    target = devices[1].key
    assert client.post("/simulator/faults", json={"kind": "stuck", "target": target},
                       headers=bearer(tokens["maintenance"])).status_code == 201
    assert client.delete("/simulator/faults", headers=admin).json() == {"cleared": 1}
    injected = client.get("/audit", params={"action": "simulator.fault_inject", "limit": 1},
                          headers=admin).json()["items"][0]
    assert (injected["actor"], injected["target"]) == ("maintenance", target)
    assert injected["detail"]["kind"] == "stuck"
    cleared = client.get("/audit", params={"action": "simulator.fault_clear", "limit": 1},
                         headers=admin).json()["items"][0]
    assert (cleared["actor"], cleared["detail"]) == ("admin", {"cleared": 1})


# -- 8: the last admin ----------------------------------------------------------------------

def test_the_last_admin_cannot_be_removed_or_demoted(setup):
    client, tokens, _building, _settings = setup
    admin = bearer(tokens["admin"])
    assert client.delete("/users/admin", headers=admin).status_code == 409
    demoted = client.patch("/users/admin", json={"role": "viewer"}, headers=admin)
    assert demoted.status_code == 409 and "last admin" in demoted.json()["error"]["message"]
    assert client.patch("/users/admin", json={"active": False}, headers=admin).status_code == 409
    assert client.get("/users", headers=admin).status_code == 200  # still an admin
    made = client.post("/users", json={"username": "admin2", "password": "second-admin-26",
                                       "role": "admin"}, headers=admin)
    assert made.status_code == 201
    assert client.delete("/users/admin2", headers=admin).status_code == 204
    with _database(client).session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "user.remove", AuditEntry.target == "admin2")) == 1


# -- 12: integers and unknown buildings in accounts -----------------------------------------

@pytest.mark.parametrize("buildings", [[999_999], [2**63], [-1]])
def test_a_user_with_an_unknown_building_is_refused(setup, buildings):
    client, tokens, _building, _settings = setup
    answer = client.post("/users", json={"username": "scoped-nowhere",
                                         "password": "nowhere-pass-26", "role": "viewer",
                                         "buildings": buildings},
                         headers=bearer(tokens["admin"]))
    assert answer.status_code == 422, answer.text
    assert client.get("/users", headers=bearer(tokens["admin"])).json()[-1]["username"] != \
        "scoped-nowhere"


# -- 13: sign-in throttling, revocation -----------------------------------------------------

def test_failed_sign_ins_lock_the_account_for_a_while(setup):
    client, tokens, _building, _settings = setup
    from twin.core import throttle

    clock = Clock()
    client.app.state.login_policy = throttle.LoginPolicy(clock=clock)
    try:
        client.post("/users", json={"username": "victim", "password": "victim-pass-26",
                                    "role": "viewer"}, headers=bearer(tokens["admin"]))
        answers = [client.post("/auth/token", json={"username": "victim", "password": f"x{i}"})
                   for i in range(6)]
        assert [a.status_code for a in answers] == [401] * 5 + [429]
        assert int(answers[-1].headers["Retry-After"]) > 0
        right = client.post("/auth/token", json={"username": "Victim",
                                                 "password": "victim-pass-26"})
        assert right.status_code == 429  # the right password waits out the lockout too
        clock.now += 901
        assert client.post("/auth/token", json={"username": "victim",
                                                "password": "victim-pass-26"}).status_code == 200
        with _database(client).session() as session:
            failed = session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "auth.failed", AuditEntry.target == "victim"))
        assert failed == 5
    finally:
        client.app.state.login_policy = None


def test_failed_sign_ins_are_throttled_per_client_address(setup):
    from twin.core import throttle

    client, _tokens, _building, _settings = setup
    client.app.state.login_policy = throttle.LoginPolicy(clock=Clock(2_000_000.0),
                                                         address_failures=4)
    try:
        codes = [client.post("/auth/token", json={"username": f"nobody{i}",
                                                  "password": "whatever-1"}).status_code
                 for i in range(5)]
        assert codes == [401] * 4 + [429]
        assert client.post("/auth/token", json={"username": "viewer",
                                                "password": "viewer-demo-2026"}
                           ).status_code == 429
    finally:
        client.app.state.login_policy = None


def test_sign_out_and_a_password_change_revoke_tokens(setup):
    client, tokens, _building, _settings = setup
    client.post("/users", json={"username": "leaver", "password": "leaver-pass-26",
                                "role": "viewer"}, headers=bearer(tokens["admin"]))
    first, second_token = (sign_in(client, "leaver", "leaver-pass-26") for _ in range(2))
    assert client.post("/auth/sign-out", headers=bearer(first)).status_code == 204
    assert client.get("/auth/me", headers=bearer(first)).status_code == 401
    assert client.get("/auth/me", headers=bearer(second_token)).status_code == 200
    changed = client.patch("/users/leaver", json={"password": "leaver-new-pass-26"},
                           headers=bearer(tokens["admin"]))
    assert changed.status_code == 200
    assert client.get("/auth/me", headers=bearer(second_token)).status_code == 401
    with _database(client).session() as session:
        assert session.scalar(select(func.count()).select_from(ApiToken).join(
            ApiToken.__table__.metadata.tables["users"],
            text("users.id = api_tokens.user_id")).where(text("users.username = 'leaver'"))) == 0


# -- 15: account names and passwords ---------------------------------------------------------

@pytest.mark.parametrize("username,password,status", [
    ("Admin", "another-admin-26", 409),        # the same name, case-folded
    ("admin ", "another-admin-26", 409),       # trailing space
    ("\uff41dmin", "another-admin-26", 409),   # fullwidth a: NFKC
    ("\u0430dmin", "another-admin-26", 422),   # Cyrillic a among Latin letters
    ("ad\x00min", "another-admin-26", 422),
    ("<script>", "another-admin-26", 422),
    ("spacey", "        ", 422),               # eight spaces
    ("samey", "samey", 422),
])
def test_look_alike_names_and_weak_passwords_are_refused(setup, username, password, status):
    client, tokens, _building, _settings = setup
    answer = client.post("/users", json={"username": username, "password": password,
                                         "role": "admin"}, headers=bearer(tokens["admin"]))
    assert answer.status_code == status, answer.text


def test_device_tokens_are_listed_without_secrets_and_revocable(setup, second):
    client, tokens, _building, _settings = setup
    other, _maint2 = second
    admin = bearer(tokens["admin"])
    issued = client.post("/device-tokens", json={"device": "gw-listed", "building_id": other},
                         headers=admin).json()["token"]
    listed = client.get("/device-tokens", headers=admin).json()
    mine = next(t for t in listed if t["device"] == "gw-listed")
    assert mine["kind"] == "gateway" and mine["building_id"] == other
    assert issued not in str(listed)
    assert client.get("/device-tokens", headers=bearer(tokens["manager"])).status_code == 403
    assert client.delete(f"/device-tokens/{mine['id']}", headers=admin).status_code == 204
    answer = client.post("/ingest", json=[{"device": "B2-T-1", "ts": time.time() - 1,
                                           "value": 21}], headers=bearer(issued))
    assert answer.status_code == 401
    assert client.delete(f"/device-tokens/{mine['id']}", headers=admin).status_code == 404


def test_times_in_answers_carry_their_offset(setup):
    client, tokens, building, _settings = setup
    created = client.get(f"/buildings/{building}", headers=bearer(tokens["admin"])).json()
    stamps = [v for k, v in created.items() if k.endswith("_at") and isinstance(v, str)]
    assert stamps and all(s.endswith(("+00:00", "Z")) for s in stamps), created
    entry = client.get("/audit?limit=1", headers=bearer(tokens["admin"])).json()["items"][0]
    assert entry["at"].endswith(("+00:00", "Z"))


def test_a_duplicate_device_key_does_not_name_the_other_building(setup, second):
    client, _tokens, building, _settings = setup
    other, maint2 = second
    taken = _device_key(client, _tokens, building)
    space = _a_space(client, _tokens, other)
    answer = client.post(f"/buildings/{other}/devices",
                         json=[{"key": taken, "kind": "temperature", "space": space}],
                         headers=bearer(maint2))
    assert answer.status_code == 409
    assert f"building {building}" not in answer.json()["error"]["message"]


def test_dead_letters_of_unknown_devices_are_not_shown_to_scoped_accounts(setup, second):
    client, tokens, _building, _settings = setup
    other, maint2 = second
    client.post("/ingest", json=[{"device": "nobody-knows-me", "ts": time.time() - 1,
                                  "value": 1}], headers=bearer(tokens["admin"]))
    scoped = client.get(f"/buildings/{other}/dead-letters", headers=bearer(maint2)).json()
    assert all(letter["device"] != "nobody-knows-me" for letter in scoped)
    every = client.get(f"/buildings/{other}/dead-letters", headers=bearer(tokens["admin"]))
    assert any(letter["device"] == "nobody-knows-me" for letter in every.json())


def test_twin_serve_refuses_to_start_without_an_admin(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
    env["TWIN_DATA_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "twin.cli", "serve", "--port", "1"],
                            capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert "no admin account" in result.stderr and "twin users add" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_user_costs_a_password_check_too(setup, monkeypatch):
    from twin.core import accounts

    client, _tokens, _building, _settings = setup
    calls = []
    real = accounts._hasher

    class Counting:
        def hash(self, password):
            return real.hash(password)

        def verify(self, hashed, password):
            calls.append(hashed)
            return real.verify(hashed, password)

    monkeypatch.setattr(accounts, "_hasher", Counting())
    with _database(client).session() as session, pytest.raises(accounts.AuthError):
        accounts.authenticate(session, "no-such-user-anywhere", "some password")
    assert len(calls) == 1  # a dummy argon2 hash is verified: the same time as a real user
