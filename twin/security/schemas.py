"""Request and response bodies of 数字安防 and 数字车管. Event times are ISO 8601 UTC in
answers; booking and trip times are ISO 8601 in requests (or Unix seconds) and answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from twin.maintenance.schemas import AlarmPublic, LocationPublic, RoutePublic

__all__ = ["BookingCreate", "BookingPublic", "BookingStateUpdate", "CarParkCreate",
           "CarParkPublic",
           "DisclosurePublic", "DispatchCreate", "DispatchPublic", "DoorPublic", "EventCreate",
           "EventPublic",
           "FuelCreate", "FuelPublic", "PlateEntryCreate", "PlateEntryPublic",
           "RetentionPublic", "ScenarioPublic", "SecurityAlarmPublic", "TripPublic",
           "VehicleCreate", "VehicleFiguresPublic", "VehiclePublic"]


class EventCreate(BaseModel):
    """One incoming security event (documentation of ``POST /events``; the ingest reads the
    body itself, so that one bad event does not refuse the batch)."""

    device: str = Field(description="the device's serial key")
    ts: str | float = Field(description="ISO 8601 or Unix seconds")
    type: str = Field(description="GET /vocabularies: security_event_types "
                                  "(access.denied.<reason>: security_denial_reasons)")
    subject: str | dict[str, str] | None = Field(
        default=None, description="credential, plate or person (or one of the shortcuts)")
    credential: str | None = None
    plate: str | None = None
    person: str | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    media: str | list[str] | None = Field(default=None, description="snapshot or clip URLs")
    correlation_id: str | None = None
    direction: str | None = Field(default=None, description="in or out")
    status: str | None = Field(default=None, description="bay state (parking.spot.changed)")


class EventPublic(BaseModel):
    """A stored event; ``subject`` is masked for users who may not see it."""

    id: int
    ts: str
    device: str
    type: str
    door: str | None
    space: str | None
    storey: str | None
    subject: str | None
    subject_kind: str | None
    confidence: float | None
    correlation_id: str | None
    data: dict[str, Any]


class DoorPublic(BaseModel):
    """A door with readers or contacts, its live state and lock."""

    door: str
    name: str | None
    storey: str | None
    storey_name: str | None = None
    state: str = Field(description="GET /vocabularies: security_door_states")
    lock: str
    since: str | None
    devices: list[str]
    centroid: list[float] | None = None


class CarParkCreate(BaseModel):
    """A configured car park with ``bays`` bays (codes ``<code>-001`` ...)."""

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    bays: int = Field(default=0, ge=0, le=5000)
    max_stay_h: float = Field(default=12.0, gt=0)
    space: str | None = None


class CarParkPublic(BaseModel):
    """A car park with live counts (FIWARE: ``availableSpotNumber`` = ``available``)."""

    id: int
    code: str
    name: str
    space: str | None
    max_stay_h: float
    counts: dict[str, int]
    bays: list[dict[str, Any]] = Field(default_factory=list)
    gates: list[dict[str, Any]] = Field(default_factory=list)


class PlateEntryCreate(BaseModel):
    """A plate on an allow-list (``staff``, ``visitor``) or ``blocked``."""

    plate: str = Field(min_length=2, max_length=20)
    list: str = Field(description="GET /vocabularies: security_plate_lists (not fleet)")
    holder: str = ""
    valid_from: str | float | None = None
    valid_to: str | float | None = None


class PlateEntryPublic(BaseModel):
    """A plate entry; ``plate`` masked for users who may not see it."""

    id: int
    plate: str
    list: str
    holder: str
    valid_from: str | None
    valid_to: str | None


class VehicleCreate(BaseModel):
    """A vehicle of the official fleet."""

    plate: str = Field(min_length=2, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    kind: str = "sedan"
    seats: int = Field(default=5, ge=1, le=80)
    odometer_km: float = Field(default=0.0, ge=0)


class VehiclePublic(BaseModel):
    """A fleet vehicle, whether it is out now, and its utilisation over the last 30 days."""

    id: int
    plate: str
    name: str
    kind: str
    seats: int
    odometer_km: float
    active: bool
    out: bool
    utilisation_30d: float


class BookingCreate(BaseModel):
    """A request for a fleet vehicle over ``[start, end)``."""

    plate: str
    start: str | float
    end: str | float
    purpose: str = ""
    destination: str = ""


class BookingStateUpdate(BaseModel):
    """Approve, reject, dispatch (with a driver), complete or cancel a booking."""

    state: str = Field(description="GET /vocabularies: vehicle_booking_states")
    driver: str | None = None


class BookingPublic(BaseModel):
    """A booking."""

    id: int
    plate: str
    vehicle: str
    requester: str
    purpose: str
    destination: str
    start: str
    end: str
    state: str
    approver: str | None
    driver: str | None


class TripPublic(BaseModel):
    """A trip from gate plate reads."""

    id: int
    plate: str
    out: str
    back: str | None
    hours: float | None
    km: float | None
    booking_id: int | None


class FuelCreate(BaseModel):
    """Fuel (or charge) bought, and the odometer then."""

    plate: str
    litres: float = Field(gt=0)
    cost: float = Field(ge=0)
    odometer_km: float | None = Field(default=None, ge=0)
    ts: str | float | None = None


class FuelPublic(BaseModel):
    """A fuel entry."""

    id: int
    plate: str
    ts: str
    litres: float
    cost: float
    odometer_km: float | None


class SecurityAlarmPublic(BaseModel):
    """An alarm of a security rule, where it is and the walk there from the entrance."""

    alarm: AlarmPublic
    location: LocationPublic | None
    route: RoutePublic | None
    dispatch: dict[str, Any] | None = None


class VehicleFiguresPublic(BaseModel):
    """One vehicle's figures of a disclosure period."""

    plate: str
    name: str
    trips: int
    km: float
    fuel_litres: float
    fuel_cost: float
    utilisation: float


class DisclosurePublic(BaseModel):
    """公务用车 figures of a period, as published."""

    period: dict[str, str]
    vehicles: int
    trips: int
    km: float
    fuel_litres: float
    fuel_cost: float
    per_vehicle: list[VehicleFiguresPublic]


class DispatchCreate(BaseModel):
    """Send a guard to an alarm."""

    guard: str = Field(min_length=1, max_length=100)


class DispatchPublic(BaseModel):
    """A guard dispatch: the work order of type security."""

    work_order_id: str
    alarm_id: str
    guard: str
    type: str = "security"
    state: str


class RetentionPublic(BaseModel):
    """How long security events are kept (days)."""

    retention_days: float = Field(gt=0, le=3650)


class ScenarioPublic(BaseModel):
    """What a simulated scenario sent and what became of it."""

    scenario: str
    events: int
    stored: int
    alarms: list[str]
