"""Health, sign-in and user accounts."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import text

from twin.core import accounts
from twin.core.deps import CurrentUser, SessionDep, SettingsDep, require_roles
from twin.core.schemas import Health, TokenPublic, TokenRequest, UserPublic
from twin.core.tables import ROLES, User
from twin.portfolio import service as portfolio

__all__ = ["router"]

router = APIRouter()
Admin = Annotated[User, Depends(require_roles("admin"))]


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


@router.get("/health", response_model=Health, tags=["system"])
def health(session: SessionDep) -> Health:
    """Liveness and database reachability; no sign-in needed."""
    session.execute(text("select 1"))
    return Health(status="ok", database=session.get_bind().dialect.name,
                  version=version("facility-twin"))


@router.post("/auth/token", response_model=TokenPublic, tags=["auth"])
def sign_in(body: TokenRequest, session: SessionDep, settings: SettingsDep) -> TokenPublic:
    """Exchange a username and password for a bearer token."""
    user = accounts.authenticate(session, body.username, body.password)
    token, expires = accounts.issue_token(session, user, hours=settings.token_hours)
    return TokenPublic(access_token=token, expires_at=expires, role=user.role)


@router.get("/auth/me", response_model=UserPublic, tags=["auth"])
def me(user: CurrentUser) -> User:
    """The signed-in account."""
    return user


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
