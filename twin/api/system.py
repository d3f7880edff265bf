"""HealthPublic, sign-in, the signed-in user's capabilities, vocabularies and user accounts."""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import version
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from assets import choices as asset_choices
from bim_models.device_kinds import DEVICE_KIND_CHOICES
from energy import choices as energy_choices
from maintenance import choices as maintenance_choices
from meetings import choices as meeting_choices
from security import choices as security_choices
from spaces import choices as space_choices
from twin.core import accounts, throttle
from twin.core.database import database_dialect
from twin.core.deps import CurrentUser, SessionDep, SettingsDep, require
from twin.core.errors import AuthError
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
from twin.iot import service as iot_service

__all__ = ["router"]

router = APIRouter()
Admin = Annotated[User, Depends(require("users.manage"))]
_bearer = HTTPBearer(auto_error=False)


class DeviceTokenCreate(BaseModel):
    device: str = Field(min_length=1, max_length=100, description="serial-key or gateway id")
    building_id: int | None = None


class DeviceTokenPublic(BaseModel):
    device: str
    token: str


class DeviceTokenInfoPublic(BaseModel):
    """A device's or gateway's token as listed (the secret itself is never shown again)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str = Field(description="device (reports for itself) or gateway (for its building)")
    device: str | None
    building_id: int | None
    created_at: datetime


class UserUpdate(BaseModel):
    role: str | None = Field(None, description=f"one of {', '.join(ROLES)}")
    password: str | None = Field(None, min_length=8, max_length=200)
    active: bool | None = None
    buildings: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = None


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=200)
    role: str = Field(description=f"one of {', '.join(ROLES)}")
    buildings: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(default_factory=list)


@router.get("/health", response_model=HealthPublic, tags=["system"])
def health(session: SessionDep) -> HealthPublic:
    """Liveness and database reachability; no sign-in needed."""
    return HealthPublic(status="ok", database=database_dialect(session),
                  version=version("facility-twin"))


@router.post("/auth/token", response_model=TokenPublic, tags=["auth"])
def sign_in(body: TokenCreate, session: SessionDep, settings: SettingsDep,
            request: Request) -> TokenPublic:
    """Exchange a username and password for a bearer token. Failed attempts are counted per
    account and per client address: past the limit the answer is 429 with ``Retry-After``
    (a temporary lockout), and every failure is in the audit log."""
    database = request.app.state.database
    policy = getattr(request.app.state, "login_policy", None) or throttle.LoginPolicy()
    address = request.client.host if request.client else None
    username = accounts.normalise_username(body.username)
    keys = throttle.throttle_keys(username, address)
    throttle.check_allowed(database, policy, keys)
    try:
        user = accounts.authenticate(session, username, body.password)
    except AuthError:
        throttle.record_failure(database, policy, keys, username=username, address=address)
        raise
    throttle.record_success(database, keys[0])
    token, expires = accounts.issue_token(session, user, hours=settings.token_hours)
    return TokenPublic(access_token=token, expires_at=expires, role=user.role)


@router.post("/auth/sign-out", status_code=204, tags=["auth"])
def sign_out(user: CurrentUser, session: SessionDep,
             credentials: Annotated[HTTPAuthorizationCredentials | None,
                                    Depends(_bearer)]) -> None:
    """Revoke the presented token (sign out)."""
    if credentials is not None:
        accounts.revoke_token(session, credentials.credentials, actor=user.username)


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
        space_uses=_choices(space_choices.SPACE_USES),
        alarm_severities=_choices(maintenance_choices.SEVERITIES),
        alarm_states=_choices(maintenance_choices.ALARM_STATES),
        work_order_priorities=_choices(maintenance_choices.PRIORITIES),
        work_order_states=_choices(maintenance_choices.WORK_ORDER_STATES),
        work_order_origins=_choices(maintenance_choices.WORK_ORDER_ORIGINS),
        impact_evidence=_choices(maintenance_choices.IMPACT_EVIDENCE),
        work_order_transitions={state: list(after) for state, after
                                in maintenance_choices.WORK_ORDER_TRANSITIONS.items()},
        asset_states=_choices(asset_choices.ASSET_STATES),
        asset_transitions={k: list(v) for k, v in asset_choices.ASSET_TRANSITIONS.items()},
        asset_classes=_choices(asset_choices.ASSET_CLASSES),
        asset_kinds=_choices(asset_choices.ASSET_KINDS),
        asset_request_kinds=_choices(asset_choices.REQUEST_KINDS),
        asset_request_states=_choices(asset_choices.REQUEST_STATES),
        asset_step_roles=_choices(asset_choices.STEP_ROLES),
        asset_unit_roles=_choices(asset_choices.UNIT_ROLES),
        asset_audit_states=_choices(asset_choices.AUDIT_STATES),
        asset_discrepancies=_choices(asset_choices.DISCREPANCIES),
        security_event_types=_choices(security_choices.EVENT_TYPES),
        security_denial_reasons=_choices(security_choices.DENIAL_REASONS),
        security_door_states=_choices(security_choices.DOOR_STATES),
        security_rule_types=_choices(security_choices.SECURITY_RULE_TYPES),
        parking_bay_states=_choices(security_choices.BAY_STATES),
        parking_plate_lists=_choices(security_choices.PLATE_LISTS),
        parking_gate_decisions=_choices(security_choices.GATE_DECISIONS),
        vehicle_booking_states=_choices(security_choices.BOOKING_STATES),
        device_kinds=_choices(DEVICE_KIND_CHOICES),
        energy_categories=_choices(energy_choices.CATEGORIES),
        energy_category_groups=_choices(energy_choices.CATEGORY_GROUPS),
        energy_anomaly_rules=_choices(energy_choices.ANOMALY_RULES),
        energy_baseline_verdicts=_choices(energy_choices.BASELINE_VERDICTS),
        energy_quota_verdicts=_choices(energy_choices.QUOTA_VERDICTS),
        meeting_booking_states=_choices(meeting_choices.BOOKING_STATES),
        meeting_occurrence_states=_choices(meeting_choices.OCCURRENCE_STATES),
        meeting_services=_choices(meeting_choices.SERVICE_KINDS),
        meeting_room_features=_choices(meeting_choices.ROOM_FEATURES),
        meeting_room_states=_choices(meeting_choices.ROOM_STATES),
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


@router.patch("/users/{username}", response_model=UserPublic, tags=["users"])
def update_user(username: Annotated[str, Path(max_length=100)], body: UserUpdate,
                session: SessionDep, admin: Admin) -> User:
    """Change an account's role, password, active flag or buildings (admin). A new role or
    password, or disabling, signs the account out everywhere; the last admin stays one."""
    user = accounts.update_user(session, username, role=body.role, password=body.password,
                                active=body.active, actor=admin.username)
    if body.buildings is not None:
        accounts.set_user_buildings(session, user.username, body.buildings,
                                    actor=admin.username)
    return user


@router.delete("/users/{username}", status_code=204, tags=["users"])
def remove_user(username: Annotated[str, Path(max_length=100)], session: SessionDep,
                admin: Admin) -> None:
    """Delete an account (admin); never the last admin (409)."""
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
    """A bearer token for a sensor or gateway (admin); shown once, stored as a hash. A
    registered device's token reports for that device only; any other name is a gateway's
    and needs ``building_id``: it reports for the devices of that building."""
    token, _kind, _building = iot_service.issue_sender_token(
        session, admin, device=body.device, building_id=body.building_id)
    return DeviceTokenPublic(device=body.device, token=token)


@router.get("/device-tokens", response_model=list[DeviceTokenInfoPublic], tags=["users"])
def list_device_tokens(session: SessionDep, _admin: Admin) -> list:
    """Every device and gateway token (admin), without their secrets."""
    return accounts.list_device_tokens(session)


@router.delete("/device-tokens/{token_id}", status_code=204, tags=["users"])
def revoke_device_token(token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                        session: SessionDep, admin: Admin) -> None:
    """Revoke a device or gateway token (admin); audited."""
    accounts.revoke_device_token(session, token_id, actor=admin.username)
