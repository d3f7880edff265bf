"""Maintenance through the running system: readings of a failed AHU become one grouped alarm
and a work order; people work the order; routes, rounds, impact and schedules; roles."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from fastapi.testclient import TestClient
from http_helpers import auth as _auth
from http_helpers import sign_in_all

from bim_models.sample.profiles import Fault
from twin.api import create_app
from twin.iot.runtime import load_fault_templates, simulated_devices
from twin.iot.simulator import Simulator


@pytest.fixture(scope="module")
def setup(demo_copy):
    settings, state = demo_copy
    with TestClient(create_app(settings)) as client:
        tokens = sign_in_all(client)
        app = client.app
        # three hours of the sample's readings, the last two with AHU-02 failed
        now = time.time()
        template = load_fault_templates(settings.data_dir / "sample" / "faults.json")["AHU-02"]
        devices, _ = simulated_devices(app.state.database)
        start = now - 3 * 3600
        failed_at = dt.datetime.fromtimestamp(now - 2 * 3600, dt.UTC).replace(tzinfo=None)
        fault = Fault("ahu_failure", "AHU-02", failed_at, None, template.params)
        notices = []
        app.state.ingestor.bus.subscribe(
            lambda e: notices.append(e) if getattr(e, "type", None) else None)
        simulator = Simulator(devices, list, start=start, faults=[fault], clock=lambda: now)
        items = simulator.readings_between(start, now)
        for i in range(0, len(items), 5000):
            app.state.ingestor.ingest(items[i:i + 5000], source="simulator")
        app.state.maintenance.drain()
        yield client, tokens, state.building_id, template, notices


def _ahu(client, tokens, building):
    items = client.get(f"/buildings/{building}/equipment",
                       params={"ifc_class": "IfcUnitaryEquipment", "limit": 10},
                       headers=_auth(tokens, "admin")).json()["items"]
    return next(e for e in items if e["name"] == "AHU-02")["global_id"]


def test_a_failed_ahu_is_one_alarm_with_its_rooms_as_consequences(setup):
    client, tokens, building, template, notices = setup
    ahu = _ahu(client, tokens, building)
    roots = client.get(f"/buildings/{building}/alarms", headers=_auth(tokens, "maintenance"))
    assert roots.status_code == 200
    on_ahu = [a for a in roots.json() if a["source"] == ahu]
    assert len(on_ahu) == 1, on_ahu
    root = on_ahu[0]
    # the AHU's first alarm is the root (its fault code, or its status off in working hours)
    assert root["rule"] in ("fault_code", "off_in_working_hours")
    detail = client.get(f"/buildings/{building}/alarms/{root['alarm_id']}",
                        headers=_auth(tokens, "manager")).json()
    consequences = detail["consequence_alarms"]
    rooms_hot = {a["space_global_id"] for a in consequences if a["rule"] == "temperature_high"}
    assert len(rooms_hot) >= 10
    assert detail["location"]["storey"] and detail["location"]["space"]
    # no room fed by the AHU has a temperature alarm of its own at the top level
    fed_devices = set(template.params["devices"])
    assert not [a for a in roots.json() if a["device_id"] in fed_devices]
    # the stream heard about it: one raised notice for the root, none per room
    raised = [n for n in notices if n.type == "alarm" and n.action == "raised"
              and n.data["source"] == ahu]
    assert len(raised) == 1


def test_the_critical_alarm_opened_a_work_order_that_cannot_close_while_active(setup):
    client, tokens, building, _template, _notices = setup
    ahu = _ahu(client, tokens, building)
    orders = client.get(f"/buildings/{building}/work-orders",
                        headers=_auth(tokens, "maintenance")).json()
    mine = [o for o in orders if o["equipment_global_id"] == ahu]
    assert len(mine) == 1 and mine[0]["origin"] == "alarm"
    assert mine[0]["priority"] in ("urgent", "high")
    wo = mine[0]["work_order_id"]
    url = f"/buildings/{building}/work-orders/{wo}"
    assert client.post(f"{url}/assign", json={"assignee": "zhang"},
                       headers=_auth(tokens, "maintenance")).json()["state"] == "assigned"
    assert client.post(f"{url}/transition", json={"state": "in_progress"},
                       headers=_auth(tokens, "maintenance")).status_code == 200
    client.post(f"{url}/parts", json={"name": "fan belt", "quantity": 2},
                headers=_auth(tokens, "maintenance"))
    client.post(f"{url}/time", json={"hours": 1.5}, headers=_auth(tokens, "maintenance"))
    refused = client.post(f"{url}/transition", json={"state": "done"},
                          headers=_auth(tokens, "maintenance"))
    assert refused.status_code == 409 and "active" in refused.json()["error"]["message"]
    skipped = client.post(f"{url}/transition", json={"state": "verified"},
                          headers=_auth(tokens, "maintenance"))
    assert skipped.status_code == 409 and skipped.json()["error"]["detail"]["allowed"]
    order = client.get(url, headers=_auth(tokens, "manager")).json()
    assert order["parts"][0]["name"] == "fan belt" and order["hours_spent"] == 1.5
    assert [t["to_state"] for t in order["history"]] == ["open", "assigned", "in_progress"]
    assert order["location"]["space"]
    # managers read but do not act; housing officers see nothing of it
    assert client.post(f"{url}/comments", json={"text": "hi"},
                       headers=_auth(tokens, "manager")).status_code == 403
    assert client.get(f"/buildings/{building}/work-orders",
                      headers=_auth(tokens, "housing")).status_code == 403


def test_route_from_the_entrance_to_the_failed_ahu(setup):
    client, tokens, building, _template, _notices = setup
    ahu = _ahu(client, tokens, building)
    walk = client.get(f"/buildings/{building}/route", params={"to": ahu},
                      headers=_auth(tokens, "maintenance")).json()
    kinds = [s["kind"] for s in walk["steps"]]
    assert kinds[-1] == "equipment" and walk["steps"][-1]["global_id"] == ahu
    assert "door" in kinds and walk["length_m"] > 5 and len(walk["polyline"]) >= 2
    assert walk["target"]["storey"]
    no_lift = client.get(f"/buildings/{building}/route", params={"to": ahu, "lifts": False},
                         headers=_auth(tokens, "maintenance")).json()
    assert "lift" not in [s["kind"] for s in no_lift["steps"]]
    unknown = client.get(f"/buildings/{building}/route", params={"to": "NO-SUCH-ROOM"},
                         headers=_auth(tokens, "maintenance"))
    assert unknown.status_code in (404, 422) and unknown.json()["error"]["message"]


def test_daily_round_and_impact(setup):
    client, tokens, building, template, _notices = setup
    rooms = client.get(f"/buildings/{building}/spaces", params={"limit": 60},
                       headers=_auth(tokens, "admin")).json()["items"]
    offices = [r for r in rooms if r["name"] and "F-0" in r["name"]][:3]
    for room in offices:
        client.post(f"/buildings/{building}/work-orders", json={
            "title": f"lamp in {room['name']}", "space": room["global_id"],
            "assignee": "li"}, headers=_auth(tokens, "maintenance"))
    trip = client.get(f"/buildings/{building}/round", params={"assignee": "li"},
                      headers=_auth(tokens, "maintenance")).json()
    assert sorted(trip["order"]) == sorted(r["global_id"] for r in offices)
    assert trip["length_m"] > 0 and trip["polyline"]
    ahu = _ahu(client, tokens, building)
    hit = client.get(f"/buildings/{building}/impact/{ahu}",
                     headers=_auth(tokens, "manager")).json()
    names = {s["name"] for s in hit["spaces"]}
    assert set(template.params["rooms"]) <= names
    assert hit["people"] and all(p["room"] in names for p in hit["people"])


def test_schedules_issue_work_orders_once(setup):
    client, tokens, building, _template, _notices = setup
    plan = client.get(f"/buildings/{building}/schedules", params={"horizon_days": 400},
                      headers=_auth(tokens, "manager")).json()
    assert plan["due"] and {d["schedule"] for d in plan["due"]} >= {"S-CHILLER"}
    first = client.post(f"/buildings/{building}/schedules/issue",
                        params={"horizon_days": 365}, headers=_auth(tokens, "maintenance"))
    again = client.post(f"/buildings/{building}/schedules/issue",
                        params={"horizon_days": 365}, headers=_auth(tokens, "maintenance"))
    assert first.status_code == 200 and len(first.json()) >= 1 and again.json() == []
    assert all(o["origin"] == "schedule" for o in first.json())
    # servicing the chiller moves its next annual service a year on
    chiller = next(o for o in first.json() if o["schedule_id"] == "S-CHILLER")
    url = f"/buildings/{building}/work-orders/{chiller['work_order_id']}"
    client.post(f"{url}/assign", json={"assignee": "wang"}, headers=_auth(tokens, "maintenance"))
    for state in ("in_progress", "done"):
        moved = client.post(f"{url}/transition", json={"state": state},
                            headers=_auth(tokens, "maintenance"))
        assert moved.status_code == 200, moved.json()
    later = client.get(f"/buildings/{building}/schedules", params={"horizon_days": 300},
                       headers=_auth(tokens, "manager")).json()
    assert not [d for d in later["due"] if d["schedule"] == "S-CHILLER"]


def test_alarm_acknowledge_and_refusals(setup):
    client, tokens, building, _template, _notices = setup
    roots = client.get(f"/buildings/{building}/alarms",
                       headers=_auth(tokens, "maintenance")).json()
    target = roots[0]["alarm_id"]
    ack = client.post(f"/buildings/{building}/alarms/{target}/acknowledge",
                      headers=_auth(tokens, "maintenance"))
    assert ack.status_code == 200 and ack.json()["state"] == "acknowledged"
    assert ack.json()["acknowledged_by"] == "maintenance"
    again = client.post(f"/buildings/{building}/alarms/{target}/acknowledge",
                        headers=_auth(tokens, "maintenance"))
    assert again.status_code == 409
    missing = client.post(f"/buildings/{building}/alarms/A-nope/close",
                          headers=_auth(tokens, "maintenance"))
    assert missing.status_code == 404
    assert client.post(f"/buildings/{building}/alarms/{target}/close",
                       headers=_auth(tokens, "manager")).status_code == 403
