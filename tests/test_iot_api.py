"""The readings API: device registry, ingest with device, gateway and user tokens, dead
letters, queries, live state and the WebSocket push stream."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from http_helpers import bearer as _auth
from http_helpers import sign_in_all
from starlette.websockets import WebSocketDisconnect

from twin.api import create_app


@pytest.fixture(scope="module")
def setup(demo_copy):
    settings, state = demo_copy
    settings = settings.model_copy(update={"ingest_max_mb": 1})
    with TestClient(create_app(settings)) as client:
        yield client, sign_in_all(client), state.building_id


def _devices(client, tokens, building, kind):
    response = client.get(f"/buildings/{building}/devices", params={"kind": kind},
                          headers=_auth(tokens["viewer"]))
    assert response.status_code == 200
    return [d["key"] for d in response.json()]


def test_devices_are_listed_with_their_place(setup):
    client, tokens, building = setup
    response = client.get(f"/buildings/{building}/devices", headers=_auth(tokens["manager"]))
    devices = response.json()
    assert response.status_code == 200 and len(devices) > 300
    temp = next(d for d in devices if d["kind"] == "temperature")
    assert temp["unit"] == "°C" and temp["space"] and temp["storey"]


def test_register_devices_all_or_nothing(setup):
    client, tokens, building = setup
    spaces = client.get(f"/buildings/{building}/spaces?limit=1",
                        headers=_auth(tokens["admin"])).json()["items"]
    space = spaces[0]["global_id"]
    good = {"key": "API-T-1", "kind": "temperature", "space": space}
    bad = {"key": "API-T-2", "kind": "warp_drive", "space": space}
    response = client.post(f"/buildings/{building}/devices", json=[good, bad],
                           headers=_auth(tokens["maintenance"]))
    assert response.status_code == 422 and "warp_drive" in response.json()["error"]["message"]
    assert "API-T-1" not in _devices(client, tokens, building, "temperature")
    response = client.post(f"/buildings/{building}/devices", json=[good],
                           headers=_auth(tokens["maintenance"]))
    assert response.status_code == 201 and response.json()[0]["storey"]
    again = client.post(f"/buildings/{building}/devices", json=[good],
                        headers=_auth(tokens["maintenance"]))
    assert again.status_code == 409
    refused = client.post(f"/buildings/{building}/devices", json=[good],
                          headers=_auth(tokens["housing"]))
    assert refused.status_code == 403
    gone = client.delete(f"/buildings/{building}/devices/API-T-1",
                         headers=_auth(tokens["admin"]))
    assert gone.status_code == 204


def test_ingest_with_device_gateway_and_user_tokens(setup):
    client, tokens, building = setup
    mine, other = _devices(client, tokens, building, "co2")[:2]
    now = time.time()
    device_token = client.post("/device-tokens", json={"device": mine,
                                                       "building_id": building},
                               headers=_auth(tokens["admin"])).json()["token"]
    result = client.post("/ingest", json=[{"device": mine, "ts": now - 10, "value": 650},
                                          {"device": other, "ts": now - 10, "value": 650}],
                         headers=_auth(device_token)).json()
    assert result["stored"] == 1 and result["rejected_by_reason"] == {"not_permitted": 1}
    gateway = client.post("/device-tokens", json={"device": "gateway-4F",
                                                  "building_id": building},
                          headers=_auth(tokens["admin"])).json()["token"]
    result = client.post("/ingest", json={"readings": [
        {"device": other, "ts": now - 9, "value": 700}]}, headers=_auth(gateway)).json()
    assert result["stored"] == 1
    result = client.post("/ingest", json=[{"device": other, "ts": now - 8, "value": 701}],
                         headers=_auth(tokens["maintenance"])).json()
    assert result["stored"] == 1
    refused = client.post("/ingest", json=[], headers=_auth(tokens["housing"]))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert client.post("/ingest", json=[]).status_code == 401


def test_ingest_csv_and_bad_bodies(setup):
    client, tokens, building = setup
    key = _devices(client, tokens, building, "temperature")[5]
    now = time.time()
    body = f"device,ts,value\n{key},{now - 30},21.5\n{key},{now - 20},hot\nbroken line\n"
    response = client.post("/ingest", content=body, headers={
        **_auth(tokens["admin"]), "Content-Type": "text/csv"})
    result = response.json()
    assert response.status_code == 200 and result["stored"] == 1
    assert result["rejected_by_reason"] == {"wrong_type": 1, "malformed": 1}
    not_json = client.post("/ingest", content=b"{oops", headers={
        **_auth(tokens["admin"]), "Content-Type": "application/json"})
    assert not_json.status_code == 422 and "not JSON" in not_json.json()["error"]["message"]
    wrong_shape = client.post("/ingest", json={"device": key}, headers=_auth(tokens["admin"]))
    assert wrong_shape.status_code == 422
    huge = client.post("/ingest", content=b"[" + b"1," * 600_000 + b"1]", headers={
        **_auth(tokens["admin"]), "Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"


def test_dead_letters_are_visible_to_operators(setup):
    client, tokens, building = setup
    key = _devices(client, tokens, building, "temperature")[6]
    client.post("/ingest", json=[{"device": key, "ts": time.time(), "value": 999}],
                headers=_auth(tokens["admin"]))
    letters = client.get(f"/buildings/{building}/dead-letters",
                         params={"reason": "out_of_range"},
                         headers=_auth(tokens["maintenance"])).json()
    assert letters[0]["device"] == key and "999" in letters[0]["detail"]
    assert letters[0]["source"] == "http" and '"value": 999' in letters[0]["payload"]
    refused = client.get(f"/buildings/{building}/dead-letters",
                         headers=_auth(tokens["housing"]))
    assert refused.status_code == 403
    unknown = client.get(f"/buildings/{building}/dead-letters", params={"reason": "gremlins"},
                         headers=_auth(tokens["maintenance"]))
    assert unknown.status_code == 422 and "out_of_range" in unknown.json()["error"]["message"]


def test_readings_state_and_space_values(setup):
    client, tokens, building = setup
    key = _devices(client, tokens, building, "temperature")[7]
    now = time.time()
    client.post("/ingest", json=[{"device": key, "ts": now - 600 + 60 * i, "value": 20 + i}
                                 for i in range(10)], headers=_auth(tokens["admin"]))
    series = client.get(f"/buildings/{building}/devices/{key}/readings",
                        params={"start": now - 3600}, headers=_auth(tokens["viewer"])).json()
    assert series["resolution"] == "raw" and [p[1] for p in series["points"]] == \
        [20 + i for i in range(10)]
    hourly = client.get(f"/buildings/{building}/devices/{key}/readings",
                        params={"start": now - 7200, "resolution": 3600},
                        headers=_auth(tokens["viewer"])).json()
    assert hourly["columns"][:2] == ["ts", "mean"] and sum(p[5] for p in hourly["points"]) == 10
    state = client.get(f"/buildings/{building}/state", params={"kind": "temperature"},
                       headers=_auth(tokens["viewer"])).json()
    mine = next(s for s in state if s["device"] == key)
    assert mine["value"] == 29 and mine["online"] is True and mine["last_reported"]
    spaces = client.get(f"/buildings/{building}/state/spaces", params={"kind": "temperature"},
                        headers=_auth(tokens["viewer"])).json()
    assert spaces["unit"] == "°C" and spaces["spaces"][mine["space"]]["count"] >= 1
    missing = client.get(f"/buildings/{building}/state/spaces", params={"kind": "smoke2"},
                         headers=_auth(tokens["viewer"]))
    assert missing.status_code == 404
    bad = client.get(f"/buildings/{building}/devices/{key}/readings",
                     params={"resolution": "weekly"}, headers=_auth(tokens["viewer"]))
    assert bad.status_code == 422


def test_push_stream_sends_state_changes_filtered_by_kind(setup):
    client, tokens, building = setup
    temp = _devices(client, tokens, building, "temperature")[8]
    co2 = _devices(client, tokens, building, "co2")[8]
    with client.websocket_connect(f"/buildings/{building}/stream?token={tokens['manager']}"
                                  "&kind=temperature") as ws:
        assert ws.receive_json()["type"] == "hello"
        now = time.time()
        client.post("/ingest", json=[{"device": co2, "ts": now - 2, "value": 800},
                                     {"device": temp, "ts": now - 1, "value": 23.25}],
                    headers=_auth(tokens["admin"]))
        message = ws.receive_json()
        assert message["type"] == "state" and message["device"] == temp
        assert message["value"] == 23.25 and message["kind"] == "temperature"
        assert message["space"] and message["storey"] and message["online"] is True


def test_push_stream_types_pick_the_messages(setup):
    client, tokens, building = setup
    temp = _devices(client, tokens, building, "temperature")[9]
    with client.websocket_connect(f"/buildings/{building}/stream?token={tokens['manager']}"
                                  "&types=work_order") as ws:
        assert ws.receive_json()["filters"]["types"] == ["work_order"]
        client.post("/ingest", json=[{"device": temp, "ts": time.time() - 1, "value": 22}],
                    headers=_auth(tokens["admin"]))
        created = client.post(f"/buildings/{building}/work-orders",
                              json={"title": "check the blinds"},
                              headers=_auth(tokens["maintenance"])).json()
        message = ws.receive_json()  # not the state change: the work order
        assert message["type"] == "work_order" and message["action"] == "created"
        assert message["id"] == created["work_order_id"]


def test_push_stream_refuses_a_bad_token(setup):
    client, _tokens, building = setup
    with pytest.raises(WebSocketDisconnect) as refused, \
            client.websocket_connect(f"/buildings/{building}/stream?token=nope") as ws:
        ws.receive_json()
    assert refused.value.code == 1008


def test_simulator_endpoints_say_when_it_is_not_running(setup):
    client, tokens, _building = setup
    response = client.get("/simulator", headers=_auth(tokens["maintenance"]))
    assert response.status_code == 409 and "TWIN_SIMULATE" in response.json()["error"]["message"]


_IOT_PATHS = ("/ingest", "/simulator", "/buildings/{building_id}/devices",
              "/buildings/{building_id}/state", "/buildings/{building_id}/dead-letters",
              "/readings")


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_readings_and_simulator_answer_has_a_typed_schema(setup):
    client, _tokens, _building = setup
    spec = client.get("/openapi.json").json()
    components = spec.get("components", {}).get("schemas", {})
    checked, untyped = [], []
    for path, operations in spec["paths"].items():
        if not any(path.startswith(p) or (p == "/readings" and path.endswith(p))
                   for p in _IOT_PATHS):
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                checked.append(f"{method.upper()} {path} {status}")
                content = response.get("content")
                if content is None:  # no body at all: only "204 No Content" may say so
                    if status != "204":
                        untyped.append(f"{method.upper()} {path} {status}: no content")
                    continue
                for media, body in content.items():
                    schema = _resolve(body.get("schema", {}), components)
                    streamed = schema.get("format") == "binary" or media.startswith(
                        ("application/octet-stream", "text/event-stream", "image/"))
                    if not streamed and not ({"properties", "items"} & set(schema)):
                        untyped.append(f"{method.upper()} {path} {status} {media}")
    assert len(checked) >= 12  # devices x4, readings, ingest, dead letters, state x2, sim x3
    assert untyped == []
    ingest = spec["paths"]["/ingest"]["post"]
    assert _resolve(ingest["responses"]["200"]["content"]["application/json"]["schema"],
                    components)["properties"]["rejected_by_reason"]
    assert "text/csv" in ingest["requestBody"]["content"]


def test_a_work_order_has_one_shape_in_rest_and_in_the_push_stream(setup):
    client, tokens, building = setup
    with client.websocket_connect(f"/buildings/{building}/stream?token={tokens['manager']}"
                                  "&types=work_order") as ws:
        ws.receive_json()  # the filters
        created = client.post(f"/buildings/{building}/work-orders",
                              json={"title": "replace a lamp", "priority": "high"},
                              headers=_auth(tokens["maintenance"])).json()
        notice = ws.receive_json()
    listed = client.get(f"/buildings/{building}/work-orders/{created['work_order_id']}",
                        headers=_auth(tokens["manager"])).json()
    envelope = {"type", "action", "building", "id", "detail"}
    assert set(notice) - envelope == set(created)  # the REST shape, whole
    assert {k: notice[k] for k in created} == created
    assert {k: listed[k] for k in created} == created and set(listed) - set(created) == \
        {"location"}
    assert notice["id"] == created["work_order_id"] and notice["priority"] == "high"
