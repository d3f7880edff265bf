"""Bodies every domain shares (pydantic): pages, health, sign-in, accounts, vocabularies.

Each domain keeps its own in ``twin/<domain>/schemas.py``; one naming family everywhere:
``XCreate`` in, ``XUpdate`` for partial edits, ``XPublic`` out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AuditEntryPublic",
    "ChoicePublic",
    "HealthPublic",
    "MePublic",
    "Page",
    "ScopeUpdate",
    "TokenCreate",
    "TokenPublic",
    "UserPublic",
    "UserScopePublic",
    "VocabulariesPublic",
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items``, the ``total`` matching, and the window asked for."""

    items: list[T]
    total: int
    limit: int
    offset: int


class AuditEntryPublic(BaseModel):
    """One audit log entry: when, who, what they did, to what, and the details."""

    model_config = ConfigDict(from_attributes=True)
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict


class HealthPublic(BaseModel):
    """Liveness: the database dialect reached and the twin's version."""

    status: str
    database: str
    version: str


class TokenCreate(BaseModel):
    """Sign-in: a username and password for a bearer token."""

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class TokenPublic(BaseModel):
    """A bearer token, when it expires, and the account's role."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: str


class UserPublic(BaseModel):
    """An account."""

    model_config = ConfigDict(from_attributes=True)
    username: str
    role: str
    active: bool
    all_buildings: bool


class MePublic(UserPublic):
    """The signed-in account with what it may do (the browser builds its menus from this)."""

    capabilities: list[str] = Field(description="from twin.core.permissions.CAPABILITIES")
    buildings: list[int] = Field(description="building ids in scope (empty: all_buildings)")


class ChoicePublic(BaseModel):
    """One value of a vocabulary."""

    model_config = ConfigDict(from_attributes=True)
    value: str
    label_zh: str
    label_en: str
    colour: str = Field(description="#rrggbb")


class VocabulariesPublic(BaseModel):
    """Every vocabulary the browser shows, each once, with labels and colours."""

    verdicts: list[ChoicePublic]
    room_flags: list[ChoicePublic]
    person_findings: list[ChoicePublic]
    space_uses: list[ChoicePublic] = Field(default_factory=list)
    alarm_severities: list[ChoicePublic]
    alarm_states: list[ChoicePublic]
    work_order_priorities: list[ChoicePublic]
    work_order_states: list[ChoicePublic]
    work_order_origins: list[ChoicePublic]
    impact_evidence: list[ChoicePublic] = Field(default_factory=list)
    work_order_transitions: dict[str, list[str]] = Field(
        description="work-order state -> the states it may move to next")
    device_kinds: list[ChoicePublic]
    roles: list[ChoicePublic]
    asset_states: list[ChoicePublic] = Field(default_factory=list)
    asset_transitions: dict[str, list[str]] = Field(
        default_factory=dict, description="asset state -> the states it may move to next")
    asset_classes: list[ChoicePublic] = Field(default_factory=list)
    asset_kinds: list[ChoicePublic] = Field(default_factory=list)
    asset_request_kinds: list[ChoicePublic] = Field(default_factory=list)
    asset_request_states: list[ChoicePublic] = Field(default_factory=list)
    asset_step_roles: list[ChoicePublic] = Field(default_factory=list)
    asset_unit_roles: list[ChoicePublic] = Field(default_factory=list)
    asset_audit_states: list[ChoicePublic] = Field(default_factory=list)
    asset_discrepancies: list[ChoicePublic] = Field(default_factory=list)
    security_event_types: list[ChoicePublic] = Field(default_factory=list)
    security_denial_reasons: list[ChoicePublic] = Field(default_factory=list)
    security_door_states: list[ChoicePublic] = Field(default_factory=list)
    security_rule_types: list[ChoicePublic] = Field(default_factory=list)
    parking_bay_states: list[ChoicePublic] = Field(default_factory=list)
    parking_plate_lists: list[ChoicePublic] = Field(default_factory=list)
    parking_gate_decisions: list[ChoicePublic] = Field(default_factory=list)
    vehicle_booking_states: list[ChoicePublic] = Field(default_factory=list)
    energy_categories: list[ChoicePublic] = Field(default_factory=list)
    energy_category_groups: list[ChoicePublic] = Field(default_factory=list)
    energy_anomaly_rules: list[ChoicePublic] = Field(default_factory=list)
    energy_baseline_verdicts: list[ChoicePublic] = Field(default_factory=list)
    energy_quota_verdicts: list[ChoicePublic] = Field(default_factory=list)
    meeting_booking_states: list[ChoicePublic] = Field(default_factory=list)
    meeting_occurrence_states: list[ChoicePublic] = Field(default_factory=list)
    meeting_services: list[ChoicePublic] = Field(default_factory=list)
    meeting_room_features: list[ChoicePublic] = Field(default_factory=list)
    meeting_room_states: list[ChoicePublic] = Field(default_factory=list)
    capabilities: dict[str, list[str]] = Field(description="capability -> roles that have it")


class UserScopePublic(BaseModel):
    """The buildings an account may see."""

    username: str
    role: str
    all_buildings: bool = Field(description="true: every building (admins); buildings is empty")
    buildings: list[int]


class ScopeUpdate(BaseModel):
    """Buildings to add to or remove from an account's scope."""

    buildings: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1,
                                                                       max_length=1000)
