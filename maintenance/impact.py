"""Impact analysis: what loses service when an item of equipment stops, and who.

The service graph
-----------------
Service flows from *sources* (boilers, chillers, transformers, generators: equipment that makes
the medium) along the graph's ``feeds`` edges (port connections, oriented by the ports'
``FlowDirection``) to *terminals* (radiators, air terminals, lights, sockets: equipment that
uses it). Where the file leaves a connection's direction open, the connection counts both
ways. Where an item has no connected port at all, system groups stand in for the ports: a group
(``IfcDistributionSystem``, ``IfcElectricalCircuit``, ...) with one feeding member (a source,
a distribution board, an AHU) feeds its other members.

Two cuts keep closed loops right: nothing flows out of a terminal (the return side of a radiator
is not served by it), and nothing flows into a source (the return line ends at the boiler; it
never walks back into the boiler and out to the other pumps).

What loses service
------------------
An item ``v`` loses service when ``x`` stops if every path from every source to ``v`` passes
through ``x``: ``x`` *dominates* ``v`` in the service graph rooted at a virtual node joined to
every source and to every item that nothing feeds (:func:`networkx.immediate_dominators`). A
pump on one of two parallel branches thus affects its branch, not the boiler nor the other pump;
the boiler affects everything it supplies. An item no source reaches (a plant model without a
boiler) is taken as its own source.

Affected spaces are the rooms the affected equipment (not the pipes, ducts or cables passing
through) is located in; the affected people are those allocated to the spaces, given as plain
data (:func:`people_by_space` builds it from :func:`spaces.allocations.read_allocations`).
Every answer names its evidence (:data:`EVIDENCE`) and says what it could not follow.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx

from maintenance.choices import IMPACT_EVIDENCE
from spaces.allocations import Allocations
from spaces.routing import resolve_target

__all__ = ["EVIDENCE", "FEEDER_CLASSES", "SOURCE_CLASSES", "TERMINAL_CLASSES", "Impact",
           "equipment_role", "impact", "people_by_space", "served_spaces", "service_graph"]

#: What an answer rests on: ports with a direction, ports without one, system groups
#: (circuits) standing in for ports, and geometry (equipment placed in rooms by its shape).
EVIDENCE = tuple(c.value for c in IMPACT_EVIDENCE)

#: Equipment that makes the medium: service starts here, and no walk enters one.
SOURCE_CLASSES = frozenset({
    "IfcBoiler", "IfcChiller", "IfcTransformer", "IfcElectricGenerator", "IfcCoolingTower",
    "IfcBurner", "IfcSolarDevice", "IfcEngine", "IfcCogenerationPlant"})
#: Equipment that passes a medium on to a group (boards, AHUs, heat exchangers): the feeder of
#: a system group without ports.
FEEDER_CLASSES = frozenset({
    "IfcElectricDistributionBoard", "IfcElectricDistributionPoint", "IfcUnitaryEquipment",
    "IfcAirToAirHeatRecovery", "IfcHeatExchanger", "IfcCoil", "IfcProtectiveDevice",
    "IfcSwitchingDevice"})
#: Equipment that uses the medium: service ends here.
TERMINAL_CLASSES = frozenset({
    "IfcFlowTerminal", "IfcAirTerminal", "IfcAudioVisualAppliance", "IfcCommunicationsAppliance",
    "IfcElectricAppliance", "IfcFireSuppressionTerminal", "IfcLamp", "IfcLightFixture",
    "IfcMedicalDevice", "IfcOutlet", "IfcSanitaryTerminal", "IfcSpaceHeater",
    "IfcStackTerminal", "IfcWasteTerminal", "IfcLiquidTerminal",
    "IfcMobileTelecommunicationsAppliance"})

_ROOT = "\x00sources"  # the virtual root of the service graph


def equipment_role(data: Mapping[str, Any]) -> str | None:
    """``"source"``, ``"feeder"``, ``"terminal"`` or ``None`` for a graph node's attributes.

    The occurrence class decides; IFC2X3's generic classes (``IfcFlowTerminal``,
    ``IfcEnergyConversionDevice``) are refined by their type class (``IfcBoilerType`` ->
    boiler).
    """
    names = [str(data.get("ifc_class") or "")]
    type_class = str(data.get("type_class") or "")
    if type_class.endswith("Type"):
        names.insert(0, type_class[:-4])
    for name in names:
        if name in SOURCE_CLASSES:
            return "source"
        if name in FEEDER_CLASSES:
            return "feeder"
        if name in TERMINAL_CLASSES:
            return "terminal"
    return None


@dataclass(frozen=True, slots=True)
class Impact:
    """What loses service when ``equipment`` stops: GlobalIds of equipment and spaces, people.

    Attributes
    ----------
    evidence : tuple of str
        Values of :data:`EVIDENCE` the answer used (empty: the file relates the item to
        nothing).
    warnings : tuple of str
        What could not be followed (open ports, no feed relation, unknown directions).
    """

    equipment: str
    name: str
    downstream: tuple[str, ...]
    spaces: tuple[str, ...]
    people: tuple[Any, ...]
    evidence: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self, graph: nx.MultiDiGraph | None = None) -> dict:
        """JSON-ready form; with ``graph``, names beside the GlobalIds."""
        def named(gid: str) -> dict:
            data = graph.nodes[gid] if graph is not None and gid in graph else {}
            return {"global_id": gid, "name": data.get("name"),
                    "ifc_class": data.get("ifc_class")}
        return {"equipment": named(self.equipment),
                "downstream": [named(g) for g in self.downstream],
                "spaces": [named(g) for g in self.spaces],
                "people": [p if isinstance(p, Mapping) else _as_dict(p) for p in self.people],
                "evidence": list(self.evidence), "warnings": list(self.warnings)}


def _as_dict(record: Any) -> dict:
    fields = getattr(record, "__dataclass_fields__", None)
    if fields:
        return {k: getattr(record, k) for k in fields if k != "extra"}
    return {"value": str(record)}


def _space_of(graph: nx.MultiDiGraph, node: str) -> str | None:
    data = graph.nodes[node]
    return node if data.get("kind") == "space" else data.get("space")


def _group_feeds(graph: nx.MultiDiGraph, fed: set[str]) -> list[tuple[str, str]]:
    """(feeder, member) pairs of system groups, for members no port connection feeds."""
    members: dict[str, list[str]] = {}
    for u, v, k in graph.edges(keys=True):
        if k == "member_of" and graph.nodes[v].get("kind") == "system":
            members.setdefault(v, []).append(u)
    pairs = []
    for group in members.values():
        feeders = [m for m in group if equipment_role(graph.nodes[m]) in ("source", "feeder")]
        for member in group:
            if member not in fed and member not in feeders:
                pairs.extend((f, member) for f in feeders)
        if len(feeders) > 1:  # boards in one circuit: the ones nothing else feeds lead
            for f in feeders:
                if f not in fed:
                    pairs.extend((f, g) for g in feeders if g != f and g not in fed)
    return pairs


def service_graph(graph: nx.MultiDiGraph) -> nx.DiGraph:
    """The directed service graph of :mod:`maintenance.impact`'s docstring.

    Nodes are equipment GlobalIds plus a virtual root; each edge has ``evidence`` (a value
    of :data:`EVIDENCE`).
    """
    service = nx.DiGraph()
    roles = {n: equipment_role(d) for n, d in graph.nodes(data=True)
             if d.get("kind") == "equipment"}
    service.add_nodes_from(roles)

    def add(u: str, v: str, evidence: str) -> None:
        if roles.get(u) != "terminal" and roles.get(v) != "source" and u != v \
                and not service.has_edge(u, v):
            service.add_edge(u, v, evidence=evidence)

    fed: set[str] = set()
    for u, v, k, data in graph.edges(keys=True, data=True):
        if k != "feeds":
            continue
        if data.get("direction_known", True):
            add(u, v, "ports-with-direction")
        else:
            add(u, v, "ports-without-direction")
            add(v, u, "ports-without-direction")
        fed.update((u, v))
    for u, v in _group_feeds(graph, fed):
        add(u, v, "system-groups")
    service.add_node(_ROOT)
    for node, role in roles.items():
        if role == "source" or (service.in_degree(node) == 0 and service.out_degree(node)):
            service.add_edge(_ROOT, node, evidence=None)
    return service


def _dominated(service: nx.DiGraph, item: str, tree: Mapping[str, Sequence[str]] | None,
               reachable: set[str]) -> set[str]:
    """Nodes ``item`` dominates (itself excluded); ``tree``: the dominator tree's children."""
    if tree is None or item not in reachable:
        service = service.copy()
        service.add_edge(_ROOT, item, evidence=None)  # nothing reaches it: its own source
        tree = _dominator_tree(service)
    found: set[str] = set()
    stack = list(tree.get(item, ()))
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(tree.get(node, ()))
    return found


def _reachable(service: nx.DiGraph) -> set[str]:
    return set(nx.descendants(service, _ROOT))


def _dominator_tree(service: nx.DiGraph) -> dict[str, list[str]]:
    tree: dict[str, list[str]] = {}
    for node, parent in nx.immediate_dominators(service, _ROOT).items():
        if node != parent:
            tree.setdefault(parent, []).append(node)
    return tree


def _nearest_first(service: nx.DiGraph, item: str, keep: set[str]) -> list[str]:
    order, seen, queue = [], {item}, deque([item])
    while queue:
        for nxt in service.successors(queue.popleft()):
            if nxt in keep and nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                queue.append(nxt)
    return order + sorted(keep - set(order))


def _evidence(graph: nx.MultiDiGraph, service: nx.DiGraph, item: str, affected: list[str],
              assets: Iterable[str]) -> tuple[str, ...]:
    inside = {item, *affected}
    used = {service.edges[u, v]["evidence"] for v in affected for u in service.predecessors(v)
            if u in inside}
    if any(graph.nodes[n].get("provenance") == "geometric" and graph.nodes[n].get("space")
           for n in assets):
        used.add("geometry")
    return tuple(e for e in EVIDENCE if e in used)


def _warnings(graph: nx.MultiDiGraph, service: nx.DiGraph, item: str, affected: list[str],
              evidence: tuple[str, ...], reachable: set[str]) -> tuple[str, ...]:
    name = graph.nodes[item].get("name") or item
    notes = []
    if not any(graph.nodes[n].get("is_asset") for n in affected):
        related = service.in_degree(item) > (1 if service.has_edge(_ROOT, item) else 0) \
            or service.out_degree(item)
        notes.append(f"{name}: no equipment depends on it alone" if related else
                     f"{name}: the file connects it to nothing (no connected port, no system "
                     "group with a feeding member): impact unknown, not zero")
    open_ports = sum(graph.nodes[n].get("open_ports", 0) for n in [item, *affected])
    if open_ports:
        notes.append(f"{open_ports} ports of {name} and what it feeds are connected to nothing "
                     "in the file: the walk could not follow them")
    if "ports-without-direction" in evidence:
        notes.append("some connections have no flow direction in the file: taken both ways")
    if item not in reachable and affected:
        notes.append(f"no source (boiler, chiller, transformer, ...) feeds {name} in the file: "
                     "taken as its own source")
    return tuple(notes)


def _answer(graph: nx.MultiDiGraph, service: nx.DiGraph, gid: str, affected_set: set[str],
            people: Mapping[str, Sequence[Any]] | None, reachable: set[str]) -> Impact:
    affected = _nearest_first(service, gid, affected_set)
    assets = [n for n in affected if graph.nodes[n].get("is_asset")]
    spaces = {s for s in (_space_of(graph, n) for n in assets) if s is not None}
    ordered = sorted(spaces, key=lambda s: (str(graph.nodes[s].get("name") or ""), s))
    found = [p for s in ordered for p in (people or {}).get(s, ())]
    evidence = _evidence(graph, service, gid, affected, assets)
    return Impact(gid, str(graph.nodes[gid].get("name") or gid), tuple(assets), tuple(ordered),
                  tuple(found), evidence,
                  _warnings(graph, service, gid, affected, evidence, reachable))


def impact(graph: nx.MultiDiGraph, equipment: str, *,
           people: Mapping[str, Sequence[Any]] | None = None) -> Impact:
    """Equipment and spaces that lose service when ``equipment`` stops, and their people.

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
        space order, ``evidence`` and ``warnings``.

    Raises
    ------
    spaces.UnknownElementError
        ``equipment`` names no item of equipment.

    Examples
    --------
    >>> impact(graph, "P-1").evidence  # doctest: +SKIP
    ('ports-with-direction',)
    """
    gid = resolve_target(graph, equipment, kinds=("equipment",))
    service = service_graph(graph)
    reachable = _reachable(service)
    return _answer(graph, service, gid, _dominated(service, gid, None, reachable), people,
                   reachable)


def served_spaces(graph: nx.MultiDiGraph, *, equipment: Iterable[str] | None = None
                  ) -> dict[str, frozenset[str]]:
    """Equipment GlobalId -> spaces that lose service when it stops (for
    :class:`maintenance.alarms.AlarmBook`).

    Only equipment that serves some space is listed; ``equipment`` limits the items.
    """
    service = service_graph(graph)
    tree, reachable = _dominator_tree(service), _reachable(service)
    if equipment is None:
        equipment = [n for n in service if n != _ROOT and service.out_degree(n)]
    result = {}
    for gid in equipment:
        if gid not in service:
            continue
        found = _answer(graph, service, gid, _dominated(service, gid, tree, reachable), None,
                        reachable)
        if found.spaces:
            result[gid] = frozenset(found.spaces)
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
