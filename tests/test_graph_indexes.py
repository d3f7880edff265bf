"""The derived indexes of a graph (spaces.indexes): built once, rebuilt after the graph changes."""

from __future__ import annotations

import gc
import weakref

import networkx as nx
import pytest
from shapely.affinity import translate
from shapely.geometry import box

from spaces import space_at_point
from spaces.errors import RouteError, UnknownElementError
from spaces.graph import SpaceGraph
from spaces.indexes import indexes_of, invalidate
from spaces.routing import resolve_target, route


@pytest.fixture()
def graph(compliance_sample):
    """A private copy of the sample building's graph (the session's stays untouched)."""
    copy = compliance_sample["graph"].copy()
    assert isinstance(copy, SpaceGraph)
    return copy


def _space(graph, name):
    return next(n for n, d in graph.nodes(data=True) if d["kind"] == "space" and d["name"] == name)


def test_indexes_are_built_once_and_kept_while_the_graph_is_unchanged(graph):
    first = indexes_of(graph)
    assert first.built() == ()
    route(graph, "GF-005", start="GF-003")
    assert set(first.built()) == {"walk", "names"}
    assert indexes_of(graph) is first and indexes_of(graph).walk is first.walk
    space_at_point(graph, 1.0, 7.0, 1.0)
    assert set(first.built()) == {"walk", "names", "space"}


def test_removing_a_doors_edges_reroutes_the_next_walk(graph):
    before = route(graph, "GF-005", start="GF-003")
    door = next(s.global_id for s in before.steps if s.name == "D-GF-005")
    stale, nodes = indexes_of(graph), len(graph)
    version = graph.version
    for _, space, key in list(graph.out_edges(door, keys=True)):
        if key == "door_connects":
            graph.remove_edge(door, space, key=key)
            graph.remove_edge(space, door, key=key)
    assert len(graph) == nodes and graph.version == version + 4  # edges only: same node count
    assert indexes_of(graph) is not stale
    # GF-005's only door is gone: no walk reaches it any more (never through a wall, issue 21)
    with pytest.raises(RouteError, match="no walk"):
        route(graph, "GF-005", start="GF-003")


def test_an_added_space_is_found_at_its_point(graph):
    ground = _space(graph, "GF-010")
    z0, z1 = graph.nodes[ground]["z_range"]
    assert space_at_point(graph, 500.0, 500.0, z0 + 1.0) is None
    graph.add_node("NEW-SPACE", kind="space", name="GF-999", storey=graph.nodes[ground]["storey"],
                   footprint=box(499.0, 499.0, 503.0, 502.0), z_range=(z0, z1))
    assert space_at_point(graph, 500.0, 500.0, z0 + 1.0) == "NEW-SPACE"
    assert resolve_target(graph, "GF-999") == "NEW-SPACE"


def test_attributes_edited_in_place_are_seen_after_invalidate(graph):
    room = _space(graph, "GF-003")
    z = graph.nodes[room]["z_range"][0] + 1.0
    kept = indexes_of(graph)
    graph.nodes[room]["footprint"] = translate(graph.nodes[room]["footprint"], 1000.0, 0.0)
    graph.nodes[room]["name"] = "GF-003-moved"
    assert indexes_of(graph) is kept  # the documented limit: attribute edits are not seen
    invalidate(graph)
    fresh = indexes_of(graph)
    assert fresh is not kept
    centre = graph.nodes[room]["footprint"].representative_point()
    assert space_at_point(graph, centre.x, centre.y, z) == room
    assert resolve_target(graph, "GF-003-moved") == room
    with pytest.raises(UnknownElementError):
        resolve_target(graph, "GF-003")


def test_a_plain_networkx_graph_sees_node_changes_and_invalidate(graph):
    plain = nx.MultiDiGraph(graph)
    assert not isinstance(plain, SpaceGraph)
    z = plain.nodes[_space(plain, "GF-010")]["z_range"][0] + 1.0
    first = indexes_of(plain)
    plain.add_node("X", kind="space", name="GF-998", footprint=box(600, 600, 604, 603),
                   z_range=(z - 1.0, z + 2.0))
    assert indexes_of(plain) is not first
    assert space_at_point(plain, 601.0, 601.0, z) == "X"
    second = indexes_of(plain)
    plain.add_edge("X", _space(plain, "GF-010"), key="adjacent", kind="adjacent")
    assert indexes_of(plain) is second  # an edge alone is not seen on a plain graph ...
    invalidate(plain)
    assert indexes_of(plain) is not second  # ... until invalidated


def test_the_indexes_do_not_keep_a_graph_alive(compliance_sample):
    copy = compliance_sample["graph"].copy()
    route(copy, "GF-005", start="GF-003")
    gone = weakref.ref(copy)
    del copy
    gc.collect()
    assert gone() is None
