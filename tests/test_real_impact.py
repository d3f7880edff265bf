"""Issue 21, defect 3: impact on closed loops, flow direction and electrical circuits.

Authored models (tests/authored_mep.py): a heating loop whose return leads back into the boiler,
and an IFC2X3 board without ports feeding its circuits; the TRICAD heat-exchanger models of
../shared/ifc/extra (partly connected, no flow directions).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from authored_mep import write_circuits, write_heating_loop
from conftest import SHARED_IFC

from bim_models import load_model
from maintenance import impact, served_spaces
from maintenance.impact import EVIDENCE, equipment_role
from spaces import build_graph

EXTRA = SHARED_IFC / "extra"


def _graph(path):
    return build_graph(load_model(path, use_cache=False))


def _names(graph, gids):
    return {graph.nodes[g]["name"] for g in gids}


@pytest.fixture(scope="module")
def loops(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loops")
    return {schema: _graph(write_heating_loop(folder, schema)) for schema in ("IFC4", "IFC2X3")}


@pytest.fixture(scope="module")
def circuits(tmp_path_factory):
    path = write_circuits(tmp_path_factory.mktemp("circuits"))
    return path, _graph(path)


@pytest.mark.parametrize("schema", ["IFC4", "IFC2X3"])
def test_a_pump_on_a_closed_loop_affects_its_branch_not_the_boiler_nor_the_other_pump(
        loops, schema):
    graph = loops[schema]
    found = impact(graph, "P-1")
    assert _names(graph, found.downstream) == {"RAD-1"}
    assert _names(graph, found.spaces) == {"R1"}
    assert found.evidence == ("ports-with-direction",)
    assert found.warnings == ()


@pytest.mark.parametrize("schema", ["IFC4", "IFC2X3"])
def test_the_boiler_affects_everything_it_supplies_and_the_return_stops_at_it(loops, schema):
    graph = loops[schema]
    found = impact(graph, "B-1")
    assert _names(graph, found.downstream) == {"P-1", "P-2", "RAD-1", "RAD-2"}
    assert _names(graph, found.spaces) == {"P0", "R1", "R2"}
    # the header is common to both branches: everything past it, never the boiler
    header = impact(graph, "H-1")
    assert "B-1" not in _names(graph, header.downstream)
    assert _names(graph, header.downstream) == {"P-1", "P-2", "RAD-1", "RAD-2"}


def test_terminals_and_the_return_line_serve_nothing(loops):
    graph = loops["IFC4"]
    for item in ("RAD-1", "RL-0", "H-2"):
        found = impact(graph, item)
        assert found.downstream == () and found.spaces == ()
        assert found.warnings == (f"{item}: no equipment depends on it alone",)


def test_served_spaces_agree_with_impact_on_the_loop(loops):
    graph = loops["IFC4"]
    served = served_spaces(graph)
    for name in ("B-1", "P-1", "P-2"):
        found = impact(graph, name)
        assert served[found.equipment] == frozenset(found.spaces)


def test_roles_come_from_the_class_or_the_ifc2x3_type():
    assert equipment_role({"ifc_class": "IfcBoiler"}) == "source"
    assert equipment_role({"ifc_class": "IfcEnergyConversionDevice",
                           "type_class": "IfcBoilerType"}) == "source"
    assert equipment_role({"ifc_class": "IfcElectricDistributionPoint"}) == "feeder"
    assert equipment_role({"ifc_class": "IfcFlowTerminal",
                           "type_class": "IfcLightFixtureType"}) == "terminal"
    assert equipment_role({"ifc_class": "IfcPump"}) is None


def test_a_board_without_ports_feeds_its_circuits(circuits):
    _, graph = circuits
    found = impact(graph, "UV-1")
    assert _names(graph, found.downstream) == {"L-1", "L-2", "S-1"}
    assert _names(graph, found.spaces) == {"E01", "E02"}
    assert found.evidence == ("system-groups",)
    assert set(found.evidence) <= set(EVIDENCE)


def test_an_item_in_no_circuit_is_unknown_not_zero(circuits):
    _, graph = circuits
    found = impact(graph, "L-9")
    assert found.downstream == () and found.evidence == ()
    assert "connects it to nothing" in found.warnings[0]
    assert "impact unknown, not zero" in found.warnings[0]


def test_cli_impact_json_names_its_evidence(circuits, tmp_path):
    path, _ = circuits
    env = {k: v for k, v in os.environ.items() if k != "TWIN_DEBUG"}
    env["TWIN_CACHE_DIR"] = str(tmp_path)
    run = subprocess.run([sys.executable, "-m", "twin.cli", "impact", "--model", str(path),
                          "--equipment", "UV-1", "--json"], capture_output=True, text=True,
                         env=env, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["evidence"] == ["system-groups"]
    assert {d["name"] for d in data["downstream"]} == {"L-1", "L-2", "S-1"}
    assert data["warnings"] == []


@pytest.mark.parametrize(("name", "open_ports"), [
    ("B01_2_HeatExchanger_Pipes.ifc", 8), ("B01_5_HeatExchanger_mixConnection.ifc", 8)])
def test_a_partly_connected_plant_says_what_it_could_not_follow(name, open_ports):
    graph = build_graph(load_model(EXTRA / name))
    exchanger = next(n for n, d in graph.nodes(data=True) if d.get("kind") == "equipment"
                     and str(d.get("name")).startswith("Apparate"))
    found = impact(graph, exchanger)
    assert found.evidence == ("ports-without-direction",)
    assert any(f"{open_ports} ports" in w and "could not follow" in w for w in found.warnings)
    assert any("no flow direction" in w for w in found.warnings)
    assert any("taken as its own source" in w for w in found.warnings)
