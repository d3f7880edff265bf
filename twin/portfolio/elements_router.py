"""Storeys, spaces, equipment, systems and graph queries of a building's latest revision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from spaces import downstream, neighbours, path_between, space_at_point, upstream
from twin.core.deps import CurrentUser, GraphsDep, SessionDep
from twin.core.schemas import Page
from twin.core.tables import ElementRow
from twin.portfolio import elements
from twin.portfolio.schemas import (
    ElementPublic,
    EquipmentDetailPublic,
    PathPublic,
    SpaceDetailPublic,
    SpaceOfPointPublic,
)
from twin.portfolio.service import query_elements

__all__ = ["router"]

router = APIRouter(prefix="/buildings/{building_id}", tags=["elements"])
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


def _page(rows: list[ElementRow], total: int, limit: int, offset: int) -> Page[ElementPublic]:
    return Page(items=[ElementPublic.model_validate(r) for r in rows], total=total, limit=limit,
                offset=offset)


def _public(rows: list[ElementRow]) -> list[ElementPublic]:
    return [ElementPublic.model_validate(r) for r in rows]


@router.get("/storeys", response_model=Page[ElementPublic])
def storeys(building_id: int, session: SessionDep, user: CurrentUser, limit: Limit = 100,
            offset: Offset = 0) -> Page[ElementPublic]:
    """Storeys of the building."""
    rows, total = query_elements(session, elements.revision_of(session, building_id, user),
                                 kind="storey", limit=limit, offset=offset)
    return _page(rows, total, limit, offset)


@router.get("/spaces", response_model=Page[ElementPublic])
def spaces(building_id: int, session: SessionDep, user: CurrentUser,
           storey: str | None = None,
           use: Annotated[str | None, Query(description="long name or object type")] = None,
           min_area: Annotated[float | None, Query(ge=0)] = None,
           max_area: Annotated[float | None, Query(ge=0)] = None,
           limit: Limit = 100, offset: Offset = 0) -> Page[ElementPublic]:
    """Spaces, filtered by storey, use and area (geometry area, else Qto)."""
    rows, total = elements.filter_spaces(
        session, elements.revision_of(session, building_id, user), storey=storey, use=use,
        min_area=min_area, max_area=max_area, limit=limit, offset=offset)
    return _page(rows, total, limit, offset)


@router.get("/spaces/{global_id}", response_model=SpaceDetailPublic)
def space(building_id: int, global_id: str, graphs: GraphsDep, session: SessionDep,
          user: CurrentUser) -> SpaceDetailPublic:
    """One space with its equipment, neighbours and doors."""
    revision = elements.revision_of(session, building_id, user)
    row = elements.element_of(session, revision, global_id, "space")
    graph = graphs.get(revision.sha256)
    doors = [v for _, v, k in graph.out_edges(global_id, keys=True) if k == "door_connects"]
    equipment, _ = elements.filter_equipment(session, revision, space=global_id,
                                             assets_only=False, limit=100_000)
    return SpaceDetailPublic(
        space=ElementPublic.model_validate(row), equipment=_public(equipment),
        neighbours=_public(elements.rows_in_order(session, revision,
                                                  neighbours(graph, global_id))),
        doors=_public(elements.rows_in_order(session, revision, sorted(doors))))


@router.get("/equipment", response_model=Page[ElementPublic])
def equipment(building_id: int, session: SessionDep, user: CurrentUser,
              ifc_class: str | None = None, system: str | None = None,
              space: str | None = None, storey: str | None = None,
              assets_only: bool = True, limit: Limit = 100,
              offset: Offset = 0) -> Page[ElementPublic]:
    """Equipment, filtered by class, system, space and storey."""
    rows, total = elements.filter_equipment(
        session, elements.revision_of(session, building_id, user), ifc_class=ifc_class,
        system=system, space=space, storey=storey, assets_only=assets_only, limit=limit,
        offset=offset)
    return _page(rows, total, limit, offset)


@router.get("/equipment/{global_id}", response_model=EquipmentDetailPublic)
def equipment_item(building_id: int, global_id: str, graphs: GraphsDep, session: SessionDep,
                   user: CurrentUser) -> EquipmentDetailPublic:
    """One item of equipment with what feeds it and what it feeds (any number of hops)."""
    revision = elements.revision_of(session, building_id, user)
    row = elements.element_of(session, revision, global_id, "equipment")
    graph = graphs.get(revision.sha256)
    return EquipmentDetailPublic(
        equipment=ElementPublic.model_validate(row),
        upstream=_public(elements.rows_in_order(session, revision, upstream(graph, global_id))),
        downstream=_public(elements.rows_in_order(session, revision,
                                                  downstream(graph, global_id))))


@router.get("/systems", response_model=Page[ElementPublic])
def systems(building_id: int, session: SessionDep, user: CurrentUser, limit: Limit = 100,
            offset: Offset = 0) -> Page[ElementPublic]:
    """Distribution systems."""
    rows, total = query_elements(session, elements.revision_of(session, building_id, user),
                                 kind="system", limit=limit, offset=offset)
    return _page(rows, total, limit, offset)


@router.get("/space-at", response_model=SpaceOfPointPublic, tags=["graph"])
def space_at(building_id: int, x: float, y: float, graphs: GraphsDep, session: SessionDep,
             user: CurrentUser, z: float | None = None) -> SpaceOfPointPublic:
    """The space holding a world point (metres)."""
    revision = elements.revision_of(session, building_id, user)
    found = space_at_point(graphs.get(revision.sha256), x, y, z)
    rows = elements.rows_in_order(session, revision, [found]) if found else []
    return SpaceOfPointPublic(x=x, y=y, z=z, space=ElementPublic.model_validate(rows[0])
                        if rows else None)


@router.get("/path", response_model=PathPublic, tags=["graph"])
def path(building_id: int, graphs: GraphsDep, session: SessionDep, user: CurrentUser,
         start: Annotated[str, Query(alias="from")], end: Annotated[str, Query(alias="to")]
         ) -> PathPublic:
    """The shortest walk between two spaces through doors and stairs."""
    revision = elements.revision_of(session, building_id, user)
    graph = graphs.get(revision.sha256)
    nodes, length = path_between(graph, start, end)
    rows = {r.global_id: r for r in elements.rows_in_order(session, revision, nodes)}
    steps = [ElementPublic.model_validate(rows[n]) if n in rows else _passage(graph, n)
             for n in nodes]
    return PathPublic(steps=[s for s in steps if s is not None], length=round(length, 2))


def _passage(graph, node: str) -> ElementPublic | None:
    """A step that is no stored element: an open wall opening or open boundary passed."""
    data = graph.nodes[node] if node in graph else None
    if data is None or data.get("kind") != "passage":
        return None
    return ElementPublic(global_id=node, kind="passage", ifc_class=data.get("ifc_class") or "",
                         name=data.get("name"), storey=data.get("storey"), space=None,
                         data={"passage_kind": data.get("passage_kind"),
                               "provenance": data.get("provenance"),
                               "position": [round(v, 3) for v in data.get("position") or ()]})
