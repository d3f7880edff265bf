"""Storeys, spaces, equipment, systems and graph queries of a building's latest revision."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Annotated

import networkx as nx
from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from spaces import downstream, neighbours, open_building, path_between, space_at_point, upstream
from twin.core.deps import CurrentUser, SessionDep
from twin.core.errors import NotFoundError
from twin.core.schemas import (
    ElementPublic,
    EquipmentDetail,
    Page,
    PathPublic,
    SpaceDetail,
    SpaceOfPoint,
)
from twin.core.settings import Settings
from twin.core.tables import ElementRow, Revision, User
from twin.portfolio import service as portfolio

__all__ = ["GraphStore", "graph_of_building", "router"]

router = APIRouter(prefix="/buildings/{building_id}", tags=["elements"])
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


class GraphStore:
    """The graphs of recently used revisions, loaded from the on-disk cache by content hash."""

    def __init__(self, settings: Settings, size: int = 8) -> None:
        self.settings = settings
        self.size = size
        self._graphs: OrderedDict[str, nx.MultiDiGraph] = OrderedDict()
        self._lock = Lock()

    def get(self, sha256: str) -> nx.MultiDiGraph:
        """The graph of the stored model with this hash."""
        with self._lock:
            if sha256 in self._graphs:
                self._graphs.move_to_end(sha256)
                return self._graphs[sha256]
        files = sorted(self.settings.models_dir.glob(f"{sha256}.*"))
        if not files:
            raise NotFoundError(f"the model file {sha256} is missing from the data folder")
        _, graph = open_building(files[0], cache_dir=self.settings.resolved_cache_dir)
        with self._lock:
            self._graphs[sha256] = graph
            while len(self._graphs) > self.size:
                self._graphs.popitem(last=False)
        return graph


def graph_of_building(app, building_id: int) -> nx.MultiDiGraph:
    """The graph of a building's latest revision (no user scope: for the server itself)."""
    with app.state.database.session() as session:
        revision = portfolio.latest_revision(session,
                                             portfolio.get_building(session, building_id, None))
        sha256 = revision.sha256
    return app.state.graphs.get(sha256)


def _revision(session: Session, building_id: int, user: User) -> Revision:
    return portfolio.latest_revision(session, portfolio.get_building(session, building_id, user))


def _page(rows: list[ElementRow], total: int, limit: int, offset: int) -> Page[ElementPublic]:
    return Page(items=[ElementPublic.model_validate(r) for r in rows], total=total, limit=limit,
                offset=offset)


def _rows(session: Session, revision: Revision, ids: list[str]) -> list[ElementPublic]:
    """The rows of ``ids``, in that order."""
    rows, _ = portfolio.query_elements(session, revision, global_ids=ids, limit=len(ids) or 1)
    found = {r.global_id: r for r in rows}
    return [ElementPublic.model_validate(found[i]) for i in ids if i in found]


def _one(session: Session, revision: Revision, global_id: str, kind: str) -> ElementRow:
    rows, _ = portfolio.query_elements(session, revision, kind=kind, global_ids=[global_id])
    if not rows:
        raise NotFoundError(f"no {kind} {global_id} in this building")
    return rows[0]


def _graph(request: Request, revision: Revision) -> nx.MultiDiGraph:
    return request.app.state.graphs.get(revision.sha256)


@router.get("/storeys", response_model=Page[ElementPublic])
def storeys(building_id: int, session: SessionDep, user: CurrentUser, limit: Limit = 100,
            offset: Offset = 0) -> Page[ElementPublic]:
    """Storeys of the building."""
    rows, total = portfolio.query_elements(session, _revision(session, building_id, user),
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
    rows, _ = portfolio.query_elements(session, _revision(session, building_id, user),
                                       kind="space", storey=storey, limit=100_000)

    def keep(row: ElementRow) -> bool:
        data = row.data
        area = data.get("area_geometry") if data.get("area_geometry") is not None \
            else data.get("area_qto")
        if use and use.lower() not in {str(data.get("long_name") or "").lower(),
                                       str(data.get("object_type") or "").lower()}:
            return False
        if min_area is not None and (area is None or area < min_area):
            return False
        return not (max_area is not None and (area is None or area > max_area))

    matching = [r for r in rows if keep(r)]
    return _page(matching[offset:offset + limit], len(matching), limit, offset)


@router.get("/spaces/{global_id}", response_model=SpaceDetail)
def space(building_id: int, global_id: str, request: Request, session: SessionDep,
          user: CurrentUser) -> SpaceDetail:
    """One space with its equipment, neighbours and doors."""
    revision = _revision(session, building_id, user)
    row = _one(session, revision, global_id, "space")
    graph = _graph(request, revision)
    doors = [v for _, v, k in graph.out_edges(global_id, keys=True) if k == "door_connects"]
    equipment, _ = portfolio.query_elements(session, revision, kind="equipment",
                                            space=global_id, limit=100_000)
    return SpaceDetail(space=ElementPublic.model_validate(row),
                       equipment=[ElementPublic.model_validate(e) for e in equipment],
                       neighbours=_rows(session, revision, neighbours(graph, global_id)),
                       doors=_rows(session, revision, sorted(doors)))


@router.get("/equipment", response_model=Page[ElementPublic])
def equipment(building_id: int, session: SessionDep, user: CurrentUser,
              ifc_class: str | None = None, system: str | None = None,
              space: str | None = None, storey: str | None = None,
              assets_only: bool = True, limit: Limit = 100,
              offset: Offset = 0) -> Page[ElementPublic]:
    """Equipment, filtered by class, system, space and storey."""
    rows, _ = portfolio.query_elements(session, _revision(session, building_id, user),
                                       kind="equipment", ifc_class=ifc_class, space=space,
                                       storey=storey, limit=100_000)
    matching = [r for r in rows
                if (not assets_only or r.data.get("is_asset"))
                and (system is None or system in r.data.get("systems", []))]
    return _page(matching[offset:offset + limit], len(matching), limit, offset)


@router.get("/equipment/{global_id}", response_model=EquipmentDetail)
def equipment_item(building_id: int, global_id: str, request: Request, session: SessionDep,
                   user: CurrentUser) -> EquipmentDetail:
    """One item of equipment with what feeds it and what it feeds (any number of hops)."""
    revision = _revision(session, building_id, user)
    row = _one(session, revision, global_id, "equipment")
    graph = _graph(request, revision)
    return EquipmentDetail(equipment=ElementPublic.model_validate(row),
                           upstream=_rows(session, revision, upstream(graph, global_id)),
                           downstream=_rows(session, revision, downstream(graph, global_id)))


@router.get("/systems", response_model=Page[ElementPublic])
def systems(building_id: int, session: SessionDep, user: CurrentUser, limit: Limit = 100,
            offset: Offset = 0) -> Page[ElementPublic]:
    """Distribution systems."""
    rows, total = portfolio.query_elements(session, _revision(session, building_id, user),
                                           kind="system", limit=limit, offset=offset)
    return _page(rows, total, limit, offset)


@router.get("/space-at", response_model=SpaceOfPoint, tags=["graph"])
def space_at(building_id: int, x: float, y: float, request: Request, session: SessionDep,
             user: CurrentUser, z: float | None = None) -> SpaceOfPoint:
    """The space holding a world point (metres)."""
    revision = _revision(session, building_id, user)
    found = space_at_point(_graph(request, revision), x, y, z)
    rows = _rows(session, revision, [found]) if found else []
    return SpaceOfPoint(x=x, y=y, z=z, space=rows[0] if rows else None)


@router.get("/path", response_model=PathPublic, tags=["graph"])
def path(building_id: int, request: Request, session: SessionDep, user: CurrentUser,
         start: Annotated[str, Query(alias="from")], end: Annotated[str, Query(alias="to")]
         ) -> PathPublic:
    """The shortest walk between two spaces through doors and stairs."""
    revision = _revision(session, building_id, user)
    nodes, length = path_between(_graph(request, revision), start, end)
    return PathPublic(steps=_rows(session, revision, nodes), length=round(length, 2))
