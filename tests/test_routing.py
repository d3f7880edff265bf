"""Locate and route on the sample building and the shared models; impact analysis; the
``twin route`` / ``twin impact`` commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bim_models.sample.profiles import rooms_fed_by
from maintenance import impact, people_by_space, served_spaces
from spaces import RouteError, UnknownElementError
from spaces.allocations import read_allocations
from spaces.routing import daily_round, find_entrance, locate, route


@pytest.fixture(scope="module")
def sample(compliance_sample):
    """The sample building (generated once per session by conftest)."""
    return compliance_sample["plan"], compliance_sample["files"], compliance_sample["graph"]


def spaces_of(graph):
    return [n for n, d in graph.nodes(data=True) if d["kind"] == "space"]


def test_entrance_is_the_sample_entrance_door(sample):
    plan, _, graph = sample
    entrance = find_entrance(graph)
    assert graph.nodes[entrance]["name"] == "D-ENTRANCE"
    assert graph.nodes[entrance]["exterior"]


def test_every_room_is_reachable_from_the_entrance_through_doors(sample):
    plan, _, graph = sample
    for space in spaces_of(graph):
        found = route(graph, space)
        assert found.steps[0].kind == "door" and found.steps[-1].global_id == space
        kinds = [s.kind for s in found.steps]
        # between two spaces on one storey there is always a door (or a stair/lift)
        for a, b in zip(found.steps, found.steps[1:], strict=False):
            assert not (a.kind == "space" and b.kind == "space"), kinds
        assert found.length_m > 0 or space == found.steps[0].global_id
        assert len(found.polyline) >= len(found.steps)


def test_routes_between_storeys_use_stairs_or_the_lift(sample):
    plan, _, graph = sample
    top = max(plan.storeys, key=lambda s: s.index).name
    target = next(r.number for r in plan.rooms if r.use == "office" and
                  r.number.startswith(top))
    with_lift = route(graph, target)
    assert "lift" in [s.kind for s in with_lift.steps]
    no_lift = route(graph, target, lifts=False)
    kinds = [s.kind for s in no_lift.steps]
    assert "lift" not in kinds and kinds.count("stair") == len(plan.storeys) - 2
    storeys = [s.storey for s in no_lift.steps if s.kind == "space"]
    assert storeys[0] == "GF" and storeys[-1] == top
    assert no_lift.length_m > with_lift.length_m  # six flights against one ride
    accessible = route(graph, target, stairs=False)
    assert "stair" not in [s.kind for s in accessible.steps]
    # polyline points sit at the floor of each storey
    floors = {s.elevation for s in plan.storeys}
    assert all(min(abs(p[2] - f) for f in floors) < 0.01 for p in no_lift.polyline)


def test_closed_spaces_are_avoided(sample):
    plan, _, graph = sample
    top = max(plan.storeys, key=lambda s: s.index).name
    target = next(r.number for r in plan.rooms if r.use == "office" and r.number.startswith(top))
    normal = route(graph, target, lifts=False)
    first_core = next(s.global_id for s in normal.steps if s.kind == "space"
                      and graph.nodes[s.global_id]["long_name"] == "Stair core")
    detour = route(graph, target, lifts=False, closed={first_core})
    assert first_core not in [s.global_id for s in detour.steps]
    assert detour.length_m > normal.length_m
    cores = [n for n in spaces_of(graph) if graph.nodes[n]["long_name"] == "Stair core"
             and graph.nodes[n]["name"].startswith("GF")]
    with pytest.raises(RouteError, match="no walk"):
        route(graph, target, lifts=False, closed=set(cores))
    with pytest.raises(RouteError, match="closed"):
        route(graph, target, closed={next(r.global_id for r in plan.rooms
                                          if r.number == target)})


def test_route_to_equipment_ends_at_the_item_in_its_room(sample):
    plan, _, graph = sample
    found = route(graph, "AHU-02")
    *_, room, last = found.steps
    assert last.kind == "equipment" and last.name == "AHU-02"
    assert room.global_id == graph.nodes[last.global_id]["space"]
    where = locate(graph, last.global_id)
    assert (where.storey_name, where.space_name) == ("B1", room.name)
    assert where.building is not None


def test_unknown_target_is_a_clear_error(sample):
    _, _, graph = sample
    with pytest.raises(UnknownElementError, match="NOPE"):
        route(graph, "NOPE")


def test_daily_round_visits_each_target_once_and_beats_the_given_order(sample):
    plan, _, graph = sample
    targets = ["6F-014", "GF-005", "AHU-02", "4F-003", "GF-012", "2F-007", "6F-002"]
    trip = daily_round(graph, targets + ["GF-005"])
    assert sorted(trip.order) == sorted(targets)
    given = 0.0
    previous = None
    for target in targets:
        given += route(graph, target, start=previous).length_m
        previous = target
    assert trip.length_m <= given + 1e-6
    assert len(trip.legs) == len(targets)
    assert trip.polyline[0] == trip.legs[0].polyline[0]


def test_shared_fzk_house_two_storeys_through_the_stair(shared_graphs):
    graph = shared_graphs["AC20-FZK-Haus.ifc"]
    assert graph.nodes[find_entrance(graph)]["name"] == "Haustuer"
    found = route(graph, "Galerie")
    kinds = [s.kind for s in found.steps]
    assert "stair" in kinds and found.steps[-1].name == "7"
    assert len({s.storey for s in found.steps}) == 2
    for space in spaces_of(graph):  # open-plan Wohnen/Küche reached through openings
        route(graph, space)


def test_shared_duplex_entrance_and_upper_floor(shared_graphs):
    graph = shared_graphs["duplex.ifc"]
    entrance = find_entrance(graph)
    sides = [graph.nodes[v]["long_name"] for _, v, k in graph.out_edges(entrance, keys=True)
             if k == "door_connects"]
    assert sides == ["Foyer"]
    found = route(graph, "A202")
    assert "stair" in [s.kind for s in found.steps]


def test_impact_of_an_ahu_matches_the_sample_truth(sample):
    plan, files, graph = sample
    allocations = read_allocations(files.allocations_csv, rooms={
        **{d["name"]: n for n, d in graph.nodes(data=True) if d["kind"] == "space"},
        **{n: n for n in spaces_of(graph)}})
    people = people_by_space(allocations, day=__import__("datetime").date(2026, 11, 2))
    found = impact(graph, "AHU-02", people=people)
    names = {graph.nodes[s]["name"] for s in found.spaces}
    assert rooms_fed_by(plan, "AHU-02") <= names
    ifc_classes = {graph.nodes[e]["ifc_class"] for e in found.downstream}
    assert {"IfcAirTerminalBox", "IfcAirTerminal"} <= ifc_classes
    expected_people = {p["person_id"] for s in found.spaces for p in people.get(s, [])}
    assert {p["person_id"] for p in found.people} == expected_people and expected_people
    assert served_spaces(graph)[found.equipment] == frozenset(found.spaces)


def test_impact_of_a_distribution_board(sample):
    plan, _, graph = sample
    board = next(e for e in plan.equipment if e.role == "board")
    found = impact(graph, board.name)
    assert graph.nodes[found.equipment]["ifc_class"] == "IfcElectricDistributionBoard"
    storey = board.storey
    rooms = {r.number for r in plan.rooms if r.storey == storey}
    lights = {e.room for e in plan.equipment if e.role == "light" and e.room in rooms}
    assert {graph.nodes[s]["name"] for s in found.spaces} == lights


def test_cli_route_json_shape_and_errors(sample):
    _, files, _ = sample
    result = subprocess.run([str(Path(sys.executable).with_name("twin")), "route", "--model",
                             str(files.ifc), "--to", "AHU-02", "--no-lifts", "--json"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"steps", "length_m", "polyline"}
    assert all(set(s) == {"kind", "global_id", "name", "storey", "position"}
               for s in data["steps"])
    assert data["steps"][-1]["name"] == "AHU-02" and "lift" not in {
        s["kind"] for s in data["steps"]}
    bad = subprocess.run([str(Path(sys.executable).with_name("twin")), "route", "--model",
                          str(files.ifc), "--to", "no-such-room"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and "no-such-room" in bad.stderr
    impact_run = subprocess.run([str(Path(sys.executable).with_name("twin")), "impact",
                                 "--model", str(files.ifc), "--equipment", "AHU-02", "--json"],
                                capture_output=True, text=True, check=False)
    assert impact_run.returncode == 0, impact_run.stderr
    assert json.loads(impact_run.stdout)["equipment"]["name"] == "AHU-02"


def test_locate_any_element_and_resolve_names(sample):
    plan, _, graph = sample
    door = next(n for n, d in graph.nodes(data=True) if d["kind"] == "door"
                and d["name"] == "D-ENTRANCE")
    where = locate(graph, door)
    assert where.kind == "door" and where.storey_name == "GF" and where.building
    stair = next(s for s in plan.stairs if s.kind == "lift")
    assert locate(graph, stair.global_id).kind == "stair"
    room = plan.rooms[5]
    assert locate(graph, room.global_id).space == room.global_id
    with pytest.raises(UnknownElementError):
        locate(graph, "nothing")
    # "Stair core" is the long name of many spaces: ambiguous
    with pytest.raises(UnknownElementError, match="elements are named"):
        route(graph, "Stair core")


def test_route_from_a_room_on_the_same_storey_stays_on_it(sample):
    plan, _, graph = sample
    found = route(graph, "GF-005", start="GF-003")
    assert [s.kind for s in found.steps] == ["space", "door", "space", "door", "space"]
    assert {s.storey for s in found.steps} == {"GF"}
    # the corridor is walked along its axis, door to door, not through its centre
    centre_x = found.steps[2].position[0]
    far_door = max(found.steps[1].position[0], found.steps[3].position[0])
    assert far_door < centre_x - 5
    assert max(p[0] for p in found.polyline) <= far_door + 1.0
