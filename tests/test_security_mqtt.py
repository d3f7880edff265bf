"""Security events over MQTT against a real Mosquitto broker on loopback: an event published on
``twin/<building>/<device>/events`` is stored, raises its alarm, and a bad one is a dead letter
(source mqtt); readings on ``twin/<building>/<device>`` still go to the readings ingest."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import paho.mqtt.client as mqtt
import pytest
from mqtt_broker import Broker
from sqlalchemy import text

from twin.core.model_store import GraphStore
from twin.iot.ingest import Ingestor
from twin.iot.transports import MqttIngest
from twin.maintenance.service import MaintenanceService
from twin.portfolio.elements import graph_loader
from twin.security.runtime import SecurityService


@pytest.fixture(scope="module")
def stack(demo_copy, demo_database):
    settings, _state = demo_copy
    with Broker() as broker:
        ingestor = Ingestor(demo_database)
        maintenance = MaintenanceService(demo_database, ingestor, graph_loader(
            demo_database, GraphStore(settings))).start()
        subscriber = MqttIngest(ingestor, broker.url, client_id="twin-ingest-sec").start()
        security = SecurityService(demo_database, ingestor, maintenance).attach(
            SimpleNamespace(periodic=[], mqtt=subscriber, simulator=None))
        try:
            assert subscriber.connected.wait(10), "the subscriber did not connect"
            yield broker, ingestor, maintenance, security
        finally:
            subscriber.stop()
            maintenance.stop()


def _wait(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_an_event_over_mqtt_is_stored_and_raises_its_alarm(stack, demo_database):
    broker, ingestor, maintenance, _security = stack
    contact = ingestor.devices["DC-PLANT"]
    building = contact.building_id
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="pub-sec")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        now = time.time()
        infos = [client.publish(f"twin/{building}/DC-PLANT/events",
                                json.dumps({"ts": now - 3, "type": "door.opened"}), qos=1),
                 client.publish(f"twin/{building}/DC-PLANT/events",
                                json.dumps([{"ts": now - 2, "type": "door.exploded"}]), qos=1),
                 client.publish(f"twin/{building}/DC-PLANT/events", b"not json", qos=1)]
        for info in infos:
            info.wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()

    def stored():
        with demo_database.engine.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM security_events WHERE device = 'DC-PLANT' "
                "AND type = 'door.opened'")).scalar_one()

    def refused():
        with demo_database.engine.connect() as connection:
            return sorted(r[0] for r in connection.execute(text(
                "SELECT reason FROM dead_letters WHERE source = 'mqtt' "
                "AND device = 'DC-PLANT'")))

    _wait(lambda: stored() == 1, what="the event stored")
    _wait(lambda: refused() == ["malformed", "unknown_type"], what="two dead letters")
    forced = [a for a in maintenance.alarm_list(building, roots_only=False)
              if a.rule == "door_forced"]
    assert forced and forced[0].source == contact.equipment
