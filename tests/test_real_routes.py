"""Routes in real buildings (issue 21, defects 1, 2 and 5): passages from the file first
(doors, wall openings without a filling, virtual boundaries), geometry only where the file says
nothing and never across a wall; several entrances; routes on storeys without rooms; storey
floors that are not the lowest element. Shared models plus the minimal ones of
``authored_routes``."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess

import pytest
from authored_routes import (
    write_no_boundaries,
    write_pit_storey,
    write_plant_upstairs,
    write_split_corridor,
)
from browser import REPO
from conftest import SHARED_IFC

from bim_models import parse_model
from bim_models.meshes import read_meshes
from spaces import build_graph, path_between
from spaces.errors import RouteError
from spaces.routing import entrances, route, walk_index

EXTRA = SHARED_IFC / "extra"
#: Every model at hand with rooms and doors.
ROOMED = {"duplex": SHARED_IFC / "duplex.ifc", "fzk": SHARED_IFC / "AC20-FZK-Haus.ifc",
          "fzk-sb": EXTRA / "AC20-FZK-Haus_with_SB55_NoneAndDoubleGUID.ifc",
          "hom": EXTRA / "ExampleHOM_with_radiator.ifc"}
PASSAGE_EDGES = {"door": "door_connects", "opening": "passage_connects",
                 "boundary": "passage_connects", "open": "passage_connects",
                 "stair": "stair_connects", "lift": "stair_connects", "ramp": "stair_connects"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("authored-routes")


@pytest.fixture(scope="module")
def models(folder, shared_graphs):
    paths = dict(ROOMED, corridor=write_split_corridor(folder), pit=write_pit_storey(folder),
                 plant=write_plant_upstairs(folder), bare=write_no_boundaries(folder),
                 exchanger=EXTRA / "B01_2_HeatExchanger_Pipes.ifc")
    return {label: shared_graphs[path.name] if path.name in shared_graphs
            else build_graph(parse_model(path)) for label, path in paths.items()}


def _id(graph, name, kind="space"):
    return next(n for n, d in graph.nodes(data=True) if d.get("kind") == kind
                and d.get("name") == name)


def _crossings(graph, walk) -> list[str]:
    """Each place where the walk moves between two rooms without a passage joining them."""
    bad = []
    steps = [s for s in walk.steps if s.kind != "equipment"]
    for a, b in itertools.pairwise(steps):
        if a.kind == "space" and b.kind == "space":
            bad.append(f"{a.name} -> {b.name}: no door, opening or boundary between")
    for a, mid, b in zip(steps, steps[1:], steps[2:], strict=False):
        if a.kind == "space" and b.kind == "space" and mid.kind in PASSAGE_EDGES:
            edge = PASSAGE_EDGES[mid.kind]
            joined = {v for _, v, k in graph.out_edges(mid.global_id, keys=True) if k == edge}
            if not {a.global_id, b.global_id} <= joined:
                bad.append(f"{a.name} -> {mid.name} -> {b.name}: the passage does not join them")
    return bad


# -- defect 1: passages from the file, never through a wall ---------------------------------

@pytest.mark.parametrize("label", [*ROOMED, "corridor", "bare"])
def test_no_route_step_crosses_a_wall(models, label):
    """Every walk between every two reachable rooms names the passage of each room change."""
    graph = models[label]
    spaces = [n for n, d in graph.nodes(data=True) if d.get("kind") == "space"]
    walked = 0
    for start, end in itertools.permutations(spaces, 2):
        try:
            walk = route(graph, end, start=start)
        except RouteError:
            continue
        walked += 1
        assert not _crossings(graph, walk), (label, _crossings(graph, walk))
    assert walked >= len(spaces) - 1  # the check ran on real walks


def test_split_corridor_is_walked_through_its_virtual_boundary(models):
    graph = models["corridor"]
    walk = route(graph, "O2")
    kinds = [s.kind for s in walk.steps]
    assert kinds == ["door", "space", "boundary", "space", "door", "space"]
    boundary = walk.steps[2]
    assert graph.nodes[boundary.global_id]["ifc_class"] == "IfcRelSpaceBoundary"
    assert graph.nodes[boundary.global_id]["provenance"] == "ifc-virtual-boundary"
    assert "C1" in boundary.name and "C2" in boundary.name
    assert walk.steps[0].name == "Main entrance"


def test_rooms_sharing_only_a_wall_stay_apart(models):
    graph = models["corridor"]
    with pytest.raises(RouteError, match="no walk"):
        route(graph, "Plant", start="O2")  # a wall between them, no door
    walk = route(graph, "Plant")  # from its own exterior door
    assert [(s.kind, s.name) for s in walk.steps] == [("door", "DP"), ("space", "Plant")]


def test_wall_opening_without_filling_is_a_named_passage(models):
    walk = route(models["corridor"], "Pantry")
    assert [(s.kind, s.name) for s in walk.steps][-3:] == [
        ("space", "O1"), ("opening", "Opening-Pantry"), ("space", "Pantry")]


def test_geometry_joins_touching_rooms_only_where_no_wall_runs_between(models):
    graph = models["bare"]  # no space boundary in the file: geometry decides
    walk = route(graph, "R3", start="R1")
    assert [s.kind for s in walk.steps] == ["space", "open", "space"]
    assert graph.nodes[walk.steps[1].global_id]["provenance"] == "geometric"
    with pytest.raises(RouteError, match="no walk"):
        route(graph, "R2", start="R1")  # touching, but along the wall W-R1-R2's axis
    assert [s.name for s in route(graph, "R2").steps] == ["Door R2", "R2"]


def test_closing_the_boundary_closes_the_way(models):
    graph = models["corridor"]
    boundary = next(n for n, d in graph.nodes(data=True) if d.get("passage_kind") == "boundary")
    with pytest.raises(RouteError):
        route(graph, "O2", closed={boundary})


def test_duplex_room_separation_lines_are_passages(models):
    graph = models["duplex"]
    joined = set()
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "passage":
            assert data["provenance"] == "ifc-virtual-boundary"
            joined.add(frozenset(graph.nodes[v]["name"] for _, v, k in
                                 graph.out_edges(node, keys=True) if k == "passage_connects"))
    assert {frozenset({"A101", "A102"}), frozenset({"A101", "A105"}),
            frozenset({"B101", "B102"}), frozenset({"B101", "B105"})} <= joined


def test_duplex_routes_from_the_nearest_of_several_entrances(models):
    graph = models["duplex"]
    to_b, to_a = route(graph, "B202"), route(graph, "A202")  # two units, an entrance each
    doors = entrances(graph)
    assert len(doors) >= 2 and all(graph.nodes[d]["is_external"] for d in doors)
    assert to_b.steps[0].kind == to_a.steps[0].kind == "door"
    assert to_b.steps[0].global_id != to_a.steps[0].global_id
    assert {to_b.steps[0].global_id, to_a.steps[0].global_id} <= set(doors)
    assert to_b.steps[-1].name == "B202" and to_b.length_m < 40


def test_path_between_is_the_route_through_a_boundary(models):
    graph = models["corridor"]
    o1, o2 = _id(graph, "O1"), _id(graph, "O2")
    steps, length = path_between(graph, o1, o2)
    walk = route(graph, o2, start=o1)
    assert steps == [s.global_id for s in walk.steps] and length == walk.length_m
    assert any(graph.nodes[s]["kind"] == "passage" for s in steps)


def test_storeys_joined_by_nothing_say_so(models):
    with pytest.raises(RouteError, match="no stair, ramp or lift in the file reaches storey"):
        route(models["hom"], "Bath9")


# -- defect 2: routes where a storey (or the model) has no rooms ---------------------------

def test_route_to_equipment_in_a_model_without_rooms(models):
    graph = models["exchanger"]
    name = "Apparate (M_606)"  # the heat exchanger
    walk = route(graph, name)
    assert walk.approximate and "no rooms" in walk.notes[0]
    assert walk.steps[0].kind == "floor" and walk.steps[-1].name == name
    assert walk.to_dict()["approximate"] is True


def test_route_up_a_stair_to_a_plant_storey_without_rooms(models):
    walk = route(models["plant"], "Boiler-1")
    assert [s.kind for s in walk.steps] == ["door", "space", "stair", "floor", "equipment"]
    assert walk.steps[-1].storey == "Plant level" and walk.steps[-1].position[2] == 3.5
    assert walk.approximate and "Plant level" in walk.notes[0]
    assert walk.polyline[-1][:2] == (12.0, 6.0)
    exact = route(models["plant"], "Lobby")
    assert not exact.approximate and not exact.notes


# -- defect 5: storey floors are not the lowest element ------------------------------------

def test_storey_floor_is_its_rooms_floor_not_the_lift_pit(models):
    graph = models["pit"]
    ground = _id(graph, "Ground", "storey")
    assert walk_index(graph).floor[ground] == pytest.approx(0.0, abs=0.01)
    walk = route(graph, "Upper")
    below = [s for s in walk.steps if s.storey == "Ground"]
    assert {s.kind for s in below} >= {"door", "stair"}
    assert all(abs(s.position[2]) < 0.01 for s in below), [(s.name, s.position) for s in below]


def test_walk_mode_without_slabs_stands_on_the_rooms_floor(folder):
    """The viewer's own walker (viewer/web/src, three.js, GLTFLoader) in Node on the pit
    model's glTF: the walk starts on the ground floor, moves, and crosses the lift pit without
    falling in (before: eye at 0.38 m, stuck at the pit's bottom)."""
    from viewer.scene import write_glb

    node = shutil.which("node")
    assert node, "node is missing (scripts/build-viewer.sh needs it too)"
    assert (REPO / "viewer/web/node_modules/three").is_dir(), "run scripts/build-viewer.sh"
    glb = write_glb(read_meshes(write_pit_storey(folder)), folder / "pit.glb")
    done = subprocess.run([node, str(REPO / "tests" / "walk_without_slabs.mjs"), str(glb)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    walk = json.loads(done.stdout.strip().splitlines()[-1])
    assert walk["levels"] == {"Ground": 0.0, "First": 3.5}
    assert walk["start"][1] == pytest.approx(0.0, abs=0.01)
    assert walk["walked"][1] == pytest.approx(0.0, abs=0.01)
    assert abs(walk["walked"][2] - walk["start"][2]) > 1.5  # it moves
    pit_from, pit_to = walk["pit"]
    assert pit_from < walk["overPit"][0] < pit_to  # above the pit ...
    assert walk["overPit"][1] == pytest.approx(0.0, abs=0.01)  # ... on the storey's floor
    assert walk["eye"] == pytest.approx(1.6, abs=0.01)
