"""Parsing the real models in ../shared/ifc against the counts and areas of their manifest."""

from __future__ import annotations

import pytest
from conftest import SHARED_FILES, TRUTH

MANIFEST_KEYS = ("storeys", "spaces", "doors", "stairs", "equipment", "systems", "ports")


def test_manifest_lists_both_schemas():
    schemas = {TRUTH[name]["schema"] for name in SHARED_FILES}
    assert {"IFC2X3", "IFC4"} <= schemas


@pytest.mark.parametrize("name", SHARED_FILES)
def test_schema_and_counts_match_manifest(shared_models, name):
    model = shared_models[name]
    assert model.schema == TRUTH[name]["schema"]
    counts = model.counts()
    assert {k: counts[k] for k in MANIFEST_KEYS} == TRUTH[name]["counts"]


@pytest.mark.parametrize("name", SHARED_FILES)
def test_space_qto_areas_match(shared_models, name):
    model = shared_models[name]
    for gid, truth in TRUTH[name]["spaces"].items():
        space = model.spaces[gid]
        assert space.name == truth["name"]
        if truth["qto"] is None:
            assert space.area_qto_net is None
        else:
            assert space.area_qto_net == pytest.approx(truth["qto"], rel=1e-9)


@pytest.mark.parametrize("name", SHARED_FILES)
def test_space_geometry_areas_within_2_percent_of_independent_footprint(shared_models, name):
    model = shared_models[name]
    for gid, truth in TRUTH[name]["spaces"].items():
        area = model.spaces[gid].area_geometry
        assert area is not None, f"{truth['name']} has no geometry area"
        assert area == pytest.approx(truth["footprint"], rel=0.02), truth["name"]


@pytest.mark.parametrize("name", SHARED_FILES)
def test_every_space_has_a_storey_and_height_range(shared_models, name):
    model = shared_models[name]
    for space in model.spaces.values():
        assert space.storey in model.storeys
        low, high = space.geometry.z_range
        assert high - low > 1.0  # a real room is more than a metre high


def test_storey_elevations_are_in_metres(shared_models):
    storeys = {s.name: s.elevation for s in shared_models["duplex.ifc"].storeys.values()}
    # the duplex is in metres; a unit slip would show as 3100 or 0.0031.
    assert storeys["Level 1"] == pytest.approx(0.0, abs=1e-6)
    assert storeys["Level 2"] == pytest.approx(3.1, abs=1e-3)
    assert storeys["T/FDN"] == pytest.approx(-1.25, abs=1e-3)


def test_fzk_house_doors_join_the_hall_to_its_rooms(shared_models, shared_graphs):
    """AC20 has 2nd-level space boundaries: the inner doors join hall '1' to rooms 2, 3, 4."""
    model, graph = shared_models["AC20-FZK-Haus.ifc"], shared_graphs["AC20-FZK-Haus.ifc"]
    by_name = {s.name: gid for gid, s in model.spaces.items()}
    from spaces import neighbours

    through_doors = {model.spaces[g].name for g in neighbours(graph, by_name["1"],
                                                               through_doors_only=True)}
    assert {"2", "3", "4"} <= through_doors


def test_duplex_furniture_is_located_by_the_file(shared_graphs, shared_models):
    graph, model = shared_graphs["duplex.ifc"], shared_models["duplex.ifc"]
    furniture = [g for g, e in model.equipment.items() if e.ifc_class == "IfcFurnishingElement"]
    assert len(furniture) == 61
    for gid in furniture:
        node = graph.nodes[gid]
        assert node["provenance"] == "ifc-relation" and node["confidence"] == 1.0
        assert node["space"] == model.equipment[gid].space


@pytest.mark.parametrize("name", SHARED_FILES)
def test_stairs_connect_two_storeys(shared_graphs, name):
    graph = shared_graphs[name]
    stairs = [n for n, k in graph.nodes(data="kind") if k == "stair"]
    assert stairs
    for stair in stairs:
        storeys = {v for _, v, k in graph.out_edges(stair, keys=True)
                   if k == "stair_connects" and graph.nodes[v]["kind"] == "storey"}
        assert len(storeys) >= 2
