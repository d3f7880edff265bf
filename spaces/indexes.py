"""The derived indexes of a building graph, in one place, with one invalidation rule.

Three indexes are derived from a graph and are too costly to rebuild for every query:

``space``  :class:`~spaces.spatial_index.SpaceIndex` of the space footprints ("which space is
           this point in"), used by :func:`spaces.queries.space_at_point`;
``walk``   :class:`~spaces.walk_graph.WalkIndex`, the compact walk graph and its per-storey
           distance tables, used by every route;
``names``  case-folded name and long name -> GlobalIds, used to resolve route targets.

:func:`indexes_of` returns the :class:`GraphIndexes` of a graph; each index is built on first
use and kept until the graph changes. Nothing is stored on the graph itself (it pickles and
exports as before) and the indexes hold no reference to it, so they go when the graph goes.

The rule
--------
* A graph from :func:`spaces.build_graph` / :func:`spaces.open_building` is a
  :class:`~spaces.graph.SpaceGraph`: every structural edit through the networkx API (nodes or
  edges added or removed) increments its ``version``, and the next :func:`indexes_of` builds
  fresh indexes. On a plain networkx graph only a change in the number of nodes is seen (an
  O(1) check; counting edges walks the whole graph and would cost more than a route).
* An attribute edited in place (``graph.nodes[n]["footprint"] = ...``) cannot be seen by
  anyone: call :func:`invalidate` after such edits. Functions of :mod:`spaces` that edit a
  graph after building it must call :func:`invalidate` too (none does today).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import networkx as nx

from spaces.spatial_index import IndexedSpace, SpaceIndex
from spaces.walk_graph import WalkIndex

__all__ = ["GraphIndexes", "graph_stamp", "indexes_of", "invalidate"]


def graph_stamp(graph: nx.MultiDiGraph) -> tuple[int | None, int]:
    """What identifies the state of ``graph`` for its indexes: ``(version, number of nodes)``.

    ``version`` is the edit counter of a :class:`~spaces.graph.SpaceGraph` (``None`` for a
    plain networkx graph). O(1).
    """
    return getattr(graph, "version", None), len(graph)


def _space_index(graph: nx.MultiDiGraph) -> SpaceIndex:
    return SpaceIndex(
        IndexedSpace(n, d.get("storey"), d["footprint"], *d["z_range"])
        for n, d in graph.nodes(data=True)
        if d.get("kind") == "space" and d.get("footprint") is not None
        and not d["footprint"].is_empty and d.get("z_range") is not None
    )


def _names(graph: nx.MultiDiGraph) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for n, d in graph.nodes(data=True):
        labels = {str(d.get("name") or "").casefold(), str(d.get("long_name") or "").casefold()}
        for label in labels - {""}:
            found.setdefault(label, []).append(n)
    return {label: tuple(nodes) for label, nodes in found.items()}


class GraphIndexes:
    """The indexes of one state of one graph, each built on first use.

    Obtain it with :func:`indexes_of`, never directly: that is where staleness is checked. The
    object holds no reference to the graph; it is given the graph to build from.

    Attributes
    ----------
    stamp : tuple
        :func:`graph_stamp` of the graph when these indexes were made.
    """

    def __init__(self, graph: nx.MultiDiGraph, stamp: tuple[int | None, int]) -> None:
        self.stamp = stamp
        self._graph_ref = weakref.ref(graph)
        self._built: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _get(self, name: str, build) -> Any:
        found = self._built.get(name)
        if found is None:
            with self._lock:  # two requests at once build it once
                found = self._built.get(name)
                if found is None:
                    graph = self._graph_ref()
                    if graph is None:  # pragma: no cover - only reachable through misuse
                        raise ReferenceError("the graph of these indexes no longer exists")
                    found = self._built[name] = build(graph)
        return found

    @property
    def space(self) -> SpaceIndex:
        """Footprints of the spaces (those with a non-empty footprint and a height range)."""
        return self._get("space", _space_index)

    @property
    def walk(self) -> WalkIndex:
        """The walk graph behind :mod:`spaces.routing`."""
        return self._get("walk", WalkIndex)

    @property
    def names(self) -> dict[str, tuple[str, ...]]:
        """Case-folded name and long name -> GlobalIds of the nodes so called."""
        return self._get("names", _names)

    def built(self) -> tuple[str, ...]:
        """Names of the indexes built so far (for tests and diagnostics)."""
        return tuple(sorted(self._built))


_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def indexes_of(graph: nx.MultiDiGraph) -> GraphIndexes:
    """The indexes of ``graph`` as it is now (see the module notes for what "now" sees).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> from spaces.graph import SpaceGraph
    >>> g = SpaceGraph()
    >>> g.add_node("a", kind="space", footprint=box(0, 0, 4, 3), z_range=(0.0, 3.0))
    >>> indexes_of(g).space.at_point(1.0, 1.0, 1.5)
    'a'
    >>> g.add_node("b", kind="space", footprint=box(4, 0, 8, 3), z_range=(0.0, 3.0))
    >>> indexes_of(g).space.at_point(5.0, 1.0, 1.5)
    'b'
    """
    stamp = graph_stamp(graph)
    found = _INDEXES.get(graph)
    if found is None or found.stamp != stamp:
        with _LOCK:
            found = _INDEXES.get(graph)
            if found is None or found.stamp != stamp:
                found = _INDEXES[graph] = GraphIndexes(graph, stamp)
    return found


def invalidate(graph: nx.MultiDiGraph) -> None:
    """Drop the indexes of ``graph``: call it after editing attributes in place."""
    with _LOCK:
        _INDEXES.pop(graph, None)
