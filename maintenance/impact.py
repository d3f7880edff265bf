"""Impact analysis: what shutting down an item of equipment affects, and who.

Downstream equipment comes from :func:`spaces.queries.downstream` (multi-hop over ``feeds``,
through ducts, pipes, boards and meters); the affected spaces are those the downstream items
(and the item itself, for a room unit) are located in; the affected people are those allocated
to the spaces, given as plain data (:func:`people_by_space` builds it from
:func:`spaces.allocations.read_allocations`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx

from spaces.allocations import Allocations
from spaces.queries import downstream
from spaces.routing import resolve_target

__all__ = ["Impact", "impact", "people_by_space", "served_spaces"]


@dataclass(frozen=True, slots=True)
class Impact:
    """What depends on ``equipment``: GlobalIds of equipment and spaces, and the people."""

    equipment: str
    name: str
    downstream: tuple[str, ...]
    spaces: tuple[str, ...]
    people: tuple[Any, ...]

    def to_dict(self, graph: nx.MultiDiGraph | None = None) -> dict:
        """JSON-ready form; with ``graph``, names beside the GlobalIds."""
        def named(gid: str) -> dict:
            data = graph.nodes[gid] if graph is not None and gid in graph else {}
            return {"global_id": gid, "name": data.get("name"),
                    "ifc_class": data.get("ifc_class")}
        return {"equipment": named(self.equipment),
                "downstream": [named(g) for g in self.downstream],
                "spaces": [named(g) for g in self.spaces],
                "people": [p if isinstance(p, Mapping) else _as_dict(p) for p in self.people]}


def _as_dict(record: Any) -> dict:
    fields = getattr(record, "__dataclass_fields__", None)
    if fields:
        return {k: getattr(record, k) for k in fields if k != "extra"}
    return {"value": str(record)}


def _space_of(graph: nx.MultiDiGraph, node: str) -> str | None:
    data = graph.nodes[node]
    return node if data.get("kind") == "space" else data.get("space")


def impact(graph: nx.MultiDiGraph, equipment: str, *,
           people: Mapping[str, Sequence[Any]] | None = None) -> Impact:
    """Equipment and spaces downstream of ``equipment`` and the people in those spaces.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
    equipment : str
        GlobalId or unique name of the item.
    people : mapping of str to sequence, optional
        Space GlobalId -> people records (any objects), e.g. :func:`people_by_space`.

    Returns
    -------
    Impact
        ``downstream`` nearest first (assets only), ``spaces`` sorted by name, ``people`` in
        space order.

    Raises
    ------
    spaces.UnknownElementError
        ``equipment`` names no item of equipment.
    """
    gid = resolve_target(graph, equipment, kinds=("equipment",))
    items = downstream(graph, gid, assets_only=False)
    spaces = {s for s in (_space_of(graph, n) for n in items) if s is not None}
    ordered = sorted(spaces, key=lambda s: (str(graph.nodes[s].get("name") or ""), s))
    found = [p for s in ordered for p in (people or {}).get(s, ())]
    assets = tuple(n for n in items if graph.nodes[n].get("is_asset"))
    return Impact(gid, str(graph.nodes[gid].get("name") or gid), assets, tuple(ordered),
                  tuple(found))


def served_spaces(graph: nx.MultiDiGraph, *, equipment: Iterable[str] | None = None
                  ) -> dict[str, frozenset[str]]:
    """Equipment GlobalId -> spaces it serves (for :class:`maintenance.alarms.AlarmBook`).

    Only equipment that feeds something is listed; ``equipment`` limits the items.
    """
    if equipment is None:
        equipment = {u for u, _, k in graph.edges(keys=True) if k == "feeds"}
    result = {}
    for gid in equipment:
        spaces = {_space_of(graph, n) for n in downstream(graph, gid, assets_only=False)}
        spaces.discard(None)
        if spaces:
            result[gid] = frozenset(spaces)
    return result


def people_by_space(allocations: Allocations, *, day: date | None = None
                    ) -> dict[str, list[dict]]:
    """Space GlobalId -> people holding it on ``day`` (default: today), as dicts
    (``person_id``, ``name``, ``department``, ``grade``, ``room``)."""
    day = day or date.today()
    result: dict[str, list[dict]] = {}
    for a in allocations.assignments:
        person = allocations.people.get(a.person_id)
        if person is None or not a.holds_on(day) or person.status != "active":
            continue
        result.setdefault(a.space, []).append({
            "person_id": person.person_id, "name": person.name,
            "department": person.department, "grade": person.grade, "room": a.room})
    return result
