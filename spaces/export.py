"""Write the building graph as node-link JSON or GraphML.

Footprints become WKT strings, tuples become lists (JSON) or comma-separated text (GraphML);
``None`` attributes are dropped from GraphML, which has no null.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
from shapely.geometry.base import BaseGeometry

from spaces.errors import GraphExportError

__all__ = ["graph_to_json_data", "write_graph"]


def _plain(value: Any) -> Any:
    if isinstance(value, BaseGeometry):
        return value.wkt
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def graph_to_json_data(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """Node-link data of the graph, JSON-serialisable.

    Returns
    -------
    dict
        ``{"directed", "multigraph", "graph", "nodes": [...], "edges": [...]}`` as
        :func:`networkx.node_link_data` writes it, with ``edges`` as the link key.
    """
    plain = nx.MultiDiGraph()
    plain.graph.update({k: _plain(v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        plain.add_node(node, **{k: _plain(v) for k, v in data.items()})
    for u, v, key, data in graph.edges(keys=True, data=True):
        plain.add_edge(u, v, key=key, **{k: _plain(val) for k, val in data.items()})
    return nx.node_link_data(plain, edges="edges")


def _graphml_value(value: Any) -> Any:
    if isinstance(value, BaseGeometry):
        return value.wkt
    if isinstance(value, tuple | list):
        return ",".join(str(_graphml_value(v)) for v in value)
    return value


def write_graph(graph: nx.MultiDiGraph, path: Path | str) -> Path:
    """Write ``graph`` to ``path``; the suffix picks the format (``.json`` or ``.graphml``).

    Raises
    ------
    GraphExportError
        For any other suffix, or if the file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            path.write_text(json.dumps(graph_to_json_data(graph), indent=1), encoding="utf-8")
        elif suffix == ".graphml":
            plain = nx.MultiDiGraph()
            plain.graph.update({k: _graphml_value(v) for k, v in graph.graph.items()
                                if k != "warnings"})
            for node, data in graph.nodes(data=True):
                plain.add_node(node, **{k: _graphml_value(v) for k, v in data.items()
                                        if v is not None})
            for u, v, key, data in graph.edges(keys=True, data=True):
                plain.add_edge(u, v, key=key, **{k: _graphml_value(val)
                                                 for k, val in data.items() if val is not None})
            nx.write_graphml(plain, path)
        else:
            raise GraphExportError(f"{path}: unknown graph format {suffix or '(none)'}; "
                                   f"use .json or .graphml")
    except OSError as exc:
        raise GraphExportError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    return path
