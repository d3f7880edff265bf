"""Dependencies shared by the routers: settings, database session, current user, roles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from twin.core.accounts import user_of_token
from twin.core.database import Database
from twin.core.errors import PermissionDeniedError
from twin.core.model_store import GraphStore
from twin.core.permissions import CAPABILITIES, may
from twin.core.settings import Settings
from twin.core.tables import User

__all__ = ["CurrentUser", "GraphsDep", "SessionDep", "SettingsDep", "require"]

_bearer = HTTPBearer(auto_error=False)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _session(request: Request) -> Iterator[Session]:
    database: Database = request.app.state.database
    with database.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(_settings)]


def _graphs(request: Request) -> GraphStore:
    return request.app.state.graphs


#: The graphs of recently used model files (:class:`twin.core.model_store.GraphStore`).
GraphsDep = Annotated[GraphStore, Depends(_graphs)]
#: A session committed when the handler returns, before the response is sent ("function"
#: scope): a client never sees an answer for a change that is not stored yet.
SessionDep = Annotated[Session, Depends(_session, scope="function")]


def _current_user(session: SessionDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None,
                                         Depends(_bearer)]) -> User:
    return user_of_token(session, credentials.credentials if credentials else None)


CurrentUser = Annotated[User, Depends(_current_user)]


def require(capability: str) -> Callable[[User], User]:
    """A dependency admitting only users whose role has ``capability``
    (:data:`twin.core.permissions.CAPABILITIES`).

    Examples
    --------
    ``Editor = Annotated[User, Depends(require("housing.edit"))]``
    """
    roles = CAPABILITIES[capability]  # KeyError at import time for a misspelt capability

    def check(user: CurrentUser) -> User:
        if not may(user.role, capability):
            raise PermissionDeniedError(
                f"role {user.role!r} may not do this ({capability}); "
                f"needs one of: {', '.join(roles)}")
        return user

    return check
