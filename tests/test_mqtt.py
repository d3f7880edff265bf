"""The MQTT path against a real Mosquitto broker on loopback: publish to stored state,
redelivery stored once, a broker restart in the middle of a stream loses nothing."""

from __future__ import annotations

import json
import time

import paho.mqtt.client as mqtt
import pytest
from mqtt_broker import Broker
from sqlalchemy import text

from twin.core.database import Database
from twin.iot.ingest import Ingestor
from twin.iot.transports import MqttIngest, MqttPublisher


@pytest.fixture(scope="module")
def broker():
    with Broker() as running:
        yield running


@pytest.fixture(scope="module")
def ingestor(demo_database):
    return Ingestor(demo_database)


@pytest.fixture(autouse=True)
def _forget_sessions(broker):
    """End, after each test, the persistent sessions it left on the broker (a stopped
    subscriber's session would otherwise queue every later message)."""
    yield
    for client_id in ("twin-ingest", "twin-ingest-a", "twin-ingest-b", "twin-ingest-c",
                      "twin-ingest-d", "pub-a", "pub-c", "pub-d", "twin-simulator"):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                             clean_session=True)
        client.connect("127.0.0.1", broker.port)
        client.loop_start()
        _wait(client.is_connected, what=f"a clean session for {client_id}")
        client.disconnect()
        client.loop_stop()


def _wait(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _stored(demo_database: Database, key: str) -> int:
    with demo_database.engine.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM readings r JOIN devices d ON d.id = r.device_id "
            "WHERE d.key = :k"), {"k": key}).scalar_one()


def _keys(ingestor: Ingestor, kind: str) -> list[str]:
    return sorted(k for k, d in ingestor.devices.items() if d.kind.key == kind)


def test_published_readings_become_state_events(broker, ingestor, demo_database):
    key = _keys(ingestor, "temperature")[0]
    building = ingestor.devices[key].building_id
    events = []
    unsubscribe = ingestor.bus.subscribe(lambda e: events.append(e))
    subscriber = MqttIngest(ingestor, broker.url, client_id="twin-ingest-a").start()
    try:
        assert subscriber.connected.wait(10), "the subscriber did not connect"
        publisher = MqttPublisher(broker.url, {key: building}, client_id="pub-a")
        now = time.time()
        publisher.send([{"device": key, "ts": now - 100 + i, "value": 20 + i / 10}
                        for i in range(50)])
        publisher.close()
        _wait(lambda: _stored(demo_database, key) == 50, what="50 readings stored")
        _wait(lambda: any(e.device.key == key and e.state.value == pytest.approx(24.9)
                          for e in events), what="the state event of the newest reading")
    finally:
        unsubscribe()
        subscriber.stop()


def test_malformed_messages_and_wrong_building_go_to_dead_letters(broker, ingestor, demo_database):
    key = _keys(ingestor, "co2")[0]
    building = ingestor.devices[key].building_id
    subscriber = MqttIngest(ingestor, broker.url, client_id="twin-ingest-b").start()
    try:
        assert subscriber.connected.wait(10)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="pub-b")
        client.connect("127.0.0.1", broker.port)
        client.loop_start()
        infos = [client.publish(f"twin/{building}/{key}", b"not json", qos=1),
                 client.publish(f"twin/{building}/{key}", json.dumps({"ts": time.time()}),
                                qos=1),
                 client.publish(f"twin/{building + 999}/{key}",
                                json.dumps({"ts": time.time(), "value": 500}), qos=1)]
        for info in infos:
            info.wait_for_publish(10)
        client.disconnect()
        client.loop_stop()

        def reasons():
            with demo_database.engine.connect() as connection:
                return [r[0] for r in connection.execute(text(
                    "SELECT reason FROM dead_letters WHERE source = 'mqtt' AND device = :k"),
                    {"k": key})]
        _wait(lambda: len(reasons()) == 3, what="three dead letters")
        assert sorted(reasons()) == ["malformed", "malformed", "not_permitted"]
    finally:
        subscriber.stop()


def test_redelivered_messages_are_stored_once(broker, ingestor, demo_database):
    """A subscriber that received messages but never acknowledged them (it crashed, say):
    the broker redelivers them to the next session with the same client id. Half of them were
    stored before the crash; the redelivery stores the other half and counts no double."""
    key = _keys(ingestor, "temperature")[1]
    building = ingestor.devices[key].building_id
    now = time.time()
    items = [{"device": key, "ts": now - 200 + i, "value": 21 + i / 100} for i in range(40)]
    received = []
    crashed = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="twin-ingest-c",
                          clean_session=False, manual_ack=True)
    crashed.on_message = lambda _c, _u, m: received.append(m.mid)
    crashed.on_connect = lambda c, *_: c.subscribe("twin/+/+", qos=1)
    crashed.connect("127.0.0.1", broker.port)
    crashed.loop_start()
    _wait(crashed.is_connected, what="the first subscriber")
    time.sleep(0.3)
    publisher = MqttPublisher(broker.url, {key: building}, client_id="pub-c")
    publisher.send(items)
    publisher.close()
    _wait(lambda: len(received) == 40, what="40 messages at the crashing subscriber")
    ingestor.ingest(items[:20], source="mqtt")  # what it stored before it died
    crashed.disconnect()
    crashed.loop_stop()
    assert _stored(demo_database, key) == 20
    results = []
    original = ingestor.ingest

    def recording(batch, **kwargs):
        result = original(batch, **kwargs)
        results.append(result)
        return result
    ingestor.ingest = recording
    subscriber = MqttIngest(ingestor, broker.url, client_id="twin-ingest-c").start()
    try:
        _wait(lambda: sum(r.received for r in results) >= 40, what="the redelivery")
        assert _stored(demo_database, key) == 40
        assert sum(r.duplicates for r in results) == 20
        assert sum(r.stored for r in results) == 20
    finally:
        subscriber.stop()
        del ingestor.ingest


def test_a_broker_restart_mid_stream_loses_nothing_acknowledged(broker, ingestor, demo_database):
    keys = _keys(ingestor, "temperature")[2:12]
    buildings = {k: ingestor.devices[k].building_id for k in keys}
    subscriber = MqttIngest(ingestor, broker.url, client_id="twin-ingest-d").start()
    publisher = MqttPublisher(broker.url, buildings, client_id="pub-d")
    try:
        assert subscriber.connected.wait(10)
        _wait(publisher.client.is_connected, what="the publisher")
        now = time.time()
        sent = []
        for step in range(150):
            batch = [{"device": k, "ts": now - 300 + step, "value": 20 + step / 100}
                     for k in keys]
            publisher.send(batch)
            sent.extend(batch)
            if step == 60:
                broker.restart(down_s=1.0)
                # the broker kept what it had acknowledged on disk over the restart
                assert (broker.folder / "mosquitto.db").is_file()
            time.sleep(0.01)
        publisher.close(timeout=60)
        _wait(lambda: sum(_stored(demo_database, k) for k in keys) == len(sent), timeout=60,
              what=f"all {len(sent)} readings stored after the restart")
    finally:
        subscriber.stop()


def test_with_an_mqtt_url_the_simulator_goes_through_the_broker(broker, demo_copy,
                                                                demo_database):
    from twin.iot.runtime import LiveRuntime

    settings, _state = demo_copy
    settings = settings.model_copy(update={
        "mqtt_url": broker.url, "simulate": True, "simulate_backfill_hours": 0.25,
        "simulate_interval_s": 5.0,
        "offline_after_s": {"co2": 900}})

    def refused() -> int:
        with demo_database.engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM dead_letters")).scalar_one()

    before = refused()
    runtime = LiveRuntime(settings, demo_database).start()
    try:
        assert runtime.publisher is not None and runtime.mqtt is not None
        _wait(lambda: runtime.simulator.sent > 1000, what="the simulator to publish")
        _wait(lambda: runtime.mqtt.messages >= runtime.simulator.sent, timeout=60,
              what="every published reading to come back through the subscriber")
        assert refused() == before  # the simulator's readings are all valid
        assert runtime.ingestor.offline_after_ms["co2"] == 900_000
    finally:
        runtime.stop()
