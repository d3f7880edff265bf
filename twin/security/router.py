"""HTTP routes of 数字安防 and 数字车管 (security, parking and the official fleet). Thin: every
query and change is in :mod:`twin.security.service` and :mod:`twin.security.fleet`.

``POST /events`` takes the tokens of ``/ingest`` (device, gateway, operator); the rest asks
``security.read`` / ``security.act`` and ``vehicles.book`` / ``vehicles.dispatch``.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from twin.core.deps import SessionDep, require
from twin.core.errors import TooLargeError
from twin.core.tables import User
from twin.iot.schemas import IngestResultPublic
from twin.security import fleet, service
from twin.security.runtime import SecurityService
from twin.security.schemas import (
    BookingCreate,
    BookingPublic,
    BookingStateUpdate,
    CarParkCreate,
    CarParkPublic,
    DisclosurePublic,
    DispatchCreate,
    DispatchPublic,
    DoorPublic,
    EventCreate,
    EventPublic,
    FuelCreate,
    FuelPublic,
    PlateEntryCreate,
    PlateEntryPublic,
    RetentionPublic,
    ScenarioPublic,
    SecurityAlarmPublic,
    TripPublic,
    VehicleCreate,
    VehiclePublic,
)

__all__ = ["router", "security_of"]

router = APIRouter(tags=["security"])
Reader = Annotated[User, Depends(require("security.read"))]
Guard = Annotated[User, Depends(require("security.act"))]
Booker = Annotated[User, Depends(require("vehicles.book"))]
Dispatcher = Annotated[User, Depends(require("vehicles.dispatch"))]
_bearer = HTTPBearer(auto_error=False)
_start_lock = threading.Lock()
_EVENTS_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "array", "items": EventCreate.model_json_schema()}}}}}


def security_of(state) -> SecurityService:
    """The app's security service (``app.state.security``), started on first use where the
    app did not start it."""
    security = getattr(state, "security", None)
    if security is None:
        with _start_lock:
            security = getattr(state, "security", None)
            if security is None:
                security = SecurityService(state.database, state.ingestor,
                                           state.maintenance).attach(state.live)
                state.security = security
    return security


def _security(request: Request) -> SecurityService:
    return security_of(request.app.state)


# -- events --------------------------------------------------------------------------------

@router.post("/events", response_model=IngestResultPublic, openapi_extra=_EVENTS_BODY)
async def post_events(request: Request,
                      credentials: Annotated[HTTPAuthorizationCredentials | None,
                                             Depends(_bearer)]) -> IngestResultPublic:
    """Store a batch of security events: a JSON array of ``{"device", "ts", "type", ...}``.

    The tokens, checks, dead letters and de-duplication of ``/ingest``: good events are kept
    when others are refused (unknown device, malformed, future, a type not in the
    vocabulary: dead letters with the reason); an event already stored (same device, time and
    type) counts as a duplicate. Door, bay and gate states follow; the correlation rules
    raise alarms (``GET /buildings/{id}/alarms``).
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
        service.ingest_events, request.app.state.database, _security(request),
        credentials and credentials.credentials, body,
        request.headers.get("content-type", "application/json"))


@router.get("/buildings/{building_id}/security/events", response_model=list[EventPublic])
def events(building_id: int, session: SessionDep, user: Reader,
           type: Annotated[str | None, Query(description="a type or a prefix: door, access, "
                                             "lpr ...")] = None,
           device: str | None = None, door: str | None = None, storey: str | None = None,
           since: str | None = None, until: str | None = None,
           limit: Annotated[int, Query(ge=1, le=2000)] = 200,
           offset: Annotated[int, Query(ge=0)] = 0) -> list[EventPublic]:
    """The event log, newest first; subjects masked for users without ``security.act``."""
    return service.list_events(session, building_id, user, type_prefix=type, device=device,
                               door=door, storey=storey, since=since, until=until,
                               limit=limit, offset=offset)


@router.get("/buildings/{building_id}/security/visitor-flow", response_model=list[EventPublic])
def visitor_flow(building_id: int, session: SessionDep, user: Reader,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[EventPublic]:
    """Unknown or untrusted plates held at a gate, waiting for the visitor registration
    (``gate.held``, decision ``visitor_flow``), newest first."""
    return service.visitor_flow_events(session, building_id, user, limit=limit)


@router.get("/buildings/{building_id}/security/doors", response_model=list[DoorPublic])
def doors(building_id: int, session: SessionDep, user: Reader,
          storey: str | None = None) -> list[DoorPublic]:
    """Doors with readers or contacts and their live state and lock."""
    return service.doors(session, building_id, user, storey=storey)


@router.get("/buildings/{building_id}/security/alarms",
            response_model=list[SecurityAlarmPublic])
def alarms(building_id: int, request: Request, session: SessionDep, user: Reader,
           state: str = "open") -> list[SecurityAlarmPublic]:
    """Alarms of the security rules with their location and the walk from the entrance."""
    security = _security(request)
    return service.security_alarms(session, building_id, user, security.maintenance,
                                   {r.name for r in security.engine.by_type.values()},
                                   state=state)


@router.post("/buildings/{building_id}/security/alarms/{alarm_id}/dispatch",
             response_model=DispatchPublic, status_code=201)
def dispatch(building_id: int, alarm_id: str, body: DispatchCreate, request: Request,
             session: SessionDep, user: Guard) -> DispatchPublic:
    """Send a guard: a work order of type security for the alarm, assigned to the guard."""
    return service.dispatch_guard(session, building_id, user, request.app.state.maintenance,
                                  alarm_id, body.guard, actor=user.username)


@router.get("/buildings/{building_id}/security/retention", response_model=RetentionPublic)
def get_retention(building_id: int, session: SessionDep, user: Reader) -> RetentionPublic:
    """How long security events are kept."""
    return RetentionPublic(retention_days=service.retention(session, building_id, user))


@router.put("/buildings/{building_id}/security/retention", response_model=RetentionPublic)
def put_retention(building_id: int, body: RetentionPublic, session: SessionDep,
                  user: Guard) -> RetentionPublic:
    """Set how long security events are kept (older ones are pruned hourly)."""
    return RetentionPublic(retention_days=service.set_retention(
        session, building_id, user, body.retention_days, actor=user.username))


@router.post("/buildings/{building_id}/security/scenarios/{name}",
             response_model=ScenarioPublic)
def scenario(building_id: int, name: str, request: Request, session: SessionDep,
             user: Guard) -> ScenarioPublic:
    """Play a simulated scenario now through the event ingest: ``normal``, ``forced_door``,
    ``held_open``, ``denials`` or ``overstay`` (the demo's faults)."""
    from twin.security.traffic import play_scenario

    return play_scenario(session, building_id, user, _security(request), name)


# -- car parks and allow-lists -------------------------------------------------------------

@router.get("/buildings/{building_id}/car-parks", response_model=list[CarParkPublic])
def car_parks(building_id: int, session: SessionDep, user: Reader,
              bays: bool = False) -> list[CarParkPublic]:
    """Car parks with live counts (free, occupied, closed, unknown, available); ``bays``
    lists every bay."""
    return service.car_parks(session, building_id, user, with_bays=bays)


@router.post("/buildings/{building_id}/car-parks", response_model=CarParkPublic,
             status_code=201)
def add_car_park(building_id: int, body: CarParkCreate, session: SessionDep,
                 user: Guard) -> CarParkPublic:
    """Configure a car park and its bays."""
    return service.add_car_park(session, building_id, user, body, actor=user.username)


@router.get("/buildings/{building_id}/plates", response_model=list[PlateEntryPublic])
def plates(building_id: int, session: SessionDep, user: Reader,
           plate_list: Annotated[str | None, Query(alias="list")] = None
           ) -> list[PlateEntryPublic]:
    """Allow-listed and blocked plates (``list``: staff, visitor or blocked)."""
    return service.list_plates(session, building_id, user, plate_list=plate_list)


@router.post("/buildings/{building_id}/plates", response_model=PlateEntryPublic,
             status_code=201)
def add_plate(building_id: int, body: PlateEntryCreate, session: SessionDep,
              user: Guard) -> PlateEntryPublic:
    """Put a plate on the staff or visitor allow-list, or on the blocked list."""
    return service.add_plate(session, building_id, user, body, actor=user.username)


@router.delete("/buildings/{building_id}/plates/{entry_id}", status_code=204)
def remove_plate(building_id: int, entry_id: int, session: SessionDep, user: Guard) -> None:
    """Take a plate off its list."""
    service.remove_plate(session, building_id, user, entry_id, actor=user.username)


# -- the official fleet --------------------------------------------------------------------

@router.get("/buildings/{building_id}/vehicles", response_model=list[VehiclePublic])
def vehicles(building_id: int, session: SessionDep, user: Booker) -> list[VehiclePublic]:
    """The official fleet: who is out, utilisation over 30 days."""
    return fleet.vehicles(session, building_id, user)


@router.post("/buildings/{building_id}/vehicles", response_model=VehiclePublic,
             status_code=201)
def add_vehicle(building_id: int, body: VehicleCreate, session: SessionDep,
                user: Dispatcher) -> VehiclePublic:
    """Add a vehicle to the fleet."""
    return fleet.add_vehicle(session, building_id, user, body, actor=user.username)


@router.get("/buildings/{building_id}/vehicle-bookings", response_model=list[BookingPublic])
def bookings(building_id: int, session: SessionDep, user: Booker, start: str | None = None,
             end: str | None = None) -> list[BookingPublic]:
    """The fleet calendar: bookings overlapping ``[start, end)``."""
    return fleet.bookings(session, building_id, user, start=start, end=end)


@router.post("/buildings/{building_id}/vehicle-bookings", response_model=BookingPublic,
             status_code=201)
def book(building_id: int, body: BookingCreate, session: SessionDep,
         user: Booker) -> BookingPublic:
    """Request a vehicle; 409 when it is booked at an overlapping time."""
    return fleet.book_vehicle(session, building_id, user, body, actor=user.username)


@router.post("/buildings/{building_id}/vehicle-bookings/{booking_id}/state",
             response_model=BookingPublic)
def move(building_id: int, booking_id: int, body: BookingStateUpdate,
         session: SessionDep, user: Booker) -> BookingPublic:
    """Approve, reject, dispatch, complete (dispatchers) or cancel (also the requester)."""
    return fleet.move_booking(session, building_id, user, booking_id, body.state,
                              actor=user.username, driver=body.driver)


@router.get("/buildings/{building_id}/vehicle-trips", response_model=list[TripPublic])
def trips(building_id: int, session: SessionDep, user: Dispatcher, plate: str | None = None,
          limit: Annotated[int, Query(ge=1, le=2000)] = 200) -> list[TripPublic]:
    """Trips from gate plate reads, newest first."""
    return fleet.trips(session, building_id, user, plate=plate, limit=limit)


@router.post("/buildings/{building_id}/vehicle-fuel", response_model=FuelPublic,
             status_code=201)
def fuel(building_id: int, body: FuelCreate, session: SessionDep,
         user: Dispatcher) -> FuelPublic:
    """Record fuel bought and the odometer."""
    return fleet.add_fuel(session, building_id, user, body, actor=user.username)


@router.get("/buildings/{building_id}/vehicles/disclosure", response_model=DisclosurePublic)
def disclosure(building_id: int, session: SessionDep, user: Booker, start: str,
               end: str) -> DisclosurePublic:
    """公务用车 figures of a period, as published: vehicles, trips, km, fuel, utilisation."""
    return DisclosurePublic.model_validate(
        fleet.disclosure(session, building_id, user, start=start, end=end))
