"""User accounts, bearer tokens and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twin.core.errors import AuthError, ConflictError, InvalidInputError, NotFoundError
from twin.core.permissions import ROLES
from twin.core.tables import ApiToken, AuditEntry, User, UserBuilding, utcnow

__all__ = [
    "add_user",
    "authenticate",
    "get_user",
    "issue_device_token",
    "issue_token",
    "list_audit",
    "list_users",
    "record_audit",
    "remove_user",
    "resolve_token",
    "user_of_token",
    "set_user_buildings",
]

_hasher = PasswordHasher()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def record_audit(session: Session, *, actor: str, action: str, target: str,
                 detail: dict | None = None) -> None:
    """Append to the audit log (in the caller's transaction, so it commits with the change)."""
    session.add(AuditEntry(actor=actor, action=action, target=target, detail=detail or {}))


def list_audit(session: Session, *, action: str | None = None, limit: int = 100,
               offset: int = 0) -> tuple[list[AuditEntry], int]:
    """One page of the audit log, newest first.

    Parameters
    ----------
    session : Session
        The database session.
    action : str, optional
        Keep only entries with this action (e.g. ``user.add``).
    limit, offset : int
        The window asked for.

    Returns
    -------
    tuple of (list of AuditEntry, int)
        The entries in the window and how many match in all.
    """
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                           .limit(limit).offset(offset)).all()
    return list(rows), int(total)


def add_user(session: Session, *, username: str, password: str, role: str,
             all_buildings: bool = False, actor: str = "system") -> User:
    """Create an account.

    Raises
    ------
    InvalidInputError
        Unknown role, empty username or a password shorter than 8 characters.
    ConflictError
        The username is taken.
    """
    if role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if not username.strip():
        raise InvalidInputError("the username is empty")
    if len(password) < 8:
        raise InvalidInputError("the password must have at least 8 characters")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise ConflictError(f"user {username!r} exists already")
    user = User(username=username, password_hash=_hasher.hash(password), role=role,
                all_buildings=all_buildings or role == "admin")
    session.add(user)
    session.flush()
    record_audit(session, actor=actor, action="user.add", target=username,
                 detail={"role": role})
    return user


def get_user(session: Session, username: str) -> User:
    """The account with this username.

    Raises
    ------
    NotFoundError
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def list_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def remove_user(session: Session, username: str, *, actor: str = "system") -> None:
    """Delete an account and its tokens."""
    session.delete(get_user(session, username))
    record_audit(session, actor=actor, action="user.remove", target=username)


def set_user_buildings(session: Session, username: str, building_ids: list[int], *,
                       actor: str = "system") -> None:
    """Scope an account to these buildings (replacing its previous scope)."""
    user = get_user(session, username)
    user.buildings = [UserBuilding(user_id=user.id, building_id=b) for b in building_ids]
    record_audit(session, actor=actor, action="user.scope", target=username,
                 detail={"buildings": building_ids})


def authenticate(session: Session, username: str, password: str) -> User:
    """The active account matching these credentials.

    Raises
    ------
    AuthError
        Unknown user, inactive account or wrong password (one message for all three).
    """
    user = session.scalar(select(User).where(User.username == username))
    try:
        if user is None or not user.active:
            raise VerificationError("no such active user")
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthError("wrong username or password") from exc
    return user


def issue_token(session: Session, user: User, *, hours: int) -> tuple[str, datetime]:
    """A new bearer token for ``user``, valid ``hours``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=hours)
    session.add(ApiToken(token_hash=_digest(token), kind="user", user_id=user.id,
                         expires_at=expires))
    return token, expires


def issue_device_token(session: Session, *, device: str, building_id: int | None,
                       actor: str = "system") -> str:
    """A token for a sensor or gateway (``device`` names it), without expiry."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_digest(token), kind="device", device=device,
                         building_id=building_id))
    record_audit(session, actor=actor, action="token.device", target=device)
    return token


def resolve_token(session: Session, token: str) -> ApiToken:
    """The stored token for a presented bearer token.

    Raises
    ------
    AuthError
        Unknown or expired token.
    """
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None:
        raise AuthError("unknown token")
    if row.expires_at is not None:
        expires = row.expires_at if row.expires_at.tzinfo else \
            row.expires_at.replace(tzinfo=UTC)  # SQLite returns naive datetimes
        if expires < utcnow():
            raise AuthError("the token has expired; ask for a new one")
    return row


def user_of_token(session: Session, token: str | None) -> User:
    """The active account a presented bearer token belongs to: the one place a user token is
    turned into a user (REST, the push stream and the ingest all call this).

    Raises
    ------
    AuthError
        No token, an unknown or expired one, a device token, or a disabled account.
    """
    if not token:
        raise AuthError("sign in first: send 'Authorization: Bearer <token>'")
    row = resolve_token(session, token)
    if row.kind != "user" or row.user_id is None:
        raise AuthError("a device token cannot be used here")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise AuthError("the account is disabled")
    return user
