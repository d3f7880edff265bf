"""Simulated security traffic: normal days (badges, doors, bays, gates) and the demo's faults
(a forced door at night, a held-open fire door, an overstay), as events for the ingest.

The generator is deterministic in time: each device's events of a time slot come from a hash
of (device, slot), so a replay yields the same events and the ingest stores them once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twin.core.database import Database
from twin.core.errors import NotFoundError
from twin.core.tables import User
from twin.iot.tables import DeviceRow
from twin.portfolio import service as portfolio
from twin.security.runtime import SecurityService
from twin.security.schemas import ScenarioPublic
from twin.security.tables import CarParkRow, ParkingBayRow, ParkingGateRow, VehicleRow

__all__ = ["SCENARIOS", "SecurityTraffic", "badge_in", "play_scenario"]

#: Scenarios :func:`play_scenario` knows.
SCENARIOS = ("normal", "forced_door", "held_open", "denials", "overstay")
_SLOT_S = 600.0  # one badge-in per reader per 10 minutes of a working day
_UTC_OFFSET_S = 8 * 3600
_FORCED_AT_S = 2 * 3600 + 17 * 60  # 02:17 local: the forced door at night
_HELD_AT_S = 15 * 3600  # 15:00 local: the fire door wedged open for 4 minutes


def _unit(*parts: Any) -> float:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass
class SecurityTraffic:
    """The security devices of a building as the simulator drives them.

    Attributes
    ----------
    readers : list of (reader key, contact key or None)
        Readers with the door contact of the same door.
    fire_doors : list of str
        Door contacts of doors without a reader (fire doors).
    plant : tuple or None
        The plant-room reader and contact (the forced door at night).
    bays : list of str
        Bay sensors.
    gates : list of (device, direction)
    plates : list of str
        Fleet plates.
    """

    readers: list[tuple[str, str | None]] = field(default_factory=list)
    fire_doors: list[str] = field(default_factory=list)
    plant: tuple[str, str | None] | None = None
    bays: list[str] = field(default_factory=list)
    gates: list[tuple[str, str]] = field(default_factory=list)
    plates: list[str] = field(default_factory=list)

    @classmethod
    def of_database(cls, database: Database, building_id: int | None = None
                    ) -> SecurityTraffic:
        """The registered security devices (of one building, or all)."""
        with database.session() as session:
            return cls.of_session(session, building_id)

    @classmethod
    def of_session(cls, session: Session, building_id: int | None = None) -> SecurityTraffic:
        """As :meth:`of_database`, in an open session."""
        query = select(DeviceRow).where(DeviceRow.kind.in_(("access_reader", "door_contact")))
        if building_id is not None:
            query = query.where(DeviceRow.building_id == building_id)
        rows = list(session.scalars(query.order_by(DeviceRow.key)))
        contacts = {r.equipment: r.key for r in rows if r.kind == "door_contact" and r.equipment}
        traffic = cls()
        for row in rows:
            if row.kind == "access_reader":
                pair = (row.key, contacts.pop(row.equipment, None) if row.equipment else None)
                if "PLANT" in row.key.upper():
                    traffic.plant = pair
                else:
                    traffic.readers.append(pair)
        traffic.fire_doors = sorted(contacts.values())
        parks = select(CarParkRow.id)
        if building_id is not None:
            parks = parks.where(CarParkRow.building_id == building_id)
        park_ids = list(session.scalars(parks))
        traffic.bays = [b for b in session.scalars(select(ParkingBayRow.device).where(
            ParkingBayRow.car_park_id.in_(park_ids), ParkingBayRow.device.is_not(None))
            .order_by(ParkingBayRow.code))]
        traffic.gates = [(g.device, g.direction) for g in session.scalars(
            select(ParkingGateRow).where(ParkingGateRow.car_park_id.in_(park_ids)))]
        vehicles = select(VehicleRow.plate).order_by(VehicleRow.plate)
        if building_id is not None:
            vehicles = vehicles.where(VehicleRow.building_id == building_id)
        traffic.plates = list(session.scalars(vehicles))
        return traffic

    def __call__(self, t0: float, t1: float) -> list[dict[str, Any]]:
        """Events in ``(t0, t1]``, in time order."""
        events: list[dict[str, Any]] = []
        k = int(t0 // _SLOT_S) - 1  # a slot's events run up to ~12 minutes past its start
        while k * _SLOT_S <= t1:
            events += self.slot(k * _SLOT_S)
            k += 1
        return sorted((e for e in events if t0 < e["ts"] <= t1), key=lambda e: e["ts"])

    def slot(self, ts: float) -> list[dict[str, Any]]:
        """The events of the 10-minute slot starting at ``ts``."""
        local = (ts + _UTC_OFFSET_S) % 86400
        working = 7 * 3600 <= local < 19 * 3600
        events: list[dict[str, Any]] = []
        if working:
            for reader, contact in self.readers:
                offset = 30 + _unit(reader, ts) * 400
                events += badge_in(reader, contact, ts + offset, f"C{int(_unit(ts) * 900):04d}")
        for n, bay in enumerate(self.bays):
            if _unit(bay, ts) < (0.08 if working else 0.01):
                busy = _unit(bay, ts, "state") < (0.7 if working else 0.2)
                events.append({"device": bay, "ts": ts + 5 + n % 60,
                               "type": "parking.spot.changed",
                               "status": "occupied" if busy else "free"})
        if self.gates and self.plates and working and _unit("gate", ts) < 0.3:
            plate = self.plates[int(_unit("plate", ts) * len(self.plates))]
            device, _ = self.gates[int(_unit("dir", ts) * len(self.gates))]
            events.append({"device": device, "ts": ts + 120, "type": "lpr.read",
                           "plate": plate, "confidence": 0.95})
        events += self._faults(ts, local)
        return events

    def _faults(self, ts: float, local: float) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        if self.plant and local <= _FORCED_AT_S < local + _SLOT_S and self.plant[1]:
            at = ts + _FORCED_AT_S - local
            events += [{"device": self.plant[1], "ts": at, "type": "door.opened"},
                       {"device": self.plant[1], "ts": at + 40, "type": "door.closed"}]
        if self.fire_doors and local <= _HELD_AT_S < local + _SLOT_S:
            at = ts + _HELD_AT_S - local
            events += [{"device": self.fire_doors[0], "ts": at, "type": "door.opened"},
                       {"device": self.fire_doors[0], "ts": at + 240, "type": "door.closed"}]
        return events


def badge_in(reader: str, contact: str | None, ts: float, credential: str,
             hold_s: float = 6.0) -> list[dict[str, Any]]:
    """A granted badge and the door opening 2 s later, closed ``hold_s`` after."""
    events = [{"device": reader, "ts": ts, "type": "access.granted", "credential": credential}]
    if contact:
        events += [{"device": contact, "ts": ts + 2, "type": "door.opened"},
                   {"device": contact, "ts": ts + 2 + hold_s, "type": "door.closed"}]
    return events


def _scenario_events(traffic: SecurityTraffic, name: str, now: float) -> list[dict[str, Any]]:
    if name == "normal":
        return [e for e in traffic.slot(now - _SLOT_S - 700) if e["ts"] <= now]
    if name == "forced_door":
        contact = (traffic.plant or (None, None))[1] or \
            next((c for _r, c in traffic.readers if c), None)
        return [] if contact is None else [{"device": contact, "ts": now - 1,
                                            "type": "door.opened"}]
    if name == "held_open":
        contact = traffic.fire_doors[0] if traffic.fire_doors else None
        return [] if contact is None else [{"device": contact, "ts": now - 90,
                                            "type": "door.held_open"}]
    if name == "denials":
        reader = traffic.readers[0][0] if traffic.readers else None
        return [] if reader is None else [
            {"device": reader, "ts": now - 50 + 8 * n, "type": "access.denied.unknown_credential",
             "credential": "X9999"} for n in range(5)]
    return []  # overstay: handled with the clock


def play_scenario(session: Session, building_id: int, user: User | None,
                  security: SecurityService, name: str) -> ScenarioPublic:
    """Send a scenario's events now through the ingest (source ``simulator``).

    Raises
    ------
    NotFoundError
        An unknown scenario.
    """
    portfolio.get_building(session, building_id, user)
    if name not in SCENARIOS:
        raise NotFoundError(f"no scenario {name!r}; known: {', '.join(SCENARIOS)}")
    traffic = SecurityTraffic.of_session(session, building_id)
    now = security.clock()
    before = security.findings
    if name == "overstay":
        bay = traffic.bays[0] if traffic.bays else None
        events = [] if bay is None else [{"device": bay, "ts": now - 13 * 3600,
                                          "type": "parking.spot.changed",
                                          "status": "occupied"}]
        result = security.ingest(events, source="simulator", building_id=building_id)
        findings = security.tick(now)
    else:
        events = _scenario_events(traffic, name, now)
        result = security.ingest(events, source="simulator", building_id=building_id)
        findings = []
    alarms = [f.rule for f in findings] if findings else \
        ([] if security.findings == before else _latest_rules(security, building_id))
    return ScenarioPublic(scenario=name, events=len(events), stored=result.stored,
                          alarms=alarms)


def _latest_rules(security: SecurityService, building_id: int) -> list[str]:
    alarms = security.maintenance.alarm_list(building_id, state="open", roots_only=False)
    newest = max((a.last_seen for a in alarms), default=None)
    return sorted({a.rule for a in alarms if a.last_seen == newest})

