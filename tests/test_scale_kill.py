"""Kill test: ``twin serve --workers 2`` on a real PostgreSQL and Mosquitto; an HTTP client and
an MQTT client send readings while the leading worker is killed with SIGKILL. Every reading
the server (HTTP 200) or the broker (PUBACK) acknowledged is stored exactly once, the alarms
the rules owed (smoke) are raised once each, and another worker takes the lead.

Counts are printed (``-s``) for the record."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import httpx
import psycopg
import pytest
from http_helpers import http_sign_in, wait_until_healthy
from mqtt_broker import Broker
from ports import free_port
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from twin.core.cluster import LEADER_KEY, libpq_url
from twin.core.database import Database
from twin.core.settings import Settings
from twin.iot.transports import MqttPublisher

TWIN = [sys.executable, "-m", "twin.cli"]
WORKERS = 2


def _wait(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _fresh_database(url: str, name: str) -> str:
    parts = make_url(url)
    with psycopg.connect(host=parts.host, port=parts.port, user=parts.username,
                         dbname=parts.database, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return parts.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def stack(demo_template, postgres_url, tmp_path_factory):
    """The demo building on PostgreSQL, a broker, and two workers serving it."""
    from twin.core import accounts
    from twin.demo import prepare_demo

    started = time.monotonic()
    source, _state = demo_template
    folder = tmp_path_factory.mktemp("scale") / "data"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("twin.db*"))
    url = _fresh_database(postgres_url, "twin_scale_kill")
    settings = Settings(data_dir=folder, database_url=url, cache_dir=folder / "cache")
    state = prepare_demo(settings)
    print(f"\nkill test set-up: demo on PostgreSQL after {time.monotonic() - started:.1f} s")
    database = Database(url)
    with database.session() as session:
        token = accounts.issue_device_token(session, device="kill-test-gateway",
                                            building_id=state.building_id, kind="gateway")
    with Broker() as broker:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
        env.update(TWIN_DATA_DIR=str(folder), TWIN_DATABASE_URL=url,
                   TWIN_CACHE_DIR=str(folder / "cache"), TWIN_MQTT_URL=broker.url,
                   TWIN_OFFLINE_CHECK_S="1")
        log = (folder.parent / "server.log").open("wb")
        server = subprocess.Popen([*TWIN, "serve", "--workers", str(WORKERS), "--port",
                                   str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_healthy(f"{base}/health", server, timeout=240,
                               exit_output=lambda: (folder.parent / "server.log").read_text())
            _wait(lambda: len(_workers(url)) == WORKERS and _leader(url) is not None,
                  timeout=180, what="both workers and a leader")
            print(f"kill test set-up: {WORKERS} workers up after "
                  f"{time.monotonic() - started:.1f} s")
            yield {"log": folder.parent / "server.log", "base": base, "token": token,
                   "url": url, "database": database, "building": state.building_id,
                   "broker": broker, "server": server}
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()
            database.dispose()


def _query(url: str, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        return connection.execute(sql, params or None).fetchall()


def _workers(url: str) -> list[int]:
    """OS pids of the workers connected (their membership connections)."""
    return sorted(int(name.rsplit("-", 1)[1]) for (name,) in _query(
        url, "SELECT application_name FROM pg_stat_activity "
             "WHERE application_name LIKE 'twin-worker-%'"))


def _leader(url: str) -> int | None:
    rows = _query(url, "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                       "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                       "AND l.classid = 0 AND l.objid = %s AND l.objsubid = 1", (LEADER_KEY,))
    return int(rows[0][0].rsplit("-", 1)[1]) if rows else None


def _devices(database: Database, building: int, kind: str) -> list[str]:
    from twin.iot.tables import DeviceRow

    with database.session() as session:
        return sorted(session.scalars(select(DeviceRow.key).where(
            DeviceRow.building_id == building, DeviceRow.kind == kind)))


class HttpLoad(threading.Thread):
    """Posts batches until stopped, retrying a batch until it is acknowledged."""

    def __init__(self, base: str, token: str, devices: list[str], t0: float) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.devices, self.t0 = base, token, devices, t0
        self.acked: set[tuple[str, int]] = set()
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        # a new connection per batch ("Connection: close"): the kernel spreads them over
        # the workers
        with httpx.Client(base_url=self.base, timeout=10, headers={
                "Authorization": f"Bearer {self.token}", "Connection": "close"}) as client:
            while not self.stop.is_set():
                batch = [{"device": self.devices[(n + i) % len(self.devices)],
                          "ts": self.t0 + (n + i) / 1000, "value": 21 + (n + i) % 7 / 10}
                         for i in range(100)]
                n += 100
                attempts = _post_until_acknowledged(client, batch, self.stop)
                if attempts:
                    self.acked.update((r["device"], round(r["ts"] * 1000)) for r in batch)
                self.failures += max(attempts - 1, 0)


def _post_until_acknowledged(client: httpx.Client, batch: list[dict],
                             stop: threading.Event | None = None) -> int:
    """Post until HTTP 200 (retries are safe: a reading is keyed by device and time);
    the attempts it took, 0 when stopped first."""
    attempts = 0
    while stop is None or not stop.is_set():
        attempts += 1
        try:
            answer = client.post("/ingest", json=batch)
            if answer.status_code == 200:
                assert answer.json()["rejected"] == 0, answer.text
                return attempts
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return 0


def _stored(url: str, devices: list[str], since_ms: int) -> list[tuple[str, int]]:
    return [(k, ts) for k, ts in _query(
        url, "SELECT d.key, r.ts FROM readings r JOIN devices d ON d.id = r.device_id "
             "WHERE d.key = ANY(%s) AND r.ts >= %s", (devices, since_ms))]


def test_sigkill_of_the_leader_loses_no_acknowledged_reading(stack):
    url, database, building = stack["url"], stack["database"], stack["building"]
    temperature = _devices(database, building, "temperature")
    smoke = _devices(database, building, "smoke")[:4]
    assert len(temperature) >= 10 and len(smoke) == 4
    http_devices, mqtt_devices = temperature[: len(temperature) // 2], \
        temperature[len(temperature) // 2:]
    t0 = time.time() - 3000  # in the past: unique timestamps, none in the future
    # two senders, so that the kill is likely to cut a request in flight (it is retried)
    senders = [HttpLoad(stack["base"], stack["token"], http_devices, t0 + 1000 * i)
               for i in range(2)]
    publisher = MqttPublisher(stack["broker"].url,
                              dict.fromkeys(mqtt_devices + smoke, building),
                              client_id="kill-test-publisher")
    mqtt_sent: set[tuple[str, int]] = set()
    smoke_ts = time.time() - 60

    def mqtt_burst(count: int, offset: int) -> None:
        items = [{"device": mqtt_devices[i % len(mqtt_devices)],
                  "ts": t0 + 0.5 + (offset + i) / 1000, "value": 22.0} for i in range(count)]
        publisher.send(items)
        mqtt_sent.update((r["device"], round(r["ts"] * 1000)) for r in items)

    leader = _leader(url)
    workers_before = _workers(url)
    smoke_http = httpx.Client(base_url=stack["base"], timeout=10, headers={
        "Authorization": f"Bearer {stack['token']}", "Connection": "close"})
    for sender in senders:
        sender.start()
    try:
        mqtt_burst(2000, 0)
        assert _post_until_acknowledged(
            smoke_http, [{"device": smoke[0], "ts": smoke_ts, "value": 1.0}])
        publisher.send([{"device": smoke[1], "ts": smoke_ts, "value": 1.0}])
        time.sleep(1.0)
        os.kill(leader, signal.SIGKILL)
        killed_at = time.monotonic()
        assert _post_until_acknowledged(
            smoke_http, [{"device": smoke[2], "ts": smoke_ts, "value": 1.0}])
        publisher.send([{"device": smoke[3], "ts": smoke_ts, "value": 1.0}])
        mqtt_burst(2000, 2000)
        time.sleep(1.5)
        mqtt_burst(1000, 4000)
        time.sleep(1.0)
    finally:
        for sender in senders:
            sender.stop.set()
        for sender in senders:
            sender.join(30)
        smoke_http.close()
    assert publisher.close(timeout=30), "the broker did not acknowledge every message"
    _wait(lambda: _leader(url) not in (None, leader), what="another worker leading")
    takeover_s = time.monotonic() - killed_at
    _wait(lambda: len(_workers(url)) == WORKERS, timeout=180, what="the worker replaced")

    since = round(t0 * 1000)
    http_acked = set().union(*(sender.acked for sender in senders))
    retried = sum(sender.failures for sender in senders)
    acked = http_acked | mqtt_sent
    devices = http_devices + mqtt_devices

    def all_stored() -> bool:
        return acked <= set(_stored(url, devices, since)) | _smoke_keys()

    def _smoke_keys() -> set:
        return {(d, round(smoke_ts * 1000)) for d in smoke}

    _wait(all_stored, timeout=120, what="every acknowledged reading stored")
    rows = _stored(url, devices, since)
    assert len(rows) == len(set(rows))  # exactly once (the key is device and time)
    missing = {r for r in acked if r[0] in devices} - set(rows)
    assert not missing

    def smoke_alarms() -> dict[str, int]:
        counts = dict(_query(url, "SELECT data->>'device_id', count(*) FROM alarms "
                                  "WHERE rule = 'smoke' AND building_id = %s "
                                  "GROUP BY data->>'device_id'", (building,)))
        return {d: counts.get(d, 0) for d in smoke}

    try:
        _wait(lambda: all(n >= 1 for n in smoke_alarms().values()), timeout=30,
              what="an alarm for each smoke reading")
    except AssertionError:
        print(_query(url, "SELECT rule, data->>'device_id', state FROM alarms"))
        print(stack["log"].read_text()[-6000:])
        raise
    time.sleep(1.0)  # a second, duplicate alarm would come now
    alarms = smoke_alarms()
    print(f"\nkill test: workers {workers_before}, killed leader {leader}, new leader "
          f"{_leader(url)} after {takeover_s:.1f} s; HTTP acknowledged {len(http_acked)} "
          f"({retried} posts retried), MQTT acknowledged {len(mqtt_sent)}; stored "
          f"{len(rows)} of them, lost {len(missing)}; smoke alarms {alarms}")
    assert alarms == dict.fromkeys(smoke, 1)
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM dead_letters")).scalar_one() == 0


def test_a_push_reaches_the_clients_of_every_worker(stack):
    """Push clients spread over both workers each get the state of every reading, whichever
    worker stored it (runs after the kill: the replacement worker is part of it)."""
    from websockets.sync.client import connect

    base, building = stack["base"], stack["building"]
    token = http_sign_in(base, "admin")
    devices = _devices(stack["database"], building, "co2")[:20]
    assert len(devices) == 20
    stream = f"ws://{base.removeprefix('http://')}/buildings/{building}/stream?token={token}" \
             "&types=state&kind=co2"
    with contextlib.ExitStack() as stack_of_clients:
        clients = [stack_of_clients.enter_context(connect(stream, open_timeout=10))
                   for _ in range(6)]
        for client in clients:
            assert json.loads(client.recv(timeout=10))["type"] == "hello"
        now = time.time()
        with httpx.Client(base_url=base, timeout=10, headers={
                "Authorization": f"Bearer {stack['token']}", "Connection": "close"}) as http:
            for i, device in enumerate(devices):  # one connection each: both workers store
                assert _post_until_acknowledged(http, [{"device": device, "ts": now - 30,
                                                        "value": 700.0 + i}])
        for client in clients:
            got: dict[str, float] = {}
            while len(got) < len(devices):
                message = json.loads(client.recv(timeout=15))
                if message["device"] in devices:
                    got[message["device"]] = message["value"]
            assert got == {d: 700.0 + i for i, d in enumerate(devices)}
