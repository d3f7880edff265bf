"""User accounts, bearer tokens and the audit log."""

from __future__ import annotations

import functools
import hashlib
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from twin.core.errors import AuthError, ConflictError, InvalidInputError, NotFoundError
from twin.core.permissions import ROLES
from twin.core.tables import ApiToken, AuditEntry, Building, User, UserBuilding, utcnow

__all__ = [
    "MIN_PASSWORD",
    "add_user",
    "authenticate",
    "check_password",
    "checked_username",
    "get_user",
    "has_admin",
    "issue_device_token",
    "issue_token",
    "list_audit",
    "list_device_tokens",
    "list_users",
    "normalise_username",
    "record_audit",
    "remove_user",
    "resolve_token",
    "revoke_device_token",
    "revoke_token",
    "revoke_user_tokens",
    "update_user",
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


#: Scripts whose letters look alike: a name may use one of them, not several.
_LOOKALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
#: Characters allowed in a username besides letters and digits.
_NAME_PUNCTUATION = set("._-@")
#: The shortest password of an account (demo accounts are made by ``twin demo`` alone).
MIN_PASSWORD = 8


def normalise_username(username: str) -> str:
    """The form a username is stored and compared in: NFKC, case-folded, trimmed.

    Examples
    --------
    >>> normalise_username(" Admin ")
    'admin'
    """
    return unicodedata.normalize("NFKC", username).casefold().strip()


def checked_username(username: str) -> str:
    """The normalised username, if it is acceptable.

    Raises
    ------
    InvalidInputError
        Empty, control or space characters, markup, or letters of look-alike scripts mixed
        (Latin ``a`` and Cyrillic ``а``).
    """
    name = normalise_username(username)
    if not name:
        raise InvalidInputError("the username is empty")
    bad = [c for c in name if not (c.isalnum() or c in _NAME_PUNCTUATION)]
    if bad:
        raise InvalidInputError(f"the username may hold letters, digits and . _ - @ only, "
                                f"not {''.join(dict.fromkeys(bad))!r}")
    scripts = {unicodedata.name(c, "?").split(" ")[0] for c in name if c.isalpha()}
    if len(scripts & set(_LOOKALIKE_SCRIPTS)) > 1:
        raise InvalidInputError("the username mixes Latin, Cyrillic or Greek letters "
                                "(look-alikes of another name)")
    return name


def check_password(password: str, username: str) -> None:
    """Refuse a weak password: short, all spaces, control characters, or the username.

    Raises
    ------
    InvalidInputError
    """
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"the password must have at least {MIN_PASSWORD} characters")
    if not password.strip():
        raise InvalidInputError("the password cannot be only spaces")
    if any(unicodedata.category(c) == "Cc" for c in password):
        raise InvalidInputError("the password cannot hold control characters")
    if normalise_username(password) == normalise_username(username):
        raise InvalidInputError("the password cannot be the username")


def add_user(session: Session, *, username: str, password: str, role: str,
             all_buildings: bool = False, actor: str = "system") -> User:
    """Create an account (its username normalised: :func:`checked_username`).

    Raises
    ------
    InvalidInputError
        Unknown role, an unacceptable username or a weak password (:func:`check_password`).
    ConflictError
        The username is taken.
    """
    if role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    username = checked_username(username)
    check_password(password, username)
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
    """The account with this username (compared normalised).

    Raises
    ------
    NotFoundError
    """
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def list_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def has_admin(session: Session) -> bool:
    """Whether an active admin account exists."""
    return session.scalar(select(User.id).where(User.role == "admin",
                                                User.active.is_(True)).limit(1)) is not None


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to take away the last active admin account (nobody could manage then)."""
    if user.role != "admin" or not user.active:
        return
    admins = session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True))) or 0
    if admins <= 1:
        raise ConflictError(f"{user.username!r} is the last admin: add another admin first")


def remove_user(session: Session, username: str, *, actor: str = "system") -> None:
    """Delete an account and its tokens.

    Raises
    ------
    NotFoundError
    ConflictError
        It is the last active admin.
    """
    user = get_user(session, username)
    _keep_an_admin(session, user)
    session.delete(user)
    record_audit(session, actor=actor, action="user.remove", target=user.username,
                 detail={"role": user.role})


def revoke_user_tokens(session: Session, user: User) -> int:
    """Delete every token of ``user`` (signed out everywhere); how many there were."""
    return session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount or 0


def update_user(session: Session, username: str, *, role: str | None = None,
                password: str | None = None, active: bool | None = None,
                actor: str = "system") -> User:
    """Change an account's role, password or active flag; a changed role or password, or a
    disabled account, revokes all of its tokens.

    Raises
    ------
    NotFoundError
    InvalidInputError
        Unknown role or weak password.
    ConflictError
        It would leave no active admin.
    """
    user = get_user(session, username)
    if role is not None and role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if (role is not None and role != "admin") or active is False:
        _keep_an_admin(session, user)
    if password is not None:
        check_password(password, user.username)
    changed = {}
    if role is not None and role != user.role:
        changed["role"] = [user.role, role]
        user.role = role
        user.all_buildings = user.all_buildings or role == "admin"
    if password is not None:
        user.password_hash = _hasher.hash(password)
        changed["password"] = "changed"
    if active is not None and active != user.active:
        changed["active"] = active
        user.active = active
    revoked = revoke_user_tokens(session, user) if changed else 0
    record_audit(session, actor=actor, action="user.update", target=user.username,
                 detail={**changed, "tokens_revoked": revoked})
    session.flush()
    return user


def revoke_token(session: Session, token: str, *, actor: str) -> None:
    """Sign out: delete the presented token."""
    session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))
    record_audit(session, actor=actor, action="auth.sign_out", target=actor)


def set_user_buildings(session: Session, username: str, building_ids: list[int], *,
                       actor: str = "system") -> None:
    """Scope an account to these buildings (replacing its previous scope).

    Raises
    ------
    NotFoundError
        No such user.
    InvalidInputError
        A building id that names no building.
    """
    user = get_user(session, username)
    building_ids = list(dict.fromkeys(building_ids))
    known = set(session.scalars(select(Building.id).where(Building.id.in_(building_ids))))
    missing = [b for b in building_ids if b not in known]
    if missing:
        raise InvalidInputError(f"no building {', '.join(map(str, missing))}")
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
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    try:
        if user is None or not user.active:
            _hasher.verify(_dummy_hash(), password)  # as slow as a known user's check
            raise VerificationError("no such active user")
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthError("wrong username or password") from exc
    return user


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def issue_token(session: Session, user: User, *, hours: int) -> tuple[str, datetime]:
    """A new bearer token for ``user``, valid ``hours``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=hours)
    session.add(ApiToken(token_hash=_digest(token), kind="user", user_id=user.id,
                         expires_at=expires))
    return token, expires


def issue_device_token(session: Session, *, device: str, building_id: int | None,
                       kind: str = "device", actor: str = "system") -> str:
    """A token for a sensor (``kind`` ``device``) or a gateway (``gateway``; ``device``
    names it), without expiry."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_digest(token), kind=kind, device=device,
                         building_id=building_id))
    record_audit(session, actor=actor, action=f"token.{kind}", target=device,
                 detail={"building_id": building_id})
    return token


def list_device_tokens(session: Session) -> list[ApiToken]:
    """The tokens of devices and gateways (never their secret: only a hash is stored)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.kind != "user")
                                .order_by(ApiToken.id)))


def revoke_device_token(session: Session, token_id: int, *, actor: str) -> None:
    """Delete a device's or gateway's token.

    Raises
    ------
    NotFoundError
        No device or gateway token with this id.
    """
    row = session.get(ApiToken, token_id)
    if row is None or row.kind == "user":
        raise NotFoundError(f"no device token {token_id}")
    session.delete(row)
    record_audit(session, actor=actor, action="token.revoke", target=row.device or "?",
                 detail={"token_id": token_id, "kind": row.kind,
                         "building_id": row.building_id})


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
