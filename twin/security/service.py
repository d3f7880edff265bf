"""数字安防 in the running system: what the security router, the ``twin security`` commands and
the demo call: the event ingest over HTTP, the event log, doors, car parks and allow-lists,
security alarms with their route, guard dispatch and event retention.

Every function taking ``user`` checks that the user may see the building (None: no check, for
the CLI and the demo). Subjects (credentials, plates, names) are masked for users without
``security.act``. The fleet (公务用车) is in :mod:`twin.security.fleet`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from security.choices import PLATE_LISTS
from security.events import mask_subject
from security.parking import bay_counts, normalise_plate
from spaces.routing import locate, route
from twin.core.accounts import record_audit
from twin.core.database import Database
from twin.core.errors import ConflictError, InvalidInputError, NotFoundError
from twin.core.permissions import may
from twin.core.tables import ElementRow, User
from twin.iot import service as iot
from twin.iot.records import iso_ms
from twin.iot.schemas import IngestResultPublic
from twin.maintenance.schemas import AlarmPublic, LocationPublic, RoutePublic
from twin.maintenance.service import MaintenanceService
from twin.portfolio import service as portfolio
from twin.security.runtime import SecurityService
from twin.security.schemas import (
    CarParkCreate,
    CarParkPublic,
    DispatchPublic,
    DoorPublic,
    EventPublic,
    PlateEntryCreate,
    PlateEntryPublic,
    SecurityAlarmPublic,
)
from twin.security.tables import (
    CarParkRow,
    DispatchRow,
    DoorStateRow,
    ParkingBayRow,
    ParkingGateRow,
    PlateEntryRow,
    SecurityEventRow,
    SecuritySettingsRow,
)

__all__ = ["add_car_park", "add_gate", "add_plate", "car_parks", "dispatch_guard", "doors",
           "ingest_events", "list_events", "list_plates", "parse_time", "prune_events",
           "remove_plate", "retention", "security_alarms", "set_retention", "sees_subjects",
           "visitor_flow_events"]

_DEFAULT_RETENTION_DAYS = 180.0


def sees_subjects(user: User | None) -> bool:
    """Whether ``user`` may read credentials, plates and names unmasked (the CLI may)."""
    return user is None or may(user.role, "security.act")


def parse_time(value: str | float | None, what: str) -> float | None:
    """Unix seconds of ISO 8601 text or a number (text without offset: UTC).

    Raises
    ------
    InvalidInputError
        Neither.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            return float(value)
        except ValueError:
            raise InvalidInputError(f"{what} {value!r} is not ISO 8601 or Unix seconds") \
                from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


def iso_s(ts: float | None) -> str | None:
    """Unix seconds as ISO 8601 UTC text."""
    return None if ts is None else iso_ms(int(ts * 1000))


# -- the event ingest ----------------------------------------------------------------------

def ingest_events(database: Database, security: SecurityService, token: str | None,
                  body: bytes, content_type: str) -> IngestResultPublic:
    """Check the sender (the tokens of ``/ingest``), decode ``body`` (a JSON array of
    events, or ``{"events": [...]}``) and ingest it (blocking: run it in a thread).

    Raises
    ------
    AuthError, PermissionDeniedError
        As :func:`twin.iot.service.sender_scope`.
    InvalidInputError
        Not a JSON array.
    """
    if "csv" in content_type:
        raise InvalidInputError("security events are JSON: send an array of "
                                "{device, ts, type, ...} objects")
    with database.session() as session:
        allowed = iot.sender_scope(session, token, security.ingestor)
    if body.lstrip().startswith(b"{"):
        import json

        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidInputError(f"the body is not JSON: {error}") from None
        if not isinstance(data, dict) or not isinstance(data.get("events"), list):
            raise InvalidInputError("send a JSON array of {device, ts, type} objects "
                                    "(or {\"events\": [...]})")
        items = data["events"]
    else:
        items = iot.decode_batch(body, "application/json")
    return IngestResultPublic.model_validate(
        security.ingest(items, source="http", allowed=allowed).summary())


# -- the event log -------------------------------------------------------------------------

def list_events(session: Session, building_id: int, user: User | None, *,
                type_prefix: str | None = None, device: str | None = None,
                door: str | None = None, storey: str | None = None,
                since: str | None = None, until: str | None = None, limit: int = 200,
                offset: int = 0) -> list[EventPublic]:
    """Events of a building, newest first, filtered; subjects masked where the user may
    not see them.

    Parameters
    ----------
    type_prefix : str, optional
        ``door`` matches every ``door.*`` type; a full type matches itself.
    since, until : str, optional
        ISO 8601 or Unix seconds.
    """
    portfolio.get_building(session, building_id, user)
    query = select(SecurityEventRow).where(SecurityEventRow.building_id == building_id)
    if type_prefix:
        query = query.where((SecurityEventRow.type == type_prefix)
                            | SecurityEventRow.type.startswith(type_prefix + "."))
    for column, value in ((SecurityEventRow.device, device), (SecurityEventRow.door, door),
                          (SecurityEventRow.storey, storey)):
        if value:
            query = query.where(column == value)
    low, high = parse_time(since, "since"), parse_time(until, "until")
    if low is not None:
        query = query.where(SecurityEventRow.ts >= int(low * 1000))
    if high is not None:
        query = query.where(SecurityEventRow.ts <= int(high * 1000))
    rows = session.scalars(query.order_by(SecurityEventRow.ts.desc(), SecurityEventRow.id.desc())
                           .limit(limit).offset(offset))
    return _events_public(rows, user)


def visitor_flow_events(session: Session, building_id: int, user: User | None, *,
                        limit: int = 100) -> list[EventPublic]:
    """Plates held at a gate for the visitor registration (unknown or untrusted reads),
    newest first (:func:`twin.security.visitors.visitor_flow`); plates masked as events."""
    from twin.security.visitors import visitor_flow

    portfolio.get_building(session, building_id, user)
    return _events_public(visitor_flow(session, building_id, limit=limit), user)


def _events_public(rows: Iterable[SecurityEventRow], user: User | None) -> list[EventPublic]:
    full = sees_subjects(user)
    return [EventPublic(id=r.id, ts=iso_ms(r.ts), device=r.device, type=r.type, door=r.door,
                        space=r.space, storey=r.storey,
                        subject=r.subject if full else mask_subject(r.subject, r.subject_kind),
                        subject_kind=r.subject_kind, confidence=r.confidence,
                        correlation_id=r.correlation_id, data=r.data) for r in rows]


# -- doors ---------------------------------------------------------------------------------

def doors(session: Session, building_id: int, user: User | None, *,
          storey: str | None = None) -> list[DoorPublic]:
    """Doors with readers or contacts, with their live state (``unknown`` before any event)."""
    building = portfolio.get_building(session, building_id, user)
    devices: dict[str, list[str]] = {}
    for row in iot.list_devices(session, building_id, None):
        if row.kind in ("access_reader", "door_contact") and row.equipment:
            devices.setdefault(row.equipment, []).append(row.key)
    if not devices:
        return []
    revision = portfolio.latest_revision(session, building)
    elements = {e.global_id: e for e in session.scalars(select(ElementRow).where(
        ElementRow.revision_id == revision.id, ElementRow.global_id.in_(list(devices))))}
    storeys = dict(session.execute(select(ElementRow.global_id, ElementRow.name).where(
        ElementRow.revision_id == revision.id, ElementRow.kind == "storey")).all())
    states = {s.door: s for s in session.scalars(select(DoorStateRow).where(
        DoorStateRow.building_id == building_id))}
    answer = []
    for door, keys in sorted(devices.items()):
        element, state = elements.get(door), states.get(door)
        if storey and (element is None or element.storey != storey):
            continue
        centroid = (element.data or {}).get("centroid") if element else None
        answer.append(DoorPublic(door=door, name=element.name if element else None,
                                 storey=element.storey if element else None,
                                 storey_name=storeys.get(element.storey) if element else None,
                                 state=state.state if state else "unknown",
                                 lock=state.lock if state else "unknown",
                                 since=iso_ms(state.since) if state else None,
                                 devices=sorted(keys), centroid=centroid))
    return answer


# -- car parks -----------------------------------------------------------------------------

def add_car_park(session: Session, building_id: int, user: User | None, spec: CarParkCreate,
                 *, actor: str, bay_devices: bool = False) -> CarParkPublic:
    """Configure a car park and its bays (``<code>-001`` ...); with ``bay_devices`` each bay
    is bound to the sensor of the same serial key.

    Raises
    ------
    ConflictError
        The code is taken in this building.
    """
    portfolio.get_building(session, building_id, user)
    if session.scalar(select(CarParkRow.id).where(CarParkRow.building_id == building_id,
                                                  CarParkRow.code == spec.code)):
        raise ConflictError(f"car park {spec.code} exists already")
    row = CarParkRow(building_id=building_id, code=spec.code, name=spec.name,
                     space=spec.space, max_stay_h=spec.max_stay_h)
    session.add(row)
    session.flush()
    session.add_all(ParkingBayRow(car_park_id=row.id, code=f"{spec.code}-{n:03d}",
                                  device=f"{spec.code}-{n:03d}" if bay_devices else None,
                                  status="unknown", since=0)
                    for n in range(1, spec.bays + 1))
    record_audit(session, actor=actor, action="security.car_park.add", target=spec.code,
                 detail={"bays": spec.bays})
    session.flush()
    return _car_park_public(session, row, with_bays=True)


def add_gate(session: Session, building_id: int, car_park: str, *, name: str, device: str,
             direction: str, actor: str) -> None:
    """Bind a plate-reader camera to a car park's gate (``direction`` in, out or both).

    Raises
    ------
    NotFoundError
        No such car park.
    InvalidInputError
        A direction other than in, out or both.
    """
    if direction not in ("in", "out", "both"):
        raise InvalidInputError(f"gate direction {direction!r} is not in, out or both")
    park = _car_park(session, building_id, car_park)
    session.add(ParkingGateRow(car_park_id=park.id, name=name, device=device,
                               direction=direction))
    record_audit(session, actor=actor, action="security.gate.add", target=device)
    session.flush()


def _car_park(session: Session, building_id: int, code: str) -> CarParkRow:
    row = session.scalar(select(CarParkRow).where(CarParkRow.building_id == building_id,
                                                  CarParkRow.code == code))
    if row is None:
        raise NotFoundError(f"no car park {code!r} in building {building_id}")
    return row


def _car_park_public(session: Session, row: CarParkRow, *, with_bays: bool) -> CarParkPublic:
    bays = list(session.scalars(select(ParkingBayRow).where(ParkingBayRow.car_park_id == row.id)
                                .order_by(ParkingBayRow.code)))
    gates = session.scalars(select(ParkingGateRow).where(ParkingGateRow.car_park_id == row.id))
    return CarParkPublic(
        id=row.id, code=row.code, name=row.name, space=row.space, max_stay_h=row.max_stay_h,
        counts=bay_counts(b.status for b in bays),
        bays=[{"code": b.code, "device": b.device, "status": b.status,
               "since": iso_ms(b.since) if b.since else None} for b in bays]
        if with_bays else [],
        gates=[{"name": g.name, "device": g.device, "direction": g.direction} for g in gates])


def car_parks(session: Session, building_id: int, user: User | None, *,
              with_bays: bool = False) -> list[CarParkPublic]:
    """Car parks of a building with their live counts (and bays)."""
    portfolio.get_building(session, building_id, user)
    rows = session.scalars(select(CarParkRow).where(CarParkRow.building_id == building_id)
                           .order_by(CarParkRow.code))
    return [_car_park_public(session, r, with_bays=with_bays) for r in rows]


# -- allow-lists ---------------------------------------------------------------------------

def add_plate(session: Session, building_id: int, user: User | None, spec: PlateEntryCreate,
              *, actor: str) -> PlateEntryPublic:
    """Put a plate on an allow-list or the blocked list (the fleet is its own list).

    Raises
    ------
    InvalidInputError
        Unknown list, ``fleet`` (add a vehicle instead), or a validity that ends first.
    """
    portfolio.get_building(session, building_id, user)
    lists = [c.value for c in PLATE_LISTS if c.value != "fleet"]
    if spec.list not in lists:
        raise InvalidInputError(f"plate list {spec.list!r} is not one of {', '.join(lists)} "
                                "(fleet plates come from the vehicles)")
    start, end = parse_time(spec.valid_from, "valid_from"), parse_time(spec.valid_to, "valid_to")
    if start is not None and end is not None and end <= start:
        raise InvalidInputError("valid_to must be after valid_from")
    row = PlateEntryRow(building_id=building_id, plate=normalise_plate(spec.plate),
                        list=spec.list, holder=spec.holder, valid_from=start, valid_to=end)
    session.add(row)
    record_audit(session, actor=actor, action="security.plate.add", target=row.plate,
                 detail={"list": spec.list})
    session.flush()
    return _plate_public(row, True)


def _plate_public(row: PlateEntryRow, full: bool) -> PlateEntryPublic:
    return PlateEntryPublic(id=row.id, plate=row.plate if full else
                            mask_subject(row.plate, "plate"), list=row.list, holder=row.holder,
                            valid_from=iso_s(row.valid_from), valid_to=iso_s(row.valid_to))


def list_plates(session: Session, building_id: int, user: User | None, *,
                plate_list: str | None = None) -> list[PlateEntryPublic]:
    """Plate entries of a building (masked for users who may not see plates)."""
    portfolio.get_building(session, building_id, user)
    query = select(PlateEntryRow).where(PlateEntryRow.building_id == building_id)
    if plate_list:
        query = query.where(PlateEntryRow.list == plate_list)
    full = sees_subjects(user)
    return [_plate_public(r, full) for r in session.scalars(query.order_by(PlateEntryRow.id))]


def remove_plate(session: Session, building_id: int, user: User | None, entry_id: int, *,
                 actor: str) -> None:
    """Take a plate entry off its list.

    Raises
    ------
    NotFoundError
    """
    portfolio.get_building(session, building_id, user)
    row = session.get(PlateEntryRow, entry_id)
    if row is None or row.building_id != building_id:
        raise NotFoundError(f"no plate entry {entry_id} in building {building_id}")
    session.delete(row)
    record_audit(session, actor=actor, action="security.plate.remove", target=row.plate)


# -- alarms, routes, dispatch --------------------------------------------------------------

def security_alarms(session: Session, building_id: int, user: User | None,
                    maintenance: MaintenanceService, rule_names: Iterable[str], *,
                    state: str = "open") -> list[SecurityAlarmPublic]:
    """Alarms of the security rules, with where they are and the walk from the entrance."""
    portfolio.get_building(session, building_id, user)
    names = set(rule_names)
    graph = maintenance.books_of(building_id).graph
    dispatched = {d.alarm_id: d for d in session.scalars(select(DispatchRow).where(
        DispatchRow.building_id == building_id))}
    answer = []
    for alarm in maintenance.alarm_list(building_id, state=state, roots_only=False):
        if alarm.rule not in names:
            continue
        location = walk = None
        if alarm.source in graph:
            location = LocationPublic.model_validate(locate(graph, alarm.source))
            try:
                walk = RoutePublic.model_validate(route(graph, alarm.source).to_dict()
                                                  | {"target": asdict(locate(graph,
                                                                             alarm.source))})
            except Exception:  # noqa: BLE001 - no walk (an unreachable door) is not an error
                walk = None
        sent = dispatched.get(alarm.alarm_id)
        answer.append(SecurityAlarmPublic(
            alarm=alarm, location=location, route=walk,
            dispatch={"work_order_id": sent.work_order_id, "guard": sent.guard}
            if sent else None))
    return answer


def dispatch_guard(session: Session, building_id: int, user: User | None,
                   maintenance: MaintenanceService, alarm_id: str, guard: str, *,
                   actor: str) -> DispatchPublic:
    """Send a guard to an alarm: its work order (type security), assigned to the guard.

    The alarm's work order is reused where the alarm policy opened one already.

    Raises
    ------
    maintenance.errors.UnknownAlarmError
        No such alarm in the building.
    ConflictError
        A guard is on the way already.
    """
    portfolio.get_building(session, building_id, user)
    alarm = maintenance.books_of(building_id).alarms.get(alarm_id)
    if session.scalar(select(DispatchRow).where(DispatchRow.alarm_id == alarm_id)):
        raise ConflictError(f"a guard is dispatched to {alarm_id} already")

    def act(orders, now):
        order = next((o for o in orders.orders.values()
                      if o.alarm_id == alarm_id and not o.is_closed), None)
        if order is None:
            order = orders.create_from_alarm(alarm, actor=actor, ts=now)
        return orders.assign(order.work_order_id, guard, actor=actor, ts=now)

    order = maintenance.act_on_order(building_id, act)
    session.add(DispatchRow(work_order_id=order.work_order_id, building_id=building_id,
                            alarm_id=alarm_id, guard=guard))
    record_audit(session, actor=actor, action="security.dispatch", target=alarm_id,
                 detail={"guard": guard, "work_order": order.work_order_id})
    session.flush()
    return DispatchPublic(work_order_id=order.work_order_id, alarm_id=alarm_id, guard=guard,
                          state=order.state)


def alarm_of(alarm: Any) -> AlarmPublic:
    """An alarm in its public shape."""
    return AlarmPublic.model_validate(alarm)


# -- retention -----------------------------------------------------------------------------

def retention(session: Session, building_id: int, user: User | None) -> float:
    """Days security events of the building are kept."""
    portfolio.get_building(session, building_id, user)
    row = session.get(SecuritySettingsRow, building_id)
    return row.retention_days if row else _DEFAULT_RETENTION_DAYS


def set_retention(session: Session, building_id: int, user: User | None, days: float, *,
                  actor: str) -> float:
    """Set how long security events are kept (days); returns it."""
    portfolio.get_building(session, building_id, user)
    row = session.get(SecuritySettingsRow, building_id)
    if row is None:
        session.add(SecuritySettingsRow(building_id=building_id, retention_days=days))
    else:
        row.retention_days = days
    record_audit(session, actor=actor, action="security.retention", target=str(building_id),
                 detail={"days": days})
    return days


def prune_events(session: Session, now: float) -> int:
    """Delete events older than each building's retention; how many."""
    settings = {r.building_id: r.retention_days
                for r in session.scalars(select(SecuritySettingsRow))}
    buildings = session.scalars(select(SecurityEventRow.building_id).distinct())
    deleted = 0
    for building_id in list(buildings):
        days = settings.get(building_id, _DEFAULT_RETENTION_DAYS)
        cutoff = int((now - days * 86400) * 1000)
        deleted += session.execute(delete(SecurityEventRow).where(
            SecurityEventRow.building_id == building_id,
            SecurityEventRow.ts < cutoff)).rowcount or 0
    return deleted


def event_counts(session: Session, building_id: int) -> dict[str, int]:
    """Stored events by type."""
    return dict(session.execute(select(SecurityEventRow.type, func.count()).where(
        SecurityEventRow.building_id == building_id).group_by(SecurityEventRow.type)).all())
