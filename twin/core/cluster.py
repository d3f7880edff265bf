"""Several server workers on one PostgreSQL database: who leads, and events across workers.

* **Membership and leadership**: each worker holds one connection ("membership") on which it
  takes a *slot* (``pg_try_advisory_lock`` of ``SLOT_BASE + n``, the lowest free ``n``: the
  worker's stable number, e.g. its MQTT client id) and tries the *leader* lock
  (``LEADER_KEY``) every ``poll_s``. PostgreSQL releases both when the worker's connection
  ends, so when a worker dies (even ``SIGKILL``) its slot becomes free for its replacement and
  another worker takes the leadership within ``poll_s``.
* **Events across workers**: what a worker publishes on its in-process
  :class:`~twin.core.bus.EventBus` (state changes, alarm and work-order notices) is sent with
  ``pg_notify`` on ``twin_events`` and republished on the bus of every other worker, so a push
  reaches the clients of every worker whatever worker stored the reading.
* **Readings to the leader**: the fault rules run in the leader only; the other workers send
  the readings they stored to it on ``twin_readings`` (:meth:`Cluster.route_readings`). What
  the application does on election (replaying recent readings through the rules, starting the
  simulator) is wired in :mod:`twin.api.workers`.

Payloads are ASCII JSON cut into frames of at most :data:`FRAME` characters (PostgreSQL's limit
is 8000 bytes) and reassembled by the receivers. Notices carry no guarantee beyond
PostgreSQL's: a worker that is down misses what was sent meanwhile (push clients reconnect
and read the current state over REST).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["EVENTS", "LEADER_KEY", "READINGS", "SLOT_BASE", "Cluster", "libpq_url"]

_log = logging.getLogger(__name__)

#: Advisory-lock keys (arbitrary constants of this product).
LEADER_KEY = 0x7477696E  # "twin"
SLOT_BASE = 0x74770000
#: Channels.
EVENTS, READINGS = "twin_events", "twin_readings"
#: Characters per notification frame.
FRAME = 7000


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://...`` -> ``postgresql://...`` (what libpq and psycopg take)."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else url


def _connect(url: str, name: str):
    import psycopg

    return psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=5,
                           application_name=f"{name}-{os.getpid()}")


class _Frames:
    """Reassembles messages cut into frames ``id|i|n|chunk``."""

    def __init__(self) -> None:
        self.parts: dict[str, dict[int, str]] = {}

    def add(self, payload: str) -> str | None:
        message_id, index, count, chunk = payload.split("|", 3)
        if count == "1":
            return chunk
        parts = self.parts.setdefault(message_id, {})
        parts[int(index)] = chunk
        if len(parts) < int(count):
            if len(self.parts) > 1000:  # the rest of a message from a worker that died
                self.parts.pop(next(iter(self.parts)))
            return None
        del self.parts[message_id]
        return "".join(parts[i] for i in range(int(count)))


class Cluster:
    """This worker's place among the workers sharing one PostgreSQL database.

    Parameters
    ----------
    url : str
        The database (PostgreSQL).
    bus : EventBus
        The worker's bus: what is published there goes to the other workers, what they send
        is published there.
    encode : callable
        ``encode(event)``: its JSON form, or None for events that stay in the worker.
    decode : callable
        ``decode(data)``: the event again (None: skip it).
    poll_s : float
        How often a follower tries to become leader (the longest takeover).
    max_slots : int
        Workers at most.
    """

    def __init__(self, url: str, bus, *, encode: Callable[[Any], dict | None],
                 decode: Callable[[dict], Any], poll_s: float = 1.0,
                 max_slots: int = 64) -> None:
        self.url, self.bus, self.encode, self.decode = url, bus, encode, decode
        self.poll_s, self.max_slots = poll_s, max_slots
        self.slot: int | None = None
        self.leader = threading.Event()
        #: Called (in the election thread) when this worker becomes the leader.
        self.on_elected: list[Callable[[], None]] = []
        #: Called with each event from another worker before it is published here.
        self.on_remote: list[Callable[[Any], None]] = []
        #: The leader's handler of what the ingest stored here (the fault rules' observer).
        self.rules: Callable[[Any], None] | None = None
        #: The leader's handler of readings other workers stored: ``[[device_pk, ts, v]]``.
        self.remote_readings: Callable[[list], None] | None = None
        self._outbox: queue.Queue = queue.Queue(maxsize=100_000)
        self._stop = threading.Event()
        self._own_pids: set[int] = set()
        self._ids = itertools.count()
        self._membership = None
        self._threads: list[threading.Thread] = []
        self._listener_thread: threading.Thread | None = None
        self.sent = self.received = self.lost = 0

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> Cluster:
        """Take a slot, start the listener, the sender and the election."""
        self._join()
        self.bus.subscribe(self._outgoing)
        self._spawn("cluster-send", self._send_loop)
        self._listener_thread = self._spawn("cluster-listen", self._listen_loop)
        self._spawn("cluster-elect", self._elect_loop)
        return self

    def stop(self) -> None:
        """Leave: the locks go with the membership connection."""
        self._stop.set()
        self._outbox.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        if self._membership is not None:
            self._membership.close()

    def _spawn(self, name: str, target) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def _join(self) -> None:
        self._membership = _connect(self.url, "twin-worker")
        for n in range(self.max_slots):
            if self._membership.execute("SELECT pg_try_advisory_lock(%s)",
                                        (SLOT_BASE + n,)).fetchone()[0]:
                self.slot = n
                return
        raise RuntimeError(f"more than {self.max_slots} workers on one database")

    def _elect_loop(self) -> None:
        delay = 0.0  # the first try at once, then every poll_s
        while not self._stop.wait(delay):
            delay = self.poll_s
            try:
                if self.leader.is_set():
                    self._membership.execute("SELECT 1")
                    continue
                if self._membership.execute("SELECT pg_try_advisory_lock(%s)",
                                            (LEADER_KEY,)).fetchone()[0]:
                    _log.info("worker %d (pid %d) leads", self.slot, os.getpid())
                    self.leader.set()
                    for callback in self.on_elected:
                        callback()
            except Exception:  # noqa: BLE001 - the database went away: leadership with it
                _log.exception("cluster membership lost; rejoining")
                self.leader.clear()
                self._rejoin()

    def _rejoin(self) -> None:
        try:
            if self._membership is not None:
                self._membership.close()
            self._join()
        except Exception:  # noqa: BLE001 - retried at the next poll
            _log.warning("cannot rejoin the cluster yet")

    # -- outgoing ------------------------------------------------------------------------

    def _outgoing(self, event: Any) -> None:
        if threading.current_thread() is self._listener_thread:
            return  # came from another worker: do not echo it
        encoded = self.encode(event)
        if encoded is not None:
            self._queue((EVENTS, encoded))

    def route_readings(self, stored) -> None:
        """The ingest's observer in a cluster: the rules here if leading, else to the leader."""
        if self.leader.is_set():
            if self.rules is not None:
                self.rules(stored)
            return
        if stored.rows:
            self._queue((READINGS, [list(row) for row in stored.rows]))

    def _queue(self, item) -> None:
        try:
            self._outbox.put_nowait(item)
        except queue.Full:
            self.lost += 1

    def _frames(self, channel: str, items: list) -> list[tuple[str, str]]:
        text = json.dumps(items, separators=(",", ":"), default=str)
        chunks = [text[i:i + FRAME] for i in range(0, len(text), FRAME)] or [""]
        message_id = f"{os.getpid()}.{next(self._ids)}"
        return [(channel, f"{message_id}|{i}|{len(chunks)}|{c}") for i, c in enumerate(chunks)]

    def _send_loop(self) -> None:
        connection = None
        while not self._stop.is_set():
            item = self._outbox.get()
            if item is None:
                return
            batch = {EVENTS: [], READINGS: []}
            while item is not None:
                channel, payload = item
                if channel == READINGS:
                    batch[READINGS].extend(payload)
                else:
                    batch[EVENTS].append(payload)
                if len(batch[EVENTS]) + len(batch[READINGS]) >= 2000:
                    break
                try:
                    item = self._outbox.get_nowait()
                except queue.Empty:
                    item = None
            frames = [f for channel, items in batch.items() if items
                      for f in self._frames(channel, items)]
            connection = self._notify(connection, frames)
            if item is None and self._stop.is_set():
                return

    def _notify(self, connection, frames: list[tuple[str, str]]):
        for _attempt in range(3):
            try:
                if connection is None or connection.closed:
                    connection = _connect(self.url, "twin-notify")
                    self._own_pids.add(connection.info.backend_pid)
                with connection.transaction():
                    for channel, payload in frames:
                        connection.execute("SELECT pg_notify(%s, %s)", (channel, payload))
                self.sent += len(frames)
                return connection
            except Exception:  # noqa: BLE001 - reconnect and resend
                _log.exception("sending cluster notices failed")
                connection = None
                if self._stop.wait(0.2):
                    break
        self.lost += len(frames)
        return connection

    # -- incoming ------------------------------------------------------------------------

    def _listen_loop(self) -> None:
        while not self._stop.is_set():
            try:
                connection = _connect(self.url, "twin-listen")
                connection.execute(f"LISTEN {EVENTS}")
                connection.execute(f"LISTEN {READINGS}")
                frames = _Frames()
                while not self._stop.is_set():
                    for notice in connection.notifies(timeout=0.5):
                        if notice.pid in self._own_pids:
                            continue
                        text = frames.add(notice.payload)
                        if text is not None:
                            self._dispatch(notice.channel, json.loads(text))
            except Exception:  # noqa: BLE001 - reconnect; what was missed meanwhile is lost
                _log.exception("cluster listener failed; reconnecting")
                self._stop.wait(0.5)

    def _dispatch(self, channel: str, items: list) -> None:
        self.received += 1
        if channel == READINGS:
            if self.leader.is_set() and self.remote_readings is not None:
                self.remote_readings(items)
            return
        for item in items:
            event = self.decode(item)
            if event is None:
                continue
            for callback in self.on_remote:
                callback(event)
            self.bus.publish(event)
