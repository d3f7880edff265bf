"""``/users/{username}/buildings``: the buildings an account may see, changed by an admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from twin.core import scopes
from twin.core.accounts import get_user
from twin.core.deps import SessionDep, require
from twin.core.schemas import ScopeUpdate, UserScopePublic
from twin.core.tables import User

__all__ = ["router"]

router = APIRouter(prefix="/users/{username}/buildings", tags=["users"])
Admin = Annotated[User, Depends(require("users.manage"))]


def _public(user: User) -> UserScopePublic:
    return UserScopePublic(username=user.username, role=user.role,
                           all_buildings=user.all_buildings, buildings=scopes.scope_of(user))


@router.get("", response_model=UserScopePublic)
def user_scope(username: str, session: SessionDep, _admin: Admin) -> UserScopePublic:
    """The buildings the account may see (admin)."""
    return _public(get_user(session, username))


@router.post("", response_model=UserScopePublic)
def add_buildings(username: str, body: ScopeUpdate, session: SessionDep,
                  admin: Admin) -> UserScopePublic:
    """Add buildings to the account's scope (admin); unknown buildings change nothing."""
    return _public(scopes.add_to_scope(session, username, body.buildings,
                                       actor=admin.username))


@router.delete("/{building_id}", response_model=UserScopePublic)
def remove_building(username: str, building_id: int, session: SessionDep,
                    admin: Admin) -> UserScopePublic:
    """Take one building out of the account's scope (admin)."""
    return _public(scopes.remove_from_scope(session, username, [building_id],
                                            actor=admin.username))
