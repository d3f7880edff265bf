"""The ingest on the demo building's real devices: validation into dead letters, duplicates,
rollups against a recomputation from raw data, live state, offline detection, queries."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text

from twin.core.bus import EventBus
from twin.core.database import Database
from twin.iot.ingest import Ingestor
from twin.iot.query import read_series, space_values
from twin.iot.rollups import RESOLUTIONS, recompute

T0 = 1_793_000_000.0  # 2026-10-26, a fixed "now" for the controllable clock


class Clock:
    """A clock the test moves."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def ingestor(demo_database, clock):
    return Ingestor(demo_database, bus=EventBus(), clock=clock)


def _key(ingestor: Ingestor, kind: str, n: int = 0) -> str:
    return sorted(k for k, d in ingestor.devices.items() if d.kind.key == kind)[n]


def _count(demo_database: Database, sql: str, **params) -> int:
    with demo_database.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def test_devices_of_the_sample_are_registered(ingestor):
    kinds = {d.kind.key for d in ingestor.devices.values()}
    assert {"temperature", "co2", "occupancy", "energy", "status"} <= kinds
    assert len(ingestor.devices) > 300
    # every device sits somewhere: equipment in a space on a storey
    assert all(d.storey for d in ingestor.devices.values())


def test_bad_readings_land_in_dead_letters_with_their_reason_and_good_ones_stay(
        ingestor, demo_database, clock):
    temp, energy, status = (_key(ingestor, k, 1) for k in ("temperature", "energy", "status"))
    ingestor.ingest([{"device": energy, "ts": T0 - 120, "value": 500.0}])
    before = _count(demo_database, "SELECT count(*) FROM dead_letters")
    batch = [
        {"device": temp, "ts": T0 - 60, "value": 21.5},                      # good
        {"device": "NO-SUCH-DEVICE", "ts": T0 - 60, "value": 1.0},           # unknown_device
        {"device": temp, "ts": T0 - 50, "value": "warm"},                    # wrong_type
        {"device": temp, "ts": T0 - 40, "value": 400.0},                     # out_of_range
        {"device": temp, "ts": T0 + 3600, "value": 20.0},                    # future_timestamp
        {"device": energy, "ts": T0 - 30, "value": 499.0},                   # counter_backwards
        {"device": temp, "ts": "yesterday-ish", "value": 20.0},              # malformed
        {"ts": T0, "value": 1.0},                                            # malformed
        {"device": status, "ts": T0 - 20, "value": "on"},                    # good (binary)
        {"device": energy, "ts": T0 - 10, "value": 501.5},                   # good
    ]
    result = ingestor.ingest(batch).summary()
    assert result["stored"] == 3
    assert result["rejected_by_reason"] == {"unknown_device": 1, "wrong_type": 1,
                                            "out_of_range": 1, "future_timestamp": 1,
                                            "counter_backwards": 1, "malformed": 2}
    with demo_database.engine.connect() as connection:
        rows = connection.execute(text("SELECT reason, device, detail FROM dead_letters "
                                       "ORDER BY id")).all()[before:]
    assert sorted(r.reason for r in rows) == sorted(
        ["unknown_device", "wrong_type", "out_of_range", "future_timestamp",
         "counter_backwards", "malformed", "malformed"])
    detail = {r.reason: r.detail for r in rows}
    assert "400" in detail["out_of_range"] and "499" in detail["counter_backwards"]
    assert ingestor.states[ingestor.devices[status].id].value == 1.0


def test_a_token_limited_to_one_device_cannot_report_for_another(ingestor):
    mine, other = _key(ingestor, "co2", 0), _key(ingestor, "co2", 1)
    result = ingestor.ingest([{"device": mine, "ts": T0 - 5, "value": 600},
                              {"device": other, "ts": T0 - 5, "value": 600}],
                             allowed=lambda d: d.key == mine).summary()
    assert result["stored"] == 1 and result["rejected_by_reason"] == {"not_permitted": 1}


def test_duplicates_are_stored_once(ingestor, demo_database):
    key = _key(ingestor, "temperature", 2)
    device_pk = ingestor.devices[key].id
    batch = [{"device": key, "ts": T0 - 300 + i * 60, "value": 20 + i} for i in range(4)]
    first = ingestor.ingest(batch + batch[:1])  # one twice within the batch
    assert (first.stored, first.duplicates) == (4, 1)
    again = ingestor.ingest(batch)  # a retried batch / MQTT redelivery
    assert (again.stored, again.duplicates) == (0, 4)
    # fresh Ingestor (a restarted server) knows the state from the demo_database
    restarted = Ingestor(demo_database, clock=ingestor.clock).ingest(batch[1:2])
    assert (restarted.stored, restarted.duplicates) == (0, 1)
    assert _count(demo_database, "SELECT count(*) FROM readings WHERE device_id = :d",
                  d=device_pk) == 4
    rollup = _count(demo_database, "SELECT sum(count) FROM rollups WHERE device_id = :d AND "
                    "resolution = 86400", d=device_pk)
    assert rollup == 4


def test_a_late_reading_is_stored_but_does_not_turn_the_state_back(ingestor):
    key = _key(ingestor, "temperature", 3)
    ingestor.ingest([{"device": key, "ts": T0 - 60, "value": 22.0}])
    late = ingestor.ingest([{"device": key, "ts": T0 - 600, "value": 19.0}])
    assert late.stored == 1
    state = ingestor.states[ingestor.devices[key].id]
    assert state.value == 22.0 and state.last_reported == int((T0 - 60) * 1000)


def test_state_times_follow_home_assistant(ingestor, clock):
    key = _key(ingestor, "temperature", 4)
    events = []
    unsubscribe = ingestor.bus.subscribe(events.append)
    ingestor.ingest([{"device": key, "ts": T0 - 120, "value": 21.0}])
    clock.now += 10
    ingestor.ingest([{"device": key, "ts": T0 - 60, "value": 21.0}])  # same value
    state = ingestor.states[ingestor.devices[key].id]
    assert state.last_changed == int((T0 - 120) * 1000)
    assert state.last_reported == int((T0 - 60) * 1000)
    assert state.last_updated == int(T0 * 1000)
    assert len([e for e in events if e.device.key == key]) == 2
    ingestor.ingest([{"device": key, "ts": T0 - 30, "value": 21.4}])
    assert ingestor.states[ingestor.devices[key].id].last_changed == int((T0 - 30) * 1000)
    unsubscribe()
    message = events[-1].to_json()
    assert message["device"] == key and message["value"] == 21.4 and message["unit"] == "°C"


def test_offline_after_the_kinds_interval_with_a_controllable_clock(demo_database):
    clock = Clock(T0)
    ingestor = Ingestor(demo_database, clock=clock, offline_after_s={"co2": 600})
    key = _key(ingestor, "co2", 5)
    ingestor.ingest([{"device": key, "ts": T0, "value": 700}])
    events = []
    ingestor.bus.subscribe(events.append)
    clock.now = T0 + 599
    assert key not in {c.device.key for c in ingestor.check_offline()}
    clock.now = T0 + 601
    went = {c.device.key: c for c in ingestor.check_offline()}
    assert key in went and went[key].state.online is False
    assert ingestor.check_offline() == [] or key not in {
        c.device.key for c in ingestor.check_offline()}  # reported once
    ingestor.ingest([{"device": key, "ts": T0 + 601, "value": 700}])
    assert ingestor.states[ingestor.devices[key].id].online is True
    assert [e.state.online for e in events if e.device.key == key] == [False, True]
    # the stored state says so too (other workers and the API read it)
    assert _count(demo_database, "SELECT count(*) FROM device_states WHERE device_id = :d AND "
                  "online", d=ingestor.devices[key].id) == 1


def test_rollups_equal_a_recomputation_from_raw_data(demo_database):
    clock = Clock(T0 + 3 * 86400)
    ingestor = Ingestor(demo_database, clock=clock)
    rng = random.Random(7)
    keys = [_key(ingestor, "temperature", n) for n in range(10, 14)] + \
        [_key(ingestor, "energy", 2)]
    batches = []
    for key in keys:
        counter = 1000.0
        times = sorted(rng.sample(range(0, 2 * 86400, 7), 400))
        rows = []
        for t in times:
            counter += rng.random()
            value = counter if "energy" in key else round(rng.uniform(15, 30), 2)
            rows.append({"device": key, "ts": T0 + t, "value": value})
        batches.append(rows)
    flat = [r for rows in batches for r in rows]
    # in-order batches for counters; temperatures shuffled so late readings happen
    temps = [r for r in flat if "energy" not in r["device"]]
    rng.shuffle(temps)
    energy = [r for r in flat if "energy" in r["device"]]
    for i in range(0, len(temps), 97):
        ingestor.ingest(temps[i:i + 97] + temps[i:i + 5])  # with duplicates too
    for i in range(0, len(energy), 50):
        ingestor.ingest(energy[i:i + 50])
    with demo_database.engine.connect() as connection:
        for key in keys:
            device_pk = ingestor.devices[key].id
            for resolution in RESOLUTIONS:
                stored = connection.execute(text(
                    "SELECT device_id, resolution, bucket, count, min, max, sum, first, "
                    "first_ts, last, last_ts FROM rollups WHERE device_id = :d AND "
                    "resolution = :r AND bucket >= :a ORDER BY bucket"),
                    {"d": device_pk, "r": resolution,
                     "a": int(T0) // resolution * resolution}).all()
                fresh = recompute(connection, device_pk, int(T0) // resolution * resolution
                                  * 1000, int(T0 + 3 * 86400) * 1000, resolution)
                assert len(stored) == len(fresh) > 0
                for a, b in zip(stored, fresh, strict=True):
                    assert tuple(a[:4]) == tuple(b[:4])
                    assert a[4:] == pytest.approx(b[4:])


def test_series_picks_raw_or_a_rollup_and_space_values_average(ingestor, demo_database):
    key = _key(ingestor, "temperature", 20)
    device = ingestor.devices[key]
    rows = [{"device": key, "ts": T0 - 86400 + i * 30, "value": 20 + (i % 10) / 10}
            for i in range(2880)]
    ingestor.ingest(rows)
    with demo_database.engine.connect() as connection:
        short = read_series(connection, device.id, int((T0 - 3600) * 1000), int(T0 * 1000))
        day = read_series(connection, device.id, int((T0 - 86400) * 1000), int(T0 * 1000))
        spaces = space_values(connection, device.building_id, "temperature")
        past = space_values(connection, device.building_id, "temperature",
                            at_ms=int((T0 - 3600) * 1000))
    assert short.resolution == 0 and len(short.points) == 120
    assert day.resolution == 60 and len(day.points) == 1440
    mean = sum(p[1] for p in day.points) / len(day.points)
    assert mean == pytest.approx(20.45, abs=0.01)
    assert device.space in spaces
    value, count, _ = spaces[device.space]
    assert count >= 1 and 15 < value < 30
    minute = int(T0 - 3600) // 60 * 60
    in_minute = [r["value"] for r in rows if minute <= r["ts"] < minute + 60]
    others = [d for d in ingestor.devices.values()
              if d.space == device.space and d.kind.key == "temperature" and d is not device]
    if not others:
        assert past[device.space][0] == pytest.approx(sum(in_minute) / len(in_minute))
    assert past[device.space][1] >= 1


def test_retention_deletes_old_raw_readings_and_keeps_rollups(demo_database):
    clock = Clock(T0 + 400 * 86400)
    ingestor = Ingestor(demo_database, clock=clock)
    key = _key(ingestor, "humidity", 0) if any(
        d.kind.key == "humidity" for d in ingestor.devices.values()) else \
        _key(ingestor, "temperature", 30)
    device_pk = ingestor.devices[key].id
    ingestor.ingest([{"device": key, "ts": T0 - 10 * 86400, "value": 20.0},
                     {"device": key, "ts": T0 + 399 * 86400, "value": 21.0}])
    deleted = ingestor.prune(retention_days=90)
    assert deleted >= 1
    assert _count(demo_database, "SELECT count(*) FROM readings WHERE device_id = :d AND ts < :t",
                  d=device_pk, t=int((T0 + 310 * 86400) * 1000)) == 0
    assert _count(demo_database, "SELECT count(*) FROM rollups WHERE device_id = :d AND "
                  "bucket < :t", d=device_pk, t=int(T0)) >= 3


def test_running_hours_come_from_the_hourly_rollups_of_status_devices(demo_database):
    from twin.iot.query import running_hours

    clock = Clock(T0 + 30 * 86400)
    ingestor = Ingestor(demo_database, clock=clock)
    key = _key(ingestor, "status", 3)
    device = ingestor.devices[key]
    start = (T0 + 20 * 86400) // 3600 * 3600
    on_then_off = [{"device": key, "ts": start + 60 * i, "value": 1 if i < 180 else 0}
                   for i in range(300)]  # three hours on, two off
    ingestor.ingest(on_then_off)
    with demo_database.engine.connect() as connection:
        hours = running_hours(connection, device.building_id,
                              since_ms=int(start * 1000))
        before = running_hours(connection, device.building_id, since_ms=int(start * 1000),
                               until_ms=int((start + 3600) * 1000))
    assert hours[device.equipment] == pytest.approx(3.0)
    assert before[device.equipment] == pytest.approx(1.0)


def test_observers_get_the_stored_readings_in_seconds(ingestor):
    """The ingest → fault-rules seam: stored ms come out as Unix seconds, per device."""
    key, other = _key(ingestor, "temperature", 40), _key(ingestor, "co2", 40)
    seen = []
    ingestor.observers.append(seen.append)
    ingestor.ingest([{"device": key, "ts": T0 - 60.5, "value": 21.0},
                     {"device": other, "ts": T0 - 50, "value": 600.0},
                     {"device": key, "ts": T0 - 30, "value": 21.5},
                     {"device": key, "ts": T0 - 30, "value": 21.5},  # a duplicate: once
                     {"device": key, "ts": T0 - 20, "value": 999.0}])  # refused: not handed
    by_key = {device.key: readings for stored in seen for device, readings in
              stored.by_device()}
    assert by_key == {key: [(T0 - 60.5, 21.0), (T0 - 30, 21.5)], other: [(T0 - 50, 600.0)]}
    device = ingestor.devices[key]
    assert (device, T0 - 30) in ingestor.last_reported_s()
