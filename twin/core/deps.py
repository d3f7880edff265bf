"""Dependencies shared by the routers: settings, database session, current user, roles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from twin.core.accounts import resolve_token
from twin.core.database import Database
from twin.core.errors import AuthError, PermissionDeniedError
from twin.core.settings import Settings
from twin.core.tables import User

__all__ = ["CurrentUser", "SessionDep", "SettingsDep", "require_roles"]

_bearer = HTTPBearer(auto_error=False)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _session(request: Request) -> Iterator[Session]:
    database: Database = request.app.state.database
    with database.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(_settings)]
#: A session committed when the handler returns, before the response is sent ("function"
#: scope): a client never sees an answer for a change that is not stored yet.
SessionDep = Annotated[Session, Depends(_session, scope="function")]


def _current_user(session: SessionDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None,
                                         Depends(_bearer)]) -> User:
    if credentials is None:
        raise AuthError("sign in first: send 'Authorization: Bearer <token>'")
    token = resolve_token(session, credentials.credentials)
    if token.kind != "user" or token.user_id is None:
        raise AuthError("a device token cannot be used here")
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise AuthError("the account is disabled")
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


def require_roles(*roles: str) -> Callable[[User], User]:
    """A dependency admitting only users with one of ``roles``."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise PermissionDeniedError(
                f"role {user.role!r} may not do this; needs one of: {', '.join(roles)}")
        return user

    return check
