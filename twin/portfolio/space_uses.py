"""Space uses of a building: what the model says (:mod:`spaces.space_use`) and the overrides a
housing officer keeps (``GET/PUT/DELETE /buildings/{id}/space-uses``). Compliance, the
``?use=`` filter of ``/spaces`` and the housing reports read the effective use from here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bim_models.choices import choice_of
from spaces.choices import SPACE_USES
from spaces.element_data import ElementData
from spaces.space_use import SpaceUse, space_use_of
from twin.core.accounts import record_audit
from twin.core.errors import InvalidInputError, NotFoundError
from twin.core.tables import Building, ElementRow, Revision
from twin.portfolio.service import latest_revision, query_elements
from twin.portfolio.tables import SpaceUseOverride

__all__ = ["SpaceUseRow", "clear_override", "effective_uses", "overrides_of", "set_override"]

_ALL = 1_000_000


@dataclass(frozen=True, slots=True)
class SpaceUseRow:
    """One space with the use the twin works with, and where it came from."""

    global_id: str
    name: str | None
    long_name: str | None
    storey: str | None
    use: str
    confidence: float
    source: str
    evidence: str
    model_use: str
    note: str | None
    overridden_by: str | None


def overrides_of(session: Session, building_id: int) -> dict[str, SpaceUseOverride]:
    """GlobalId -> the officer's override, for one building."""
    return {o.global_id: o for o in session.scalars(select(SpaceUseOverride).where(
        SpaceUseOverride.building_id == building_id))}


def effective_uses(session: Session, revision: Revision) -> list[SpaceUseRow]:
    """Every space of ``revision`` with its effective use (override first, then the model)."""
    overrides = overrides_of(session, revision.building_id)
    storeys = {r.global_id: r.name for r in session.scalars(select(ElementRow).where(
        ElementRow.revision_id == revision.id, ElementRow.kind == "storey"))}
    rows, _ = query_elements(session, revision, kind="space", limit=_ALL)
    result = []
    for row in rows:
        model = space_use_of(row.data, row.name)
        override = overrides.get(row.global_id)
        used: SpaceUse = model if override is None else SpaceUse(
            override.use, 1.0, "override", f"set by {override.actor}")
        result.append(SpaceUseRow(
            row.global_id, row.name, row.data.get(ElementData.LONG_NAME),
            storeys.get(row.storey), used.use, used.confidence, used.source, used.evidence,
            model.use, override.note if override else None,
            override.actor if override else None))
    return result


def _space_row(session: Session, building: Building, space: str) -> ElementRow:
    """The space of the latest revision named by GlobalId or by its name (room number)."""
    revision = latest_revision(session, building)
    rows, _ = query_elements(session, revision, kind="space", global_ids=[space])
    if not rows:
        named = [r for r in query_elements(session, revision, kind="space", limit=_ALL)[0]
                 if r.name == space]
        if len(named) > 1:
            raise InvalidInputError(f"{len(named)} spaces are named {space!r}: use the GlobalId")
        rows = named
    if not rows:
        raise NotFoundError(f"no space {space} in building {building.id}")
    return rows[0]


def set_override(session: Session, building: Building, space: str, *, use: str, note: str,
                 actor: str) -> SpaceUseOverride:
    """Record that ``space`` (GlobalId or room number) is used as ``use``; audited.

    Raises
    ------
    InvalidInputError
        ``use`` is not a value of :data:`spaces.choices.SPACE_USES`.
    NotFoundError
        No such space in the building's latest revision.
    """
    try:
        choice_of(SPACE_USES, use)
    except ValueError as exc:
        raise InvalidInputError(f"space use: {exc}") from exc
    row = _space_row(session, building, space)
    override = overrides_of(session, building.id).get(row.global_id)
    if override is None:
        override = SpaceUseOverride(building_id=building.id, global_id=row.global_id,
                                    use=use, note=note, actor=actor)
        session.add(override)
    else:
        override.use, override.note, override.actor = use, note, actor
    record_audit(session, actor=actor, action="space_use.set", target=building.name,
                 detail={"space": row.global_id, "name": row.name, "use": use, "note": note})
    session.flush()
    return override


def clear_override(session: Session, building: Building, space: str, *, actor: str) -> None:
    """Go back to what the model says for ``space``; audited.

    Raises
    ------
    NotFoundError
        No such space, or no override for it.
    """
    row = _space_row(session, building, space)
    override = overrides_of(session, building.id).get(row.global_id)
    if override is None:
        raise NotFoundError(f"space {row.name or row.global_id} has no use override")
    session.delete(override)
    record_audit(session, actor=actor, action="space_use.clear", target=building.name,
                 detail={"space": row.global_id, "name": row.name})
