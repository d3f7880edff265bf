"""COBie 2.4 out through ifcfm: from a file (``twin export-cobie``) and from the demo building
(``GET …/cobie.xlsx``) with the allocations, devices, last readings and open work orders;
opened with openpyxl and read back with ifcfm."""

from __future__ import annotations

import io

import openpyxl
import pytest
from conftest import SHARED_IFC
from fastapi.testclient import TestClient
from http_helpers import auth, sign_in_all
from typer.testing import CliRunner

from bim_models.standards.cobie import COBIE_SHEETS, ISSUE_HEADERS, read_cobie
from twin.api import create_app
from twin.cli.app import app as cli_app


def _rows(sheet) -> list[dict]:
    values = list(sheet.values)
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_export_cobie_of_a_file_opens_and_reads_back(tmp_path):
    out = tmp_path / "house.xlsx"
    result = CliRunner().invoke(cli_app, ["export-cobie", str(SHARED_IFC / "AC20-FZK-Haus.ifc"),
                                          "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert tuple(book.sheetnames) == COBIE_SHEETS
    assert [r["Name"] for r in _rows(book["Floor"])] == ["Erdgeschoss", "Dachgeschoss"]
    assert len(_rows(book["Space"])) == 7
    assert [c.value for c in book["Issue"][1]] == ISSUE_HEADERS
    read = read_cobie(out)
    assert len(read["Space"]) == 7 and read["Document"][0]["File"] == "AC20-FZK-Haus.ifc"
    assert read["Facility"][0]["Name"] == "FZK-Haus"


@pytest.mark.parametrize("path", sorted([*SHARED_IFC.glob("*.ifc"),
                                         *(SHARED_IFC / "extra").glob("*.ifc")]),
                         ids=lambda p: p.name)
def test_every_shared_model_exports_and_reads_back(path, tmp_path):
    """Real models, MEP ones with ports that belong to no element among them."""
    from bim_models.standards.cobie import write_cobie

    out = tmp_path / f"{path.stem}.xlsx"
    write_cobie(path, out)
    read = read_cobie(out)
    assert len(read["Facility"]) == 1, path.name
    assert read["Floor"], path.name  # every shared model has a storey
    for connection in read.get("Connection", []):  # each names the rows it joins
        assert connection["RowName1"] and connection["RowName2"], connection


@pytest.fixture(scope="module")
def demo(demo_copy):
    settings, state = demo_copy
    with TestClient(create_app(settings)) as client:
        yield client, sign_in_all(client), state


def test_cobie_of_the_demo_building_carries_what_the_twin_knows(demo, tmp_path):
    client, tokens, state = demo
    building = state.building_id
    devices = client.get(f"/buildings/{building}/devices?kind=temperature",
                         headers=auth(tokens, "admin")).json()
    device = devices["items"][0] if isinstance(devices, dict) else devices[0]
    stored = client.post("/ingest", json=[{"device": device["key"], "ts": "2026-12-01T08:00:00Z",
                                           "value": 23.5}], headers=auth(tokens, "admin"))
    assert stored.status_code == 200, stored.text
    equipment = device["equipment"] or device["space"]
    order = client.post(f"/buildings/{building}/work-orders", headers=auth(tokens, "admin"),
                        json={"title": "Recalibrate the sensor", "priority": "high",
                              "equipment": device["equipment"], "space": device["space"]})
    assert order.status_code == 201, order.text
    response = client.get(f"/buildings/{building}/cobie.xlsx", headers=auth(tokens, "viewer"))
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert tuple(book.sheetnames) == COBIE_SHEETS
    assert len(_rows(book["Space"])) == 133 and len(_rows(book["Component"])) > 600
    components = {r["ExternalIdentifier"]: r["Name"] for r in _rows(book["Component"])}
    spaces = {r["ExternalIdentifier"]: r["Name"] for r in _rows(book["Space"])}
    row_name = components.get(equipment) or spaces[equipment]
    attributes = {(r["Name"], r["RowName"]): r for r in _rows(book["Attribute"])}
    assert attributes[(f"Device {device['key']}", row_name)]["Value"] == device["key"]
    last = attributes[(f"Last reading {device['key']}", row_name)]
    assert float(last["Value"]) == 23.5 and last["Unit"] == "°C"
    issues = [r for r in _rows(book["Issue"]) if r["Name"] == order.json()["work_order_id"]]
    assert len(issues) == 1 and issues[0]["Risk"] == "high"
    assert issues[0]["RowName1"] == row_name
    zones = [r for r in _rows(book["Zone"]) if r["Category"] == "Occupancy"]
    assert zones and {r["ExternalSystem"] for r in zones} == {"facility-twin"}
    # read back by ifcfm itself
    path = tmp_path / "demo.xlsx"
    path.write_bytes(response.content)
    read = read_cobie(path)
    assert len(read["Space"]) == 133
    assert any(r["Name"] == order.json()["work_order_id"] for r in read["Issue"])


def test_cobie_of_a_building_out_of_scope_is_404(demo):
    client, tokens, _ = demo
    assert client.get("/buildings/42/cobie.xlsx",
                      headers=auth(tokens, "admin")).status_code == 404


def test_twin_export_cobie_takes_a_building_id_as_its_argument(demo, tmp_path, monkeypatch):
    _client, _tokens, state = demo
    monkeypatch.setenv("TWIN_DATA_DIR", str(state.model_path.parents[1]))
    out, again = tmp_path / "by-argument.xlsx", tmp_path / "by-option.xlsx"
    result = CliRunner().invoke(cli_app, ["export-cobie", str(state.building_id),
                                          "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(cli_app, ["export-cobie", "--building", str(state.building_id),
                                        "--out", str(again)]).exit_code == 0
    by_argument, by_option = read_cobie(out), read_cobie(again)
    assert len(by_argument["Space"]) == len(by_option["Space"]) == 133
    neither = CliRunner().invoke(cli_app, ["export-cobie", "--out", str(tmp_path / "x.xlsx")])
    assert neither.exit_code == 2 and "building id" in neither.output
