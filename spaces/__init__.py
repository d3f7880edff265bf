"""The space-and-equipment graph of a building (networkx) and the questions asked of it.

Build it with :func:`build_graph` from a :class:`bim_models.BuildingModel`.

The public names are imported from their submodules on first use (PEP 562), so that
``import spaces`` does not load networkx, shapely or ``ifcopenshell``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bim_models.lazy import lazy_exports, submodule_of

if TYPE_CHECKING:
    from spaces.building import open_building
    from spaces.errors import GraphExportError, RouteError, SpacesError, UnknownElementError
    from spaces.export import graph_to_json_data, write_graph
    from spaces.graph import EDGE_KINDS, NODE_KINDS, build_graph, get_space_index
    from spaces.queries import (
        downstream,
        equipment_of_space,
        neighbours,
        nodes_of_kind,
        path_between,
        space_at_point,
        spaces_of_storey,
        upstream,
    )
    from spaces.routing import Route, RouteStep, daily_round, find_entrance, locate, route
    from spaces.summary import element_index, summarise
    from spaces.tolerances import DEFAULT_TOLERANCES, Tolerances
    from spaces.versions import GRAPH_VERSION

__all__ = [
    "DEFAULT_TOLERANCES",
    "EDGE_KINDS",
    "GRAPH_VERSION",
    "NODE_KINDS",
    "GraphExportError",
    "Route",
    "RouteError",
    "RouteStep",
    "SpacesError",
    "Tolerances",
    "UnknownElementError",
    "build_graph",
    "daily_round",
    "downstream",
    "element_index",
    "equipment_of_space",
    "find_entrance",
    "get_space_index",
    "graph_to_json_data",
    "locate",
    "neighbours",
    "nodes_of_kind",
    "open_building",
    "path_between",
    "route",
    "space_at_point",
    "spaces_of_storey",
    "summarise",
    "upstream",
    "write_graph",
]

#: The public names of each submodule.
_EXPORTS = {
    "spaces.building": ("open_building",),
    "spaces.errors": ("GraphExportError", "RouteError", "SpacesError", "UnknownElementError"),
    "spaces.export": ("graph_to_json_data", "write_graph"),
    "spaces.graph": ("EDGE_KINDS", "NODE_KINDS", "build_graph", "get_space_index"),
    "spaces.queries": (
        "downstream", "equipment_of_space", "neighbours", "nodes_of_kind", "path_between",
        "space_at_point", "spaces_of_storey", "upstream",
    ),
    "spaces.routing": ("Route", "RouteStep", "daily_round", "find_entrance", "locate", "route"),
    "spaces.summary": ("element_index", "summarise"),
    "spaces.tolerances": ("DEFAULT_TOLERANCES", "Tolerances"),
    "spaces.versions": ("GRAPH_VERSION",),
}
_SUBMODULE_OF = submodule_of(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _SUBMODULE_OF, globals())
