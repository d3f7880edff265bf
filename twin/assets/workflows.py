"""The workflows of 公物仓 on stored requests: 上缴 (hand-in: request, approvals, acceptance,
inspection), 借用 (loan: dates, approval chain, hand-over, the borrower's confirmation, return,
inspection), 调剂 (transfer to a unit) and 处置 (disposal), direct transitions, renewals and the
overdue reminders of the periodic job. Every state change of an item is written to its
history (who, when, why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from assets.approvals import Signer, chain_for, check_signer, default_rules
from assets.choices import LOANABLE_STATES, ON_LOAN_STATES, REQUEST_TRANSITIONS
from assets.circulation import loan_due, reminder_level, renewed_due
from assets.errors import AssetsError, NotHolderError
from assets.register import asset_code, check_transition
from twin.assets.schemas import AssetRequestPublic
from twin.assets.service import (
    check_free,
    get_asset,
    record_change,
    translated,
    unit_by_code,
)
from twin.assets.tables import AssetRequestRow, AssetRow, AssetUnitMemberRow, AssetUnitRow
from twin.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from twin.core.permissions import may
from twin.core.tables import User, utcnow

__all__ = ["AssetReminder", "approve", "cancel", "check_overdue", "complete", "confirm",
           "create_request", "hand_over", "inspect", "list_requests", "reject", "renew",
           "request_public", "return_asset", "transition"]

#: The kinds whose dates are a reservation.
_DATED = ("loan",)


def _now() -> datetime:
    return utcnow()


def _units_headed(session: Session, username: str) -> frozenset[str]:
    return frozenset(session.scalars(select(AssetUnitRow.code).join(
        AssetUnitMemberRow, AssetUnitMemberRow.unit_id == AssetUnitRow.id).where(
        AssetUnitMemberRow.username == username, AssetUnitMemberRow.role == "approver")))


def _member_of(session: Session, username: str, unit_id: int) -> bool:
    return session.scalar(select(AssetUnitMemberRow.role).where(
        AssetUnitMemberRow.unit_id == unit_id, AssetUnitMemberRow.username == username)
    ) is not None


def _request_state(request: AssetRequestRow, to: str) -> None:
    allowed = REQUEST_TRANSITIONS[request.state]
    if to not in allowed:
        raise ConflictError(f"request {request.id} is {request.state!r} and may not become "
                            f"{to!r}; allowed: {', '.join(allowed) or 'nothing (final)'}",
                            {"allowed": list(allowed)})
    request.state = to


def _next_step(request: AssetRequestRow) -> str | None:
    signed = sum(1 for a in request.approvals if a["decision"] == "approved")
    return request.steps[signed] if request.state == "pending" and signed < len(
        request.steps) else None


def request_public(session: Session, request: AssetRequestRow,
                   asset: AssetRow | None = None) -> AssetRequestPublic:
    """The REST shape of a request."""
    asset = asset or session.get(AssetRow, request.asset_id)
    unit = session.get(AssetUnitRow, request.unit_id)
    return AssetRequestPublic(
        id=request.id, kind=request.kind, asset_id=request.asset_id,
        asset_code=asset_code(request.asset_id), asset_name=asset.name if asset else "?",
        unit=unit.code if unit else "?", requester=request.requester, state=request.state,
        quantity=request.quantity, start=request.start, end=request.end,
        renewals=request.renewals, reason=request.reason, chain=request.chain,
        steps=list(request.steps), approvals=list(request.approvals),
        next_step=_next_step(request), created_at=request.created_at,
        handed_over_at=request.handed_over_at, confirmed_at=request.confirmed_at,
        returned_at=request.returned_at, completed_at=request.completed_at)


def _get_request(session: Session, request_id: int, user: User) -> AssetRequestRow:
    request = session.get(AssetRequestRow, request_id)
    if request is None:
        raise NotFoundError(f"no asset request {request_id}")
    get_asset(session, request.asset_id, user)  # scope
    return request


def _check_kind_fits(kind: str, asset: AssetRow, start: date | None, end: date | None) -> None:
    if kind == "loan":
        if start is None or end is None:
            raise AssetsError("a loan needs start and end dates")
        if asset.state in ("transferred", "disposed", "intake"):
            raise AssetsError(f"{asset_code(asset.id)} is {asset.state!r}: not lendable")
        loan_due(asset.asset_class, start, end)
    elif kind == "hand_in" and asset.state != "transferred":
        raise AssetsError(f"{asset_code(asset.id)} is in the pool already ({asset.state!r}); "
                          f"only an asset held by a unit can be handed in")
    elif kind in ("transfer", "disposal") and asset.state in ON_LOAN_STATES | {"disposed"}:
        raise AssetsError(f"{asset_code(asset.id)} is {asset.state!r}: return it first")


@translated
def create_request(session: Session, user: User, asset_id: int, *, kind: str, unit: str,
                   start: date | None = None, end: date | None = None, quantity: int = 1,
                   reason: str = "") -> AssetRequestRow:
    """A request of ``user`` for ``unit`` (a member of it, or the pool administration);
    a loan's dates are checked against the item's calendar and block it from now on."""
    asset = get_asset(session, asset_id, user)
    found = unit_by_code(session, unit)
    if not may(user.role, "assets.manage") and not _member_of(session, user.username,
                                                               found.id):
        raise PermissionDeniedError(f"{user.username} is not a member of unit {unit}")
    _check_kind_fits(kind, asset, start, end)
    if kind in _DATED:
        check_free(session, asset, start, end, quantity)
    rule = chain_for(default_rules(), kind=kind, asset_class=asset.asset_class,
                     value=asset.value, unit=unit)
    request = AssetRequestRow(kind=kind, asset_id=asset.id, unit_id=found.id,
                              requester=user.username, state="pending", quantity=quantity,
                              start=start, end=end, reason=reason, chain=rule.name,
                              steps=list(rule.steps), approvals=[], created_at=_now())
    session.add(request)
    session.flush()
    return request


def _sign(session: Session, user: User, request_id: int, decision: str, note: str
          ) -> AssetRequestRow:
    request = _get_request(session, request_id, user)
    step = _next_step(request)
    if step is None:
        raise ConflictError(f"request {request.id} is {request.state!r}: nothing to sign")
    unit = session.get(AssetUnitRow, request.unit_id)
    check_signer(step, Signer(user.username, user.role, _units_headed(session, user.username)),
                 requester=request.requester, unit=unit.code)
    request.approvals = [*request.approvals, {"step": step, "by": user.username,
                                              "at": _now().isoformat(), "decision": decision,
                                              "note": note}]
    return request


@translated
def approve(session: Session, user: User, request_id: int, note: str = "") -> AssetRequestRow:
    """Sign the next step; the last one approves the request (a loan locks the item)."""
    request = _sign(session, user, request_id, "approved", note)
    if _next_step(request) is None:
        _request_state(request, "approved")
        asset = session.get(AssetRow, request.asset_id)
        if request.kind == "loan" and asset.state == "available" and asset.kind == "item":
            record_change(session, asset, "reserved", actor=user.username,
                          reason=f"loan approved ({request.start} .. {request.end})",
                          request_id=request.id)
    return request


@translated
def reject(session: Session, user: User, request_id: int, note: str = "") -> AssetRequestRow:
    """Refuse the request at its current step (its dates are freed)."""
    request = _sign(session, user, request_id, "rejected", note)
    _request_state(request, "rejected")
    return request


@translated
def cancel(session: Session, user: User, request_id: int, note: str = "") -> AssetRequestRow:
    """Withdraw a request not handed over yet (the requester or the pool administration)."""
    request = _get_request(session, request_id, user)
    if request.requester != user.username and not may(user.role, "assets.manage"):
        raise PermissionDeniedError(f"only {request.requester} or the pool administration "
                                    f"may cancel request {request.id}")
    _request_state(request, "cancelled")
    asset = session.get(AssetRow, request.asset_id)
    if asset.state == "reserved" and request.state != "handed_over":
        record_change(session, asset, "available", actor=user.username,
                      reason=note or "request cancelled", request_id=request.id)
    return request


@translated
def hand_over(session: Session, user: User, request_id: int, note: str = "") -> AssetRequestRow:
    """The pool hands an approved loan's item over; the borrower confirms next."""
    request = _get_request(session, request_id, user)
    if request.kind != "loan":
        raise ConflictError(f"request {request.id} is a {request.kind}, not a loan")
    asset = session.get(AssetRow, request.asset_id)
    if asset.kind == "item" and asset.state not in LOANABLE_STATES:
        raise ConflictError(f"{asset_code(asset.id)} is {asset.state!r}; it can be handed "
                            f"over when it is back in the pool")
    _request_state(request, "handed_over")
    request.handed_over_at = _now()
    if note:
        request.reason = f"{request.reason}\n{note}".strip()
    return request


@translated
def confirm(session: Session, user: User, request_id: int) -> AssetRequestRow:
    """The borrower confirms receipt: the item is on loan and theirs to return."""
    request = _get_request(session, request_id, user)
    if request.requester != user.username:
        raise NotHolderError(f"only the borrower {request.requester} confirms receipt of "
                             f"request {request.id}")
    _request_state(request, "on_loan")
    request.confirmed_at = _now()
    asset = session.get(AssetRow, request.asset_id)
    if asset.kind == "item":
        record_change(session, asset, "on_loan", actor=user.username,
                      reason=f"received (request {request.id}, due {request.end})",
                      request_id=request.id)
        asset.holder, asset.holder_unit_id = user.username, request.unit_id
    return request


def _open_loan(session: Session, asset: AssetRow, username: str | None
               ) -> AssetRequestRow | None:
    where = [AssetRequestRow.asset_id == asset.id, AssetRequestRow.state == "on_loan",
             AssetRequestRow.kind == "loan"]
    if username is not None:
        where.append(AssetRequestRow.requester == username)
    return session.scalar(select(AssetRequestRow).where(*where).limit(1))


@translated
def return_asset(session: Session, user: User, asset_id: int, note: str = "",
                 *, today: date | None = None) -> AssetRequestRow:
    """Give an item back (its holder; the pool administration may record it for them)."""
    asset = get_asset(session, asset_id, user)
    manager = may(user.role, "assets.manage")
    request = _open_loan(session, asset, None if manager else user.username)
    if request is None:
        holder = f"held by {asset.holder}" if asset.holder else f"{asset.state!r}"
        raise NotHolderError(f"{user.username} does not hold {asset_code(asset.id)} "
                             f"({asset.name}; {holder}): nothing to return")
    _request_state(request, "returned")
    request.returned_at = _now()
    if asset.kind == "item":
        record_change(session, asset, "returned", actor=user.username,
                      reason=note or f"returned (request {request.id})", request_id=request.id)
        asset.holder, asset.holder_unit_id = None, None
    asset.last_loan_end = today or date.today()
    return request


@translated
def inspect(session: Session, user: User, asset_id: int, outcome: str, note: str = ""
            ) -> AssetRow:
    """Inspect a returned or handed-in item: back to the pool, to repair, transferred or
    disposed of; the request it came back from is completed."""
    asset = get_asset(session, asset_id, user)
    if asset.state not in ("returned", "intake"):
        raise ConflictError(f"{asset_code(asset.id)} is {asset.state!r}: only a returned or "
                            f"handed-in item awaits inspection", {"allowed": []})
    check_transition(asset_code(asset.id), asset.state, outcome)
    request = session.scalar(select(AssetRequestRow).where(
        AssetRequestRow.asset_id == asset.id, AssetRequestRow.state == "returned").limit(1))
    record_change(session, asset, outcome, actor=user.username,
                  reason=note or "inspected", request_id=request.id if request else None)
    if request is not None:
        _request_state(request, "completed")
        request.completed_at = _now()
    return asset


@translated
def complete(session: Session, user: User, request_id: int, note: str = "") -> AssetRequestRow:
    """Carry out an approved hand-in (accepted: awaiting inspection), transfer (the item now
    belongs to the request's unit) or disposal."""
    request = _get_request(session, request_id, user)
    if request.kind == "loan":
        raise ConflictError(f"request {request.id} is a loan: hand it over instead")
    asset = session.get(AssetRow, request.asset_id)
    target = {"hand_in": "intake", "transfer": "transferred", "disposal": "disposed"}[
        request.kind]
    _request_state(request, "completed")
    check_transition(asset_code(asset.id), asset.state, target)
    record_change(session, asset, target, actor=user.username,
                  reason=note or f"{request.kind} (request {request.id})",
                  request_id=request.id)
    request.completed_at = _now()
    if request.kind == "transfer":
        asset.owner_unit_id = asset.holder_unit_id = request.unit_id
    elif request.kind == "hand_in":
        asset.holder_unit_id = None
    return request


@translated
def transition(session: Session, user: User, asset_id: int, state: str, reason: str
               ) -> AssetRow:
    """A direct state change by the pool administration, checked against the table."""
    asset = get_asset(session, asset_id, user)
    check_transition(asset_code(asset.id), asset.state, state)
    record_change(session, asset, state, actor=user.username, reason=reason)
    return asset


@translated
def renew(session: Session, user: User, request_id: int, *, today: date | None = None
          ) -> AssetRequestRow:
    """Extend a loan by the class's renewal length (the borrower, before it is due)."""
    request = _get_request(session, request_id, user)
    if request.requester != user.username and not may(user.role, "assets.manage"):
        raise NotHolderError(f"only the borrower {request.requester} renews request "
                             f"{request.id}")
    if request.state != "on_loan":
        raise ConflictError(f"request {request.id} is {request.state!r}: not on loan")
    asset = session.get(AssetRow, request.asset_id)
    new_end = renewed_due(asset.asset_class, request.end, request.renewals,
                          today or date.today())
    check_free(session, asset, request.end, new_end, request.quantity, exclude=request.id)
    request.end, request.renewals, request.reminded = new_end, request.renewals + 1, None
    return request


def list_requests(session: Session, user: User, *, mine: bool = False, inbox: bool = False,
                  state: str | None = None, kind: str | None = None, limit: int = 200
                  ) -> list[AssetRequestPublic]:
    """Requests, newest first: ``mine`` (made by ``user``), ``inbox`` (waiting for a step
    ``user`` may sign), or all in scope."""
    where: list[Any] = []
    if mine:
        where.append(AssetRequestRow.requester == user.username)
    if state:
        where.append(AssetRequestRow.state == state)
    if kind:
        where.append(AssetRequestRow.kind == kind)
    if inbox:
        where.append(AssetRequestRow.state == "pending")
    rows = session.execute(select(AssetRequestRow, AssetRow).join(
        AssetRow, AssetRow.id == AssetRequestRow.asset_id).where(*where)
        .order_by(AssetRequestRow.id.desc()).limit(limit * (5 if inbox else 1))).all()
    if inbox:
        heads = _units_headed(session, user.username)
        codes = {u.id: u.code for u in session.scalars(select(AssetUnitRow))}
        signer = Signer(user.username, user.role, heads)

        def mine_to_sign(r: AssetRequestRow) -> bool:
            step = _next_step(r)
            try:
                check_signer(step, signer, requester=r.requester, unit=codes[r.unit_id])
            except AssetsError:
                return False
            return True
        rows = [(r, a) for r, a in rows if mine_to_sign(r)][:limit]
    return [request_public(session, r, a) for r, a in rows]


# -- overdue loans -------------------------------------------------------------------------

@dataclass(frozen=True)
class AssetReminder:
    """A push-stream message: a loan due soon, overdue or escalated."""

    building_id: int
    level: str
    request_id: int
    asset_id: int
    borrower: str
    unit: str
    due: str
    notify: list[str] = field(default_factory=list)
    type: str = "asset_reminder"

    def to_json(self) -> dict[str, Any]:
        """The push-stream message."""
        return {"type": self.type, "building": self.building_id, "level": self.level,
                "request": self.request_id, "asset": self.asset_id,
                "code": asset_code(self.asset_id), "borrower": self.borrower,
                "unit": self.unit, "due": self.due, "notify": self.notify}


def check_overdue(session: Session, today: date | None = None) -> list[AssetReminder]:
    """Mark overdue loans (借出 → 逾期) and return one reminder per loan whose level rose
    (due soon → overdue → escalated); each level is sent once."""
    today = today or datetime.now(UTC).date()
    order = {None: 0, "due_soon": 1, "overdue": 2, "escalated": 3}
    reminders = []
    rows = session.execute(select(AssetRequestRow, AssetRow).join(
        AssetRow, AssetRow.id == AssetRequestRow.asset_id).where(
        AssetRequestRow.state == "on_loan", AssetRequestRow.kind == "loan",
        or_(AssetRequestRow.reminded.is_(None), AssetRequestRow.reminded != "escalated"))).all()
    for request, asset in rows:
        level = reminder_level(asset.asset_class, request.end, today)
        if order[level] <= order[request.reminded]:
            continue
        request.reminded = level
        if level in ("overdue", "escalated") and asset.state == "on_loan":
            record_change(session, asset, "overdue", actor="system",
                          reason=f"due {request.end}", request_id=request.id)
        unit = session.get(AssetUnitRow, request.unit_id)
        notify = [request.requester]
        if level == "escalated":
            notify += sorted(session.scalars(select(AssetUnitMemberRow.username).where(
                AssetUnitMemberRow.unit_id == request.unit_id,
                AssetUnitMemberRow.role == "approver"))) + ["pool_admin"]
        if asset.building_id is not None:
            reminders.append(AssetReminder(asset.building_id, level, request.id, asset.id,
                                           request.requester, unit.code, str(request.end),
                                           notify))
    return reminders
