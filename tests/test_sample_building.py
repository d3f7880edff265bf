"""The generated sample building, parsed back, must match what the generator knows."""

from __future__ import annotations

import networkx as nx
import pytest

from bim_models import parse_model
from bim_models.sample import generate_sample, sample_truth
from spaces import build_graph, downstream, summarise

SCHEMAS = ("IFC4", "IFC2X3")


@pytest.fixture(scope="module", params=SCHEMAS)
def sample(request, tmp_path_factory):
    """(plan, truth, model, graph) of the default building in one schema."""
    folder = tmp_path_factory.mktemp(f"sample-{request.param}")
    plan, files = generate_sample(folder / "office.ifc", schema=request.param,
                                  with_people=False)
    model = parse_model(files.ifc)
    return plan, sample_truth(plan), model, build_graph(model)


def test_counts_match_the_generator(sample):
    _, truth, model, _ = sample
    counts = model.counts()
    assert {k: counts[k] for k in truth["counts"]} == truth["counts"]
    assert truth["counts"]["storeys"] == 7 and truth["counts"]["spaces"] == 133


def test_model_loads_without_warnings(sample):
    _, _, model, _ = sample
    assert model.warnings == ()


def test_every_space_area_and_qto(sample):
    _, truth, model, _ = sample
    assert set(model.spaces) == set(truth["spaces"])
    for gid, expected in truth["spaces"].items():
        space = model.spaces[gid]
        assert space.name == expected["name"]
        assert model.storeys[space.storey].name == expected["storey"]
        assert space.area_geometry == pytest.approx(expected["area"], rel=1e-6)
        assert space.area_qto_net == pytest.approx(expected["area_qto"], rel=1e-9)


def test_wrong_qto_values_are_exactly_the_flagged_discrepancies(sample):
    _, truth, model, graph = sample
    flagged = {w.split(" ")[1] for w in summarise(model, graph)["warnings"]
               if w.startswith("space ")}
    wrong = {s["name"] for s in truth["spaces"].values() if s["qto_wrong"]}
    assert len(wrong) >= 3
    assert flagged == wrong


def test_every_equipment_placement_and_provenance(sample):
    _, truth, model, graph = sample
    assert set(model.equipment) == set(truth["equipment"])
    for gid, expected in truth["equipment"].items():
        node = graph.nodes[gid]
        assert node["name"] == expected["name"]
        assert node["space"] == expected["space"], expected["name"]
        assert node["provenance"] == ("ifc-relation" if expected["in_file_space"]
                                      else "geometric")


def test_feeds_and_systems_match(sample):
    _, truth, model, graph = sample
    names = {gid: e.name for gid, e in model.equipment.items()}
    feeds = {(names[u], names[v]) for u, v, k in graph.edges(keys=True) if k == "feeds"}
    assert feeds == {tuple(f) for f in truth["feeds"]}
    systems = {s.name: sorted(names[m] for m in s.members) for s in model.systems.values()}
    assert systems == {k: sorted(v) for k, v in truth["systems"].items()}


def test_an_ahu_reaches_the_terminals_of_its_storeys(sample):
    plan, _, model, graph = sample
    ahu = next(gid for gid, e in model.equipment.items() if e.name == "AHU-01")
    reached = {model.equipment[g].name for g in downstream(graph, ahu)}
    terminals = {e.name for e in plan.equipment if e.role == "terminal"
                 and e.system == "Supply air AHU-01"}
    assert terminals and terminals <= reached
    assert not any(n.startswith("AT-") and n not in terminals for n in reached)


def test_every_room_is_reachable_from_the_entrance(sample):
    plan, _, model, graph = sample
    walk = nx.Graph()
    walk.add_edges_from((u, v) for u, v, k in graph.edges(keys=True)
                        if k in ("door_connects", "stair_connects"))
    entrance = next(gid for gid, d in model.doors.items() if d.name == "D-ENTRANCE")
    assert graph.nodes[entrance]["exterior"] is True
    reachable = nx.node_connected_component(walk, entrance)
    assert set(model.spaces) <= reachable


def test_doors_join_the_rooms_the_generator_put_them_between(sample):
    plan, _, _, graph = sample
    rooms = {r.number: r.global_id for r in plan.rooms}
    for door in plan.doors:
        joined = {v for _, v, k in graph.out_edges(door.global_id, keys=True)
                  if k == "door_connects"}
        assert joined == {rooms[n] for n in door.rooms}, door.name


def test_stairs_and_lift_join_their_storeys(sample):
    plan, _, _, graph = sample
    storey_ids = {s.index: s.global_id for s in plan.storeys}
    for stair in plan.stairs:
        reached = {v for _, v, k in graph.out_edges(stair.global_id, keys=True)
                   if k == "stair_connects" and graph.nodes[v]["kind"] == "storey"}
        top = max(storey_ids) if stair.kind == "lift" else stair.top
        expected = {storey_ids[i] for i in range(stair.bottom, top + 1)}
        assert reached == expected, stair.name


def test_generation_is_deterministic(tmp_path):
    first, _ = generate_sample(tmp_path / "a" / "b.ifc", storeys=2, rooms_per_storey=13,
                               seed=7, with_people=False)
    second, _ = generate_sample(tmp_path / "c" / "b.ifc", storeys=2, rooms_per_storey=13,
                                seed=7, with_people=False)
    other, _ = generate_sample(tmp_path / "d" / "b.ifc", storeys=2, rooms_per_storey=13,
                               seed=8, with_people=False)
    assert sample_truth(first) == sample_truth(second)
    assert sample_truth(first)["spaces"].keys() != sample_truth(other)["spaces"].keys()
