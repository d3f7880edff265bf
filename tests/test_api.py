"""The REST API through FastAPI's TestClient, on the demo data (sample building + users)."""

from __future__ import annotations

import pytest
from authored import write_two_room
from conftest import SHARED_IFC, TRUTH
from fastapi.testclient import TestClient
from http_helpers import auth, bearer, sign_in, sign_in_all

from twin.api import create_app
from twin.core.settings import Settings
from twin.demo import DEMO_USERS, prepare_demo

READ_ROUTES = ["/buildings", "/buildings/{b}", "/buildings/{b}/revisions",
               "/buildings/{b}/storeys", "/buildings/{b}/spaces", "/buildings/{b}/equipment",
               "/buildings/{b}/systems", "/buildings/{b}/space-at?x=1&y=1&z=1"]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    folder = tmp_path_factory.mktemp("api")
    settings = Settings(data_dir=folder, upload_limit_mb=5, parse_timeout_s=120)
    prepare_demo(settings)
    return settings


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def tokens(client) -> dict[str, str]:
    return sign_in_all(client)


@pytest.fixture(scope="module")
def second_building(client, tokens) -> int:
    """The FZK house, uploaded by the admin: outside every other user's scope."""
    with open(SHARED_IFC / "AC20-FZK-Haus.ifc", "rb") as stream:
        response = client.post("/buildings", data={"name": "FZK-Haus"},
                               files={"file": ("AC20-FZK-Haus.ifc", stream)},
                               headers=auth(tokens, "admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_health_needs_no_sign_in(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] == "sqlite"


def test_wrong_password_and_missing_token_are_401_with_an_error_body(client):
    response = client.post("/auth/token", json={"username": "admin", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    response = client.get("/buildings")
    assert response.status_code == 401 and "Bearer" in response.json()["error"]["message"]
    response = client.get("/buildings", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401


@pytest.mark.parametrize("user", list(DEMO_USERS))
@pytest.mark.parametrize("route", READ_ROUTES)
def test_every_role_reads_its_building(client, tokens, user, route):
    response = client.get(route.format(b=1), headers=auth(tokens, user))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("user", [u for u, (r, _) in DEMO_USERS.items() if r != "admin"])
@pytest.mark.parametrize("route", READ_ROUTES[1:])
def test_out_of_scope_building_is_404_not_403(client, tokens, second_building, user, route):
    response = client.get(route.format(b=second_building), headers=auth(tokens, user))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    listed = client.get("/buildings", headers=auth(tokens, user)).json()
    assert [b["id"] for b in listed["items"]] == [1]


def test_admin_sees_every_building(client, tokens, second_building):
    listed = client.get("/buildings", headers=auth(tokens, "admin")).json()
    assert {b["id"] for b in listed["items"]} == {1, second_building}


@pytest.mark.parametrize("user", [u for u, (r, _) in DEMO_USERS.items() if r != "admin"])
def test_only_admin_changes_things(client, tokens, user):
    headers = auth(tokens, user)
    assert client.get("/users", headers=headers).status_code == 403
    assert client.post("/users", json={"username": "x", "password": "12345678",
                                       "role": "viewer"}, headers=headers).status_code == 403
    assert client.delete("/buildings/1", headers=headers).status_code == 403
    response = client.post("/buildings", data={"name": "x"},
                           files={"file": ("x.ifc", b"ISO-10303-21;")}, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_sample_building_is_served_with_its_truth(client, tokens, settings):
    import json

    truth = json.loads((settings.data_dir / "sample" / "sample-truth.json").read_text())
    headers = auth(tokens, "viewer")
    building = client.get("/buildings/1", headers=headers).json()
    counts = building["revision"]["counts"]
    assert {k: counts[k] for k in truth["counts"]} == truth["counts"]
    spaces = client.get("/buildings/1/spaces?limit=1000", headers=headers).json()
    assert spaces["total"] == truth["counts"]["spaces"]
    page = client.get("/buildings/1/spaces?limit=10&offset=10", headers=headers).json()
    assert len(page["items"]) == 10 and page["items"][0] == spaces["items"][10]
    offices = client.get("/buildings/1/spaces?use=Office&min_area=20&max_area=25",
                         headers=headers).json()
    assert offices["total"] > 0
    assert all(20 <= s["data"]["area_geometry"] <= 25 for s in offices["items"])


def test_space_and_equipment_details(client, tokens):
    headers = auth(tokens, "maintenance")
    equipment = client.get("/buildings/1/equipment?limit=1000", headers=headers).json()
    ahu = next(e for e in equipment["items"] if e["name"] == "AHU-01")
    detail = client.get(f"/buildings/1/equipment/{ahu['global_id']}", headers=headers).json()
    downstream = {e["name"] for e in detail["downstream"]}
    assert any(n.startswith("AT-") for n in downstream)
    assert any(n.startswith("VAV-") for n in downstream)
    assert {e["name"] for e in detail["upstream"]} >= {"CH-01"}
    room = next(s for s in client.get("/buildings/1/spaces?limit=1000",
                                      headers=headers).json()["items"] if s["name"] == "3F-005")
    space = client.get(f"/buildings/1/spaces/{room['global_id']}", headers=headers).json()
    assert {e["name"] for e in space["equipment"]} >= {"TS-3F-005", "AT-3F-005"}
    assert any(n["name"] == "3F-010" for n in space["neighbours"])
    assert [d["name"] for d in space["doors"]] == ["D-3F-005"]


def test_graph_queries(client, tokens):
    headers = auth(tokens, "manager")
    here = client.get("/buildings/1/space-at?x=1&y=7&z=1", headers=headers).json()
    assert here["space"]["name"] == "GF-010"
    spaces = {s["name"]: s["global_id"] for s in client.get(
        "/buildings/1/spaces?limit=1000", headers=headers).json()["items"]}
    walk = client.get(f"/buildings/1/path?from={spaces['GF-002']}&to={spaces['3F-005']}",
                      headers=headers).json()
    names = [s["name"] for s in walk["steps"]]
    assert names[0] == "GF-002" and names[-1] == "3F-005" and walk["length"] > 10
    assert any(s["kind"] == "stair" for s in walk["steps"])
    missing = client.get("/buildings/1/spaces/NOPE", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_upload_every_shared_model(client, tokens, name, settings):
    with open(SHARED_IFC / name, "rb") as stream:
        response = client.post("/buildings", data={"name": f"upload {name}"},
                               files={"file": (name, stream)}, headers=auth(tokens, "admin"))
    assert response.status_code == 201, response.text
    counts = response.json()["revision"]["counts"]
    assert {k: counts[k] for k in TRUTH[name]["counts"]} == TRUTH[name]["counts"]


@pytest.mark.parametrize("content,message", [
    (b"not an ifc file at all", "not an IFC file"),
    (b"ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n", "truncated"),
    (b"", "is empty"),
])
def test_corrupt_upload_is_422_and_leaves_nothing(client, tokens, content, message):
    headers = auth(tokens, "admin")
    before = client.get("/buildings", headers=headers).json()["total"]
    response = client.post("/buildings", data={"name": "corrupt"},
                           files={"file": ("bad.ifc", content)}, headers=headers)
    assert response.status_code == 422
    body = response.json()["error"]
    assert message in body["message"] and "/tmp" not in body["message"]
    assert client.get("/buildings", headers=headers).json()["total"] == before


def test_oversized_and_wrongly_named_uploads_are_refused(client, tokens, settings):
    headers = auth(tokens, "admin")
    big = b"ISO-10303-21;" + b" " * (settings.upload_limit_mb * 1024 * 1024 + 10)
    response = client.post("/buildings", data={"name": "big"},
                           files={"file": ("big.ifc", big)}, headers=headers)
    assert response.status_code == 422 and "upload limit" in response.json()["error"]["message"]
    response = client.post("/buildings", data={"name": "pdf"},
                           files={"file": ("plan.pdf", b"%PDF")}, headers=headers)
    assert response.status_code == 422 and ".ifc" in response.json()["error"]["message"]


def test_revision_diff_reports_moves_and_removals(client, tokens, tmp_path):
    import ifcopenshell
    import numpy as np

    from bim_models.authoring import build_two_room_model

    headers = auth(tokens, "admin")
    first = write_two_room(tmp_path, "IFC4", "m")
    model = ifcopenshell.open(str(first))
    terminal = next(e for e in model.by_type("IfcAirTerminal"))
    desk = next(e for e in model.by_type("IfcFurniture"))
    import ifcopenshell.api.geometry
    import ifcopenshell.api.root

    matrix = np.eye(4)
    matrix[:3, 3] = (3.5, 3.0, 2.8)
    ifcopenshell.api.geometry.edit_object_placement(model, product=terminal, matrix=matrix)
    desk_id = desk.GlobalId
    ifcopenshell.api.root.remove_product(model, product=desk)
    second = tmp_path / "second.ifc"
    model.write(str(second))
    assert build_two_room_model  # the same authoring kit wrote the first file
    with open(first, "rb") as stream:
        created = client.post("/buildings", data={"name": "two rooms"},
                              files={"file": ("two.ifc", stream)}, headers=headers).json()
    with open(second, "rb") as stream:
        response = client.post(f"/buildings/{created['id']}/revisions",
                               files={"file": ("two-v2.ifc", stream)}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["number"] == 2
    reported = response.json()["changes"]
    assert [e["global_id"] for e in reported["disappeared"]] == [desk_id]
    diff = client.get(f"/buildings/{created['id']}/revisions/1/diff/2", headers=headers).json()
    assert [e["global_id"] for e in diff["disappeared"]] == [desk_id]
    moved = {e["global_id"]: e for e in diff["moved"]}
    assert terminal.GlobalId in moved and moved[terminal.GlobalId]["distance"] > 1.0
    assert diff["appeared"] == []


def test_users_crud_and_audit(client, tokens, settings):
    from sqlalchemy import select

    from twin.core.database import Database
    from twin.core.tables import AuditEntry

    headers = auth(tokens, "admin")
    response = client.post("/users", json={"username": "auditor", "password": "long-enough",
                                           "role": "viewer", "buildings": [1]}, headers=headers)
    assert response.status_code == 201
    duplicate = client.post("/users", json={"username": "auditor", "password": "long-enough",
                                            "role": "viewer"}, headers=headers)
    assert duplicate.status_code == 409
    bad_role = client.post("/users", json={"username": "x2", "password": "long-enough",
                                           "role": "king"}, headers=headers)
    assert bad_role.status_code == 422
    assert client.delete("/users/auditor", headers=headers).status_code == 204
    database = Database(settings.resolved_database_url)
    with database.session() as session:
        actions = [(e.action, e.target) for e in session.scalars(select(AuditEntry))]
    database.dispose()
    assert ("user.add", "auditor") in actions and ("user.remove", "auditor") in actions
    assert any(a == "building.create" for a, _ in actions)


def test_openapi_is_valid_and_every_route_has_a_response_model(client):
    from openapi_spec_validator import validate

    schema = client.get("/openapi.json").json()
    validate(schema)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            ok = {code: r for code, r in operation["responses"].items()
                  if code.startswith("2")}
            assert ok, f"{method} {path}"
            for code, response in ok.items():
                if code == "204":
                    continue
                content = response["content"]
                assert content, (method, path)
                for media, body in content.items():  # JSON, or a documented binary/HTML
                    assert "schema" in body or not media.endswith("json"), (method, path)


def test_unknown_route_is_a_json_404(client):
    response = client.get("/no/such/route")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_device_tokens_are_admin_only_and_not_user_tokens(client, tokens):
    response = client.post("/device-tokens", json={"device": "TS-00001-temperature",
                                                   "building_id": 1},
                           headers=auth(tokens, "admin"))
    assert response.status_code == 201
    device_token = response.json()["token"]
    refused = client.get("/buildings", headers={"Authorization": f"Bearer {device_token}"})
    assert refused.status_code == 401  # a sensor cannot read the portfolio
    assert client.post("/device-tokens", json={"device": "x"},
                       headers=auth(tokens, "manager")).status_code == 403
    assert client.post("/device-tokens", json={"device": "x", "building_id": 999},
                       headers=auth(tokens, "admin")).status_code == 404


@pytest.mark.parametrize("limits,message", [
    ({"parse_timeout_s": 1}, "took longer than 1 s"),
    ({"parse_memory_mb": 256}, "memory limit 256 MiB"),
])
def test_parse_limits_refuse_the_file_and_keep_the_server(tmp_path, limits, message):
    settings = Settings(data_dir=tmp_path, **limits)
    admin_password = DEMO_USERS["admin"][1]
    with TestClient(create_app(settings)) as local:
        from twin.core import accounts
        from twin.core.database import Database

        database = Database(settings.resolved_database_url)
        with database.session() as session:
            accounts.add_user(session, username="admin", password=admin_password,
                              role="admin")
        database.dispose()
        headers = bearer(sign_in(local, "admin", admin_password))
        with open(SHARED_IFC / "duplex.ifc", "rb") as stream:
            response = local.post("/buildings", data={"name": "duplex"},
                                  files={"file": ("duplex.ifc", stream)}, headers=headers)
        assert response.status_code == 422
        assert message in response.json()["error"]["message"]
        assert local.get("/buildings", headers=headers).json()["total"] == 0
        assert local.get("/health").status_code == 200


def _sample_cases():
    from bim_models.sample import plan_sample
    from bim_models.sample.people import plan_people, sample_cases

    plan = plan_sample()
    return sample_cases(plan, plan_people(plan))


@pytest.mark.parametrize("user,allowed", [("admin", True), ("housing", True),
                                          ("manager", True), ("maintenance", False),
                                          ("viewer", False)])
def test_compliance_per_role(client, tokens, user, allowed):
    response = client.get("/buildings/1/compliance?date=2026-11-01",
                          headers=auth(tokens, user))
    assert response.status_code == (200 if allowed else 403)


def test_compliance_of_the_demo_building_finds_the_planted_cases(client, tokens):
    cases = _sample_cases()
    body = client.get("/buildings/1/compliance?date=2026-11-01",
                      headers=auth(tokens, "housing")).json()
    assert body["rule_set"] == "cn-2014"
    assert body["counts"]["over"] == len(cases["single_over"])
    assert body["counts"]["shared_over"] == len(cases["shared_over"])
    assert body["counts"]["vacant"] == len(cases["empty_offices"])
    over = client.get("/buildings/1/compliance?date=2026-11-01&verdict=over",
                      headers=auth(tokens, "manager")).json()
    assert sorted(r["room"] for r in over["rooms"]) == cases["single_over"]
    bad = client.get("/buildings/1/compliance?rules=cn-2031", headers=auth(tokens, "manager"))
    assert bad.status_code == 422


def test_housing_officer_edits_allocations_with_history(client, tokens):
    headers = auth(tokens, "housing")
    cases = _sample_cases()
    retired = cases["retired_open"][0]
    stored = client.get("/buildings/1/allocations", headers=headers).json()
    row = next(a for a in stored["assignments"] if a["person_id"] == retired and a["end"] is None)
    assert client.patch(f"/buildings/1/allocations/{row['id']}", json={"end": "2026-10-01"},
                        headers=auth(tokens, "maintenance")).status_code == 403
    edited = client.patch(f"/buildings/1/allocations/{row['id']}", json={"end": "2026-10-01"},
                          headers=headers)
    assert edited.status_code == 200 and edited.json()["end"] == "2026-10-01"
    body = client.get("/buildings/1/compliance?date=2026-11-01", headers=headers).json()
    assert retired not in [p["person_id"] for p in body["people"]
                           if p["kind"] == "not_reclaimed"]
    history = client.get("/buildings/1/allocations/history", headers=headers).json()
    last = history[-1]
    assert last["action"] == "allocations.edit" and last["actor"] == "housing"
    assert last["detail"]["before"]["end"] is None
    assert last["detail"]["after"]["end"] == "2026-10-01"
    wrong = client.patch(f"/buildings/1/allocations/{row['id']}", json={"end": "1999-01-01"},
                         headers=headers)
    assert wrong.status_code == 422


def test_allocation_import_lists_bad_rows(client, tokens, settings):
    headers = auth(tokens, "housing")
    source = (settings.data_dir / "sample" / "allocations.csv").read_text(encoding="utf-8-sig")
    lines = source.splitlines()
    broken = lines[:3] + [lines[3].replace(",GF-", ",XX-")]
    response = client.post("/buildings/1/allocations",
                           files={"file": ("a.csv", "\n".join(broken).encode())},
                           headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["assignments"] == 2 and len(body["problems"]) == 1
    assert body["problems"][0]["column"] == "room"
    assert client.post("/buildings/1/allocations", files={"file": ("a.txt", b"x")},
                       headers=headers).status_code == 422
    restored = client.post("/buildings/1/allocations",
                           files={"file": ("a.csv", source.encode())}, headers=headers)
    assert restored.json()["problems"] == []
