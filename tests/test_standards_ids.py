"""Model quality against the twin's IDS file (ifctester) and its own GlobalId checks: the
library, ``twin check`` and the check of every upload (refusal, stored report, endpoint)."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED_IFC
from fastapi.testclient import TestClient
from http_helpers import bearer, sign_in
from typer.testing import CliRunner

from bim_models import authoring
from bim_models.standards.ids import DEFAULT_IDS, REQUIREMENT_NAMES, check_model
from bim_models.standards.quality_report import blocking_failures, render_html, render_text
from twin.api import create_app
from twin.cli.app import app as cli_app
from twin.core import accounts
from twin.core.database import Database, migrate
from twin.core.settings import Settings

BAD_GUIDS = SHARED_IFC / "extra" / "AC20-FZK-Haus_with_SB55_NoneAndDoubleGUID.ifc"
#: What MANIFEST.md says of the file: two GlobalIds occur twice and one is empty.
DUPLICATED = {"1Oms875aH3Wg$9l65H2ZGw", "25OWQvmXj5BPgyergP43tY"}


def _requirement(report: dict, name: str) -> dict:
    return next(r for r in report["requirements"] if r["name"] == name)


@pytest.fixture(scope="module")
def sloppy_model(tmp_path_factory):
    """Authored: a named office, a space without a name or use, a storey without elevation,
    and an air terminal in neither a system nor a space. Returns (path, GlobalIds)."""
    model = authoring.new_model(schema="IFC4")
    ground = authoring.add_storey(model, name="Ground", elevation=0.0)
    attic = authoring.add_storey(model, name="Attic", elevation=3.0)
    attic.Elevation = None
    office = authoring.add_space(model, storey=ground, name="G01", long_name="Office",
                                 x=0, y=0, width=4, depth=3)
    nameless = authoring.add_space(model, storey=ground, name="G02", x=4, y=0, width=4,
                                   depth=3)
    nameless.Name = None
    terminal = authoring.add_element(model, ifc_class="IfcAirTerminal", name="T-1",
                                     storey=ground, x=1.0, y=1.0, z=2.5)
    loose_door = authoring.add_door(model, storey=ground, name="D-1", x=4.0, y=1.5, axis="y")
    path = tmp_path_factory.mktemp("ids") / "sloppy.ifc"
    model.write(str(path))
    return path, {"office": office.GlobalId, "nameless": nameless.GlobalId,
                  "attic": attic.GlobalId, "terminal": terminal.GlobalId,
                  "loose_door": loose_door.GlobalId}


def test_the_bundled_ids_is_valid_ids_1_0():
    from ifctester import ids as ifctester_ids

    document = ifctester_ids.open(str(DEFAULT_IDS), validate=True)  # XSD validation
    assert len(document.specifications) == 8


def test_duplicate_and_empty_global_ids_are_named_and_blocking():
    report = check_model(BAD_GUIDS)
    assert [r["name"] for r in report["requirements"]] == list(REQUIREMENT_NAMES)
    unique = _requirement(report, "globalid-unique")
    assert unique["status"] == "failed" and unique["blocking"]
    assert {e["global_id"] for e in unique["elements"]} == DUPLICATED
    assert unique["failed"] == 4  # both holders of each of the two GlobalIds
    assert {e["ifc_class"] for e in unique["elements"]} == {"IfcDoor", "IfcWallStandardCase"}
    present = _requirement(report, "globalid-present")
    assert present["failed"] == 1 and present["elements"][0]["name"] == "EG-Fenster-8"
    assert report["passed"] is False
    assert report["blocking_failures"] == ["globalid-present", "globalid-unique"]
    lines = blocking_failures(report)
    assert len(lines) == 2 and "1Oms875aH3Wg$9l65H2ZGw" in lines[1]
    # the house's own FM requirements hold: named, classified spaces on storeys
    for name in ("space-named", "space-on-storey", "space-classified", "storey-elevation",
                 "units-declared"):
        assert _requirement(report, name)["status"] == "passed", name


def test_the_clean_house_passes():
    report = check_model(SHARED_IFC / "AC20-FZK-Haus.ifc")
    assert report["passed"] and report["blocking_failures"] == []
    assert _requirement(report, "globalid-unique")["status"] == "passed"


def test_an_authored_sloppy_model_fails_the_fm_requirements_as_warnings(sloppy_model):
    path, ids = sloppy_model
    report = check_model(path)
    assert report["passed"] is True  # only the GlobalId checks block by default
    named = _requirement(report, "space-named")
    assert named["status"] == "failed" and not named["blocking"]
    assert [e["global_id"] for e in named["elements"]] == [ids["nameless"]]
    classified = _requirement(report, "space-classified")
    assert [e["global_id"] for e in classified["elements"]] == [ids["nameless"]]
    assert _requirement(report, "space-on-storey")["status"] == "passed"
    elevation = _requirement(report, "storey-elevation")
    assert [e["global_id"] for e in elevation["elements"]] == [ids["attic"]]
    equipment = _requirement(report, "equipment-system-or-space")
    assert equipment["applicable"] == 1
    assert [e["global_id"] for e in equipment["elements"]] == [ids["terminal"]]
    strict = check_model(path, blocking=["space-named"])
    assert strict["passed"] is False and strict["blocking_failures"] == ["space-named"]


def test_reports_render_as_text_and_html(sloppy_model):
    report = check_model(sloppy_model[0], blocking=["space-named"])
    text = render_text(report)
    assert "REFUSED by space-named" in text and sloppy_model[1]["nameless"] in text
    page = render_html(report)
    assert page.startswith("<!doctype html>") and "space-named: 1 failing" in page


def test_twin_check_exit_codes_and_formats(sloppy_model, tmp_path, monkeypatch):
    monkeypatch.delenv("TWIN_IDS_BLOCKING", raising=False)
    runner = CliRunner()
    bad = runner.invoke(cli_app, ["check", str(BAD_GUIDS), "--format", "json"])
    assert bad.exit_code == 1, bad.output
    report = json.loads(bad.stdout)
    assert report["blocking_failures"] == ["globalid-present", "globalid-unique"]
    warned = runner.invoke(cli_app, ["check", str(sloppy_model[0])])
    assert warned.exit_code == 0 and "space-named" in warned.stdout
    out = tmp_path / "report.html"
    strict = runner.invoke(cli_app, ["check", str(sloppy_model[0]), "--blocking",
                                     "space-named", "--format", "html", "--out", str(out)])
    assert strict.exit_code == 1 and "<table>" in out.read_text(encoding="utf-8")
    relaxed = runner.invoke(cli_app, ["check", str(BAD_GUIDS), "--blocking", "none"])
    assert relaxed.exit_code == 0
    monkeypatch.setenv("TWIN_IDS_BLOCKING", "storey-elevation")
    assert runner.invoke(cli_app, ["check", str(sloppy_model[0])]).exit_code == 1
    wrong = runner.invoke(cli_app, ["check", str(BAD_GUIDS), "--format", "pdf"])
    assert wrong.exit_code == 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """An empty server (no demo) with one admin; yields (client, admin headers, settings)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("ids-api"), parse_timeout_s=120)
    migrate(settings.resolved_database_url)
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        accounts.add_user(session, username="admin", password="admin-password-1",
                          role="admin", actor="test")
    database.dispose()
    with TestClient(create_app(settings)) as client:
        yield client, bearer(sign_in(client, "admin", "admin-password-1")), settings


def _upload(client, headers, path, name, building=None):
    with open(path, "rb") as stream:
        files = {"file": (path.name, stream)}
        if building is None:
            return client.post("/buildings", data={"name": name}, files=files,
                               headers=headers)
        return client.post(f"/buildings/{building}/revisions", files=files, headers=headers)


def test_an_upload_with_duplicate_global_ids_is_refused_naming_them(server):
    client, headers, _ = server
    response = _upload(client, headers, BAD_GUIDS, "bad guids")
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert "globalid-unique" in error["message"] and "1Oms875aH3Wg$9l65H2ZGw" in error["message"]
    failed = {r["name"]: r for r in error["detail"]["blocking_failures"]}
    assert {e["global_id"] for e in failed["globalid-unique"]["elements"]} == DUPLICATED
    names = [b["name"] for b in client.get("/buildings", headers=headers).json()["items"]]
    assert "bad guids" not in names  # a refused file changes nothing


def test_an_accepted_upload_keeps_its_report_with_the_revision(server, sloppy_model):
    client, headers, _ = server
    response = _upload(client, headers, sloppy_model[0], "sloppy")
    assert response.status_code == 201, response.text
    building = response.json()["id"]
    again = _upload(client, headers, SHARED_IFC / "AC20-FZK-Haus.ifc", "", building)
    assert again.status_code in (200, 201), again.text
    first = client.get(f"/buildings/{building}/revisions/1/quality", headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["revision"] == 1 and body["passed"] and body["file"] == "sloppy.ifc"
    named = next(r for r in body["requirements"] if r["name"] == "space-named")
    assert named["status"] == "failed" and named["blocking"] is False
    assert [e["global_id"] for e in named["elements"]] == [sloppy_model[1]["nameless"]]
    second = client.get(f"/buildings/{building}/revisions/2/quality", headers=headers).json()
    assert second["ifc_schema"] == "IFC4" and all(
        r["status"] != "failed" or not r["blocking"] for r in second["requirements"])
    missing = client.get(f"/buildings/{building}/revisions/9/quality", headers=headers)
    assert missing.status_code == 404


def test_blocking_is_a_setting(server, sloppy_model):
    client, headers, settings = server
    settings.ids_blocking = "space-named,storey-elevation"
    try:
        response = _upload(client, headers, sloppy_model[0], "sloppy strict")
    finally:
        settings.ids_blocking = "globalid-present,globalid-unique"
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "space-named: 1 failing" in message and "storey-elevation: 1 failing" in message


def test_the_demo_building_is_checked_like_an_upload(demo_client, demo_copy):
    _settings, state = demo_copy
    answer = demo_client.get(f"/buildings/{state.building_id}/revisions/1/quality",
                             headers=bearer(sign_in(demo_client, "viewer")))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["passed"] is True  # the generated sample has unique, non-empty GlobalIds
    names = {r["name"] for r in body["requirements"]}
    assert {"globalid-unique", "globalid-present", "space-named"} <= names


def test_a_door_in_no_wall_is_named_and_real_doors_pass(sloppy_model):
    report = check_model(sloppy_model[0])
    door = _requirement(report, "door-in-wall")
    assert door["status"] == "failed" and door["blocking"] is False
    assert [e["global_id"] for e in door["elements"]] == [sloppy_model[1]["loose_door"]]
    for name in ("AC20-FZK-Haus.ifc", "duplex.ifc"):  # their doors fill openings of walls
        real = _requirement(check_model(SHARED_IFC / name), "door-in-wall")
        assert real["status"] == "passed", (name, real)
