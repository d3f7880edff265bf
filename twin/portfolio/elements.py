"""Queries on the elements of a building's latest revision: filtered lists, one element, rows
in a given order, and the graph the element rows were derived from.

What the element endpoints and the CLI ask of the portfolio, in one place: routers call these
and never query tables themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from spaces.element_data import ElementData, area_of
from spaces.space_use import space_use_of
from twin.core.database import Database
from twin.core.errors import NotFoundError
from twin.core.model_store import GraphStore
from twin.core.tables import ElementRow, Revision, User
from twin.portfolio.service import get_building, latest_revision, query_elements
from twin.portfolio.tables import SpaceUseOverride

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["element_of", "filter_equipment", "filter_spaces", "graph_loader", "revision_of",
           "rows_in_order"]

#: Upper bound of rows read for filters evaluated in Python (JSON ``data`` values).
_ALL = 100_000


def revision_of(session: Session, building_id: int, user: User | None) -> Revision:
    """The latest revision of a building in ``user``'s scope (``None``: the server itself).

    Raises
    ------
    NotFoundError
        No such building in scope, or it has no revision.
    """
    return latest_revision(session, get_building(session, building_id, user))


def rows_in_order(session: Session, revision: Revision, ids: list[str]) -> list[ElementRow]:
    """The rows of ``ids``, in that order (unknown ids are left out)."""
    rows, _ = query_elements(session, revision, global_ids=ids, limit=len(ids) or 1)
    found = {r.global_id: r for r in rows}
    return [found[i] for i in ids if i in found]


def element_of(session: Session, revision: Revision, global_id: str, kind: str) -> ElementRow:
    """One element of ``kind`` by GlobalId.

    Raises
    ------
    NotFoundError
        No such element of that kind in the revision.
    """
    rows, _ = query_elements(session, revision, kind=kind, global_ids=[global_id])
    if not rows:
        raise NotFoundError(f"no {kind} {global_id} in this building")
    return rows[0]


def _space_matches(row: ElementRow, use: str | None, min_area: float | None,
                   max_area: float | None, used_as: str) -> bool:
    data = row.data
    area = area_of(data)
    if use and use.lower() not in {used_as, str(data.get(ElementData.LONG_NAME) or "").lower(),
                                   str(data.get(ElementData.OBJECT_TYPE) or "").lower()}:
        return False
    if min_area is not None and (area is None or area < min_area):
        return False
    return not (max_area is not None and (area is None or area > max_area))


def filter_spaces(session: Session, revision: Revision, *, storey: str | None = None,
                  use: str | None = None, min_area: float | None = None,
                  max_area: float | None = None, limit: int = 100,
                  offset: int = 0) -> tuple[list[ElementRow], int]:
    """Spaces filtered by storey, use (a space use such as ``office``, with the housing
    officers' overrides, or a long name or object type) and area (geometry area, else Qto); one
    page of them and how many match in all."""
    rows, _ = query_elements(session, revision, kind="space", storey=storey, limit=_ALL)
    overrides = dict(session.execute(select(SpaceUseOverride.global_id, SpaceUseOverride.use)
                                     .where(SpaceUseOverride.building_id
                                            == revision.building_id)).all()) if use else {}
    matching = [r for r in rows if _space_matches(
        r, use, min_area, max_area,
        overrides.get(r.global_id) or (space_use_of(r.data, r.name).use if use else ""))]
    return matching[offset:offset + limit], len(matching)


def filter_equipment(session: Session, revision: Revision, *, ifc_class: str | None = None,
                     system: str | None = None, space: str | None = None,
                     storey: str | None = None, assets_only: bool = True, limit: int = 100,
                     offset: int = 0) -> tuple[list[ElementRow], int]:
    """Equipment filtered by class, system, space and storey (assets only by default); one
    page of it and how many match in all."""
    rows, _ = query_elements(session, revision, kind="equipment", ifc_class=ifc_class,
                             space=space, storey=storey, limit=_ALL)
    matching = [r for r in rows
                if (not assets_only or r.data.get(ElementData.IS_ASSET))
                and (system is None or system in r.data.get(ElementData.SYSTEMS, []))]
    return matching[offset:offset + limit], len(matching)


def graph_loader(database: Database, graphs: GraphStore
                 ) -> Callable[[int], nx.MultiDiGraph]:
    """A function giving the graph of a building's latest revision (no user scope: for the
    server's own workers, such as the fault rules)."""

    def graph_of_building(building_id: int) -> nx.MultiDiGraph:
        with database.session() as session:
            sha256 = revision_of(session, building_id, None).sha256
        return graphs.get(sha256)

    return graph_of_building
