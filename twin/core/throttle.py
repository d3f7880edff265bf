"""Sign-in throttling: failed attempts counted per account and per client address in the
database (so every worker sees them), a temporary lockout, and the audit of failures.

A key is ``user:<normalised name>`` or ``addr:<client address>``. Within ``window_s`` an
account may fail ``account_failures`` times and an address ``address_failures`` times; the
next attempt is refused with :class:`~twin.core.errors.ThrottledError` (HTTP 429 with
``Retry-After``) until ``lockout_s`` after the last counted failure. The writes run in their
own transaction: the sign-in that failed is rolled back, its failure is not.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from twin.core.accounts import record_audit
from twin.core.database import Database
from twin.core.errors import ThrottledError
from twin.core.tables import LoginThrottleRow

__all__ = ["LoginPolicy", "check_allowed", "record_failure", "record_success", "throttle_keys"]


@dataclass(frozen=True)
class LoginPolicy:
    """How many failures are allowed, within which window, and for how long they lock."""

    account_failures: int = 5
    address_failures: int = 30
    window_s: float = 900.0
    lockout_s: float = 900.0
    clock: Callable[[], float] = field(default=time.time)

    def limit_of(self, key: str) -> int:
        """The failures allowed to ``key`` within the window."""
        return self.account_failures if key.startswith("user:") else self.address_failures


def throttle_keys(username: str, address: str | None) -> list[str]:
    """The keys a sign-in attempt counts against."""
    return [f"user:{username[:190]}", f"addr:{(address or 'unknown')[:190]}"]


def check_allowed(database: Database, policy: LoginPolicy, keys: Iterable[str]) -> None:
    """Refuse the attempt while any of ``keys`` is locked out.

    Raises
    ------
    ThrottledError
        With the seconds to wait.
    """
    now = policy.clock()
    with database.session() as session:
        rows = session.scalars(select(LoginThrottleRow).where(
            LoginThrottleRow.key.in_(list(keys)))).all()
    wait = max((row.locked_until - now for row in rows), default=0.0)
    if wait > 0:
        raise ThrottledError(f"too many failed sign-ins; try again in {math.ceil(wait)} s",
                             retry_after=math.ceil(wait))


def record_failure(database: Database, policy: LoginPolicy, keys: Iterable[str], *,
                   username: str, address: str | None) -> None:
    """Count a failed sign-in against ``keys`` (locking those over their limit) and write it
    to the audit log, in a transaction of its own."""
    now = policy.clock()
    locked = []
    with database.session() as session:
        for key in keys:
            row = session.get(LoginThrottleRow, key)
            if row is None:
                row = LoginThrottleRow(key=key, failures=0, window_start=now, locked_until=0.0)
                session.add(row)
            if now - row.window_start > policy.window_s:
                row.failures, row.window_start = 0, now
            row.failures += 1
            if row.failures >= policy.limit_of(key):
                row.locked_until = now + policy.lockout_s
                locked.append(key)
        record_audit(session, actor=username[:100] or "?", action="auth.failed",
                     target=username[:200], detail={"address": address, "locked": locked})


def record_success(database: Database, username_key: str) -> None:
    """A successful sign-in clears the account's count (not the address's)."""
    with database.session() as session:
        row = session.get(LoginThrottleRow, username_key)
        if row is not None:
            session.delete(row)
