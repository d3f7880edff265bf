"""``/buildings/{id}/space-uses``: each space's use, how sure the twin is, and a housing
officer's overrides (``housing.edit``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from twin.core.deps import CurrentUser, SessionDep, require
from twin.core.schemas import Page
from twin.core.tables import User
from twin.portfolio import elements, space_uses
from twin.portfolio.schemas import SpaceUsePublic, SpaceUseUpdate
from twin.portfolio.service import get_building

__all__ = ["router"]

router = APIRouter(prefix="/buildings/{building_id}/space-uses", tags=["space uses"])
Editor = Annotated[User, Depends(require("housing.edit"))]
UseValue = Annotated[str | None, Query(max_length=20, description="one of the space uses "
                                       "(GET /vocabularies: space_uses)")]


@router.get("", response_model=Page[SpaceUsePublic])
def list_space_uses(building_id: int, session: SessionDep, user: CurrentUser,
                    use: UseValue = None,
                    source: Annotated[str | None, Query(max_length=20, description=(
                        "override, classification, pset, object_type, long_name, name "
                        "or none"))] = None,
                    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
                    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0
                    ) -> Page[SpaceUsePublic]:
    """Every space with its effective use, its confidence and the evidence, by room name."""
    rows = space_uses.effective_uses(session, elements.revision_of(session, building_id, user))
    rows = [r for r in rows if (use is None or r.use == use)
            and (source is None or r.source == source)]
    rows.sort(key=lambda r: (r.storey or "", r.name or "", r.global_id))
    page = rows[offset:offset + limit]
    return Page[SpaceUsePublic](items=[SpaceUsePublic(**asdict(r)) for r in page],
                                total=len(rows), limit=limit, offset=offset)


@router.put("/{space}", response_model=SpaceUsePublic)
def set_space_use(building_id: int, space: str, body: SpaceUseUpdate, session: SessionDep,
                  editor: Editor) -> SpaceUsePublic:
    """Say what a space (GlobalId or room number) is used for, over what the model says."""
    building = get_building(session, building_id, editor)
    override = space_uses.set_override(session, building, space, use=body.use,
                                       note=body.note, actor=editor.username)
    row = next(r for r in space_uses.effective_uses(
        session, elements.revision_of(session, building_id, editor))
        if r.global_id == override.global_id)
    return SpaceUsePublic(**asdict(row))


@router.delete("/{space}", status_code=204)
def clear_space_use(building_id: int, space: str, session: SessionDep, editor: Editor) -> None:
    """Drop the override: the space's use is again what the model says."""
    space_uses.clear_override(session, get_building(session, building_id, editor), space,
                              actor=editor.username)


