"""Live readings: the device registry, the HTTP ingest, dead letters, reading queries, live
state and the WebSocket push stream."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    File,
    Query,
    Request,
    UploadFile,
    WebSocket,
    WebSocketDisconnect,
)
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from twin.core.accounts import resolve_token
from twin.core.deps import CurrentUser, SessionDep, require_roles
from twin.core.errors import (
    AuthError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TooLargeError,
)
from twin.core.tables import User
from twin.iot import registry
from twin.iot.ingest import Ingestor
from twin.iot.query import read_series, space_values
from twin.iot.records import DeviceRecord, StateChange, iso_ms
from twin.iot.tables import DeadLetter, DeviceRow, DeviceStateRow
from twin.iot.validation import REASONS, parse_timestamp
from twin.portfolio import service as portfolio

__all__ = ["router"]

router = APIRouter(tags=["readings"])
Operator = Annotated[User, Depends(require_roles("admin", "maintenance"))]
_bearer = HTTPBearer(auto_error=False)


class DeviceIn(BaseModel):
    key: str = Field(min_length=1, max_length=100, description="stable serial key")
    kind: str
    unit: str | None = None
    state_class: str | None = None
    min: float | None = None
    max: float | None = None
    equipment: str | None = Field(None, description="GlobalId of the equipment measured")
    space: str | None = Field(None, description="GlobalId of the space it sits in")
    name: str | None = None


class DeviceOut(BaseModel):
    key: str
    kind: str
    unit: str
    state_class: str
    min: float
    max: float
    equipment: str | None
    space: str | None
    storey: str | None
    name: str | None
    source: str

    @classmethod
    def of(cls, row: DeviceRow) -> DeviceOut:
        return cls(key=row.key, kind=row.kind, unit=row.unit, state_class=row.state_class,
                   min=row.minimum, max=row.maximum, equipment=row.equipment, space=row.space,
                   storey=row.storey, name=row.name, source=row.source)


class StateOut(BaseModel):
    device: str
    kind: str
    unit: str
    space: str | None
    storey: str | None
    equipment: str | None
    value: float | None
    online: bool | None
    last_changed: str | None
    last_reported: str | None
    last_updated: str | None


class DeadLetterOut(BaseModel):
    id: int
    received_at: str
    source: str
    device: str | None
    reason: str
    detail: str
    payload: str


class SeriesOut(BaseModel):
    device: str
    unit: str
    resolution: str = Field(description="'raw' or the bucket width in seconds")
    columns: list[str]
    points: list[list[Any]]


def _ingestor(request: Request) -> Ingestor:
    return request.app.state.ingestor


def _ms(text: str | None, default_ms: int) -> int:
    if text is None:
        return default_ms
    try:
        return parse_timestamp(float(text) if text.replace(".", "", 1).isdigit() else text)
    except (ValueError, OverflowError):
        raise InvalidInputError(f"{text!r} is not an ISO 8601 time or Unix seconds") from None


# -- registry ------------------------------------------------------------------------------

@router.get("/buildings/{building_id}/devices", response_model=list[DeviceOut])
def devices(building_id: int, session: SessionDep, user: CurrentUser, kind: str | None = None,
            space: str | None = None, storey: str | None = None) -> list[DeviceOut]:
    """Registered devices of the building, by serial key."""
    building = portfolio.get_building(session, building_id, user)
    return [DeviceOut.of(r) for r in registry.list_devices(session, building, kind=kind,
                                                            space=space, storey=storey)]


@router.post("/buildings/{building_id}/devices", response_model=list[DeviceOut],
             status_code=201)
def add_devices(building_id: int, body: list[DeviceIn], request: Request, session: SessionDep,
                user: Operator, replace: bool = False) -> list[DeviceOut]:
    """Register devices (all or none); ``replace`` updates keys that exist."""
    building = portfolio.get_building(session, building_id, user)
    rows = registry.add_devices(session, building, [d.model_dump() for d in body],
                                source="api", actor=user.username, replace=replace)
    session.commit()
    _ingestor(request).reload()
    return [DeviceOut.of(r) for r in rows]


@router.post("/buildings/{building_id}/devices/import", response_model=list[DeviceOut],
             status_code=201)
def import_devices(building_id: int, request: Request, session: SessionDep, user: Operator,
                   file: Annotated[UploadFile | None, File(description="devices.csv")] = None,
                   source: Annotated[str, Query(pattern="^(csv|model)$")] = "csv",
                   replace: bool = False) -> list[DeviceOut]:
    """Register devices from a ``devices.csv`` upload, or (``source=model``) from the
    model's ``IfcSensor`` and ``IfcFlowMeter`` elements."""
    building = portfolio.get_building(session, building_id, user)
    if source == "model":
        specs = registry.devices_from_model(session, building)
    elif file is None:
        raise InvalidInputError("send the device list as the multipart field 'file'")
    else:
        specs = registry.devices_from_csv(file.file.read(8 * 2**20 + 1))
    rows = registry.add_devices(session, building, specs, source=source, actor=user.username,
                                replace=replace)
    session.commit()
    _ingestor(request).reload()
    return [DeviceOut.of(r) for r in rows]


@router.delete("/buildings/{building_id}/devices/{key}", status_code=204)
def remove_device(building_id: int, key: str, request: Request, session: SessionDep,
                  user: Operator) -> None:
    """Unregister a device and delete its readings."""
    registry.remove_device(session, portfolio.get_building(session, building_id, user), key,
                           actor=user.username)
    session.commit()
    _ingestor(request).reload()


# -- ingest --------------------------------------------------------------------------------

def _permission(session, token: str | None, ingestor: Ingestor):
    """What the presented token may report for: a device, a gateway's building, a user's."""
    if not token:
        raise AuthError("send 'Authorization: Bearer <device or user token>'")
    row = resolve_token(session, token)
    if row.kind == "device":
        key, building = row.device, row.building_id
        if key and ingestor.lookup(key) is not None:  # a device's own token
            return lambda d: d.key == key
        # a gateway's token: every device of its building (of all, if issued for none)
        return (lambda d: True) if building is None else (lambda d: d.building_id == building)
    user = session.get(User, row.user_id)
    if user is None or not user.active or user.role not in ("admin", "maintenance"):
        raise PermissionDeniedError("only devices, gateways, admins and maintenance staff "
                                    "send readings")
    if user.all_buildings or user.role == "admin":
        return lambda d: True
    scope = {b.building_id for b in user.buildings}
    return lambda d: d.building_id in scope


def _decode(body: bytes, content_type: str) -> list[Any]:
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
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"the body is not JSON: {error}") from None
    if isinstance(data, dict) and isinstance(data.get("readings"), list):
        data = data["readings"]
    if not isinstance(data, list):
        raise InvalidInputError("send a JSON array of {device, ts, value} objects "
                                "(or {\"readings\": [...]}), or CSV lines device,ts,value")
    return data


def _number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


@router.post("/ingest", tags=["readings"])
async def ingest(request: Request,
                 credentials: Annotated[HTTPAuthorizationCredentials | None,
                                        Depends(_bearer)]) -> dict[str, Any]:
    """Store a batch of readings: a JSON array of ``{"device", "ts", "value"}`` (``ts`` ISO
    8601 or Unix seconds), or CSV lines ``device,ts,value``.

    Good readings are kept even when others are refused; refused ones land in the dead-letter
    table with the reason. A reading already stored is counted as a duplicate, not stored
    again. Authenticate with a device token (that device only), a gateway token (its
    building) or an admin/maintenance user token.
    """
    settings = request.app.state.settings
    limit = settings.ingest_max_mb * 2**20
    if int(request.headers.get("content-length") or 0) > limit:
        raise TooLargeError(f"the batch is larger than {settings.ingest_max_mb} MiB")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLargeError(f"the batch is larger than {settings.ingest_max_mb} MiB")
    ingestor = _ingestor(request)

    def work() -> dict[str, Any]:
        with request.app.state.database.session() as session:
            allowed = _permission(session, credentials and credentials.credentials, ingestor)
        items = _decode(body, request.headers.get("content-type", "application/json"))
        return ingestor.ingest(items, source="http", allowed=allowed).summary()

    return await run_in_threadpool(work)


@router.get("/buildings/{building_id}/dead-letters", response_model=list[DeadLetterOut])
def dead_letters(building_id: int, session: SessionDep, user: Operator,
                 reason: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 offset: Annotated[int, Query(ge=0)] = 0) -> list[DeadLetterOut]:
    """Refused readings of the building (and of unknown devices), newest first."""
    portfolio.get_building(session, building_id, user)
    if reason is not None and reason not in REASONS:
        raise InvalidInputError(f"unknown reason {reason!r}; one of: {', '.join(REASONS)}")
    query = select(DeadLetter).where((DeadLetter.building_id == building_id)
                                     | DeadLetter.building_id.is_(None))
    if reason:
        query = query.where(DeadLetter.reason == reason)
    rows = session.scalars(query.order_by(DeadLetter.id.desc()).limit(limit).offset(offset))
    return [DeadLetterOut(id=r.id, received_at=iso_ms(r.received_at), source=r.source,
                          device=r.device, reason=r.reason, detail=r.detail,
                          payload=r.payload) for r in rows]


# -- queries -------------------------------------------------------------------------------

def _device(session, building_id: int, key: str) -> DeviceRow:
    row = session.scalar(select(DeviceRow).where(DeviceRow.key == key,
                                                 DeviceRow.building_id == building_id))
    if row is None:
        raise NotFoundError(f"no device {key!r} in building {building_id}")
    return row


@router.get("/buildings/{building_id}/devices/{key}/readings", response_model=SeriesOut)
def readings(building_id: int, key: str, session: SessionDep, user: CurrentUser,
             start: Annotated[str | None, Query(description="ISO 8601 or Unix s; "
                                                "default 24 h ago")] = None,
             end: Annotated[str | None, Query(description="default now")] = None,
             resolution: Annotated[str, Query(description="auto, raw, 60, 3600 or "
                                              "86400")] = "auto") -> SeriesOut:
    """Readings of one device over a range; ``auto`` picks raw or a rollup (≤ 2,000
    points)."""
    portfolio.get_building(session, building_id, user)
    device = _device(session, building_id, key)
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    end_ms = _ms(end, now_ms)
    series = read_series(session.connection(), device.id, _ms(start, end_ms - 86_400_000),
                         end_ms, resolution)
    columns = ["ts", "value"] if series.resolution == 0 else \
        ["ts", "mean", "min", "max", "last", "count", "delta"]
    return SeriesOut(device=key, unit=device.unit,
                     resolution="raw" if series.resolution == 0 else str(series.resolution),
                     columns=columns,
                     points=[[iso_ms(p[0]), *p[1:]] for p in series.points])


@router.get("/buildings/{building_id}/state", response_model=list[StateOut])
def state(building_id: int, session: SessionDep, user: CurrentUser, kind: str | None = None,
          space: str | None = None, storey: str | None = None) -> list[StateOut]:
    """Latest state of every device of the building, a storey or a space."""
    building = portfolio.get_building(session, building_id, user)
    rows = registry.list_devices(session, building, kind=kind, space=space, storey=storey)
    states = {s.device_id: s for s in session.scalars(select(DeviceStateRow).where(
        DeviceStateRow.device_id.in_([r.id for r in rows])))} if rows else {}
    out = []
    for r in rows:
        s = states.get(r.id)
        out.append(StateOut(device=r.key, kind=r.kind, unit=r.unit, space=r.space,
                            storey=r.storey, equipment=r.equipment,
                            value=s.value if s else None, online=s.online if s else None,
                            last_changed=iso_ms(s.last_changed) if s else None,
                            last_reported=iso_ms(s.last_reported) if s else None,
                            last_updated=iso_ms(s.last_updated) if s else None))
    return out


@router.get("/buildings/{building_id}/state/spaces")
def state_of_spaces(building_id: int, session: SessionDep, user: CurrentUser,
                    kind: str = "temperature",
                    at: Annotated[str | None, Query(description="a past instant (ISO 8601); "
                                                    "default: live")] = None
                    ) -> dict[str, Any]:
    """Per room, the mean of its devices of ``kind``: live, or at a past instant (from the
    1-minute rollups) for replaying a day."""
    portfolio.get_building(session, building_id, user)
    unit = session.scalar(select(DeviceRow.unit).where(DeviceRow.building_id == building_id,
                                                       DeviceRow.kind == kind).limit(1))
    if unit is None:
        raise NotFoundError(f"building {building_id} has no {kind} devices")
    at_ms = None if at is None else _ms(at, 0)
    values = space_values(session.connection(), building_id, kind, at_ms)
    return {"kind": kind, "unit": unit, "at": at and iso_ms(at_ms),
            "spaces": {gid: {"value": round(v, 3), "count": n, "last_updated": iso_ms(t)}
                       for gid, (v, n, t) in values.items()}}


# -- push ----------------------------------------------------------------------------------

def _split(text: str | None) -> set[str] | None:
    return {p for p in text.split(",") if p} if text else None


@router.websocket("/buildings/{building_id}/stream")
async def stream(websocket: WebSocket, building_id: int, token: str | None = None,
                 kind: str | None = None, storey: str | None = None,
                 space: str | None = None, types: str | None = None) -> None:
    """State changes, alarms and work-order changes of the building as JSON messages.

    Authenticate with ``?token=`` (browsers cannot set headers on WebSockets). ``types``
    (comma-separated ``state``, ``alarm``, ``work_order``; default all) picks the messages;
    ``kind``, ``storey`` and ``space`` (comma-separated) filter the state messages.
    """
    app = websocket.app
    try:
        with app.state.database.session() as session:
            if not token:
                raise AuthError("pass ?token=<bearer token>")
            row = resolve_token(session, token)
            user = session.get(User, row.user_id) if row.kind == "user" else None
            if user is None or not user.active:
                raise AuthError("a user token is needed")
            portfolio.get_building(session, building_id, user)
    except (AuthError, NotFoundError) as error:
        await websocket.close(code=1008, reason=str(error)[:120])
        return
    kinds, storeys, spaces_ = _split(kind), _split(storey), _split(space)
    wanted = _split(types) or {"state", "alarm", "work_order"}

    def accept(event: Any) -> bool:
        if isinstance(event, StateChange):
            d: DeviceRecord = event.device
            return ("state" in wanted and d.building_id == building_id
                    and (kinds is None or d.kind.key in kinds)
                    and (storeys is None or d.storey in storeys)
                    and (spaces_ is None or d.space in spaces_))
        return getattr(event, "type", None) in wanted and \
            getattr(event, "building_id", None) == building_id

    await websocket.accept()
    bus = app.state.ingestor.bus
    subscription = bus.subscribe_queue(accept, maxsize=5000)
    receiver = asyncio.create_task(_drain(websocket))
    try:
        await websocket.send_json({"type": "hello", "building": building_id,
                                   "filters": {"kind": kind, "storey": storey,
                                               "space": space, "types": sorted(wanted)}})
        while not receiver.done():
            getter = asyncio.create_task(subscription.queue.get())
            done, _ = await asyncio.wait({getter, receiver},
                                         return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            await websocket.send_json(getter.result().to_json())
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        bus.unsubscribe_queue(subscription)
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it goes away."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
