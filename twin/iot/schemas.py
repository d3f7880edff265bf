"""Request and response bodies of the readings and simulator APIs (pydantic).

One family of names: ``XCreate`` comes in, ``XPublic`` goes out. The JSON field names are
what devices, gateways and the web app rely on (``"device"`` is a serial key): keep them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "DeadLetterPublic",
    "DeviceCreate",
    "DevicePublic",
    "DeviceStatePublic",
    "FaultCreate",
    "FaultPublic",
    "FaultsClearedPublic",
    "IngestRefusalPublic",
    "IngestResultPublic",
    "ReadingCreate",
    "SeriesPublic",
    "SimulatorPublic",
    "SpaceValuePublic",
    "SpaceValuesPublic",
]


# -- device registry -----------------------------------------------------------------------

class DeviceCreate(BaseModel):
    """A device to register."""

    key: str = Field(min_length=1, max_length=100, description="stable serial key")
    kind: str = Field(description="a device kind, e.g. temperature, co2, energy")
    unit: str | None = None
    state_class: str | None = None
    min: float | None = None
    max: float | None = None
    equipment: str | None = Field(None, description="GlobalId of the equipment measured")
    space: str | None = Field(None, description="GlobalId of the space it sits in")
    name: str | None = None
    parent: str | None = Field(None, description="meters: serial key of the meter upstream")
    category: str | None = Field(None, description="meters: 分项 code a1-a3, b1-b2, c1-c3, d1-d6")


class DevicePublic(BaseModel):
    """A registered device, by serial key, with where it sits."""

    key: str = Field(description="stable serial key")
    kind: str
    unit: str
    state_class: str
    min: float
    max: float
    equipment: str | None
    space: str | None
    storey: str | None
    name: str | None
    source: str = Field(description="api, csv or model: how it was registered")
    parent: str | None = None
    category: str | None = None


# -- ingest --------------------------------------------------------------------------------

class ReadingCreate(BaseModel):
    """One reading sent to ``POST /ingest`` (a JSON array of these, or CSV lines)."""

    device: str = Field(description="the device's serial key")
    ts: float | str = Field(description="Unix seconds or ISO 8601")
    value: float | bool | str = Field(description="a number (on/off words for binary kinds)")


class IngestRefusalPublic(BaseModel):
    """One refused reading of a batch."""

    device: str | None = Field(description="serial key, when the reading named one")
    reason: str = Field(description="one of twin.iot.validation.REASONS")
    detail: str


class IngestResultPublic(BaseModel):
    """What became of a batch: counts, refusals by reason, the first refusals in detail."""

    received: int
    stored: int
    duplicates: int = Field(description="readings already stored, not stored again")
    rejected: int
    rejected_by_reason: dict[str, int]
    errors: list[IngestRefusalPublic] = Field(description="the first 100 refusals")


class DeadLetterPublic(BaseModel):
    """A refused reading kept for people to look at."""

    id: int
    received_at: str = Field(description="ISO 8601 UTC")
    source: str = Field(description="http, mqtt or simulator")
    device: str | None = Field(description="the serial key sent, if any")
    reason: str
    detail: str
    payload: str = Field(description="what came in, as JSON text")


# -- queries -------------------------------------------------------------------------------

class SeriesPublic(BaseModel):
    """Readings of one device over a range."""

    device: str = Field(description="serial key")
    unit: str
    resolution: str = Field(description="'raw' or the bucket width in seconds")
    columns: list[str]
    points: list[list[Any]] = Field(description="rows of ``columns``; ts as ISO 8601")


class DeviceStatePublic(BaseModel):
    """The latest state of a device (Home Assistant semantics; times ISO 8601 UTC)."""

    device: str = Field(description="serial key")
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


class SpaceValuePublic(BaseModel):
    """The mean of a space's devices of one kind."""

    value: float
    count: int = Field(description="devices averaged")
    last_updated: str = Field(description="newest reading averaged, ISO 8601 UTC")


class SpaceValuesPublic(BaseModel):
    """Per space, the mean of its devices of ``kind``: live, or at the instant ``at``."""

    kind: str
    unit: str
    at: str | None = Field(description="the past instant asked for; null: live")
    spaces: dict[str, SpaceValuePublic] = Field(description="by space GlobalId")


# -- simulator -----------------------------------------------------------------------------

class FaultCreate(BaseModel):
    """A fault to inject into the simulator, from now on."""

    kind: str = Field(description="stuck, drift, offline or ahu_failure")
    target: str = Field(description="a device serial key, or an AHU's name for ahu_failure")
    minutes: float | None = Field(None, gt=0, description="how long; default until cleared")
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="e.g. rate_per_hour for drift")


class FaultPublic(BaseModel):
    """A fault in force (times naive UTC, ISO 8601)."""

    kind: str
    target: str
    start: str
    end: str | None
    params: dict[str, Any] = Field(description="an AHU failure lists its rooms' devices")


class SimulatorPublic(BaseModel):
    """What the simulator drives, how far it got, and the faults in force."""

    devices: int
    readings_sent: int
    simulated_until: float = Field(description="Unix seconds: readings up to here are sent")
    speed: float = Field(description="simulated seconds per wall-clock second")
    faults: list[FaultPublic]
    ahu_failure_targets: list[str]


class FaultsClearedPublic(BaseModel):
    """How many faults were removed."""

    cleared: int
