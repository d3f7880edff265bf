"""Edge cases on models built with ifcopenshell.api, once per schema (and length unit)."""

from __future__ import annotations

import pytest
from authored import (
    SCHEMAS,
    UNITS,
    write_space_without_geometry,
    write_two_room,
    write_with_lift,
    write_without_spaces,
)

from bim_models import load_model, parse_model
from spaces import (
    UnknownElementError,
    build_graph,
    downstream,
    equipment_of_space,
    neighbours,
    space_at_point,
    spaces_of_storey,
    upstream,
)

CASES = [(schema, unit) for schema in SCHEMAS for unit in UNITS]


@pytest.fixture(scope="module")
def two_room(tmp_path_factory):
    """``{(schema, unit): (model, graph, ids by name)}``, parsed once per module."""
    folder = tmp_path_factory.mktemp("two-room")
    built = {}
    for schema, unit in CASES:
        model = parse_model(write_two_room(folder, schema, unit))
        graph = build_graph(model)
        ids = {d.get("name"): n for n, d in graph.nodes(data=True)}
        built[(schema, unit)] = (model, graph, ids)
    return built


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_counts(two_room, case):
    model, _, _ = two_room[case]
    counts = model.counts()
    assert model.schema == case[0]
    assert {k: counts[k] for k in ("storeys", "spaces", "doors", "stairs", "equipment",
                                   "systems", "zones", "ports")} == {
        "storeys": 2, "spaces": 5, "doors": 3, "stairs": 1,
        "equipment": 4,  # AHU, terminal, sensor, desk: the duct is a connector, not an asset
        "systems": 1, "zones": 1, "ports": 4}
    assert len(model.equipment) == 5


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_units_are_si_whatever_the_file_unit(two_room, case):
    model, _, ids = two_room[case]
    assert model.length_unit_scale == (0.001 if case[1] == "mm" else 1.0)
    office = model.spaces[ids["101"]]
    assert office.area_geometry == pytest.approx(20.0, rel=1e-6)
    assert office.area_qto_net == pytest.approx(20.0, rel=1e-6)
    assert office.height_qto == pytest.approx(3.0, rel=1e-6)
    assert office.geometry.z_range == pytest.approx((0.0, 3.0), abs=1e-6)
    assert model.storeys[ids["First floor"]].elevation == pytest.approx(3.5, abs=1e-6)
    assert model.openings[ids["D1"]].width == pytest.approx(0.9, abs=1e-6)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_aggregated_and_contained_spaces_are_both_found(two_room, case):
    model, graph, ids = two_room[case]
    ground = ids["Ground floor"]
    assert model.spaces[ids["101"]].placement == "aggregated"
    assert model.spaces[ids["102"]].placement == "contained"
    assert set(spaces_of_storey(graph, ground)) == {ids["100"], ids["101"], ids["102"]}
    assert set(spaces_of_storey(graph, ids["First floor"])) == {ids["200"], ids["201"]}


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_equipment_in_a_storey_only_is_placed_by_geometry(two_room, case):
    _, graph, ids = two_room[case]
    ahu = graph.nodes[ids["AHU-1"]]
    assert (ahu["space"], ahu["provenance"], ahu["confidence"]) == (ids["102"], "geometric", 0.9)
    terminal = graph.nodes[ids["Terminal-101"]]
    assert (terminal["space"], terminal["provenance"], terminal["confidence"]) == \
        (ids["101"], "ifc-relation", 1.0)
    assert equipment_of_space(graph, ids["101"], assets_only=True) == \
        sorted([ids["Desk-101"], ids["Terminal-101"]], key=lambda n: graph.nodes[n]["name"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_ports_feed_downstream_through_the_duct(two_room, case):
    model, graph, ids = two_room[case]
    ahu, duct, terminal = ids["AHU-1"], ids["Duct-1"], ids["Terminal-101"]
    assert {p.element for p in model.ports.values()} == {ahu, duct, terminal}
    assert downstream(graph, ahu) == [terminal]
    assert downstream(graph, ahu, assets_only=False) == [duct, terminal]
    assert upstream(graph, terminal) == [ahu]
    assert upstream(graph, ahu) == []
    edge = graph.edges[ahu, duct, "feeds"]
    assert edge["direction_known"] is True


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_doors_join_the_rooms_on_their_sides(two_room, case):
    _, graph, ids = two_room[case]

    def sides(door):
        return {v: e["provenance"] for _, v, k, e in graph.out_edges(ids[door], keys=True,
                                                                    data=True)
                if k == "door_connects"}

    assert sides("D1") == {ids["101"]: "ifc-boundary", ids["102"]: "ifc-boundary"}
    assert sides("D2") == {ids["101"]: "geometric", ids["100"]: "geometric"}
    assert set(sides("D3")) == {ids["200"], ids["201"]}
    assert neighbours(graph, ids["101"], through_doors_only=True) == \
        sorted([ids["100"], ids["102"]])


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_adjacency_stays_on_one_storey(two_room, case):
    _, graph, ids = two_room[case]
    adjacent = {frozenset((graph.nodes[u]["name"], graph.nodes[v]["name"]))
                for u, v, k in graph.edges(keys=True) if k == "adjacent"}
    assert adjacent == {frozenset(p) for p in (("101", "102"), ("101", "100"), ("102", "100"),
                                               ("201", "200"))}


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_stair_joins_both_storeys_and_the_corridors(two_room, case):
    _, graph, ids = two_room[case]
    reached = {graph.nodes[v]["name"] for _, v, k in graph.out_edges(ids["Stair-1"], keys=True)
               if k == "stair_connects"}
    assert reached == {"Ground floor", "First floor", "100", "200"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_space_of_a_point(two_room, case):
    _, graph, ids = two_room[case]
    assert space_at_point(graph, 1.0, 1.0, 1.0) == ids["101"]
    assert space_at_point(graph, 1.0, 1.0, 4.5) == ids["201"]
    assert space_at_point(graph, 7.0, 5.0, 1.0) == ids["100"]
    assert space_at_point(graph, 50.0, 50.0, 1.0) is None


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_systems_zones_and_sensor_identity(two_room, case):
    model, graph, ids = two_room[case]
    system = next(iter(model.systems.values()))
    assert set(system.members) == {ids["AHU-1"], ids["Duct-1"], ids["Terminal-101"]}
    assert graph.has_edge(ids["AHU-1"], system.global_id, "member_of")
    assert graph.has_edge(ids["101"], ids["East offices"], "member_of")
    sensor = model.equipment[ids["Sensor-201-T"]]
    assert sensor.serial_number == "SN-0001"
    assert (sensor.manufacturer, sensor.model_label) == ("Acme Controls", "TS-100")
    assert sensor.type_name == "Room temperature sensor"
    assert sensor.predefined_type == "TEMPERATURESENSOR"
    assert graph.nodes[ids["Sensor-201-T"]]["space"] == ids["201"]


def test_unknown_ids_raise_a_clear_error(two_room):
    _, graph, ids = two_room[("IFC4", "m")]
    with pytest.raises(UnknownElementError, match="no space with GlobalId 'nope'"):
        equipment_of_space(graph, "nope")
    with pytest.raises(UnknownElementError):
        spaces_of_storey(graph, ids["101"])  # a space is not a storey


@pytest.mark.parametrize("schema", SCHEMAS)
def test_model_without_spaces_loads_with_a_warning(tmp_path, schema):
    model = parse_model(write_without_spaces(tmp_path, schema))
    graph = build_graph(model)
    assert model.counts()["spaces"] == 0 and model.counts()["equipment"] == 1
    assert any("no spaces" in w for w in model.warnings)
    (terminal,) = model.equipment
    assert graph.nodes[terminal]["provenance"] == "storey"
    assert graph.has_edge(model.equipment[terminal].storey, terminal, "contains")


@pytest.mark.parametrize("schema", SCHEMAS)
def test_space_without_geometry_keeps_its_qto_area(tmp_path, schema):
    model = parse_model(write_space_without_geometry(tmp_path, schema))
    (space,) = model.spaces.values()
    assert space.geometry is None and space.area_geometry is None
    assert space.area_qto_net == pytest.approx(11.5)
    assert any("no body geometry" in w for w in model.warnings)


def test_cache_skips_geometry_and_follows_content(tmp_path):
    path = write_two_room(tmp_path, "IFC4", "m")
    cache = tmp_path / "cache"
    calls = []
    first = load_model(path, cache_dir=cache, progress=lambda d, t: calls.append(d))
    assert calls, "geometry ran on the first load"
    calls.clear()
    second = load_model(path, cache_dir=cache, progress=lambda d, t: calls.append(d))
    assert calls == [], "the second load came from the cache"
    assert second.counts() == first.counts() and second.sha256 == first.sha256
    assert second.spaces.keys() == first.spaces.keys()
    load_model(path, cache_dir=cache, use_cache=False, progress=lambda d, t: calls.append(d))
    assert calls, "use_cache=False parses again"
    # A corrupt entry is dropped and the file parsed again, without an error.
    entry = next(cache.glob("*.pickle"))
    entry.write_bytes(b"not a pickle")
    calls.clear()
    again = load_model(path, cache_dir=cache, progress=lambda d, t: calls.append(d))
    assert calls and again.counts() == first.counts()
    # Changed content means a new key.
    path.write_text(path.read_text().replace("Two-room building", "Renamed building"))
    changed = load_model(path, cache_dir=cache)
    assert changed.sha256 != first.sha256
    assert len(list(cache.glob("*.pickle"))) == 2


@pytest.mark.parametrize("schema", SCHEMAS)
def test_ports_are_read_from_the_relation_each_schema_uses(tmp_path, schema):
    """IFC2X3 ties ports with IfcRelConnectsPortToElement, IFC4+ nests them (IfcRelNests)."""
    import ifcopenshell

    path = write_two_room(tmp_path, schema, "m")
    raw = ifcopenshell.open(str(path))
    nested = [r for r in raw.by_type("IfcRelNests")
              if any(o.is_a("IfcDistributionPort") for o in r.RelatedObjects)]
    if schema == "IFC2X3":
        assert len(raw.by_type("IfcRelConnectsPortToElement")) == 4 and not nested
    else:
        assert nested and not raw.by_type("IfcRelConnectsPortToElement")
    model = parse_model(path)
    assert all(p.element is not None for p in model.ports.values())
    directions = sorted(p.flow_direction for p in model.ports.values())
    assert directions == ["SINK", "SINK", "SOURCE", "SOURCE"]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_a_lift_joins_the_storeys_it_spans(tmp_path, schema):
    model = parse_model(write_with_lift(tmp_path, schema))
    graph = build_graph(model)
    (lift,) = model.verticals.values()
    assert (lift.kind, lift.ifc_class) == ("transport", "IfcTransportElement")
    assert model.counts()["transport"] == 1 and model.counts()["stairs"] == 0
    reached = {graph.nodes[v]["name"] for _, v, k in graph.out_edges(lift.global_id, keys=True)
               if k == "stair_connects"}
    assert reached == {"G", "1", "Lobby G", "Lobby 1"}


def test_open_building_caches_the_graph_with_the_model(tmp_path):
    from spaces import open_building

    path = write_two_room(tmp_path, "IFC4", "m")
    cache = tmp_path / "cache"
    model, graph = open_building(path, cache_dir=cache)
    assert {p.name.split("-")[1] for p in cache.glob("*.pickle")} >= {"graph"}
    calls = []
    again_model, again = open_building(path, cache_dir=cache,
                                       progress=lambda d, t: calls.append(d))
    assert calls == []
    assert sorted(again.edges(keys=True)) == sorted(graph.edges(keys=True))
    ids = {d.get("name"): n for n, d in again.nodes(data=True)}
    assert space_at_point(again, 1.0, 1.0, 1.0) == ids["101"]  # index rebuilt after unpickling
    _, fresh = open_building(path, use_cache=False)
    assert sorted(fresh.edges(keys=True)) == sorted(graph.edges(keys=True))
