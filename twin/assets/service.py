"""公物仓 in the running system: units, the register, catalogue search, availability, imports
and labels. Routers and CLI commands call this module (and :mod:`twin.assets.workflows` for
requests); the rules are :mod:`assets`.

Every public function works in the caller's session (one transaction: a refused request
stores nothing). Errors of :mod:`assets` leave as :mod:`twin.core.errors` (:func:`translated`),
so the API answers them with the usual 4xx error body and the CLI with one line.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from assets.choices import ASSET_CLASSES
from assets.errors import (
    ApprovalChainError,
    AssetsError,
    InvalidTransitionError,
    NotHolderError,
    ReservationClashError,
    SelfApprovalError,
    UnknownRoomError,
)
from assets.importing import AssetDraft, drafts_from_elements, parse_rows, read_table
from assets.register import (
    DEFAULT_RESIDUAL_RATE,
    USEFUL_LIFE_YEARS,
    asset_code,
    book_value,
    check_transition,
    parse_asset_code,
)
from assets.reservations import Booking, check_item_free, check_quantity_free, free_quantity
from twin.assets.schemas import AssetAvailabilityPublic, AssetPublic
from twin.assets.tables import (
    AssetHistoryRow,
    AssetRequestRow,
    AssetRow,
    AssetUnitMemberRow,
    AssetUnitRow,
)
from twin.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from twin.core.tables import Building, ElementRow, User, UserBuilding
from twin.portfolio import service as portfolio

__all__ = ["BOOKING_STATES", "add_member", "asset_public", "availability", "bookings_of",
           "check_free", "create_asset", "create_unit", "get_asset", "history_of",
           "import_drafts", "import_from_model", "import_table", "list_units",
           "model_availability", "record_change", "resolve_room", "search_assets",
           "translated", "unit_by_code", "unit_codes", "visible_buildings"]

F = TypeVar("F", bound=Callable[..., Any])
#: Request states whose dates block the calendar.
BOOKING_STATES = ("pending", "approved", "handed_over", "on_loan")


@contextlib.contextmanager
def _as_twin_errors() -> Iterator[None]:
    try:
        yield
    except InvalidTransitionError as error:
        raise ConflictError(str(error), {"allowed": list(error.allowed)}) from None
    except ReservationClashError as error:
        raise ConflictError(str(error), error.clash) from None
    except (SelfApprovalError, NotHolderError, ApprovalChainError) as error:
        raise PermissionDeniedError(str(error)) from None
    except UnknownRoomError as error:
        raise InvalidInputError(str(error)) from None
    except AssetsError as error:
        raise InvalidInputError(str(error)) from None


def translated(function: F) -> F:
    """Decorator: errors of :mod:`assets` leave as :mod:`twin.core.errors` (409 for a clash or
    a refused transition, 403 for acting for someone else, 422 for bad data)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with _as_twin_errors():
            return function(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


# -- scope and units -----------------------------------------------------------------------

def visible_buildings(user: User | None):
    """A WHERE clause limiting assets to those in buildings ``user`` may see (or in none)."""
    if user is None or user.all_buildings:
        return True
    return or_(AssetRow.building_id.is_(None), AssetRow.building_id.in_(
        select(UserBuilding.building_id).where(UserBuilding.user_id == user.id)))


def unit_by_code(session: Session, code: str) -> AssetUnitRow:
    """A unit by its code; :class:`NotFoundError` naming it otherwise."""
    unit = session.scalar(select(AssetUnitRow).where(AssetUnitRow.code == code))
    if unit is None:
        raise NotFoundError(f"no unit {code!r}")
    return unit


def create_unit(session: Session, code: str, name: str) -> AssetUnitRow:
    """A new unit; :class:`ConflictError` when the code is taken."""
    if session.scalar(select(AssetUnitRow.id).where(AssetUnitRow.code == code)) is not None:
        raise ConflictError(f"a unit {code!r} exists already")
    unit = AssetUnitRow(code=code, name=name)
    session.add(unit)
    session.flush()
    return unit


def add_member(session: Session, code: str, username: str, role: str) -> None:
    """Make ``username`` a requester or approver (处室负责人) of unit ``code``."""
    unit = unit_by_code(session, code)
    if session.scalar(select(User.id).where(User.username == username)) is None:
        raise NotFoundError(f"no user {username!r}")
    session.merge(AssetUnitMemberRow(unit_id=unit.id, username=username, role=role))
    session.flush()


def list_units(session: Session) -> list[dict[str, Any]]:
    """Every unit with its people and how many assets it owns."""
    members: dict[int, list[dict[str, str]]] = {}
    for m in session.scalars(select(AssetUnitMemberRow).order_by(AssetUnitMemberRow.username)):
        members.setdefault(m.unit_id, []).append({"username": m.username, "role": m.role})
    counts = dict(session.execute(select(AssetRow.owner_unit_id, func.count())
                                  .group_by(AssetRow.owner_unit_id)).all())
    return [{"code": u.code, "name": u.name, "members": members.get(u.id, []),
             "assets": counts.get(u.id, 0)}
            for u in session.scalars(select(AssetUnitRow).order_by(AssetUnitRow.code))]


# -- the register --------------------------------------------------------------------------

def resolve_room(session: Session, building: Building, room: str) -> tuple[str, str]:
    """``(GlobalId, number)`` of a room given by number (the space's name) or GlobalId.

    Raises
    ------
    UnknownRoomError
        The building's latest revision has no such space.
    """
    revision = portfolio.latest_revision(session, building)
    row = session.execute(select(ElementRow.global_id, ElementRow.name).where(
        ElementRow.revision_id == revision.id, ElementRow.kind == "space",
        or_(ElementRow.global_id == room, ElementRow.name == room)).limit(1)).first()
    if row is None:
        raise UnknownRoomError(f"building {building.id} has no room {room!r} "
                               f"(give the room number or the space's GlobalId)")
    return row[0], row[1] or row[0]


def _room_lookup(session: Session, building: Building) -> Callable[[str], str | None]:
    revision = portfolio.latest_revision(session, building)
    rooms: dict[str, str] = {}
    for gid, name in session.execute(select(ElementRow.global_id, ElementRow.name).where(
            ElementRow.revision_id == revision.id, ElementRow.kind == "space")):
        rooms[gid] = gid
        if name:
            rooms.setdefault(name, gid)
    return rooms.get


def record_change(session: Session, asset: AssetRow, to_state: str, *, actor: str,
                  reason: str, request_id: int | None = None) -> None:
    """Set the asset's state (checked against the transition table) and write the history
    row (who, when, why)."""
    check_transition(asset_code(asset.id), asset.state, to_state)
    session.add(AssetHistoryRow(asset_id=asset.id, actor=actor, from_state=asset.state,
                                to_state=to_state, reason=reason, request_id=request_id))
    asset.state = to_state


def unit_codes(session: Session) -> dict[int, str]:
    """Unit id -> code, for :func:`asset_public`."""
    return dict(session.execute(select(AssetUnitRow.id, AssetUnitRow.code)).all())


def asset_public(asset: AssetRow, units: dict[int, str], today: date | None = None
                 ) -> AssetPublic:
    """The REST shape of an asset (``units``: unit id -> code)."""
    life = USEFUL_LIFE_YEARS.get(asset.asset_class, 10)
    return AssetPublic(
        id=asset.id, code=asset_code(asset.id), name=asset.name, asset_class=asset.asset_class,
        model=asset.model, kind=asset.kind, quantity=asset.quantity,
        owner_unit=units.get(asset.owner_unit_id, "?"),
        holder_unit=units.get(asset.holder_unit_id) if asset.holder_unit_id else None,
        holder=asset.holder, building=asset.building_id,
        space_global_id=asset.space_global_id, room=asset.room, value=asset.value,
        book_value=book_value(asset.value, asset.purchase_date, today or date.today(),
                              life_years=life, residual=asset.residual),
        purchase_date=asset.purchase_date, state=asset.state, last_loan_end=asset.last_loan_end)


def _check_class(asset_class: str) -> None:
    classes = [c.value for c in ASSET_CLASSES]
    if asset_class not in classes:
        raise InvalidInputError(f"unknown asset_class {asset_class!r}; expected one of "
                                f"{', '.join(classes)}")


@translated
def create_asset(session: Session, user: User, *, name: str, asset_class: str, building: int,
                 room: str | None, value: float, owner_unit: str, model: str = "",
                 kind: str = "item", quantity: int = 1, purchase_date: date | None = None,
                 residual: float | None = None, state: str = "available") -> AssetRow:
    """Register one asset in a building of ``user``'s scope (history: its first state)."""
    _check_class(asset_class)
    found = portfolio.get_building(session, building, user)
    space, number = resolve_room(session, found, room) if room else (None, None)
    unit = unit_by_code(session, owner_unit)
    asset = AssetRow(name=name, asset_class=asset_class, model=model, kind=kind,
                     quantity=quantity if kind == "lot" else 1, owner_unit_id=unit.id,
                     holder_unit_id=unit.id if state == "transferred" else None,
                     building_id=found.id, space_global_id=space, room=number, value=value,
                     residual=value * DEFAULT_RESIDUAL_RATE if residual is None else residual,
                     purchase_date=purchase_date, state=state)
    session.add(asset)
    session.flush()
    session.add(AssetHistoryRow(asset_id=asset.id, actor=user.username, from_state=None,
                                to_state=state, reason="registered"))
    return asset


def get_asset(session: Session, asset_id: int, user: User | None) -> AssetRow:
    """One asset in ``user``'s scope; :class:`NotFoundError` otherwise."""
    asset = session.scalar(select(AssetRow).where(AssetRow.id == asset_id,
                                                  visible_buildings(user)))
    if asset is None:
        raise NotFoundError(f"no asset {asset_id} ({asset_code(asset_id)})")
    return asset


def search_assets(session: Session, user: User | None, *, q: str | None = None,
                  asset_class: str | None = None, state: str | None = None,
                  unit: str | None = None, building: int | None = None,
                  space: str | None = None, model: str | None = None, page: int = 1,
                  size: int = 50) -> tuple[list[AssetPublic], int]:
    """One page of the catalogue (newest first) and the number of matches.

    ``q`` matches the name, the model, the room number or the asset code (``GWC-000042``).
    """
    where = [visible_buildings(user)]
    if q:
        number = parse_asset_code(q)
        pattern = f"%{q.strip()}%"
        where.append(or_(AssetRow.name.like(pattern), AssetRow.model.like(pattern),
                         AssetRow.room == q.strip(),
                         *((AssetRow.id == number,) if number is not None else ())))
    for column, value in ((AssetRow.asset_class, asset_class), (AssetRow.state, state),
                          (AssetRow.building_id, building), (AssetRow.space_global_id, space),
                          (AssetRow.model, model)):
        if value is not None:
            where.append(column == value)
    if unit:
        where.append(AssetRow.owner_unit_id == unit_by_code(session, unit).id)
    total = session.scalar(select(func.count()).select_from(AssetRow).where(*where)) or 0
    rows = session.scalars(select(AssetRow).where(*where).order_by(AssetRow.id.desc())
                           .limit(size).offset((page - 1) * size))
    units = unit_codes(session)
    return [asset_public(a, units) for a in rows], total


def history_of(session: Session, asset_id: int) -> list[AssetHistoryRow]:
    """Every state change of an asset, oldest first."""
    return list(session.scalars(select(AssetHistoryRow).where(
        AssetHistoryRow.asset_id == asset_id).order_by(AssetHistoryRow.id)))


# -- availability --------------------------------------------------------------------------

def bookings_of(session: Session, asset_ids: Iterable[int], *, exclude: int | None = None
                ) -> dict[int, list[Booking]]:
    """The calendar of each asset: its requests whose dates still block."""
    booked: dict[int, list[Booking]] = {}
    ids = list(asset_ids)
    if not ids:
        return booked
    codes = unit_codes(session)
    for r in session.scalars(select(AssetRequestRow).where(
            AssetRequestRow.asset_id.in_(ids), AssetRequestRow.state.in_(BOOKING_STATES),
            AssetRequestRow.start.is_not(None))):
        if r.id != exclude:
            booked.setdefault(r.asset_id, []).append(Booking(
                r.start, r.end, f"request {r.id}", codes.get(r.unit_id, ""), r.quantity))
    return booked


def check_free(session: Session, asset: AssetRow, start: date, end: date, quantity: int,
               *, exclude: int | None = None) -> None:
    """Raise :class:`ReservationClashError` unless the dates are free (per item or per lot)."""
    booked = bookings_of(session, [asset.id], exclude=exclude).get(asset.id, [])
    what = f"{asset_code(asset.id)} ({asset.name})"
    if asset.kind == "lot":
        check_quantity_free(booked, asset.quantity, start, end, quantity, what=what)
    else:
        check_item_free(booked, start, end, what=what)


def _booking_json(b: Booking) -> dict[str, Any]:
    return {"start": b.start.isoformat(), "end": b.end.isoformat(), "reference": b.reference,
            "unit": b.unit, "quantity": b.quantity}


@translated
def availability(session: Session, user: User | None, asset_id: int, start: date,
                 end: date) -> AssetAvailabilityPublic:
    """Whether an asset is free on ``start`` .. ``end`` (how many, for a lot)."""
    asset = get_asset(session, asset_id, user)
    booked = bookings_of(session, [asset.id]).get(asset.id, [])
    stock = asset.quantity if asset.kind == "lot" else 1
    lendable = asset.state not in ("transferred", "disposed", "repair")
    free = free_quantity(booked, stock, start, end) if lendable else 0
    clash = next(({"reference": b.reference, "unit": b.unit, "start": b.start.isoformat(),
                   "end": b.end.isoformat()} for b in booked if b.overlaps(start, end)), None)
    return AssetAvailabilityPublic(asset_id=asset.id, start=start, end=end, free=free > 0,
                              free_quantity=free, stock=stock, clash=clash,
                              bookings=[_booking_json(b) for b in booked])


def model_availability(session: Session, user: User | None, model: str, start: date,
                       end: date) -> AssetAvailabilityPublic:
    """How many items of ``model`` in the pool are free on every day of ``start`` .. ``end``."""
    items = list(session.execute(select(AssetRow.id, AssetRow.quantity, AssetRow.kind).where(
        AssetRow.model == model, AssetRow.state.in_(("available", "reserved", "on_loan",
                                                     "overdue", "returned")),
        visible_buildings(user))))
    booked = bookings_of(session, [i for i, _q, _k in items])
    free = sum(free_quantity(booked.get(i, []), q if k == "lot" else 1, start, end)
               for i, q, k in items)
    stock = sum(q if k == "lot" else 1 for _i, q, k in items)
    return AssetAvailabilityPublic(model=model, start=start, end=end, free=free > 0,
                              free_quantity=free, stock=stock)


# -- imports -------------------------------------------------------------------------------

def import_drafts(session: Session, drafts: list[AssetDraft], building: Building, *,
                  actor: str, state: str = "available") -> list[int]:
    """Register drafts in bulk (one INSERT for the assets, one for their history)."""
    units = {u.code: u.id for u in session.scalars(select(AssetUnitRow))}
    missing = sorted({d.owner_unit for d in drafts} - set(units))
    if missing:
        raise NotFoundError(f"no unit {', '.join(missing)}")
    rooms = {gid: name for gid, name in session.execute(
        select(ElementRow.global_id, ElementRow.name).where(
            ElementRow.revision_id == portfolio.latest_revision(session, building).id,
            ElementRow.kind == "space"))}
    first = (session.scalar(select(func.max(AssetRow.id))) or 0) + 1
    rows = [{"id": first + n, "name": d.name, "asset_class": d.asset_class, "model": d.model,
             "kind": d.kind, "quantity": d.quantity, "owner_unit_id": units[d.owner_unit],
             "building_id": building.id, "space_global_id": d.space_global_id,
             "room": rooms.get(d.space_global_id) if d.space_global_id else None,
             "value": d.value, "residual": d.value * DEFAULT_RESIDUAL_RATE,
             "purchase_date": d.purchase_date, "state": state,
             "holder_unit_id": units[d.owner_unit] if state == "transferred" else None,
             "source_global_id": d.source_global_id}
            for n, d in enumerate(drafts)]
    if rows:
        session.execute(insert(AssetRow), rows)
        session.execute(insert(AssetHistoryRow), [
            {"asset_id": r["id"], "actor": actor, "from_state": None, "to_state": state,
             "reason": "imported"} for r in rows])
    return [r["id"] for r in rows]


def import_table(session: Session, user: User, path, *, building: int,
                 state: str = "available") -> tuple[list[int], list[dict[str, Any]]]:
    """Register the rows of a CSV/XLSX file; rows with an unknown room or bad data are
    reported (row number, reason) and the rest kept."""
    found = portfolio.get_building(session, building, user)
    with _as_twin_errors():
        rows = read_table(path)
    drafts, problems = parse_rows(rows, _room_lookup(session, found))
    ids = import_drafts(session, drafts, found, actor=user.username, state=state)
    return ids, [{"row": p.row, "message": p.message} for p in problems]


def import_from_model(session: Session, user: User, *, building: int, owner_unit: str
                      ) -> list[int]:
    """Register the model's furniture and appliances not registered yet (by GlobalId),
    in the rooms the model puts them, as owned by ``owner_unit`` and in its hands."""
    found = portfolio.get_building(session, building, user)
    revision = portfolio.latest_revision(session, found)
    known = set(session.scalars(select(AssetRow.source_global_id).where(
        AssetRow.building_id == found.id, AssetRow.source_global_id.is_not(None))))
    elements = [{"global_id": r.global_id, "ifc_class": r.ifc_class, "name": r.name,
                 "space": r.space}
                for r in session.scalars(select(ElementRow).where(
                    ElementRow.revision_id == revision.id, ElementRow.kind == "equipment"))
                if r.global_id not in known]
    unit_by_code(session, owner_unit)
    return import_drafts(session, drafts_from_elements(elements, owner_unit), found,
                         actor=user.username, state="transferred")
