"""Request and response bodies of maintenance: alarms, work orders, schedules, routes, rounds
and impact. A work order has one shape, :class:`WorkOrderPublic`, in REST answers and in the
push stream."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AlarmDetailPublic", "AlarmPublic", "AssignmentCreate", "AttachmentCreate",
           "CommentCreate", "CommentPublic", "ImpactPublic", "LocationPublic", "PartCreate",
           "PartPublic", "RoundPublic", "RoutePublic", "RouteStepPublic", "ScheduleDuePublic",
           "SchedulePublic", "SchedulesPublic", "TimeCreate", "TransitionCreate",
           "TransitionPublic", "WorkOrderCreate", "WorkOrderDetailPublic", "WorkOrderPublic"]

_FROM = ConfigDict(from_attributes=True)


class LocationPublic(BaseModel):
    """Where an element is: its building, storey and space, with names."""

    model_config = _FROM
    global_id: str
    kind: str
    name: str
    building: str | None
    storey: str | None
    storey_name: str | None
    space: str | None
    space_name: str | None


class AlarmPublic(BaseModel):
    """An alarm (:class:`maintenance.Alarm`); ``history`` rows are ``[ts, state, actor]``;
    ``consequences`` lists the alarms grouped under it. Times are Unix seconds."""

    model_config = _FROM
    alarm_id: str
    rule: str
    rule_type: str
    severity: str = Field(description="GET /vocabularies: alarm_severities")
    source: str
    device_id: str = Field(description="the device's serial key")
    kind: str
    space_global_id: str | None
    state: str = Field(description="GET /vocabularies: alarm_states")
    first_seen: float
    last_seen: float
    message: str
    value: float | None = None
    count: int = 1
    parent_id: str | None = None
    acknowledged_by: str | None = None
    cleared_at: float | None = None
    closed_at: float | None = None
    history: list[tuple[float, str, str | None]] = Field(default_factory=list)
    consequences: list[str] = Field(default_factory=list)


class AlarmDetailPublic(AlarmPublic):
    """An alarm with its consequences in full and where its source is."""

    consequence_alarms: list[AlarmPublic]
    location: LocationPublic | None = None


class TransitionPublic(BaseModel):
    """A state change of a work order."""

    model_config = _FROM
    ts: float
    from_state: str | None
    to_state: str
    actor: str
    note: str = ""


class CommentPublic(BaseModel):
    """A comment on a work order."""

    model_config = _FROM
    ts: float
    author: str
    text: str


class PartPublic(BaseModel):
    """A part used on a work order."""

    model_config = _FROM
    name: str
    quantity: float
    ref: str = ""


class WorkOrderPublic(BaseModel):
    """A work order: the one shape of REST answers and push-stream notices. Times are Unix
    seconds; ``attachments`` are ``[name, ref]`` pairs."""

    model_config = _FROM
    work_order_id: str
    title: str
    origin: str = Field(description="GET /vocabularies: work_order_origins")
    state: str = Field(description="GET /vocabularies: work_order_states")
    priority: str = Field(description="GET /vocabularies: work_order_priorities")
    created_at: float
    equipment_global_id: str | None = None
    space_global_id: str | None = None
    due: float | None = None
    assignee: str | None = None
    alarm_id: str | None = None
    schedule_id: str | None = None
    description: str = ""
    comments: list[CommentPublic] = Field(default_factory=list)
    parts: list[PartPublic] = Field(default_factory=list)
    hours_spent: float = 0.0
    attachments: list[tuple[str, str]] = Field(default_factory=list)
    history: list[TransitionPublic] = Field(default_factory=list)


class WorkOrderDetailPublic(WorkOrderPublic):
    """A work order and where its equipment or space is."""

    location: LocationPublic | None = None


class WorkOrderCreate(BaseModel):
    """A work order opened by hand."""

    title: str = Field(min_length=1, max_length=200)
    priority: str = "normal"
    equipment: str | None = Field(None, description="GlobalId of the equipment")
    space: str | None = Field(None, description="GlobalId of the space")
    due: float | None = Field(None, description="Unix seconds")
    description: str = ""
    assignee: str | None = None


class TransitionCreate(BaseModel):
    """Move a work order to ``state``."""

    state: str
    note: str = ""


class AssignmentCreate(BaseModel):
    """Give a work order to a technician."""

    assignee: str = Field(min_length=1, max_length=100)


class CommentCreate(BaseModel):
    """A comment to add."""

    text: str = Field(min_length=1, max_length=4000)


class PartCreate(BaseModel):
    """A part used."""

    name: str = Field(min_length=1, max_length=200)
    quantity: float = Field(1.0, gt=0)
    ref: str = ""


class TimeCreate(BaseModel):
    """Time spent, in hours."""

    hours: float = Field(gt=0, le=24)


class AttachmentCreate(BaseModel):
    """A document or photo, by reference."""

    name: str = Field(min_length=1, max_length=200)
    ref: str = Field(min_length=1, max_length=1000, description="URL or document reference")


class SchedulePublic(BaseModel):
    """A preventive schedule (:class:`maintenance.Schedule`)."""

    model_config = _FROM
    schedule_id: str
    title: str
    trigger: str
    every: float
    unit: str
    ifc_class: str | None
    type_name: str | None
    equipment_global_id: str | None
    start: float
    lead_s: float
    priority: str


class ScheduleDuePublic(BaseModel):
    """An item of equipment a schedule says is due."""

    schedule: str
    equipment: str
    name: str | None
    due: float
    reason: str
    overdue: bool


class SchedulesPublic(BaseModel):
    """The schedules and what falls due within the horizon."""

    schedules: list[SchedulePublic]
    due: list[ScheduleDuePublic]


class RouteStepPublic(BaseModel):
    """One step of a walk: a space, door, opening, open boundary, stair, lift, ramp, floor
    (of a storey without rooms) or the target."""

    kind: str
    global_id: str
    name: str | None
    storey: str | None
    position: list[float]


class RoutePublic(BaseModel):
    """A walk: its steps, its length and a floor-level polyline; ``target`` says where the
    walk ends."""

    steps: list[RouteStepPublic]
    length_m: float
    polyline: list[list[float]]
    approximate: bool = False
    notes: list[str] = []
    target: LocationPublic | None = None


class RoundPublic(BaseModel):
    """A technician's daily round."""

    order: list[str]
    length_m: float
    work_orders: list[str]
    legs: list[RoutePublic]
    polyline: list[list[float]]


class ImpactPublic(BaseModel):
    """What shutting equipment down affects."""

    equipment: dict[str, Any]
    downstream: list[dict[str, Any]]
    spaces: list[dict[str, Any]]
    people: list[dict[str, Any]]
    evidence: list[str] = []  # maintenance.impact.EVIDENCE values the answer rests on
    warnings: list[str] = []  # what could not be followed
