"""The ingest: validate a batch of readings, store the good ones with their rollups and the
devices' new state in one transaction, put the bad ones in the dead-letter table, then tell
the event bus what changed.

Every path in (HTTP batches, the MQTT subscriber, the in-process simulator) goes through
:meth:`Ingestor.ingest`, so they share the checks and the guarantees:

- good readings of a batch are kept even when others in it are refused;
- a reading already stored (same device and timestamp) is stored once: readings newer than a
  device's state cannot be duplicates, older ones are looked up first, and the table's
  primary key is the last word (``ON CONFLICT DO NOTHING``);
- rollups only ever see readings that were actually inserted.

Times: the store keeps integer milliseconds since the epoch; the fault rules take float Unix
seconds (:class:`maintenance.readings.Reading`). Stored readings reach the rules as
:class:`StoredReadings`, whose :meth:`StoredReadings.by_device` converts with
:func:`twin.iot.records.unix_s`, the one conversion at that seam.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from bim_models.device_kinds import DEVICE_KINDS
from twin.core.bus import EventBus
from twin.core.database import Database
from twin.core.errors import InvalidInputError
from twin.iot.records import DeviceRecord, DeviceState, StateChange, unix_s
from twin.iot.rollups import partials, recompute, upsert_sql
from twin.iot.validation import Rejected, check_value, parse_item

__all__ = ["IngestResult", "Ingestor", "StoredReadings"]


@dataclass
class IngestResult:
    """What became of a batch."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts, the refusals by reason, and the first refusals in detail."""
        return {"received": self.received, "stored": self.stored,
                "duplicates": self.duplicates, "rejected": len(self.rejected),
                "rejected_by_reason": dict(Counter(r.reason for r in self.rejected)),
                "errors": [{"device": r.device, "reason": r.reason, "detail": r.detail}
                           for r in self.rejected[:100]]}


@dataclass(frozen=True, slots=True)
class StoredReadings:
    """The readings one ingest call stored, handed to the ingest's observers (the fault rules).

    Attributes
    ----------
    rows : list of (device_pk, ts_ms, value)
        As stored: the device's primary key, integer ms since the epoch, the value; grouped
        by device in time order.
    devices : mapping of int to DeviceRecord
        The devices by primary key.
    """

    rows: list[tuple[int, int, float]]
    devices: Mapping[int, DeviceRecord]

    def by_device(self) -> Iterator[tuple[DeviceRecord, list[tuple[float, float]]]]:
        """Each device with its readings as ``(at_s, value)``, ``at_s`` in Unix seconds.

        The unit of the fault rules (:class:`maintenance.readings.Reading`); this is where the
        stored milliseconds become seconds.

        Yields
        ------
        device : DeviceRecord
        readings : list of (float, float)
            In time order.
        """
        for device_pk, group in groupby(self.rows, key=itemgetter(0)):
            yield self.devices[device_pk], [(unix_s(ts_ms), value)
                                            for _pk, ts_ms, value in group]


def _device_record(row: Mapping[str, Any]) -> DeviceRecord:
    kind = DEVICE_KINDS[row["kind"]]
    return DeviceRecord(id=row["id"], key=row["key"], building_id=row["building_id"],
                        kind=kind, minimum=max(row["minimum"], kind.minimum),
                        maximum=min(row["maximum"], kind.maximum),
                        equipment=row["equipment"], space=row["space"], storey=row["storey"])


_DEVICE_SQL = ("SELECT id, key, building_id, kind, minimum, maximum, equipment, space, storey "
               "FROM devices")


class Ingestor:
    """Validates and stores readings and keeps every device's live state.

    Parameters
    ----------
    database : Database
        Where readings go.
    bus : EventBus, optional
        Receives a :class:`StateChange` for each device whose value or online flag changed.
    clock : callable, optional
        Seconds since the epoch (``time.time``); tests pass a controllable one.
    future_tolerance_s : float
        How far ahead of the clock a timestamp may be.
    offline_after_s : mapping, optional
        Per device kind, the silence after which a device is offline (default: the kind's).
    """

    def __init__(self, database: Database, *, bus: EventBus | None = None,
                 clock: Callable[[], float] = time.time, future_tolerance_s: float = 300.0,
                 offline_after_s: Mapping[str, float] | None = None) -> None:
        self.database = database
        self.bus = bus or EventBus()
        self.clock = clock
        self.future_tolerance_ms = int(future_tolerance_s * 1000)
        unknown = set(offline_after_s or {}) - set(DEVICE_KINDS)
        if unknown:
            raise InvalidInputError(f"offline intervals for unknown device kinds: "
                                    f"{', '.join(sorted(unknown))}")
        self.offline_after_ms = {k: int(1000 * (offline_after_s or {}).get(k, v.offline_after_s))
                                 for k, v in DEVICE_KINDS.items()}
        self._lock = threading.Lock()
        self._dialect = database.engine.dialect.name
        self._mark = "?" if self._dialect == "sqlite" else "%s"
        self.devices: dict[str, DeviceRecord] = {}
        #: Registered devices by primary key, and their live state by primary key.
        self.by_id: dict[int, DeviceRecord] = {}
        self.states: dict[int, DeviceState] = {}
        #: Called after each commit with the readings it stored (the fault rules listen
        #: here; :meth:`StoredReadings.by_device` gives them in the rules' unit, seconds).
        self.observers: list[Callable[[StoredReadings], None]] = []
        self.reload()

    # -- registry and state ------------------------------------------------------------

    def reload(self) -> None:
        """Read the registered devices and their stored state from the database."""
        with self.database.engine.connect() as connection:
            devices = [_device_record(r._mapping)
                       for r in connection.execute(text(_DEVICE_SQL))]
            states = {r[0]: DeviceState(r[1], r[2], r[3], r[4], bool(r[5]))
                      for r in connection.execute(text(
                          "SELECT device_id, value, last_changed, last_reported, last_updated, "
                          "online FROM device_states"))}
        with self._lock:
            self.devices = {d.key: d for d in devices}
            self.by_id = {d.id: d for d in devices}
            self.states = states

    def lookup(self, device_key: str) -> DeviceRecord | None:
        """The device with serial key ``device_key`` (registered by any process), or None."""
        device = self.devices.get(device_key)
        if device is None:  # registered since we last looked (another worker, the API)?
            with self.database.engine.connect() as connection:
                row = connection.execute(text(_DEVICE_SQL + " WHERE key = :k"),
                                         {"k": device_key}).first()
            if row is not None:
                device = _device_record(row._mapping)
                self.devices[device_key], self.by_id[device.id] = device, device
        return device

    def last_reported_s(self) -> list[tuple[DeviceRecord, float]]:
        """Every device that has reported, with its newest reading's time in Unix seconds
        (the unit of the fault rules, which count silence from there)."""
        with self._lock:
            return [(self.by_id[pk], unix_s(state.last_reported))
                    for pk, state in self.states.items() if pk in self.by_id]

    # -- ingest --------------------------------------------------------------------------

    def ingest(self, items: Iterable[Any], *, source: str = "http",
               allowed: Callable[[DeviceRecord], bool] | None = None,
               building_id: int | None = None) -> IngestResult:
        """Validate and store ``items`` (``{"device", "ts", "value"}`` objects).

        Parameters
        ----------
        items : iterable
            Incoming readings, as decoded from JSON.
        source : str
            ``"http"``, ``"mqtt"`` or ``"simulator"``, recorded with refusals.
        allowed : callable, optional
            Whether the sender may report for a device; refusals are ``not_permitted``.
        building_id : int, optional
            Recorded with refusals of devices not known.
        """
        result = IngestResult()
        now_ms = int(self.clock() * 1000)
        limit = now_ms + self.future_tolerance_ms
        devices, numbers = self.devices, (int, float)
        groups: dict[int, list[tuple[int, float, Any]]] = {}  # by device pk: (ts_ms, value, item)
        slow = []
        for item in items:  # the fast path: well-formed readings of known devices in range
            result.received += 1
            try:
                device_key, ts, raw = item["device"], item["ts"], item["value"]
                device = devices.get(device_key) if type(device_key) is str else None
            except (TypeError, KeyError, IndexError):
                slow.append(item)
                continue
            if device is None or type(ts) not in numbers or type(raw) not in numbers or \
                    not 946_684_800 <= ts < 1e11 or not -1e300 < raw < 1e300 or \
                    (allowed is not None and not allowed(device)):
                slow.append(item)  # the slow path says why (2000-01-01 is EARLIEST_MS)
                continue
            ts_ms, value = round(ts * 1000), float(raw)
            if not device.minimum <= value <= device.maximum or ts_ms > limit:
                slow.append(item)
                continue
            group = groups.get(device.id)
            if group is None:
                groups[device.id] = group = []
            group.append((ts_ms, value, item))
        unknown: set[str] = set()  # looked up once per batch, however often they come
        for item in slow:  # everything else, with the precise reason when refused
            checked = self._check(item, allowed, now_ms, unknown)
            if isinstance(checked, Rejected):
                result.rejected.append(checked)
            else:
                groups.setdefault(checked[0], []).append(checked[1:])
        changes, rows = self._store_checked(groups, result, now_ms, source, building_id)
        if self.observers:
            stored = StoredReadings(rows, self.by_id)
            for observer in self.observers:
                observer(stored)
        if self.bus.has_subscribers:
            for change in changes:
                self.bus.publish(change)
        return result

    def _check(self, item: Any, allowed: Callable[[DeviceRecord], bool] | None,
               now_ms: int, unknown: set[str]) -> tuple[int, int, float, Any] | Rejected:
        got = parse_item(item)
        if isinstance(got, Rejected):
            return got
        device_key, ts, raw = got
        device = None if device_key in unknown else self.lookup(device_key)
        if device is None:
            unknown.add(device_key)
            return Rejected("unknown_device", f"no device {device_key!r} is registered",
                            device_key, item)
        if allowed is not None and not allowed(device):
            return Rejected("not_permitted", f"this token may not report for {device_key!r}",
                            device_key, item)
        value = check_value(device, raw, ts, now_ms=now_ms,
                            future_tolerance_ms=self.future_tolerance_ms, previous=None,
                            item=item)
        return value if isinstance(value, Rejected) else (device.id, ts, value, item)

    def _store_checked(self, groups: dict[int, list], result: IngestResult, now_ms: int,
                       source: str, building_id: int | None) -> tuple[list[StateChange], list]:
        """:meth:`_store`; when a device of the batch was removed meanwhile (its building
        deleted, another worker), reload the devices, refuse its readings and store the
        others rather than fail the whole batch."""
        refused = len(result.rejected)
        try:
            with self._lock:
                return self._store(groups, result, now_ms, source, building_id)
        except IntegrityError:
            del result.rejected[refused:]
            self.reload()
        for device_pk in [pk for pk in groups if pk not in self.by_id]:
            for _ts, _value, item in groups.pop(device_pk):
                device_key = item.get("device") if isinstance(item, Mapping) else None
                result.rejected.append(Rejected(
                    "unknown_device", f"device {device_key!r} was removed", device_key, item))
        with self._lock:
            return self._store(groups, result, now_ms, source, building_id)

    def _store(self, groups: dict[int, list], result: IngestResult, now_ms: int, source: str,
               building_id: int | None) -> tuple[list[StateChange], list]:
        """Store readings grouped by device; the state changes to publish, the rows stored."""
        fresh: list[tuple[int, int, float]] = []  # (device_pk, ts_ms, value)
        late: list[tuple[int, int, float]] = []
        newest: dict[int, tuple[int, float]] = {}
        states, by_id, valid = self.states, self.by_id, 0
        by_time = itemgetter(0)
        for device_pk, group in groups.items():
            group.sort(key=by_time)  # nearly always in order already: linear
            state = states.get(device_pk)
            last_ts, last_value = (state.last_reported, state.value) if state else (-1, None)
            counter, in_batch = by_id[device_pk].kind.is_counter, False
            for ts, value, item in group:
                if ts > last_ts:
                    if counter and last_value is not None and value < last_value:
                        device = by_id[device_pk]
                        result.rejected.append(Rejected(
                            "counter_backwards", f"{value:g} after {last_value:g} "
                            f"{device.kind.unit}", device.key, item))
                        continue
                    fresh.append((device_pk, ts, value))
                    last_ts, last_value, in_batch = ts, value, True
                elif not (ts == last_ts and in_batch):  # else: twice in this batch
                    late.append((device_pk, ts, value))
                valid += 1
            if in_batch:
                newest[device_pk] = (last_ts, last_value)
        with self.database.engine.begin() as connection:
            late = self._unseen(connection, late)
            rows = fresh + late
            if rows:
                inserted = connection.exec_driver_sql(
                    f"INSERT INTO readings (device_id, ts, value) VALUES ({self._mark}, "
                    f"{self._mark}, {self._mark}) ON CONFLICT DO NOTHING", rows).rowcount
                if inserted is not None and 0 <= inserted < len(rows):
                    # another writer stored some of these in between: rebuild from raw
                    self._rebuild(connection, rows)
                else:
                    connection.exec_driver_sql(upsert_sql(self._dialect), partials(rows))
            changes = self._new_states(newest, now_ms)
            if changes:
                self._save_states(connection, changes)
            if result.rejected:
                self._dead_letters(connection, result.rejected, now_ms, source, building_id)
        result.stored = len(rows)
        result.duplicates = valid - len(rows)
        for change in changes:
            self.states[change.device.id] = change.state
        return changes, rows

    def _unseen(self, connection: Connection, late: list) -> list:
        """The late readings not stored yet (redeliveries and retries are): one range query
        per device."""
        if not late:
            return late
        by_device: dict[int, list] = {}
        for row in late:
            by_device.setdefault(row[0], []).append(row)
        unseen = []
        query = (f"SELECT ts FROM readings WHERE device_id = {self._mark} AND ts >= {self._mark} "
                 f"AND ts <= {self._mark}")
        for device_pk, rows in by_device.items():
            low, high = min(r[1] for r in rows), max(r[1] for r in rows)
            stored = {r[0] for r in connection.exec_driver_sql(query, (device_pk, low, high))}
            unseen.extend(r for r in rows if r[1] not in stored)
        return unseen

    def _rebuild(self, connection: Connection, rows: list) -> None:
        """Recompute, from raw readings, every bucket ``rows`` touch."""
        m = self._mark
        for device_pk, resolution, bucket, *_ in partials(rows):
            start = bucket * 1000
            fresh = recompute(connection, device_pk, start, start + resolution * 1000,
                              resolution)
            connection.exec_driver_sql(
                f"DELETE FROM rollups WHERE device_id = {m} AND resolution = {m} "
                f"AND bucket = {m}", (device_pk, resolution, bucket))
            connection.exec_driver_sql(upsert_sql(self._dialect), fresh)

    def _new_states(self, newest: Mapping[int, tuple[int, float]],
                    now_ms: int) -> list[StateChange]:
        changes = []
        for device_pk, (ts, value) in newest.items():
            old = self.states.get(device_pk)
            if old is None:
                state = DeviceState(value, ts, ts, now_ms, True)
            else:
                changed = value != old.value
                state = DeviceState(value, ts if changed else old.last_changed, ts,
                                    now_ms if changed or not old.online else old.last_updated,
                                    True)
            changes.append(StateChange(self.by_id[device_pk], state))
        return changes

    def _save_states(self, connection: Connection, changes: list[StateChange]) -> None:
        m = self._mark
        connection.exec_driver_sql(
            "INSERT INTO device_states (device_id, value, last_changed, last_reported, "
            f"last_updated, online) VALUES ({m}, {m}, {m}, {m}, {m}, {m}) "
            "ON CONFLICT (device_id) DO UPDATE SET value = excluded.value, "
            "last_changed = excluded.last_changed, last_reported = excluded.last_reported, "
            "last_updated = excluded.last_updated, online = excluded.online",
            [(c.device.id, c.state.value, c.state.last_changed, c.state.last_reported,
              c.state.last_updated, c.state.online) for c in changes])

    def _dead_letters(self, connection: Connection, rejected: list[Rejected], now_ms: int,
                      source: str, building_id: int | None) -> None:
        m = self._mark
        connection.exec_driver_sql(
            "INSERT INTO dead_letters (received_at, building_id, source, device, reason, "
            f"detail, payload) VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m})",
            [(now_ms, self._building_of(r.device, building_id), source,
              None if r.device is None else str(r.device)[:200], r.reason, r.detail,
              r.payload_text()) for r in rejected])

    def _building_of(self, device_key: str | None, default: int | None) -> int | None:
        device = self.devices.get(device_key) if isinstance(device_key, str) else None
        return device.building_id if device else default

    # -- offline detection and retention -------------------------------------------------

    def check_offline(self) -> list[StateChange]:
        """Mark devices silent for longer than their kind allows as offline; publish that."""
        now_ms = int(self.clock() * 1000)
        changes = []
        with self._lock:
            for device_pk, state in self.states.items():
                device = self.by_id.get(device_pk)
                if device is None or not state.online:
                    continue
                if now_ms - state.last_reported > self.offline_after_ms[device.kind.key]:
                    new = DeviceState(state.value, state.last_changed, state.last_reported,
                                      now_ms, False)
                    changes.append(StateChange(device, new))
            if changes:
                with self.database.engine.begin() as connection:
                    self._save_states(connection, changes)
                for change in changes:
                    self.states[change.device.id] = change.state
        for change in changes:
            self.bus.publish(change)
        return changes

    def prune(self, retention_days: float) -> int:
        """Delete raw readings older than ``retention_days`` (rollups stay); rows deleted."""
        cutoff = int((self.clock() - retention_days * 86400) * 1000)
        deleted = 0
        with self._lock, self.database.engine.begin() as connection:
            for device_pk in list(self.by_id):
                deleted += connection.exec_driver_sql(
                    f"DELETE FROM readings WHERE device_id = {self._mark} AND ts < {self._mark}",
                    (device_pk, cutoff)).rowcount or 0
        return deleted

