"""Work orders as BCF 3.0 topics and BCF topics as work orders, round-tripped with bcf-client,
on the demo building (``GET/POST …/bcf``, ``twin export-bcf``)."""

from __future__ import annotations

import zipfile

import pytest
from bcf.bcfxml import load as load_bcf
from fastapi.testclient import TestClient
from http_helpers import auth, sign_in_all
from typer.testing import CliRunner

from bim_models.standards.bcf import BcfTopic, read_bcf, write_bcf
from twin.api import create_app
from twin.cli.app import app as cli_app


@pytest.fixture(scope="module")
def demo(demo_copy):
    settings, state = demo_copy
    with TestClient(create_app(settings)) as client:
        tokens = sign_in_all(client)
        building = state.building_id
        equipment = client.get(f"/buildings/{building}/equipment?ifc_class=IfcUnitaryEquipment",
                               headers=auth(tokens, "admin")).json()["items"][0]
        order = client.post(f"/buildings/{building}/work-orders", headers=auth(tokens, "admin"),
                            json={"title": "Replace the AHU filter", "priority": "high",
                                  "equipment": equipment["global_id"], "due": 1_800_000_000})
        assert order.status_code == 201, order.text
        yield {"client": client, "tokens": tokens, "building": building, "settings": settings,
               "equipment": equipment, "order": order.json()}


def test_a_work_order_exports_as_a_bcf_topic_with_a_viewpoint(demo, tmp_path):
    client, building, order = demo["client"], demo["building"], demo["order"]
    response = client.get(f"/buildings/{building}/bcf",
                          params={"work_order": order["work_order_id"]},
                          headers=auth(demo["tokens"], "maintenance"))
    assert response.status_code == 200, response.text
    path = tmp_path / "order.bcf"
    path.write_bytes(response.content)
    document = load_bcf(str(path))  # bcf-client itself
    assert document.version.version_id == "3.0"
    (topic,) = document.topics.values()
    assert topic.topic.title.startswith(order["work_order_id"])
    assert topic.topic.priority == "high" and topic.topic.topic_status == "open"
    assert topic.topic.labels.label == ["facility-twin", f"work-order:{order['work_order_id']}"]
    (viewpoint,) = topic.viewpoints.values()
    assert viewpoint.get_selected_guids()[0] == demo["equipment"]["global_id"]
    camera = viewpoint.visualization_info.perspective_camera
    assert camera is not None and camera.field_of_view > 0
    document.close()


def test_no_selection_exports_every_open_work_order_and_unknown_ids_are_404(demo):
    client, building, tokens = demo["client"], demo["building"], demo["tokens"]
    response = client.get(f"/buildings/{building}/bcf", headers=auth(tokens, "admin"))
    assert response.status_code == 200
    names = zipfile.ZipFile(__import__("io").BytesIO(response.content)).namelist()
    assert sum(name.endswith("markup.bcf") for name in names) >= 1
    assert client.get(f"/buildings/{building}/bcf", params={"alarm": "A-nope"},
                      headers=auth(tokens, "admin")).status_code == 404
    assert client.get(f"/buildings/{building}/bcf",
                      headers=auth(tokens, "viewer")).status_code == 403


def test_bcf_topics_import_as_work_orders_once(demo, tmp_path):
    client, building, tokens = demo["client"], demo["building"], demo["tokens"]
    equipment = demo["equipment"]["global_id"]
    foreign = write_bcf([BcfTopic("Noisy fan belt", "Heard on the inspection round",
                                  author="inspector@example.org", priority="High",
                                  global_ids=[equipment], position=(1.0, 2.0, 3.0)),
                         BcfTopic("Stain on the ceiling", global_ids=["not-in-the-model"],
                                  position=(0.0, 0.0, 3.0))], tmp_path / "foreign.bcf")
    assert len(read_bcf(foreign)) == 2

    def post(path, user="maintenance"):
        with open(path, "rb") as stream:
            return client.post(f"/buildings/{building}/bcf", headers=auth(tokens, user),
                               files={"file": (path.name, stream)})

    first = post(foreign)
    assert first.status_code == 201, first.text
    created = {o["title"]: o for o in first.json()["created"]}
    assert created["Noisy fan belt"]["equipment_global_id"] == equipment
    assert created["Noisy fan belt"]["priority"] == "high"
    assert created["Stain on the ceiling"]["equipment_global_id"] is None
    again = post(foreign)
    assert again.json()["created"] == []
    assert {s["reason"] for s in again.json()["skipped"]} == {"imported before"}
    # the twin's own export comes back as the orders it already is
    own = tmp_path / "own.bcf"
    own.write_bytes(client.get(f"/buildings/{building}/bcf",
                               params={"work_order": demo["order"]["work_order_id"]},
                               headers=auth(tokens, "admin")).content)
    back = post(own).json()
    assert back["created"] == [] and back["skipped"][0]["reason"].startswith("it is work order")
    assert post(foreign, user="viewer").status_code == 403
    broken = tmp_path / "broken.bcf"
    broken.write_bytes(b"not a zip")
    assert post(broken).status_code == 422


def test_twin_export_bcf_with_a_snapshot(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("TWIN_DATA_DIR", str(demo["settings"].data_dir))
    out = tmp_path / "cli.bcf"
    result = CliRunner().invoke(cli_app, [
        "export-bcf", "--building", str(demo["building"]), "--work-order",
        demo["order"]["work_order_id"], "--snapshot", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (topic,) = read_bcf(out)
    assert topic["snapshot"] is not None and topic["snapshot"].startswith(b"\x89PNG")
    assert topic["global_ids"] == [demo["equipment"]["global_id"]]
