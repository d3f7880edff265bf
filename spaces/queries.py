"""Questions asked of the building graph: plain functions of the graph.

All take the graph first and GlobalIds as strings; unknown ids raise
:class:`~spaces.errors.UnknownElementError`. Walks between spaces are answered by
:mod:`spaces.routing` (:func:`path_between` is re-exported from there): one algorithm.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from spaces.errors import UnknownElementError
from spaces.graph import get_space_index
from spaces.routing import path_between

__all__ = [
    "WALK_EDGES",
    "downstream",
    "equipment_of_space",
    "neighbours",
    "nodes_of_kind",
    "path_between",
    "space_at_point",
    "spaces_of_storey",
    "upstream",
]


def _require(graph: nx.MultiDiGraph, global_id: str, kind: str | None = None) -> None:
    if global_id not in graph or (kind and graph.nodes[global_id].get("kind") != kind):
        raise UnknownElementError(global_id, kind)


def _edges(graph, node, kind, *, incoming=False):
    view = graph.in_edges(node, keys=True) if incoming else graph.out_edges(node, keys=True)
    for u, v, key in view:
        if key == kind:
            yield u if incoming else v


def nodes_of_kind(graph: nx.MultiDiGraph, kind: str) -> list[str]:
    """GlobalIds of all nodes of one kind (``"space"``, ``"equipment"``, ...), sorted by name."""
    found = [n for n, k in graph.nodes(data="kind") if k == kind]
    return sorted(found, key=lambda n: (str(graph.nodes[n].get("name") or ""), n))


def spaces_of_storey(graph: nx.MultiDiGraph, storey: str) -> list[str]:
    """Spaces contained in a storey, sorted by name.

    Examples
    --------
    >>> spaces_of_storey(graph, storey_id)  # doctest: +SKIP
    ['0BTBFw6f90Nfh9rP1dlXrr', ...]
    """
    _require(graph, storey, "storey")
    found = [n for n in _edges(graph, storey, "contains") if graph.nodes[n]["kind"] == "space"]
    return sorted(found, key=lambda n: (str(graph.nodes[n].get("name") or ""), n))


def equipment_of_space(graph: nx.MultiDiGraph, space: str, *,
                       assets_only: bool = False) -> list[str]:
    """Equipment located in a space (by the file or by geometry), sorted by name."""
    _require(graph, space, "space")
    found = [n for n in _edges(graph, space, "located_in", incoming=True)
             if not assets_only or graph.nodes[n].get("is_asset")]
    return sorted(found, key=lambda n: (str(graph.nodes[n].get("name") or ""), n))


def neighbours(graph: nx.MultiDiGraph, space: str, *, through_doors_only: bool = False
               ) -> list[str]:
    """Spaces next to ``space``: adjacent ones and those reached through one door.

    Parameters
    ----------
    through_doors_only : bool, default False
        Only spaces that a door joins to ``space``.
    """
    _require(graph, space, "space")
    found: set[str] = set()
    if not through_doors_only:
        found.update(_edges(graph, space, "adjacent"))
    for door in _edges(graph, space, "door_connects"):
        found.update(_edges(graph, door, "door_connects"))
    found.discard(space)
    return sorted(found)


def space_at_point(graph: nx.MultiDiGraph, x: float, y: float, z: float | None = None
                   ) -> str | None:
    """The space holding world point ``(x, y, z)`` (metres), or ``None``.

    Without ``z`` the smallest space covering ``(x, y)`` on any storey is returned.
    """
    return get_space_index(graph).at_point(x, y, z)


def _walk(graph: nx.MultiDiGraph, start: str, *, forward: bool, assets_only: bool
          ) -> list[str]:
    _require(graph, start)
    seen = {start}
    order: list[str] = []
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in _edges(graph, node, "feeds", incoming=not forward):
            if nxt in seen:
                continue
            seen.add(nxt)
            queue.append(nxt)
            if not assets_only or graph.nodes[nxt].get("is_asset"):
                order.append(nxt)
    return order


def downstream(graph: nx.MultiDiGraph, element: str, *, assets_only: bool = True) -> list[str]:
    """Everything ``element`` feeds, over any number of hops, nearest first.

    Segments and fittings are walked through; with ``assets_only`` they are left out of the
    answer. An AHU thus reaches the air terminals at the ends of its ducts.
    """
    return _walk(graph, element, forward=True, assets_only=assets_only)


def upstream(graph: nx.MultiDiGraph, element: str, *, assets_only: bool = True) -> list[str]:
    """Everything that feeds ``element``, over any number of hops, nearest first."""
    return _walk(graph, element, forward=False, assets_only=assets_only)


#: Edges of the building graph a person walks along: through doors and up stairs and lifts.
WALK_EDGES = ("door_connects", "stair_connects")
