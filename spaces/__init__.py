"""The space-and-equipment graph of a building (networkx) and the questions asked of it.

Build it with :func:`build_graph` from a :class:`bim_models.BuildingModel`.
"""

from spaces.building import GRAPH_VERSION, open_building
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
