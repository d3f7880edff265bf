"""数字安防 / 车管 through the running system: POST /events with the ingest's tokens, checks,
dead letters and de-duplication; rules raising alarms in the maintenance lifecycle (listed by
GET /buildings/{id}/alarms with the door's GlobalId, and with a route); guard dispatch; door
and bay states; gates on allow-lists; the fleet with its 409 on a clash; masking; retention."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from http_helpers import auth, sign_in_all

from twin.api import create_app


@pytest.fixture(scope="module")
def setup(demo_copy):
    settings, state = demo_copy
    with TestClient(create_app(settings.model_copy(update={"simulate": False}))) as client:
        tokens = sign_in_all(client)
        building = state.building_id
        devices = {d["key"]: d for d in client.get(f"/buildings/{building}/devices",
                                                   headers=auth(tokens, "admin")).json()}
        yield client, tokens, building, devices


def _post(client, tokens, events, user="admin"):
    response = client.post("/events", json=events, headers=auth(tokens, user))
    assert response.status_code == 200, response.text
    return response.json()


def _alarms(client, tokens, building, rule):
    answer = client.get(f"/buildings/{building}/alarms", params={"roots_only": False},
                        headers=auth(tokens, "admin"))
    assert answer.status_code == 200
    return [a for a in answer.json() if a["rule"] == rule]


def test_demo_has_doors_car_park_and_fleet(setup):
    client, tokens, building, devices = setup
    kinds = {d["kind"] for d in devices.values()}
    assert {"access_reader", "door_contact", "parking_bay", "lpr_camera", "camera"} <= kinds
    assert devices["DC-PLANT"]["equipment"] == devices["RD-PLANT"]["equipment"]
    parks = client.get(f"/buildings/{building}/car-parks", headers=auth(tokens, "security"))
    assert parks.status_code == 200 and parks.json()[0]["counts"]["total"] == 60
    fleet = client.get(f"/buildings/{building}/vehicles", headers=auth(tokens, "staff")).json()
    assert len(fleet) == 8
    assert client.get(f"/buildings/{building}/car-parks",
                      headers=auth(tokens, "viewer")).status_code == 403


def test_events_checked_like_readings_and_nothing_lost(setup):
    client, tokens, building, devices = setup
    now = time.time()
    good = [{"device": "RD-ENTRANCE", "ts": now - 30, "type": "access.granted",
             "credential": "0012345678"},
            {"device": "DC-ENTRANCE", "ts": now - 28, "type": "door.opened"},
            {"device": "DC-ENTRANCE", "ts": now - 20, "type": "door.closed"}]
    bad = [{"device": "NO-SUCH", "ts": now, "type": "door.opened"},
           {"device": "DC-ENTRANCE", "ts": now, "type": "door.melted"},
           {"device": "DC-ENTRANCE", "ts": now + 86400, "type": "door.opened"},
           {"device": "DC-ENTRANCE", "ts": "soon", "type": "door.opened"},
           "not an object"]
    result = _post(client, tokens, good + bad)
    assert (result["received"], result["stored"], result["rejected"]) == (8, 3, 5)
    assert result["rejected_by_reason"] == {"unknown_device": 1, "unknown_type": 1,
                                            "future_timestamp": 1, "malformed": 2}
    again = _post(client, tokens, good)
    assert (again["stored"], again["duplicates"]) == (0, 3)
    letters = client.get(f"/buildings/{building}/dead-letters", params={"reason": "unknown_type"},
                         headers=auth(tokens, "admin")).json()
    assert any("door.melted" in d["payload"] for d in letters)
    # a granted access followed by the opening is not forced
    assert not [a for a in _alarms(client, tokens, building, "door_forced")
                if a["source"] == devices["DC-ENTRANCE"]["equipment"]]
    doors = client.get(f"/buildings/{building}/security/doors",
                       headers=auth(tokens, "security")).json()
    entrance = next(d for d in doors if d["door"] == devices["DC-ENTRANCE"]["equipment"])
    assert (entrance["state"], entrance["lock"]) == ("closed", "locked")
    # tokens: none, and a user who may not send
    assert client.post("/events", json=good).status_code == 401
    assert client.post("/events", json=good, headers=auth(tokens, "staff")).status_code == 403
    assert client.post("/events", content=b"{oops", headers={
        **auth(tokens, "admin"), "content-type": "application/json"}).status_code == 422


def test_forced_door_is_an_alarm_with_its_door_route_and_dispatch(setup):
    client, tokens, building, devices = setup
    door = devices["DC-PLANT"]["equipment"]
    _post(client, tokens, [{"device": "DC-PLANT", "ts": time.time() - 5, "type": "door.opened"}])
    forced = [a for a in _alarms(client, tokens, building, "door_forced") if a["source"] == door]
    assert len(forced) == 1 and forced[0]["severity"] == "critical"
    listed = client.get(f"/buildings/{building}/security/alarms",
                        headers=auth(tokens, "security")).json()
    mine = next(a for a in listed if a["alarm"]["alarm_id"] == forced[0]["alarm_id"])
    assert mine["location"]["kind"] == "door" and mine["route"]["length_m"] > 0
    assert mine["route"]["target"]["global_id"] == door
    sent = client.post(f"/buildings/{building}/security/alarms/{forced[0]['alarm_id']}/dispatch",
                       json={"guard": "security"}, headers=auth(tokens, "security"))
    assert sent.status_code == 201, sent.text
    order = client.get(f"/buildings/{building}/work-orders/{sent.json()['work_order_id']}",
                       headers=auth(tokens, "admin")).json()
    assert order["assignee"] == "security" and order["alarm_id"] == forced[0]["alarm_id"]
    assert client.post(f"/buildings/{building}/security/alarms/{forced[0]['alarm_id']}/dispatch",
                       json={"guard": "x"}, headers=auth(tokens, "security")).status_code == 409


def test_held_open_denials_and_out_of_hours(setup):
    client, tokens, building, devices = setup
    app = client.app
    now = time.time()
    fire = next(k for k in devices if k.startswith("DC-FIRE"))
    _post(client, tokens, [{"device": fire, "ts": now - 100, "type": "door.opened"}])
    app.state.security.tick(now)
    held = [a for a in _alarms(client, tokens, building, "door_held_open")
            if a["source"] == devices[fire]["equipment"]]
    assert held and held[0]["state"] == "raised"
    _post(client, tokens, [{"device": fire, "ts": now - 1, "type": "door.closed"}])
    held = [a for a in _alarms(client, tokens, building, "door_held_open")]
    assert not held  # cleared: no longer open
    _post(client, tokens, [{"device": "RD-ENTRANCE", "ts": now - 50 + n * 5,
                            "type": "access.denied.unknown_credential"} for n in range(4)])
    assert not _alarms(client, tokens, building, "repeated_denials")
    _post(client, tokens, [{"device": "RD-ENTRANCE", "ts": now - 2,
                            "type": "access.denied.pin"}])
    assert _alarms(client, tokens, building, "repeated_denials")
    local = (now + 8 * 3600) % 86400
    night = now - local + 2 * 3600 - (86400 if local < 3 * 3600 else 0)  # 02:00 local
    _post(client, tokens, [{"device": "RD-PLANT", "ts": night, "type": "access.granted",
                            "credential": "C77"}])
    assert _alarms(client, tokens, building, "restricted_after_hours")


def test_parking_counts_gates_and_trips(setup):
    client, tokens, building, _devices = setup
    now = time.time()
    _post(client, tokens, [{"device": f"P1-{n:03d}", "ts": now - 60, "type":
                            "parking.spot.changed", "status": "free"} for n in range(1, 61)])
    _post(client, tokens, [{"device": f"P1-{n:03d}", "ts": now - 30, "type":
                            "parking.spot.changed", "status": "occupied"} for n in range(1, 8)]
          + [{"device": "P1-060", "ts": now - 30, "type": "parking.spot.changed",
              "status": "closed"}])
    counts = client.get(f"/buildings/{building}/car-parks",
                        headers=auth(tokens, "security")).json()[0]["counts"]
    assert (counts["occupied"], counts["free"], counts["closed"], counts["available"]) == \
        (7, 52, 1, 52)
    visitor = client.post(f"/buildings/{building}/plates", json={
        "plate": "粤B 66666", "list": "visitor", "holder": "会议 12",
        "valid_from": now - 600, "valid_to": now + 3600}, headers=auth(tokens, "security"))
    assert visitor.status_code == 201
    _post(client, tokens, [{"device": "LPR-GATE-IN", "ts": now - 10, "type": "lpr.read",
                            "plate": "粤B66666", "confidence": 0.93},
                           {"device": "LPR-GATE-IN", "ts": now - 9, "type": "lpr.read",
                            "plate": "沪Z99999", "confidence": 0.93}])
    gates = client.get(f"/buildings/{building}/security/events", params={"type": "gate"},
                       headers=auth(tokens, "security")).json()
    decisions = {g["subject"]: (g["type"], g["data"]["decision"]) for g in gates}
    assert decisions["粤B66666"] == ("gate.opened", "open")
    assert decisions["沪Z99999"] == ("gate.held", "visitor_flow")
    masked = client.get(f"/buildings/{building}/security/events", params={"type": "gate"},
                        headers=auth(tokens, "manager")).json()
    assert "粤B66666" not in {g["subject"] for g in masked}
    _post(client, tokens, [{"device": "LPR-GATE-OUT", "ts": now - 8, "type": "lpr.read",
                            "plate": "京AG0008"},
                           {"device": "LPR-GATE-IN", "ts": now - 3, "type": "lpr.read",
                            "plate": "京AG0008"}])
    trips = client.get(f"/buildings/{building}/vehicle-trips", params={"plate": "京AG0008"},
                       headers=auth(tokens, "security")).json()
    assert trips[0]["back"] is not None and trips[0]["hours"] is not None


def test_fleet_booking_clash_approval_and_disclosure(setup):
    client, tokens, building, _devices = setup
    body = {"plate": "京AG0006", "start": "2027-01-05T01:00:00Z",
            "end": "2027-01-05T04:00:00Z", "purpose": "调研"}
    first = client.post(f"/buildings/{building}/vehicle-bookings", json=body,
                        headers=auth(tokens, "staff"))
    assert first.status_code == 201, first.text
    clash = client.post(f"/buildings/{building}/vehicle-bookings",
                        json=body | {"start": "2027-01-05T03:00:00Z",
                                     "end": "2027-01-05T05:00:00Z"},
                        headers=auth(tokens, "staff"))
    assert clash.status_code == 409 and f"booking {first.json()['id']}" in clash.text
    move = f"/buildings/{building}/vehicle-bookings/{first.json()['id']}/state"
    assert client.post(move, json={"state": "approved"},
                       headers=auth(tokens, "staff")).status_code == 403
    approved = client.post(move, json={"state": "approved"}, headers=auth(tokens, "security"))
    assert approved.json()["state"] == "approved"
    assert client.post(move, json={"state": "requested"},
                       headers=auth(tokens, "security")).status_code == 422
    summary = client.get(f"/buildings/{building}/vehicles/disclosure",
                         params={"start": time.time() - 8 * 86400, "end": time.time()},
                         headers=auth(tokens, "staff")).json()
    assert summary["vehicles"] == 8 and summary["trips"] >= 15 and summary["km"] > 0


def test_retention_and_vocabularies(setup):
    client, tokens, building, _devices = setup
    put = client.put(f"/buildings/{building}/security/retention",
                     json={"retention_days": 30}, headers=auth(tokens, "security"))
    assert put.status_code == 200
    assert client.get(f"/buildings/{building}/security/retention",
                      headers=auth(tokens, "manager")).json() == {"retention_days": 30.0}
    old = time.time() - 40 * 86400
    _post(client, tokens, [{"device": "CAM-CARPARK", "ts": old, "type": "camera.vehicle"}])
    assert client.app.state.security.prune() >= 1
    assert client.get(f"/buildings/{building}/security/events", params={"type": "camera"},
                      headers=auth(tokens, "security")).json() == []


def test_cli_refuses_a_clashing_booking_in_one_line(setup, demo_copy):
    import os
    import subprocess
    import sys

    client, tokens, building, _devices = setup
    settings, _state = demo_copy
    body = {"plate": "京AG0007", "start": "2027-02-01T01:00:00Z",
            "end": "2027-02-01T03:00:00Z"}
    assert client.post(f"/buildings/{building}/vehicle-bookings", json=body,
                       headers=auth(tokens, "staff")).status_code == 201
    env = dict(os.environ, TWIN_DATA_DIR=str(settings.data_dir))
    for name in ("TWIN_DATABASE_URL", "TWIN_DEBUG"):
        env.pop(name, None)
    clash = subprocess.run([sys.executable, "-m", "twin.cli", "vehicles", "book", str(building),
                            "--plate", "京AG0007", "--start", "2027-02-01T02:00:00Z", "--end",
                            "2027-02-01T04:00:00Z"], capture_output=True, text=True, env=env,
                           timeout=120, check=False)
    assert clash.returncode == 2 and "is booked already" in clash.stderr
    assert len(clash.stderr.strip().splitlines()) == 1 and "Traceback" not in clash.stderr


def test_the_simulated_day_has_traffic_and_the_faults(setup):
    from twin.security.traffic import SecurityTraffic

    client, _tokens, building, devices = setup
    security = client.app.state.security
    traffic = SecurityTraffic.of_database(client.app.state.database, building)
    assert traffic.plant and traffic.fire_doors and len(traffic.bays) == 60
    now = time.time() - 3600
    day = traffic(now - 86400, now)
    kinds = {e["type"] for e in day}
    assert {"access.granted", "door.opened", "door.closed", "parking.spot.changed",
            "lpr.read"} <= kinds
    plant = [e for e in day if e["device"] == traffic.plant[1] and e["type"] == "door.opened"]
    assert len(plant) == 1  # the forced door at night, no badge before it
    assert day == traffic(now - 86400, now - 43200) + traffic(now - 43200, now)
    result = security.ingest(day, source="simulator")
    assert result.rejected == [] and result.stored > 0
    held = [a for a in security.maintenance.alarm_list(building, state="all",
                                                      roots_only=False)
            if a.rule == "door_held_open" and a.source == devices[traffic.fire_doors[0]][
                "equipment"]]
    assert held and held[0].state == "cleared"  # open four minutes, then closed


def test_a_meeting_parking_reservation_opens_the_gate(setup):
    from sqlalchemy import select

    from twin.meetings.tables import ParkingReservationRow

    client, tokens, building, _devices = setup
    now = time.time()
    with client.app.state.database.session() as session:
        booking = session.scalar(select(ParkingReservationRow.booking_id).limit(1))
        assert booking is not None  # the demo's meetings reserve parking for visitors
        session.add(ParkingReservationRow(booking_id=booking, building_id=building,
                                          plate="苏E 2M888", valid_from=now - 900,
                                          valid_to=now + 3600))
    _post(client, tokens, [{"device": "LPR-GATE-IN", "ts": now - 4, "type": "lpr.read",
                            "plate": "苏E2M888", "confidence": 0.97}])
    gate = client.get(f"/buildings/{building}/security/events",
                      params={"type": "gate.opened", "device": "LPR-GATE-IN"},
                      headers=auth(tokens, "security")).json()[0]
    assert (gate["subject"], gate["data"]["list"]) == ("苏E2M888", "visitor")
