"""The building as a typed graph (networkx ``MultiDiGraph``).

Nodes are keyed by GlobalId and carry ``kind`` (one of :data:`NODE_KINDS`) and plain
attributes; every edge carries ``kind`` (one of :data:`EDGE_KINDS`) and is keyed by it, so two
nodes hold at most one edge of each kind per direction.

Edges
-----
``contains``        building -> storey -> space / door / stair / equipment
``adjacent``        space <-> space (``provenance``: ifc-boundary | geometric)
``door_connects``   door <-> space (``provenance``: ifc-boundary | geometric)
``passage_connects`` passage <-> space: open wall openings, virtual (open) boundaries and
                    geometric open boundaries (:mod:`spaces.passages`); ``provenance``
                    ifc-opening | ifc-virtual-boundary | geometric
``stair_connects``  stair <-> storey and stair <-> space
``located_in``      equipment -> space (``provenance``: ifc-relation | geometric, ``confidence``)
``member_of``       element -> system, space -> zone
``feeds``           upstream element -> downstream element, from port connections
"""

from __future__ import annotations

import functools

import networkx as nx

from bim_models import BuildingModel
from spaces.indexes import indexes_of
from spaces.passages import find_passages
from spaces.spatial_index import SpaceIndex
from spaces.tolerances import DEFAULT_TOLERANCES, Tolerances
from spaces.topology import (
    build_space_index,
    find_adjacent_spaces,
    find_door_sides,
    find_stair_links,
    locate_equipment,
)

__all__ = ["EDGE_KINDS", "NODE_KINDS", "SpaceGraph", "build_graph", "get_space_index"]

NODE_KINDS = ("building", "storey", "space", "door", "stair", "equipment", "system", "zone",
              "passage")
EDGE_KINDS = ("contains", "adjacent", "door_connects", "stair_connects", "located_in",
              "member_of", "feeds", "passage_connects")


class SpaceGraph(nx.MultiDiGraph):
    """A ``networkx.MultiDiGraph`` that counts its structural edits.

    Every call that adds or removes nodes or edges (``add_node``, ``add_edges_from``,
    ``remove_node``, ``update``, ``clear`` ...) increments :attr:`version`, so that the
    derived indexes of :mod:`spaces.indexes` know when to rebuild. Attribute edits in place
    are not counted: call :func:`spaces.indexes.invalidate` after them.

    Attributes
    ----------
    version : int
        Number of structural edits so far (0 for an empty graph never edited).
    """

    version: int = 0


#: The ``networkx`` methods that add or remove nodes or edges.
_STRUCTURAL_EDITS = ("add_node", "add_nodes_from", "remove_node", "remove_nodes_from",
                     "add_edge", "add_edges_from", "add_weighted_edges_from", "remove_edge",
                     "remove_edges_from", "update", "clear", "clear_edges")


def _counted(method):
    @functools.wraps(method)
    def edit(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        finally:  # counted even when it fails half-way
            self.version += 1
    return edit


for _name in _STRUCTURAL_EDITS:
    setattr(SpaceGraph, _name, _counted(getattr(nx.MultiDiGraph, _name)))
del _name


def _link(graph: nx.MultiDiGraph, u: str, v: str, kind: str, *, both: bool = False,
          **attrs) -> None:
    graph.add_edge(u, v, key=kind, kind=kind, **attrs)
    if both:
        graph.add_edge(v, u, key=kind, kind=kind, **attrs)


def _add_nodes(graph: nx.MultiDiGraph, model: BuildingModel) -> None:
    for gid, b in model.buildings.items():
        graph.add_node(gid, kind="building", name=b.name, ifc_class=b.ifc_class)
    for gid, s in model.storeys.items():
        graph.add_node(gid, kind="storey", name=s.name, ifc_class="IfcBuildingStorey",
                       elevation=s.elevation)
        if s.building in model.buildings:
            _link(graph, s.building, gid, "contains")
    for gid, s in model.spaces.items():
        geo = s.geometry
        graph.add_node(gid, kind="space", name=s.name, ifc_class="IfcSpace",
                       long_name=s.long_name, storey=s.storey, area_qto=s.area_qto_net,
                       area_geometry=s.area_geometry,
                       footprint=geo.footprint if geo else None,
                       z_range=geo.z_range if geo else None)
    for gid, d in model.doors.items():
        graph.add_node(gid, kind="door", name=d.name, ifc_class=d.ifc_class, storey=d.storey,
                       width=d.width, is_external=d.is_external,
                       position=d.geometry.centroid if d.geometry else None)
    for gid, v in model.verticals.items():
        graph.add_node(gid, kind="stair", name=v.name, ifc_class=v.ifc_class,
                       vertical_kind=v.kind, predefined_type=v.predefined_type,
                       storey=v.storey, position=v.geometry.centroid if v.geometry else None)
    for gid, e in model.equipment.items():
        geo = e.geometry
        graph.add_node(gid, kind="equipment", name=e.name, ifc_class=e.ifc_class,
                       predefined_type=e.predefined_type, is_asset=e.is_asset,
                       storey=e.storey, type_name=e.type_name, type_class=e.type_class,
                       centroid=geo.centroid if geo else None,
                       bounds=(geo.bounds_min, geo.bounds_max) if geo else None)
    for gid, s in model.systems.items():
        graph.add_node(gid, kind="system", name=s.name, ifc_class=s.ifc_class,
                       predefined_type=s.predefined_type)
    for gid, z in model.zones.items():
        graph.add_node(gid, kind="zone", name=z.name, ifc_class="IfcZone")
    for gid in graph.nodes:
        storey = graph.nodes[gid].get("storey")
        if storey in model.storeys and graph.nodes[gid]["kind"] != "storey":
            _link(graph, storey, gid, "contains")


def _add_feeds(graph: nx.MultiDiGraph, model: BuildingModel) -> None:
    linked = {p for c in model.port_connections for p in (c.relating_port, c.related_port)}
    for port in model.ports.values():  # ports the file leaves open: impact says so
        if port.global_id not in linked and port.element in graph:
            node = graph.nodes[port.element]
            node["open_ports"] = node.get("open_ports", 0) + 1
    for connection in model.port_connections:
        a = model.ports.get(connection.relating_port)
        b = model.ports.get(connection.related_port)
        if a is None or b is None or a.element is None or b.element is None:
            continue
        if a.element == b.element or a.element not in graph or b.element not in graph:
            continue
        if a.flow_direction == "SINK" or b.flow_direction == "SOURCE":
            upstream, downstream = b, a
        else:
            upstream, downstream = a, b
        known = upstream.flow_direction == "SOURCE" or downstream.flow_direction == "SINK"
        _link(graph, upstream.element, downstream.element, "feeds",
              ports=(upstream.global_id, downstream.global_id), direction_known=known)


def build_graph(model: BuildingModel, *, tolerances: Tolerances = DEFAULT_TOLERANCES
                ) -> nx.MultiDiGraph:
    """Build the space-and-equipment graph of a parsed model.

    Parameters
    ----------
    model : BuildingModel
        From :func:`bim_models.load_model`.
    tolerances : Tolerances, optional
        Distances for geometric inference.

    Returns
    -------
    SpaceGraph
        A ``networkx.MultiDiGraph`` of typed nodes and edges as described in the module
        docstring. ``graph.graph`` holds ``schema``, ``source``, ``sha256`` and the model's
        ``warnings``.

    Examples
    --------
    >>> graph = build_graph(load_model("duplex.ifc"))  # doctest: +SKIP
    >>> sum(1 for _, k in graph.nodes(data="kind") if k == "space")  # doctest: +SKIP
    21
    """
    graph = SpaceGraph(schema=model.schema, source=model.source, sha256=model.sha256,
                       warnings=list(model.warnings))
    _add_nodes(graph, model)
    index = build_space_index(model)
    for (a, b), provenance in find_adjacent_spaces(model, index, tolerances).items():
        _link(graph, a, b, "adjacent", both=True, provenance=provenance)
    door_pairs = set()
    for door, (spaces, provenance) in find_door_sides(model, index, tolerances).items():
        graph.nodes[door]["exterior"] = len(spaces) == 1
        for space in spaces:
            _link(graph, door, space, "door_connects", both=True, provenance=provenance)
        if len(spaces) == 2:
            door_pairs.add(tuple(sorted(spaces)))
    for passage in find_passages(model, index, tolerances, door_pairs):
        graph.add_node(passage.id, kind="passage", passage_kind=passage.kind, name=passage.name,
                       ifc_class=passage.ifc_class, storey=model.spaces[passage.spaces[0]].storey,
                       position=passage.position, provenance=passage.provenance)
        for space in passage.spaces:
            _link(graph, passage.id, space, "passage_connects", both=True,
                  provenance=passage.provenance)
    for stair, (storeys, spaces) in find_stair_links(model, index, tolerances).items():
        for target in storeys + spaces:
            _link(graph, stair, target, "stair_connects", both=True)
    for gid, record in model.equipment.items():
        placement = locate_equipment(record, index, tolerances)
        graph.nodes[gid].update(space=placement.space, provenance=placement.provenance,
                                confidence=placement.confidence)
        if placement.space is not None:
            _link(graph, gid, placement.space, "located_in",
                  provenance=placement.provenance, confidence=placement.confidence)
    for container in (model.systems, model.zones):
        for gid, group in container.items():
            for member in group.members:
                if member in graph:
                    _link(graph, member, gid, "member_of")
    _add_feeds(graph, model)
    return graph


def get_space_index(graph: nx.MultiDiGraph) -> SpaceIndex:
    """The footprint index of a graph's spaces: ``indexes_of(graph).space`` (built on first
    use, rebuilt after the graph changes; see :mod:`spaces.indexes`)."""
    return indexes_of(graph).space
