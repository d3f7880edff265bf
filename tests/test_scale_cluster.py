"""Workers sharing one PostgreSQL database (a real server): one leader, elected again when it
goes; slots reused by replacements; events and readings cross workers (large ones too)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import psycopg
import pytest
from sqlalchemy.engine import make_url

from twin.core.bus import EventBus
from twin.core.cluster import Cluster


def _wait(predicate, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="module")
def cluster_url(postgres_url):
    parts = make_url(postgres_url)
    with psycopg.connect(host=parts.host, port=parts.port, user=parts.username,
                         dbname=parts.database, autocommit=True) as connection:
        connection.execute('DROP DATABASE IF EXISTS "twin_cluster"')
        connection.execute('CREATE DATABASE "twin_cluster"')
    return parts.set(database="twin_cluster").render_as_string(hide_password=False)


def _member(url: str) -> tuple[Cluster, list, list]:
    bus = EventBus()
    seen: list = []
    readings: list = []
    bus.subscribe(seen.append)
    cluster = Cluster(url, bus, encode=lambda e: e if isinstance(e, dict) else None,
                      decode=lambda d: d, poll_s=0.2)
    cluster.remote_readings = readings.extend
    return cluster.start(), seen, readings


def test_one_leader_events_cross_and_a_follower_takes_over(cluster_url):
    first, first_seen, first_readings = _member(cluster_url)
    second, second_seen, second_readings = _member(cluster_url)
    try:
        assert {first.slot, second.slot} == {0, 1}
        _wait(lambda: first.leader.is_set() or second.leader.is_set(), what="a leader")
        time.sleep(0.5)  # a second leader would show up within two polls
        assert first.leader.is_set() != second.leader.is_set()
        leader, follower = (first, second) if first.leader.is_set() else (second, first)
        leader_seen, follower_seen = (first_seen, second_seen) if leader is first else \
            (second_seen, first_seen)
        leader_readings = first_readings if leader is first else second_readings

        big = {"n": 1, "text": "告警" * 20_000}  # far over PostgreSQL's 8000-byte payload
        leader.bus.publish({"n": 0})
        leader.bus.publish(big)
        _wait(lambda: len(follower_seen) == 2, what="both events on the follower")
        assert follower_seen == [{"n": 0}, big]
        assert leader_seen == [{"n": 0}, big]  # its own, once: no echo

        follower.route_readings(SimpleNamespace(rows=[(7, 1000, 1.5), (7, 2000, 2.5)]))
        _wait(lambda: len(leader_readings) == 2, what="readings at the leader")
        assert leader_readings == [[7, 1000, 1.5], [7, 2000, 2.5]]

        elected = []
        follower.on_elected.append(lambda: elected.append(time.monotonic()))
        gone = time.monotonic()
        leader.stop()  # its connection closes, as when a worker is killed
        _wait(follower.leader.is_set, what="the follower to take over")
        assert elected and elected[0] - gone < 3.0
        replacement, _seen, _readings = _member(cluster_url)
        try:
            assert replacement.slot == leader.slot  # the dead worker's slot (MQTT session)
            time.sleep(0.5)
            assert not replacement.leader.is_set()
        finally:
            replacement.stop()
    finally:
        first.stop()
        second.stop()


def test_several_workers_on_sqlite_are_refused_with_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
    env["TWIN_DATA_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "twin.cli", "serve", "--workers", "2"],
                            capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("twin: error: --workers above 1 needs PostgreSQL")
    assert "serving on" not in result.stderr and "Traceback" not in result.stderr


def test_the_simulator_and_the_monitor_run_only_where_elected(demo_copy):
    from twin.core.database import Database
    from twin.iot.runtime import LiveRuntime

    settings, _state = demo_copy
    database = Database(settings.resolved_database_url)
    live = LiveRuntime(settings.model_copy(update={"simulate": True, "offline_check_s": 0.05}),
                       database)
    checks: list[float] = []
    live.periodic = [lambda: checks.append(time.monotonic())]
    leading = False
    live.leader = lambda: leading
    try:
        live.start()
        time.sleep(0.3)
        assert live.simulator is None and checks == []  # a follower: neither runs
        leading = True
        live.start_simulator()  # what the election calls
        live.start_simulator()  # twice (election and start racing): still one simulator
        simulators = [t for t in live._threads if t.name == "simulator"]
        assert live.simulator is not None and len(simulators) == 1
        _wait(lambda: len(checks) >= 2, what="the leader's periodic tasks")
    finally:
        live.stop()
        database.dispose()
