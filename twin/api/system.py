"""HealthPublic, sign-in, the signed-in user's capabilities, vocabularies and user accounts."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from bim_models.device_kinds import DEVICE_KIND_CHOICES
from maintenance import choices as maintenance_choices
from spaces import choices as space_choices
from twin.core import accounts
from twin.core.database import database_dialect
from twin.core.deps import CurrentUser, SessionDep, SettingsDep, require
from twin.core.permissions import CAPABILITIES, ROLE_CHOICES, ROLES, capabilities_of
from twin.core.schemas import (
    AuditEntryPublic,
    ChoicePublic,
    HealthPublic,
    MePublic,
    Page,
    TokenCreate,
    TokenPublic,
    UserPublic,
    VocabulariesPublic,
)
from twin.core.tables import User
from twin.portfolio import service as portfolio

__all__ = ["router"]

router = APIRouter()
Admin = Annotated[User, Depends(require("users.manage"))]


class DeviceTokenCreate(BaseModel):
    device: str = Field(min_length=1, max_length=100, description="serial-key or gateway id")
    building_id: int | None = None


class DeviceTokenPublic(BaseModel):
    device: str
    token: str


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=200)
    role: str = Field(description=f"one of {', '.join(ROLES)}")
    buildings: list[int] = Field(default_factory=list)


@router.get("/health", response_model=HealthPublic, tags=["system"])
def health(session: SessionDep) -> HealthPublic:
    """Liveness and database reachability; no sign-in needed."""
    return HealthPublic(status="ok", database=database_dialect(session),
                  version=version("facility-twin"))


@router.post("/auth/token", response_model=TokenPublic, tags=["auth"])
def sign_in(body: TokenCreate, session: SessionDep, settings: SettingsDep) -> TokenPublic:
    """Exchange a username and password for a bearer token."""
    user = accounts.authenticate(session, body.username, body.password)
    token, expires = accounts.issue_token(session, user, hours=settings.token_hours)
    return TokenPublic(access_token=token, expires_at=expires, role=user.role)


@router.get("/auth/me", response_model=MePublic, tags=["auth"])
def me(user: CurrentUser) -> MePublic:
    """The signed-in account, its capabilities and the buildings in its scope."""
    return MePublic(username=user.username, role=user.role, active=user.active,
                    all_buildings=user.all_buildings, capabilities=capabilities_of(user.role),
                    buildings=sorted(b.building_id for b in user.buildings))


def _choices(choices) -> list[ChoicePublic]:
    return [ChoicePublic.model_validate(choice) for choice in choices]


@router.get("/vocabularies", response_model=VocabulariesPublic, tags=["auth"])
def vocabularies(_user: CurrentUser) -> VocabulariesPublic:
    """Every vocabulary (verdicts, flags, severities, priorities, states, device kinds, roles)
    with its Chinese and English labels and colours, and the role-capability table."""
    return VocabulariesPublic(
        verdicts=_choices(space_choices.VERDICTS),
        room_flags=_choices(space_choices.ROOM_FLAGS),
        person_findings=_choices(space_choices.PERSON_FINDINGS),
        alarm_severities=_choices(maintenance_choices.SEVERITIES),
        alarm_states=_choices(maintenance_choices.ALARM_STATES),
        work_order_priorities=_choices(maintenance_choices.PRIORITIES),
        work_order_states=_choices(maintenance_choices.WORK_ORDER_STATES),
        work_order_origins=_choices(maintenance_choices.WORK_ORDER_ORIGINS),
        work_order_transitions={state: list(after) for state, after
                                in maintenance_choices.WORK_ORDER_TRANSITIONS.items()},
        device_kinds=_choices(DEVICE_KIND_CHOICES),
        roles=_choices(ROLE_CHOICES),
        capabilities={name: list(roles) for name, roles in CAPABILITIES.items()})


@router.get("/users", response_model=list[UserPublic], tags=["users"])
def list_users(session: SessionDep, _admin: Admin) -> list[User]:
    """Every account (admin)."""
    return accounts.list_users(session)


@router.post("/users", response_model=UserPublic, status_code=201, tags=["users"])
def add_user(body: UserCreate, session: SessionDep, admin: Admin) -> User:
    """Create an account scoped to some buildings (admin)."""
    user = accounts.add_user(session, username=body.username, password=body.password,
                             role=body.role, actor=admin.username)
    if body.buildings:
        accounts.set_user_buildings(session, body.username, body.buildings,
                                    actor=admin.username)
    return user


@router.delete("/users/{username}", status_code=204, tags=["users"])
def remove_user(username: str, session: SessionDep, admin: Admin) -> None:
    """Delete an account (admin)."""
    accounts.remove_user(session, username, actor=admin.username)


@router.get("/audit", response_model=Page[AuditEntryPublic], tags=["users"])
def audit_log(session: SessionDep, _admin: Admin,
              action: Annotated[str | None, Query(max_length=50)] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100,
              offset: Annotated[int, Query(ge=0)] = 0) -> Page[AuditEntryPublic]:
    """The audit log, newest first, optionally one ``action`` only (admin)."""
    rows, total = accounts.list_audit(session, action=action, limit=limit, offset=offset)
    return Page[AuditEntryPublic](items=[AuditEntryPublic.model_validate(r) for r in rows],
                                  total=total, limit=limit, offset=offset)


@router.post("/device-tokens", response_model=DeviceTokenPublic, status_code=201,
             tags=["users"])
def add_device_token(body: DeviceTokenCreate, session: SessionDep,
                     admin: Admin) -> DeviceTokenPublic:
    """A bearer token for a sensor or gateway (admin); shown once, stored as a hash."""
    if body.building_id is not None:
        portfolio.get_building(session, body.building_id, admin)
    token = accounts.issue_device_token(session, device=body.device,
                                       building_id=body.building_id, actor=admin.username)
    return DeviceTokenPublic(device=body.device, token=token)
