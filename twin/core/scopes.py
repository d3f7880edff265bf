"""Which buildings an account may see: admins add and remove buildings in a user's scope
(``/users/{username}/buildings``, ``twin users scope``), so that an uploaded building can be
handed to its housing officers and maintenance staff. Every change is audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from twin.core.accounts import get_user, record_audit
from twin.core.errors import InvalidInputError, NotFoundError
from twin.core.tables import Building, User, UserBuilding

__all__ = ["add_to_scope", "remove_from_scope", "scope_of"]


def scope_of(user: User) -> list[int]:
    """The building ids in ``user``'s scope, ascending (empty for an all-buildings account)."""
    return sorted(b.building_id for b in user.buildings)


def _scoped_user(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user.all_buildings:
        raise InvalidInputError(f"{user.username!r} sees every building ({user.role}): "
                                "there is no scope to change")
    return user


def _existing(session: Session, building_ids: list[int]) -> list[int]:
    found = set(session.scalars(select(Building.id).where(Building.id.in_(building_ids))))
    missing = sorted(set(building_ids) - found)
    if missing:
        raise NotFoundError(f"no building {', '.join(map(str, missing))}")
    return sorted(set(building_ids))


def add_to_scope(session: Session, username: str, building_ids: list[int], *,
                 actor: str) -> User:
    """Add buildings to an account's scope (ones already in it are kept once).

    Raises
    ------
    NotFoundError
        No such user or building (nothing is changed).
    InvalidInputError
        The account sees every building already (an admin).
    """
    user = _scoped_user(session, username)
    wanted = _existing(session, building_ids)
    have = set(scope_of(user))
    added = [b for b in wanted if b not in have]
    user.buildings.extend(UserBuilding(user_id=user.id, building_id=b) for b in added)
    record_audit(session, actor=actor, action="user.scope.add", target=user.username,
                 detail={"added": added, "buildings": sorted(have | set(added))})
    session.flush()
    return user


def remove_from_scope(session: Session, username: str, building_ids: list[int], *,
                      actor: str) -> User:
    """Take buildings out of an account's scope.

    Raises
    ------
    NotFoundError
        No such user, or a building that is not in the scope (nothing is changed).
    InvalidInputError
        The account sees every building (an admin).
    """
    user = _scoped_user(session, username)
    have = set(scope_of(user))
    absent = sorted(set(building_ids) - have)
    if absent:
        raise NotFoundError(f"building {', '.join(map(str, absent))} is not in "
                            f"{user.username!r}'s scope")
    user.buildings = [b for b in user.buildings if b.building_id not in set(building_ids)]
    record_audit(session, actor=actor, action="user.scope.remove", target=user.username,
                 detail={"removed": sorted(set(building_ids)),
                         "buildings": sorted(have - set(building_ids))})
    session.flush()
    return user
