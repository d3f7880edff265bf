"""Request and response bodies of office-space management."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["AllocationImportPublic", "AllocationPublic", "AllocationUpdate",
           "AllocationsPublic", "CompliancePublic", "HistoryEntryPublic", "ImportProblemPublic",
           "PersonFindingPublic", "PersonPublic", "RectificationActionPublic",
           "RectificationDepartmentPublic", "RectificationPublic", "RoomVerdictPublic"]


class ImportProblemPublic(BaseModel):
    """A refused row of an import and why."""

    row: int
    column: str | None
    value: str | None
    reason: str


class AllocationImportPublic(BaseModel):
    """What an import kept, and the rows it refused."""

    people: int
    assignments: int
    problems: list[ImportProblemPublic]


class AllocationPublic(BaseModel):
    """One room assignment."""

    id: int
    person_id: str
    space: str
    room: str
    start: date | None
    end: date | None
    register_area: float | None


class PersonPublic(BaseModel):
    """A member of staff of the allocations."""

    person_id: str
    name: str
    department: str
    org_level: str
    subordinate: bool
    grade: str
    status: str
    status_date: date | None


class AllocationsPublic(BaseModel):
    """Who holds which room."""

    people: list[PersonPublic]
    assignments: list[AllocationPublic]


class AllocationUpdate(BaseModel):
    """End an assignment (``end``) or move it to another room (``space``, a GlobalId)."""

    end: date | None = None
    space: str | None = None


class HistoryEntryPublic(BaseModel):
    """One import or edit of the allocations."""

    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class RoomVerdictPublic(BaseModel):
    """The verdict on one room, with its evidence (:class:`spaces.compliance.RoomVerdict`)."""

    model_config = ConfigDict(from_attributes=True)
    global_id: str
    room: str
    storey: str | None
    verdict: str
    occupants: list[str]
    limit_m2: float | None
    area_used: float | None
    area_source: str | None
    areas: dict[str, float | None]
    excess_m2: float | None
    excess_pct: float | None
    reason: str
    rules: list[str]
    flags: list[str]


class PersonFindingPublic(BaseModel):
    """A finding about a person (:class:`spaces.compliance.PersonFinding`)."""

    model_config = ConfigDict(from_attributes=True)
    person_id: str
    name: str
    department: str
    kind: str
    rooms: list[str]
    reason: str


class CompliancePublic(BaseModel):
    """Verdicts per room and findings per person on a day."""

    day: date
    rule_set: str
    counts: dict[str, int]
    rooms: list[RoomVerdictPublic]
    people: list[PersonFindingPublic]


class RectificationDepartmentPublic(BaseModel):
    """One department's counts: offices, rooms per verdict, excess area, person findings."""

    department: str
    offices: int
    verdicts: dict[str, int]
    over_standard: int
    excess_m2: float
    people_findings: int


class RectificationActionPublic(BaseModel):
    """One finding and what to do about it by when (:class:`spaces.rectification.ActionItem`)."""

    model_config = ConfigDict(from_attributes=True)
    department: str
    subject: str
    storey: str
    finding: str
    rooms: list[str]
    basis: str
    action: str
    action_en: str
    deadline: date


class RectificationPublic(BaseModel):
    """The rectification plan (整改) of a compliance report: per department, then actions."""

    day: date
    rule_set: str
    issued: date
    deadline: date
    departments: list[RectificationDepartmentPublic]
    actions: list[RectificationActionPublic]
