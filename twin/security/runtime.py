"""The security event pipeline of a process: check and store events, keep door and bay states,
decide gates on plate reads, record fleet trips, run the correlation rules and raise their
alarms through the maintenance alarm lifecycle.

Every path in (``POST /events``, MQTT ``<prefix>/<building>/<device>/events``, the simulator)
goes through :meth:`SecurityService.ingest`, with the guarantees of the readings ingest
(:mod:`twin.iot.ingest`): the same sender checks, good events kept when others in a batch are
refused, refused ones in the dead-letter table with the reason, an event already stored
(same device, time and type) stored once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, insert, text

from maintenance import RuleEvent
from security.errors import EventRefused
from security.events import SecurityEvent, parse_event
from security.parking import PlateEntry, decide_gate, normalise_plate
from security.rules import CorrelationEngine, DeviceRef, Finding, SecurityRule
from twin.core.database import Database
from twin.iot.ingest import Ingestor, IngestResult
from twin.iot.records import DeviceRecord
from twin.iot.tables import DeadLetter
from twin.iot.validation import Rejected
from twin.maintenance.service import MaintenanceService
from twin.security.tables import (
    SecurityEventRow,
)
from twin.security.visitors import checked_passes

__all__ = ["SECURITY_KINDS", "SecurityService", "VisitorPlates"]

_log = logging.getLogger(__name__)
#: Device kinds that send security events.
SECURITY_KINDS = frozenset({"access_reader", "door_contact", "parking_bay", "lpr_camera",
                            "camera", "access_event"})
#: ``visitor_plates(connection, building_id, at_s)`` -> plates with a visitor reservation then
#: (default: the meetings domain's parking reservations, 会议一件事).
VisitorPlates = Callable[[Connection, int, float], Iterable[PlateEntry]]
_DOOR_STATE_OF = {"door.opened": "open", "door.closed": "closed", "door.forced": "forced",
                  "door.held_open": "held_open", "door.tamper": "tamper"}


def _meetings_plates(connection: Connection, building_id: int, at_s: float
                     ) -> list[PlateEntry]:
    """Visitor plates with a parking reservation of a meeting valid at ``at_s``
    (:func:`twin.meetings.service.parking_plates`), read in the ingest's transaction."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from twin.meetings.service import parking_plates

    with Session(bind=connection) as session:
        plates = parking_plates(session, building_id,
                                dt.datetime.fromtimestamp(at_s, dt.UTC))
    return [PlateEntry(plate, "visitor", "会议访客车位预约") for plate in plates]


class SecurityService:
    """The event pipeline and the correlation rules of the buildings of this process.

    Parameters
    ----------
    database : Database
    ingestor : Ingestor
        The device registry (and sender checks) the readings use.
    maintenance : MaintenanceService
        Where alarms go.
    clock : callable
        Unix seconds; tests pass a controllable one.
    rules : iterable of SecurityRule, optional
        Default: ``security/rules.toml``.
    visitor_plates : callable, optional
        Visitor reservations (default: the meetings domain's).
    """

    def __init__(self, database: Database, ingestor: Ingestor, maintenance: MaintenanceService,
                 *, clock: Callable[[], float] = time.time,
                 rules: Iterable[SecurityRule] | None = None,
                 visitor_plates: VisitorPlates | None = None) -> None:
        self.database, self.ingestor, self.maintenance = database, ingestor, maintenance
        self.clock = clock
        self.engine = CorrelationEngine(rules)
        self.visitor_plates = visitor_plates or _meetings_plates
        self.future_tolerance_ms = ingestor.future_tolerance_ms
        self._lock = threading.RLock()
        self._space_use: dict[int, dict[str, tuple[str, str | None]]] = {}
        self._refs: dict[int, DeviceRef] = {}
        self._dialect = database.engine.dialect.name
        self._mark = "?" if self._dialect == "sqlite" else "%s"
        self._doors: dict[tuple[int, str], tuple[str, str]] = {}
        #: Findings turned into alarms so far (for the bench and the tests).
        self.findings = 0
        self._pruned = 0.0

    def attach(self, live: Any) -> SecurityService:
        """Hook into a :class:`twin.iot.runtime.LiveRuntime`: the clock's rules run with its
        monitor; MQTT events and the simulator's security traffic come here."""
        live.periodic.append(self.tick)
        live.periodic.append(self.prune_hourly)
        if getattr(live, "mqtt", None) is not None:
            live.mqtt.event_sink = lambda items, building: self.ingest(
                items, source="mqtt", building_id=building,
                allowed=None if building is None else (lambda d: d.building_id == building))
        simulator = getattr(live, "simulator", None)
        if simulator is not None and hasattr(simulator, "event_sink"):
            from twin.security.traffic import SecurityTraffic

            simulator.event_sources.append(SecurityTraffic.of_database(self.database))
            simulator.event_sink = self._simulated
        return self

    def _simulated(self, items: list) -> None:
        """The simulator's security traffic; a failure is logged, never stops the readings."""
        try:
            self.ingest(items, source="simulator")
        except Exception:  # noqa: BLE001 - the simulator goes on with its readings
            _log.exception("simulated security events failed")

    # -- where devices are ---------------------------------------------------------------

    def _space_uses(self, building_id: int) -> dict[str, tuple[str, str | None]]:
        """GlobalId -> (use, name) of the spaces and doors of the latest revision."""
        uses = self._space_use.get(building_id)
        if uses is None:
            with self.database.engine.connect() as connection:
                rows = connection.execute(text(
                    "SELECT e.global_id, e.name, e.data FROM elements e JOIN revisions r "
                    "ON e.revision_id = r.id WHERE r.building_id = :b "
                    "AND e.kind IN ('space', 'door') "
                    "AND r.number = (SELECT max(number) FROM revisions WHERE building_id = :b)"),
                    {"b": building_id})
                uses = {}
                for gid, name, data in rows:
                    data = data if isinstance(data, dict) else _json(data)
                    uses[gid] = (str(data.get("object_type") or ""), name)
            self._space_use[building_id] = uses
        return uses

    def ref(self, device: DeviceRecord) -> DeviceRef:
        """What the rules know of ``device`` (door = the equipment it is bound to)."""
        ref = self._refs.get(device.id)
        if ref is None or ref.door != device.equipment or ref.space != device.space:
            places = self._space_uses(device.building_id)
            use = places.get(device.space or "", ("", None))[0] or None
            controlled = any(d.kind.key == "access_reader" and d.equipment == device.equipment
                             for d in self.ingestor.devices.values()) if device.equipment \
                else False
            ref = DeviceRef(device.key, device.kind.key, door=device.equipment,
                            space=device.space, storey=device.storey, space_use=use,
                            door_name=places.get(device.equipment or "", ("", None))[1],
                            controlled=controlled)
            self._refs[device.id] = ref
        return ref

    # -- ingest --------------------------------------------------------------------------

    def _check(self, item: Any, now_ms: int, allowed: Callable[[DeviceRecord], bool] | None,
               unknown: set[str]) -> tuple[DeviceRecord, SecurityEvent] | Rejected:
        try:
            event = parse_event(item, now_ms=now_ms, future_tolerance_ms=self.future_tolerance_ms)
        except EventRefused as refused:
            return Rejected(refused.reason, refused.detail, refused.device, item)
        device = None if event.device in unknown else self.ingestor.lookup(event.device)
        if device is None:
            unknown.add(event.device)
            return Rejected("unknown_device", f"no device {event.device!r} is registered",
                            event.device, item)
        if allowed is not None and not allowed(device):
            return Rejected("not_permitted", f"this token may not report for {event.device!r}",
                            event.device, item)
        if device.kind.key not in SECURITY_KINDS:
            return Rejected("wrong_type", f"a {device.kind.key} device does not send security "
                            "events (send readings to /ingest)", event.device, item)
        return device, event

    def ingest(self, items: Iterable[Any], *, source: str = "http",
               allowed: Callable[[DeviceRecord], bool] | None = None,
               building_id: int | None = None) -> IngestResult:
        """Check, store and correlate ``items`` (``{"device", "ts", "type", ...}`` objects).

        Parameters
        ----------
        items : iterable
            As decoded from JSON.
        source : str
            ``http``, ``mqtt`` or ``simulator``, recorded with refusals.
        allowed : callable, optional
            Whether the sender may report for a device (:func:`twin.iot.service.sender_scope`).
        building_id : int, optional
            Recorded with refusals of devices not known.

        Returns
        -------
        IngestResult
            The readings ingest's result: received, stored, duplicates, refusals.
        """
        result = IngestResult()
        now_ms = int(self.clock() * 1000)
        accepted: list[tuple[DeviceRecord, SecurityEvent]] = []
        unknown: set[str] = set()
        for item in items:
            result.received += 1
            checked = self._check(item, now_ms, allowed, unknown)
            if isinstance(checked, Rejected):
                result.rejected.append(checked)
            else:
                accepted.append(checked)
        accepted.sort(key=lambda pair: pair[1].ts_ms)
        with self._lock:
            with self.database.engine.begin() as connection:
                accepted = checked_passes(connection, accepted)  # visitor passes: the twin decides
                fresh = self._unseen(connection, accepted)
                derived = self._effects(connection, fresh, now_ms)
                self._insert(connection, fresh + derived, now_ms)
                if result.rejected:
                    self._dead_letters(connection, result.rejected, now_ms, source, building_id)
            result.stored = len(fresh)
            result.duplicates = len(accepted) - len(fresh)
            findings = [f for device, event in fresh
                        for f in self.engine.feed(self.ref(device), event)]
            self._raise(findings)
        return result

    def tick(self, now: float | None = None) -> list[Finding]:
        """Run the rules that fire on silence (held-open doors, overstays); raise alarms."""
        with self._lock:
            findings = self.engine.tick(self.clock() if now is None else now)
            self._raise(findings)
        return findings

    def prune_hourly(self) -> int:
        """:meth:`prune`, at most once an hour (the monitor calls it); events deleted."""
        if self.clock() - self._pruned < 3600:
            return 0
        return self.prune()

    def prune(self) -> int:
        """Delete events past their building's retention; how many."""
        from twin.security.service import prune_events

        self._pruned = now = self.clock()
        with self.database.session() as session:
            return prune_events(session, now)

    def _raise(self, findings: list[Finding]) -> None:
        if not findings:
            return
        kinds = {d.key: d.kind.key for d in self.ingestor.devices.values()}
        self.findings += len(findings)
        self.maintenance.apply([RuleEvent(f.action, f.rule, f.rule_type, f.severity, f.device,
                                          kinds.get(f.device, "access_reader"), f.source,
                                          f.space, f.ts, None, f.message) for f in findings])

    # -- storage -------------------------------------------------------------------------

    def _unseen(self, connection: Connection,
                accepted: list[tuple[DeviceRecord, SecurityEvent]]
                ) -> list[tuple[DeviceRecord, SecurityEvent]]:
        """The events not stored yet (each device's stored range is read once)."""
        by_device: dict[int, list[tuple[DeviceRecord, SecurityEvent]]] = {}
        for pair in accepted:
            by_device.setdefault(pair[0].id, []).append(pair)
        fresh = []
        m = self._mark
        query = (f"SELECT ts, type FROM security_events WHERE device_id = {m} AND ts >= {m} "
                 f"AND ts <= {m}")
        for device_pk, pairs in by_device.items():
            low, high = pairs[0][1].ts_ms, pairs[-1][1].ts_ms
            seen = set(connection.exec_driver_sql(query, (device_pk, low, high)).all())
            for pair in pairs:
                key = (pair[1].ts_ms, pair[1].type)
                if key not in seen:
                    seen.add(key)
                    fresh.append(pair)
        fresh.sort(key=lambda pair: pair[1].ts_ms)
        return fresh

    def _insert(self, connection: Connection, pairs: list, now_ms: int) -> None:
        if not pairs:
            return
        rows = []
        for device, event in pairs:
            data = {"media": list(event.media), "direction": event.direction,
                    "status": event.status, **dict(event.extra)}
            rows.append({"building_id": device.building_id, "device_id": device.id,
                         "device": device.key, "ts": event.ts_ms, "type": event.type,
                         "door": device.equipment, "space": device.space,
                         "storey": device.storey, "subject": event.subject,
                         "subject_kind": event.subject_kind, "confidence": event.confidence,
                         "correlation_id": event.correlation_id,
                         "data": {k: v for k, v in data.items() if v not in (None, [])},
                         "received_at": now_ms})
        if self._dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        # another writer may have stored some in between: the unique key is the last word
        connection.execute(dialect_insert(SecurityEventRow.__table__).on_conflict_do_nothing(),
                           rows)

    def _dead_letters(self, connection: Connection, rejected: list[Rejected], now_ms: int,
                      source: str, building_id: int | None) -> None:
        devices = self.ingestor.devices
        connection.execute(insert(DeadLetter.__table__), [
            {"received_at": now_ms,
             "building_id": devices[r.device].building_id
             if isinstance(r.device, str) and r.device in devices else building_id,
             "source": source, "device": None if r.device is None else str(r.device)[:200],
             "reason": r.reason, "detail": r.detail, "payload": r.payload_text()}
            for r in rejected])

    # -- what events change --------------------------------------------------------------

    def _effects(self, connection: Connection, fresh: list, now_ms: int) -> list:
        """Door and bay states, gate decisions and trips; the derived events (gate opened or
        held) to store with the batch."""
        doors: dict[tuple[int, str], tuple[str, str, int, str]] = {}
        bays, reads = [], []
        for device, event in fresh:
            if device.equipment and (event.type in _DOOR_STATE_OF
                                     or event.type == "access.granted"):
                key = (device.building_id, device.equipment)
                state, lock = doors[key][:2] if key in doors else \
                    self._door_state(connection, key)
                if event.type == "access.granted":
                    lock = "unlocked"
                else:
                    state = _DOOR_STATE_OF[event.type]
                    lock = "locked" if event.type == "door.closed" else lock
                doors[key] = (state, lock, event.ts_ms, device.key)
            elif event.type == "parking.spot.changed":
                bays.append((event.status, event.ts_ms, device.key, event.ts_ms))
            elif event.type == "lpr.read":
                reads.append((device, event))
        m = self._mark
        if bays:
            connection.exec_driver_sql(
                f"UPDATE parking_bays SET status = {m}, since = {m} WHERE device = {m} "
                f"AND since <= {m}", bays)
        if doors:
            connection.exec_driver_sql(
                "INSERT INTO door_states (building_id, door, state, lock, since, device) "
                f"VALUES ({m}, {m}, {m}, {m}, {m}, {m}) ON CONFLICT (building_id, door) DO "
                "UPDATE SET state = excluded.state, lock = excluded.lock, "
                "since = excluded.since, device = excluded.device",
                [(b, d, *values) for (b, d), values in doors.items()])
            self._doors.update({key: values[:2] for key, values in doors.items()})
        return self._gates(connection, reads) if reads else []

    def _door_state(self, connection: Connection, key: tuple[int, str]) -> tuple[str, str]:
        state = self._doors.get(key)
        if state is None:
            row = connection.exec_driver_sql(
                f"SELECT state, lock FROM door_states WHERE building_id = {self._mark} "
                f"AND door = {self._mark}", key).first()
            state = self._doors[key] = (row[0], row[1]) if row else ("closed", "locked")
        return state

    def _gates(self, connection: Connection, reads: list) -> list:
        """The gates' decisions on plate reads, as events; fleet vehicles' trips."""
        m = self._mark
        keys = sorted({device.key for device, _event in reads})
        gates = dict(connection.exec_driver_sql(
            f"SELECT device, direction FROM parking_gates WHERE device IN "
            f"({', '.join([m] * len(keys))})", tuple(keys)).all())
        plates = sorted({normalise_plate(e.subject) for _d, e in reads if e.subject})
        entries: dict[str, list[PlateEntry]] = {}
        vehicles: dict[str, tuple[int, str]] = {}
        if plates:
            marks = ", ".join([m] * len(plates))
            for building_id, plate, name, holder, start, end in connection.exec_driver_sql(
                    "SELECT building_id, plate, list, holder, valid_from, valid_to FROM "
                    f"plate_entries WHERE plate IN ({marks})", tuple(plates)):
                entries.setdefault(f"{building_id}|{plate}", []).append(
                    PlateEntry(plate, name, holder, start, end))
            for vehicle_id, plate, name in connection.exec_driver_sql(
                    f"SELECT id, plate, name FROM fleet_vehicles WHERE active AND plate IN "
                    f"({marks})", tuple(plates)):
                vehicles[plate] = (vehicle_id, name)
        derived = []
        for device, event in reads:
            gate = gates.get(device.key)
            if gate is None:
                continue
            direction = event.direction or (gate if gate != "both" else "in")
            plate = normalise_plate(event.subject) if event.subject else None
            found = list(entries.get(f"{device.building_id}|{plate}", ()))
            vehicle = vehicles.get(plate) if plate else None
            if vehicle is not None:
                found.append(PlateEntry(plate, "fleet", vehicle[1]))
                self._trip(connection, device.building_id, vehicle[0], direction, event.ts)
            elif plate and direction == "in":
                found += [e for e in self.visitor_plates(connection, device.building_id,
                                                         event.ts)
                          if normalise_plate(e.plate) == plate]
            decision = decide_gate(plate, direction, found, event.ts,
                                   confidence=event.confidence)
            derived.append((device, SecurityEvent(
                device.key, event.ts_ms, "gate.opened" if decision.action == "open"
                else "gate.held", event.subject, event.subject_kind, None, (),
                f"{device.key}@{event.ts_ms}", direction, None,
                {"decision": decision.action, "list": decision.list,
                 "reason": decision.reason})))
        return derived

    def _trip(self, connection: Connection, building_id: int, vehicle_id: int,
              direction: str, at: float) -> None:
        m = self._mark
        open_trip = connection.exec_driver_sql(
            f"SELECT id FROM vehicle_trips WHERE vehicle_id = {m} AND in_ts IS NULL "
            "ORDER BY out_ts DESC LIMIT 1", (vehicle_id,)).first()
        if direction == "out" and open_trip is None:
            connection.exec_driver_sql(
                f"INSERT INTO vehicle_trips (building_id, vehicle_id, out_ts) VALUES ({m}, {m}, "
                f"{m})", (building_id, vehicle_id, at))
        elif direction == "in" and open_trip is not None:
            connection.exec_driver_sql(f"UPDATE vehicle_trips SET in_ts = {m} WHERE id = {m}",
                                       (at, open_trip[0]))

    # -- configuration changes -----------------------------------------------------------

    def forget_places(self) -> None:
        """Forget cached space uses and devices (after a new revision or registry change)."""
        with self._lock:
            self._space_use.clear()
            self._refs.clear()
            self._doors.clear()


def _json(raw: Any) -> dict:
    import json

    try:
        value = json.loads(raw) if isinstance(raw, str | bytes) else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}

