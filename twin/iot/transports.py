"""How readings travel: the MQTT subscriber that feeds the ingest, and the senders the
simulator uses (MQTT publisher, HTTP client).

MQTT: topic ``<prefix>/<building id>/<device serial key>`` (default prefix ``twin``), QoS 1,
payload a JSON object ``{"ts": ..., "value": ...}`` (``ts`` optional: the time of arrival),
a list of such objects, or a bare number. The subscriber keeps a persistent session
(``clean_session=False``, fixed client id) and acknowledges a message only after the batch
holding it is committed, so a crash or a broker restart loses nothing the broker accepted:
unacknowledged messages are redelivered and stored once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from twin.core.errors import InvalidInputError
from twin.iot.ingest import Ingestor

__all__ = ["ArrivalClock", "HttpSender", "MqttIngest", "MqttPublisher", "parse_mqtt_url"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MqttTarget:
    """Where a broker is."""

    host: str
    port: int
    username: str | None
    password: str | None


def parse_mqtt_url(url: str) -> MqttTarget:
    """``mqtt://[user:password@]host[:port]`` as a :class:`MqttTarget`.

    Raises
    ------
    InvalidInputError
        Another scheme or no host.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise InvalidInputError(f"TWIN_MQTT_URL must look like mqtt://host:1883, not {url!r}")
    return MqttTarget(parts.hostname, parts.port or 1883, parts.username, parts.password)


def _client(client_id: str, *, clean: bool, manual_ack: bool = False):
    import paho.mqtt.client as mqtt

    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                       clean_session=clean, protocol=mqtt.MQTTv311, manual_ack=manual_ack)


def _items(topic: str, payload: bytes, prefix: str, received: float,
           arrival: Callable[[str, float], float] = lambda _device, t: t
           ) -> tuple[int | None, list]:
    """Building id and readings of one message (malformed ones become refusable items);
    ``arrival`` stamps readings without ``ts`` (see :class:`ArrivalClock`)."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != prefix:
        return None, [{"topic": topic, "payload": payload[:200].decode("utf-8", "replace")}]
    # a building segment that is no number matches no device's building: refused
    building = int(parts[1]) if parts[1].isascii() and parts[1].isdigit() else -1
    try:
        data = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return building, [{"device": parts[2], "topic": topic,
                           "payload": payload[:200].decode("utf-8", "replace")}]
    rows = data if isinstance(data, list) else [data]
    items = []
    for row in rows:
        if isinstance(row, Mapping):
            ts = row["ts"] if "ts" in row else arrival(parts[2], received)
            items.append({"device": parts[2], "ts": ts,
                          **({"value": row["value"]} if "value" in row else {})})
        else:
            items.append({"device": parts[2], "ts": arrival(parts[2], received), "value": row})
    return building, items


class ArrivalClock:
    """Timestamps for readings sent without one: the time of arrival, made unique per device
    (a millisecond later than the device's previous one when two arrive in the same
    millisecond), so that none is taken for a duplicate and dropped."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, device_key: str, received: float) -> float:
        """The arrival time of a reading of ``device_key`` received at ``received``."""
        ms = int(received * 1000)
        with self._lock:
            last = self._last.get(device_key, -1)
            ms = max(ms, last + 1)
            if len(self._last) > 100_000:
                self._last.clear()
            self._last[device_key] = ms
        return ms / 1000


class MqttIngest:
    """Subscribes to the broker and feeds the ingest in small batches.

    Parameters
    ----------
    ingestor : Ingestor
    url : str
        ``mqtt://host:port``.
    prefix : str
        First topic level.
    flush_s : float
        Longest a message waits before its batch is stored.
    share_group : str, optional
        Subscribe through ``$share/<group>/...`` (several workers split the messages; each
        needs its own ``client_id``).
    """

    def __init__(self, ingestor: Ingestor, url: str, *, prefix: str = "twin",
                 client_id: str = "twin-ingest", flush_s: float = 0.02,
                 max_batch: int = 5000, share_group: str | None = None) -> None:
        self.ingestor, self.prefix = ingestor, prefix
        self.arrival = ArrivalClock()  # readings without ts: unique arrival times
        # several workers: a shared subscription, the broker hands each message to one
        self.topic = f"$share/{share_group}/{prefix}/+/+" if share_group else f"{prefix}/+/+"
        self.target = parse_mqtt_url(url)
        self.flush_s, self.max_batch = flush_s, max_batch
        self.client = _client(client_id, clean=False, manual_ack=True)
        if self.target.username:
            self.client.username_pw_set(self.target.username, self.target.password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(0.2, 5)
        self._buffer: list[tuple[Any, int | None, list]] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._work, name="mqtt-ingest", daemon=True)
        self.connected = threading.Event()
        self.messages = 0
        #: Security events (``<prefix>/<building>/<device>/events``) go here:
        #: ``event_sink(items, building_id)`` (set by the security service).
        self.event_sink: Callable[[list, int | None], Any] | None = None

    def start(self) -> MqttIngest:
        """Connect (retrying in the background if the broker is not up yet) and subscribe."""
        self._worker.start()
        self.client.connect_async(self.target.host, self.target.port, keepalive=30)
        self.client.loop_start()
        return self

    def stop(self) -> None:
        """Store what is buffered, then disconnect."""
        self._stop.set()
        with self._cond:
            self._cond.notify()
        self._worker.join(timeout=10)
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            _log.warning("MQTT connection refused: %s", reason_code)
            return
        client.subscribe(self.topic, qos=1)
        client.subscribe(f"{self.topic}/events", qos=1)
        self.connected.set()

    def _on_events(self, message) -> None:
        """Security events: stored synchronously, acknowledged once stored."""
        parts = message.topic.split("/")
        try:
            data = json.loads(message.payload)
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = [{"device": parts[-2], "payload": message.payload[:200].decode(
                "utf-8", "replace")}]
        rows = data if isinstance(data, list) else [data]
        items = [{"device": parts[-2], "ts": time.time(), **row} if isinstance(row, Mapping)
                 else row for row in rows]
        if self.event_sink is None:
            return  # not acknowledged: redelivered once the security service listens
        try:
            self.event_sink(items, int(parts[-3]) if parts[-3].isascii() and
                            parts[-3].isdigit() else -1)  # no number: matches no device
        except Exception:  # noqa: BLE001 - not acknowledged: the broker redelivers it
            _log.exception("storing MQTT security events failed")
            return
        self.client.ack(message.mid, message.qos)

    def _on_message(self, _client, _userdata, message) -> None:
        if message.topic.count("/") == 3 and message.topic.endswith("/events"):
            self._on_events(message)
            return
        building, items = _items(message.topic, message.payload, self.prefix, time.time(),
                                 self.arrival)
        with self._cond:
            self._buffer.append((message, building, items))
            if len(self._buffer) >= self.max_batch:
                self._cond.notify()

    def _work(self) -> None:
        while True:
            with self._cond:
                if not self._buffer and not self._stop.is_set():
                    self._cond.wait(self.flush_s)
                batch, self._buffer = self._buffer, []
            if batch:
                self._flush(batch)
            elif self._stop.is_set():
                return

    def _flush(self, batch: list) -> None:
        items = [item for _message, _building, rows in batch for item in rows]
        for attempt in range(5):
            try:
                self.ingestor.ingest(items, source="mqtt", allowed=_topic_check(batch))
                break
            except Exception:  # noqa: BLE001 - keep the messages unacknowledged, retry
                _log.exception("storing MQTT readings failed (attempt %d)", attempt + 1)
                time.sleep(0.5 * (attempt + 1))
        else:
            return  # not acknowledged: the broker redelivers them after a reconnect
        for message, _building, _rows in batch:
            self.client.ack(message.mid, message.qos)
        self.messages += len(batch)


def _topic_check(batch: list) -> Callable:
    """Devices may only report under their own building's topic."""
    buildings = {}
    for _message, building, rows in batch:
        for item in rows:
            if isinstance(item.get("device"), str) and building is not None:
                buildings[item["device"]] = building
    return lambda d: buildings.get(d.key, d.building_id) == d.building_id


class MqttPublisher:
    """Publishes readings (QoS 1) to ``<prefix>/<building>/<device>``; the simulator's MQTT
    transport. ``buildings`` maps device keys to building ids."""

    def __init__(self, url: str, buildings: Mapping[str, int], *, prefix: str = "twin",
                 client_id: str = "twin-simulator", connect_timeout: float = 10.0) -> None:
        self.target = parse_mqtt_url(url)
        self.buildings, self.prefix = buildings, prefix
        self.client = _client(client_id, clean=False)
        self.client.max_queued_messages_set(0)
        self.client.max_inflight_messages_set(1000)
        if self.target.username:
            self.client.username_pw_set(self.target.username, self.target.password)
        self.client.reconnect_delay_set(0.2, 5)
        self.connected = threading.Event()
        self.client.on_connect = lambda *_args: self.connected.set()
        self._lock = threading.Lock()
        self._pending: set[int] = set()  # message ids the broker has not acknowledged
        self._acked: set[int] = set()  # acknowledged before publish() returned their id
        self.client.on_publish = self._on_publish
        self.client.connect_async(self.target.host, self.target.port, keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(connect_timeout):
            _log.warning("no MQTT broker at %s yet; messages are queued until it answers", url)

    def _on_publish(self, _client, _userdata, mid, _reason, _properties) -> None:
        with self._lock:
            if mid in self._pending:
                self._pending.discard(mid)
            else:
                self._acked.add(mid)

    def send(self, items: list[dict[str, Any]]) -> None:
        """Publish each reading as its own message (queued while the broker is away)."""
        for item in items:
            building = self.buildings.get(item["device"], 0)
            mid = self.client.publish(f"{self.prefix}/{building}/{item['device']}",
                                      json.dumps({"ts": item["ts"], "value": item["value"]}),
                                      qos=1).mid
            with self._lock:
                if mid in self._acked:
                    self._acked.discard(mid)
                else:
                    self._pending.add(mid)

    @property
    def unacknowledged(self) -> int:
        """Messages the broker has not acknowledged yet."""
        return len(self._pending)

    def close(self, timeout: float = 30.0) -> bool:
        """Wait until the broker acknowledged every message, then disconnect; whether all
        were acknowledged within ``timeout``."""
        deadline = time.monotonic() + timeout
        while self._pending and time.monotonic() < deadline:
            time.sleep(0.02)
        self.client.disconnect()
        self.client.loop_stop()
        return not self._pending


class HttpSender:
    """Posts readings to ``POST /ingest`` of a server with a device or gateway token."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        import httpx

        self.client = httpx.Client(base_url=base_url, timeout=timeout,
                                   headers={"Authorization": f"Bearer {token}"})

    def send(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        """One batch; raises on an HTTP error with the server's message."""
        response = self.client.post("/ingest", json=items)
        if response.status_code >= 400:
            raise InvalidInputError(f"the server refused the batch ({response.status_code}): "
                                    f"{response.text[:300]}")
        return response.json()

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()
