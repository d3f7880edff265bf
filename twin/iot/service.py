"""The IoT domain's service: what the readings and simulator routers, the ``twin devices``
commands and ``twin demo`` call, so that each query and each orchestration has one
implementation.

Every function taking ``user`` checks that the user may see the building (None: no check,
for the CLI and the demo) and answers with the schemas of :mod:`twin.iot.schemas`. Functions
that change the registry take the live :class:`~twin.iot.ingest.Ingestor` where there is one:
the change is committed first, then the ingest reloads its devices.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twin.core.accounts import issue_device_token, record_audit, resolve_token, user_of_token
from twin.core.database import Database
from twin.core.errors import (
    AuthError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from twin.core.permissions import may
from twin.core.tables import User
from twin.iot import registry
from twin.iot.ingest import Ingestor
from twin.iot.query import read_series, space_values
from twin.iot.records import DeviceRecord, StateChange, iso_ms
from twin.iot.schemas import (
    DeadLetterPublic,
    DevicePublic,
    DeviceStatePublic,
    FaultCreate,
    FaultPublic,
    FaultsClearedPublic,
    IngestResultPublic,
    SeriesPublic,
    SimulatorPublic,
    SpaceValuePublic,
    SpaceValuesPublic,
)
from twin.iot.simulator import Simulator, fault_from_request
from twin.iot.tables import DeadLetter, DeviceRow, DeviceStateRow
from twin.iot.validation import REASONS, parse_timestamp
from twin.portfolio import service as portfolio

__all__ = [
    "DEVICE_LIST_LIMIT",
    "STREAM_TYPES",
    "authorize_stream",
    "clear_faults",
    "dead_letters",
    "decode_batch",
    "device_readings",
    "device_states",
    "ingest_batch",
    "import_devices",
    "inject_fault",
    "issue_sender_token",
    "list_devices",
    "parse_instant",
    "register_devices",
    "running_simulator",
    "sender_scope",
    "simulator_status",
    "space_states",
    "stream_filter",
    "unregister_device",
]

#: Message types of the push stream.
STREAM_TYPES = ("state", "alarm", "work_order", "asset_reminder", "meeting")
#: The largest device list an import reads (bytes).
DEVICE_LIST_LIMIT = 8 * 2**20


def parse_instant(text: str | None, default_ms: int) -> int:
    """Milliseconds since the epoch of a query parameter: ISO 8601 or Unix seconds.

    Parameters
    ----------
    text : str or None
        What the client sent; None gives ``default_ms``.
    default_ms : int

    Raises
    ------
    InvalidInputError
        Neither ISO 8601 nor a number.

    Examples
    --------
    >>> parse_instant("1700000000.5", 0)
    1700000000500
    >>> parse_instant(None, 42)
    42
    """
    if text is None:
        return default_ms
    try:
        return parse_timestamp(float(text) if text.replace(".", "", 1).isdigit() else text)
    except (ValueError, OverflowError):
        raise InvalidInputError(f"{text!r} is not an ISO 8601 time or Unix seconds") from None


# -- device registry -----------------------------------------------------------------------

def _public_device(row: DeviceRow) -> DevicePublic:
    return DevicePublic(key=row.key, kind=row.kind, unit=row.unit, state_class=row.state_class,
                        min=row.minimum, max=row.maximum, equipment=row.equipment,
                        space=row.space, storey=row.storey, name=row.name, source=row.source,
                        parent=row.parent, category=row.category)


def _registry_changed(session: Session, ingestor: Ingestor | None) -> None:
    """Commit a registry change and let the live ingest see it (it reads the database)."""
    if ingestor is not None:
        session.commit()
        ingestor.reload()


def list_devices(session: Session, building_id: int, user: User | None, *,
                 kind: str | None = None, space: str | None = None,
                 storey: str | None = None) -> list[DevicePublic]:
    """Registered devices of a building, by serial key.

    Parameters
    ----------
    session : Session
    building_id : int
    user : User or None
        Who asks (None: no access check).
    kind, space, storey : str, optional
        Only devices of this kind, in this space, on this storey (GlobalIds).

    Returns
    -------
    list of DevicePublic

    Raises
    ------
    NotFoundError
        No such building, or not visible to ``user``.
    """
    building = portfolio.get_building(session, building_id, user)
    return [_public_device(r) for r in registry.list_devices(session, building, kind=kind,
                                                              space=space, storey=storey)]


def register_devices(session: Session, building_id: int, user: User | None,
                     devices: Iterable[Mapping[str, Any]], *, actor: str, source: str = "api",
                     replace: bool = False, ingestor: Ingestor | None = None
                     ) -> list[DevicePublic]:
    """Register devices of a building, all or none.

    Parameters
    ----------
    devices : iterable of mapping
        Specs as :func:`twin.iot.registry.add_devices` takes them (``DeviceCreate`` dumps).
    actor : str
        Recorded in the audit log.
    source : str
        ``api``, ``csv`` or ``model``.
    replace : bool
        Update devices whose serial key exists in this building.
    ingestor : Ingestor, optional
        The live ingest: the change is committed and it reloads its devices.

    Returns
    -------
    list of DevicePublic

    Raises
    ------
    InvalidInputError, ConflictError
        As :func:`twin.iot.registry.add_devices`; nothing is stored.
    """
    building = portfolio.get_building(session, building_id, user)
    rows = registry.add_devices(session, building, devices, source=source, actor=actor,
                                replace=replace)
    devices = [_public_device(r) for r in rows]
    _registry_changed(session, ingestor)
    return devices


def import_devices(session: Session, building_id: int, user: User | None, *, source: str,
                   actor: str, data: bytes | str | Path | None = None, replace: bool = False,
                   ingestor: Ingestor | None = None) -> list[DevicePublic]:
    """Register devices from a ``devices.csv`` (``source="csv"``) or from the model's
    ``IfcSensor`` and ``IfcFlowMeter`` elements (``source="model"``).

    Parameters
    ----------
    source : {"csv", "model"}
    data : bytes, str or Path, optional
        The ``devices.csv`` (its content, or its path); needed for ``csv``.
    actor, replace, ingestor
        As :func:`register_devices`.

    Returns
    -------
    list of DevicePublic

    Raises
    ------
    InvalidInputError
        An unknown source, no list for ``csv``, or a wrong list (nothing is stored).
    """
    building = portfolio.get_building(session, building_id, user)
    if source == "model":
        specs = registry.devices_from_model(session, building)
    elif source == "csv":
        if data is None:
            raise InvalidInputError("a device list (devices.csv) is needed to import from csv")
        specs = registry.devices_from_csv(data)
    else:
        raise InvalidInputError(f"devices come from 'csv' or 'model', not {source!r}")
    rows = registry.add_devices(session, building, specs, source=source, actor=actor,
                                replace=replace)
    devices = [_public_device(r) for r in rows]
    _registry_changed(session, ingestor)
    return devices


def unregister_device(session: Session, building_id: int, user: User | None,
                      device_key: str, *, actor: str, ingestor: Ingestor | None = None) -> None:
    """Unregister the device with serial key ``device_key`` and delete its readings.

    Raises
    ------
    NotFoundError
        No such building or device.
    """
    registry.remove_device(session, portfolio.get_building(session, building_id, user),
                           device_key, actor=actor)
    _registry_changed(session, ingestor)


# -- ingest --------------------------------------------------------------------------------

def _number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def decode_batch(body: bytes, content_type: str) -> list[Any]:
    """The items of an ingest body: a JSON array of ``{"device", "ts", "value"}`` (or
    ``{"readings": [...]}``), or CSV lines ``device,ts,value`` (an optional header).

    Lines that are not three fields become ``{"line": ...}`` items, which the ingest refuses
    as malformed.

    Raises
    ------
    InvalidInputError
        Not UTF-8 CSV, not JSON, or JSON of another shape.
    """
    if "csv" in content_type or "text/plain" in content_type:
        try:
            lines = body.decode("utf-8-sig").splitlines()
        except UnicodeDecodeError:
            raise InvalidInputError("the CSV body is not UTF-8") from None
        rows = list(csv.reader(lines))
        if rows and [c.strip().lower() for c in rows[0]] == ["device", "ts", "value"]:
            rows = rows[1:]
        return [{"device": r[0], "ts": _number(r[1]), "value": _number(r[2])} if len(r) == 3
                else {"line": ",".join(r)} for r in rows if r]
    try:
        data = json.loads(body)
    except ValueError as error:  # not JSON, not UTF-8, an integer of over 4,300 digits
        raise InvalidInputError(f"the body is not JSON: {error}") from None
    except RecursionError:
        raise InvalidInputError("the body's JSON is nested too deeply") from None
    if isinstance(data, dict) and isinstance(data.get("readings"), list):
        data = data["readings"]
    if not isinstance(data, list):
        raise InvalidInputError("send a JSON array of {device, ts, value} objects "
                                "(or {\"readings\": [...]}), or CSV lines device,ts,value")
    return data


def sender_scope(session: Session, token: str | None,
                 ingestor: Ingestor) -> Callable[[DeviceRecord], bool]:
    """What the presented token may report for: a device (its own token), a gateway's
    building, or the buildings of a user allowed to manage devices.

    Raises
    ------
    AuthError
        No token, an unknown or expired one, or a disabled account.
    PermissionDeniedError
        A user token of an account that may not send readings.
    """
    if not token:
        raise AuthError("send 'Authorization: Bearer <device or user token>'")
    row = resolve_token(session, token)
    if row.kind == "device":  # a device's own token: that device only, while registered
        device_key, building_id = row.device, row.building_id
        own = ingestor.lookup(device_key) if device_key else None
        if own is None or (building_id is not None and own.building_id != building_id):
            raise PermissionDeniedError(f"the device of this token ({device_key!r}) is not "
                                        f"registered (any more); issue a new token")
        return lambda d: d.key == device_key and d.building_id == own.building_id
    if row.kind == "gateway":  # a gateway's token: every device of its one building
        building_id = row.building_id
        if building_id is None:
            raise PermissionDeniedError("this gateway token names no building")
        return lambda d: d.building_id == building_id
    user = user_of_token(session, token)  # the one place a user token becomes a user
    if not may(user.role, "devices.manage"):
        raise PermissionDeniedError("only devices, gateways, admins and maintenance staff "
                                    "send readings")
    if user.all_buildings or user.role == "admin":
        return lambda d: True
    scope = {b.building_id for b in user.buildings}
    return lambda d: d.building_id in scope


def issue_sender_token(session: Session, user: User, *, device: str,
                       building_id: int | None) -> tuple[str, str, int | None]:
    """A token for a registered device (that device only) or a gateway (every device of
    one building): ``(token, kind, building_id)``.

    Raises
    ------
    NotFoundError
        ``building_id`` is not a building ``user`` may see.
    InvalidInputError
        ``device`` is not a registered device and no ``building_id`` names the gateway's
        building, or the device sits in another building than ``building_id``.
    """
    building = None if building_id is None else \
        portfolio.get_building(session, building_id, user)
    row = session.scalar(select(DeviceRow).where(DeviceRow.key == device))
    if row is not None and (building is None or row.building_id == building.id):
        portfolio.get_building(session, row.building_id, user)
        kind, building_id = "device", row.building_id
    elif building is None:
        raise InvalidInputError(f"{device!r} is not a registered device: a gateway token "
                                f"needs building_id (the gateway's building)")
    elif row is not None:
        raise InvalidInputError(f"device {device!r} is not in building {building.id}")
    else:
        kind = "gateway"
    token = issue_device_token(session, device=device, building_id=building_id, kind=kind,
                               actor=user.username)
    return token, kind, building_id


def ingest_batch(database: Database, ingestor: Ingestor, token: str | None, body: bytes,
                 content_type: str) -> IngestResultPublic:
    """Check the sender, decode ``body`` and ingest it (blocking: run it in a thread).

    Returns
    -------
    IngestResultPublic

    Raises
    ------
    AuthError, PermissionDeniedError
        As :func:`sender_scope`.
    InvalidInputError
        As :func:`decode_batch`.
    """
    with database.session() as session:
        allowed = sender_scope(session, token, ingestor)
    items = decode_batch(body, content_type)
    return IngestResultPublic.model_validate(
        ingestor.ingest(items, source="http", allowed=allowed).summary())


def dead_letters(session: Session, building_id: int, user: User | None, *,
                 reason: str | None = None, limit: int = 100,
                 offset: int = 0) -> list[DeadLetterPublic]:
    """Refused readings of a building, newest first; those of no known building (unknown
    devices, bad topics) too for accounts of every building, never for a scoped one.

    Raises
    ------
    InvalidInputError
        An unknown reason.
    """
    portfolio.get_building(session, building_id, user)
    if reason is not None and reason not in REASONS:
        raise InvalidInputError(f"unknown reason {reason!r}; one of: {', '.join(REASONS)}")
    mine = DeadLetter.building_id == building_id
    query = select(DeadLetter).where(
        mine | DeadLetter.building_id.is_(None) if user is None or user.all_buildings
        else mine)
    if reason:
        query = query.where(DeadLetter.reason == reason)
    rows = session.scalars(query.order_by(DeadLetter.id.desc()).limit(limit).offset(offset))
    return [DeadLetterPublic(id=r.id, received_at=iso_ms(r.received_at), source=r.source,
                             device=r.device, reason=r.reason, detail=r.detail,
                             payload=r.payload) for r in rows]


# -- queries -------------------------------------------------------------------------------

def device_readings(session: Session, building_id: int, user: User | None, device_key: str,
                    *, start: str | None = None, end: str | None = None,
                    resolution: str = "auto") -> SeriesPublic:
    """Readings of one device over a range; ``auto`` picks raw or a rollup (≤ 2,000 points).

    Parameters
    ----------
    start, end : str, optional
        ISO 8601 or Unix seconds; default the 24 hours up to now.
    resolution : str
        ``auto``, ``raw``, or a bucket width in seconds (60, 3600, 86400).

    Raises
    ------
    NotFoundError
        No such building or device.
    InvalidInputError
        A bad time, an empty range or an unknown resolution.
    """
    building = portfolio.get_building(session, building_id, user)
    device = registry.get_device(session, building, device_key)
    end_ms = parse_instant(end, int(time.time() * 1000))
    series = read_series(session.connection(), device.id,
                         parse_instant(start, end_ms - 86_400_000), end_ms, resolution)
    columns = ["ts", "value"] if series.resolution == 0 else \
        ["ts", "mean", "min", "max", "last", "count", "delta"]
    return SeriesPublic(device=device_key, unit=device.unit,
                        resolution="raw" if series.resolution == 0 else str(series.resolution),
                        columns=columns,
                        points=[[iso_ms(p[0]), *p[1:]] for p in series.points])


def device_states(session: Session, building_id: int, user: User | None, *,
                  kind: str | None = None, space: str | None = None,
                  storey: str | None = None) -> list[DeviceStatePublic]:
    """Latest state of every device of a building, a storey or a space (by serial key;
    devices that never reported have no value)."""
    building = portfolio.get_building(session, building_id, user)
    rows = registry.list_devices(session, building, kind=kind, space=space, storey=storey)
    states = {s.device_pk: s for s in session.scalars(select(DeviceStateRow).where(
        DeviceStateRow.device_pk.in_([r.id for r in rows])))} if rows else {}
    out = []
    for r in rows:
        s = states.get(r.id)
        out.append(DeviceStatePublic(
            device=r.key, kind=r.kind, unit=r.unit, space=r.space, storey=r.storey,
            equipment=r.equipment, value=s.value if s else None,
            online=s.online if s else None,
            last_changed=iso_ms(s.last_changed) if s else None,
            last_reported=iso_ms(s.last_reported) if s else None,
            last_updated=iso_ms(s.last_updated) if s else None))
    return out


def space_states(session: Session, building_id: int, user: User | None, *,
                 kind: str = "temperature", at: str | None = None) -> SpaceValuesPublic:
    """Per space, the mean of its devices of ``kind``: live, or at a past instant (from the
    1-minute rollups) for replaying a day.

    Raises
    ------
    NotFoundError
        The building has no device of ``kind``.
    """
    building = portfolio.get_building(session, building_id, user)
    unit = registry.unit_of_kind(session, building, kind)
    at_ms = None if at is None else parse_instant(at, 0)
    values = space_values(session.connection(), building_id, kind, at_ms)
    return SpaceValuesPublic(
        kind=kind, unit=unit, at=None if at_ms is None else iso_ms(at_ms),
        spaces={gid: SpaceValuePublic(value=round(v, 3), count=n, last_updated=iso_ms(t))
                for gid, (v, n, t) in values.items()})


# -- push stream ---------------------------------------------------------------------------

def authorize_stream(database: Database, token: str | None, building_id: int) -> set[str]:
    """Check that a push-stream token is a user's who may see ``building_id``; the message
    types the user's role may receive (alarms and work orders need ``maintenance.read``,
    the capability of the REST routes that list them).

    Raises
    ------
    AuthError
        No token, a bad one, or a device token.
    NotFoundError
        The building does not exist or is not the user's.
    """
    if not token:
        raise AuthError("pass ?token=<bearer token>")
    with database.session() as session:
        user = user_of_token(session, token)
        portfolio.get_building(session, building_id, user)
        return {"state", *(("alarm", "work_order") if may(user.role, "maintenance.read")
                           else ()),
                *(("asset_reminder",) if may(user.role, "assets.read") else ()),
                *(("meeting",) if may(user.role, "meetings.read") else ())}


def _names(text: str | None) -> set[str] | None:
    return {p for p in text.split(",") if p} if text else None


def stream_filter(building_id: int, *, kind: str | None = None, storey: str | None = None,
                  space: str | None = None, types: str | None = None,
                  permitted: Iterable[str] = STREAM_TYPES
                  ) -> tuple[Callable[[Any], bool], list[str]]:
    """Which bus events a push-stream client gets, and the message types it asked for.

    Parameters
    ----------
    kind, storey, space : str, optional
        Comma-separated; filter the state messages.
    types : str, optional
        Comma-separated among :data:`STREAM_TYPES`; default all.
    permitted : iterable of str
        The types the user may receive (:func:`authorize_stream`); others are never sent.

    Returns
    -------
    accept : callable
        ``accept(event)``: whether to send it.
    types : list of str
        The message types, sorted.
    """
    kinds, storeys, spaces = _names(kind), _names(storey), _names(space)
    wanted = (_names(types) or set(STREAM_TYPES)) & set(permitted)

    def accept(event: Any) -> bool:
        if isinstance(event, StateChange):
            d: DeviceRecord = event.device
            return ("state" in wanted and d.building_id == building_id
                    and (kinds is None or d.kind.key in kinds)
                    and (storeys is None or d.storey in storeys)
                    and (spaces is None or d.space in spaces))
        return getattr(event, "type", None) in wanted and \
            getattr(event, "building_id", None) == building_id

    return accept, sorted(wanted)


# -- simulator -----------------------------------------------------------------------------

def running_simulator(simulator: Simulator | None) -> Simulator:
    """The simulator of this server process.

    Raises
    ------
    ConflictError
        It is not running here.
    """
    if simulator is None:
        raise ConflictError("the simulator is not running in this server (TWIN_SIMULATE=1 or "
                            "twin demo starts it)")
    return simulator


def simulator_status(simulator: Simulator) -> SimulatorPublic:
    """What the simulator drives, how far it got, and the faults in force."""
    return SimulatorPublic(devices=len(simulator.devices), readings_sent=simulator.sent,
                           simulated_until=simulator.simulated, speed=simulator.speed,
                           faults=[FaultPublic(**f.to_dict()) for f in simulator.faults],
                           ahu_failure_targets=sorted(simulator.templates))


def _fault_buildings(simulator: Simulator, ingestor: Ingestor | None, fault: Any) -> set[int]:
    """The buildings of the devices a fault acts on."""
    if ingestor is None:
        return set()
    found = (ingestor.lookup(key) for key in simulator.touched(fault))
    return {device.building_id for device in found if device is not None}


def _in_scope(user: User | None, buildings: set[int]) -> bool:
    if user is None or user.all_buildings:
        return True
    return buildings <= {b.building_id for b in user.buildings}


def inject_fault(simulator: Simulator, fault: FaultCreate, *, user: User | None = None,
                 ingestor: Ingestor | None = None, now: float | None = None,
                 session: Session | None = None) -> FaultPublic:
    """Inject ``fault`` from ``now`` (Unix seconds; default the clock) on, if every device it
    acts on is in ``user``'s buildings (None: no check); audited (``simulator.fault_inject``)
    in ``session`` when given.

    Raises
    ------
    InvalidInputError
        An unknown fault kind, an AHU whose rooms are not known, a ``params.devices`` that
        is not a list of serial keys, or a fault that acts on no device.
    NotFoundError
        A device it acts on is in a building outside the user's scope.
    """
    devices = fault.params.get("devices", [])
    if not isinstance(devices, list) or not all(isinstance(k, str) for k in devices):
        raise InvalidInputError("params.devices must be a list of device serial keys")
    made = simulator.expand(fault_from_request(
        fault.kind, fault.target, start=time.time() if now is None else now,
        minutes=fault.minutes, params=fault.params))
    if ingestor is not None:
        buildings = _fault_buildings(simulator, ingestor, made)
        if not buildings:
            raise InvalidInputError(f"the fault on {fault.target!r} acts on no device the "
                                    f"simulator drives")
        if not _in_scope(user, buildings):
            raise NotFoundError(f"no device or equipment {fault.target!r} in your buildings")
    simulator.inject(made)
    if session is not None:
        record_audit(session, actor=user.username if user else "system",
                     action="simulator.fault_inject", target=made.target,
                     detail=json.loads(json.dumps(made.to_dict(), default=str)))
    return FaultPublic(**made.to_dict())


def clear_faults(simulator: Simulator, *, user: User | None = None,
                 ingestor: Ingestor | None = None,
                 session: Session | None = None) -> FaultsClearedPublic:
    """Remove the injected faults of ``user``'s buildings (every fault for an account of
    all buildings, or with no user); audited (``simulator.fault_clear``) in ``session``."""
    if user is None or user.all_buildings or ingestor is None:
        cleared = simulator.clear_faults()
    else:
        cleared = simulator.clear_faults(
            lambda f: _in_scope(user, _fault_buildings(simulator, ingestor, f)))
    if session is not None:
        record_audit(session, actor=user.username if user else "system",
                     action="simulator.fault_clear", target="faults",
                     detail={"cleared": cleared})
    return FaultsClearedPublic(cleared=cleared)
