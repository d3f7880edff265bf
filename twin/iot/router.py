"""Live readings: the device registry, the HTTP ingest, dead letters, reading queries, live
state and the WebSocket push stream. Thin: every query and change is in
:mod:`twin.iot.service`."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

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
from starlette.concurrency import run_in_threadpool

from twin.core.deps import CurrentUser, SessionDep, require
from twin.core.errors import AuthError, InvalidInputError, NotFoundError, TooLargeError
from twin.core.tables import User
from twin.iot import service
from twin.iot.ingest import Ingestor
from twin.iot.schemas import (
    DeadLetterPublic,
    DeviceCreate,
    DevicePublic,
    DeviceStatePublic,
    IngestResultPublic,
    ReadingCreate,
    SeriesPublic,
    SpaceValuesPublic,
)

__all__ = ["router"]

router = APIRouter(tags=["readings"])
Operator = Annotated[User, Depends(require("devices.manage"))]
_bearer = HTTPBearer(auto_error=False)

#: The ingest reads its body itself (JSON or CSV, size-capped while streaming): documented here.
_INGEST_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "array",
                                    "items": ReadingCreate.model_json_schema()}},
    "text/csv": {"schema": {"type": "string",
                            "description": "lines device,ts,value (optional header)"}}}}}


def _ingestor(request: Request) -> Ingestor:
    return request.app.state.ingestor


# -- registry ------------------------------------------------------------------------------

@router.get("/buildings/{building_id}/devices", response_model=list[DevicePublic])
def devices(building_id: int, session: SessionDep, user: CurrentUser, kind: str | None = None,
            space: str | None = None, storey: str | None = None) -> list[DevicePublic]:
    """Registered devices of the building, by serial key."""
    return service.list_devices(session, building_id, user, kind=kind, space=space,
                                storey=storey)


@router.post("/buildings/{building_id}/devices", response_model=list[DevicePublic],
             status_code=201)
def add_devices(building_id: int, body: list[DeviceCreate], request: Request,
                session: SessionDep, user: Operator,
                replace: bool = False) -> list[DevicePublic]:
    """Register devices (all or none); ``replace`` updates keys that exist."""
    return service.register_devices(session, building_id, user,
                                    [d.model_dump() for d in body], actor=user.username,
                                    replace=replace, ingestor=_ingestor(request))


@router.post("/buildings/{building_id}/devices/import", response_model=list[DevicePublic],
             status_code=201)
def import_devices(building_id: int, request: Request, session: SessionDep, user: Operator,
                   file: Annotated[UploadFile | None, File(description="devices.csv")] = None,
                   source: Annotated[str, Query(pattern="^(csv|model)$")] = "csv",
                   replace: bool = False) -> list[DevicePublic]:
    """Register devices from a ``devices.csv`` upload, or (``source=model``) from the
    model's ``IfcSensor`` and ``IfcFlowMeter`` elements."""
    if source == "csv" and file is None:
        raise InvalidInputError("send the device list as the multipart field 'file'")
    data = file.file.read(service.DEVICE_LIST_LIMIT + 1) if source == "csv" else None
    return service.import_devices(session, building_id, user, source=source, data=data,
                                  actor=user.username, replace=replace,
                                  ingestor=_ingestor(request))


@router.delete("/buildings/{building_id}/devices/{key}", status_code=204)
def remove_device(building_id: int, key: str, request: Request, session: SessionDep,
                  user: Operator) -> None:
    """Unregister a device and delete its readings."""
    service.unregister_device(session, building_id, user, key, actor=user.username,
                              ingestor=_ingestor(request))


# -- ingest --------------------------------------------------------------------------------

@router.post("/ingest", response_model=IngestResultPublic, openapi_extra=_INGEST_BODY)
async def ingest(request: Request,
                 credentials: Annotated[HTTPAuthorizationCredentials | None,
                                        Depends(_bearer)]) -> IngestResultPublic:
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
    return await run_in_threadpool(
        service.ingest_batch, request.app.state.database, _ingestor(request),
        credentials and credentials.credentials, body,
        request.headers.get("content-type", "application/json"))


@router.get("/buildings/{building_id}/dead-letters", response_model=list[DeadLetterPublic])
def dead_letters(building_id: int, session: SessionDep, user: Operator,
                 reason: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 offset: Annotated[int, Query(ge=0)] = 0) -> list[DeadLetterPublic]:
    """Refused readings of the building (and of unknown devices), newest first."""
    return service.dead_letters(session, building_id, user, reason=reason, limit=limit,
                                offset=offset)


# -- queries -------------------------------------------------------------------------------

@router.get("/buildings/{building_id}/devices/{key}/readings", response_model=SeriesPublic)
def readings(building_id: int, key: str, session: SessionDep, user: CurrentUser,
             start: Annotated[str | None, Query(description="ISO 8601 or Unix s; "
                                                "default 24 h ago")] = None,
             end: Annotated[str | None, Query(description="default now")] = None,
             resolution: Annotated[str, Query(description="auto, raw, 60, 3600 or "
                                              "86400")] = "auto") -> SeriesPublic:
    """Readings of one device over a range; ``auto`` picks raw or a rollup (≤ 2,000
    points)."""
    return service.device_readings(session, building_id, user, key, start=start, end=end,
                                   resolution=resolution)


@router.get("/buildings/{building_id}/state", response_model=list[DeviceStatePublic])
def state(building_id: int, session: SessionDep, user: CurrentUser, kind: str | None = None,
          space: str | None = None, storey: str | None = None) -> list[DeviceStatePublic]:
    """Latest state of every device of the building, a storey or a space."""
    return service.device_states(session, building_id, user, kind=kind, space=space,
                                 storey=storey)


@router.get("/buildings/{building_id}/state/spaces", response_model=SpaceValuesPublic)
def state_of_spaces(building_id: int, session: SessionDep, user: CurrentUser,
                    kind: str = "temperature",
                    at: Annotated[str | None, Query(description="a past instant (ISO 8601); "
                                                    "default: live")] = None
                    ) -> SpaceValuesPublic:
    """Per room, the mean of its devices of ``kind``: live, or at a past instant (from the
    1-minute rollups) for replaying a day."""
    return service.space_states(session, building_id, user, kind=kind, at=at)


# -- push ----------------------------------------------------------------------------------

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
        permitted = await run_in_threadpool(service.authorize_stream, app.state.database,
                                            token, building_id)
    except (AuthError, NotFoundError) as error:
        await websocket.close(code=1008, reason=str(error)[:120])
        return
    accept, wanted = service.stream_filter(building_id, kind=kind, storey=storey,
                                           space=space, types=types, permitted=permitted)
    await websocket.accept()
    bus = app.state.ingestor.bus
    subscription = bus.subscribe_queue(accept, maxsize=5000)
    receiver = asyncio.create_task(_drain(websocket))
    try:
        await websocket.send_json({"type": "hello", "building": building_id,
                                   "filters": {"kind": kind, "storey": storey,
                                               "space": space, "types": wanted}})
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
