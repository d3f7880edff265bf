"""The broker settings the product ships (config/mosquitto.conf) against a stock Mosquitto: while
the twin's subscriber is away and the broker restarts, every message the broker acknowledged
to a sensor reaches the subscriber with the shipped settings; a stock broker drops all but
1,000 (issue 20, defect 11)."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from mqtt_broker import MOSQUITTO
from ports import free_port

SHIPPED = Path(__file__).resolve().parent.parent / "config" / "mosquitto.conf"
MESSAGES = 3000


class _Mosquitto:
    """A broker on loopback with the shipped settings included, or stock ones."""

    def __init__(self, shipped: bool) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="twin-mqtt-conf-"))
        self.port = free_port()
        (self.folder / "conf.d").mkdir()
        lines = [f"user {getpass.getuser()}", f"listener {self.port} 127.0.0.1",
                 "allow_anonymous true", f"persistence_location {self.folder}/",
                 f"log_dest file {self.folder}/mosquitto.log"]
        if shipped:
            shutil.copy(SHIPPED, self.folder / "conf.d" / "twin.conf")
            lines.append(f"include_dir {self.folder / 'conf.d'}")
        else:
            lines.append("persistence true")  # stock, but persistent: only the queue limit
        (self.folder / "mosquitto.conf").write_text("\n".join(lines) + "\n")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(MOSQUITTO), "-c", str(self.folder / "mosquitto.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read().decode()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("mosquitto did not listen")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _client(client_id: str, *, clean: bool) -> mqtt.Client:
    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                       clean_session=clean, protocol=mqtt.MQTTv311)


def _wait(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _delivered_after_outage(broker: _Mosquitto) -> int:
    """Subscribe (persistent session), go away, have 3,000 messages acknowledged to a
    publisher, restart the broker, come back: how many arrive."""
    subscriber = _client("twin-ingest-0", clean=False)
    subscriber.connect("127.0.0.1", broker.port)
    subscriber.loop_start()
    assert _wait(subscriber.is_connected)
    subscriber.subscribe("$share/twin/twin/+/+", qos=1)
    time.sleep(0.3)
    subscriber.disconnect()
    subscriber.loop_stop()

    publisher = _client("sensor-gateway", clean=True)
    publisher.max_inflight_messages_set(1000)
    acked: set[int] = set()
    publisher.on_publish = lambda _c, _u, mid, _r, _p: acked.add(mid)
    publisher.connect("127.0.0.1", broker.port)
    publisher.loop_start()
    mids = [publisher.publish("twin/1/T-1", f'{{"ts": {i}, "value": 21}}', qos=1).mid
            for i in range(MESSAGES)]
    assert _wait(lambda: acked >= set(mids)), "the broker acknowledged every message"
    publisher.disconnect()
    publisher.loop_stop()

    broker.stop()
    broker.start()
    received: list[bytes] = []
    subscriber = _client("twin-ingest-0", clean=False)
    subscriber.on_message = lambda _c, _u, message: received.append(message.payload)
    subscriber.connect("127.0.0.1", broker.port)
    subscriber.loop_start()
    last, quiet_since = -1, time.monotonic()
    while len(received) < MESSAGES and time.monotonic() - quiet_since < 1.5:
        if len(received) != last:  # still arriving
            last, quiet_since = len(received), time.monotonic()
        time.sleep(0.05)
    time.sleep(0.3)  # anything beyond MESSAGES (a duplicate) would show now
    subscriber.disconnect()
    subscriber.loop_stop()
    return len(set(received))


@pytest.mark.parametrize("shipped", [True, False], ids=["shipped", "stock"])
def test_acknowledged_messages_survive_an_outage_only_with_the_shipped_settings(shipped):
    broker = _Mosquitto(shipped)
    try:
        broker.start()
        delivered = _delivered_after_outage(broker)
    finally:
        broker.close()
    if shipped:
        assert delivered == MESSAGES
    else:  # the defect the shipped file fixes: a stock queue keeps 1,000 per client
        assert delivered <= 1000 < MESSAGES
