"""会议一件事 → 数字安防: a visitor pass read at a door is decided by the twin (the pass's storey
and window, :func:`twin.meetings.service.valid_pass`): it opens the right door in its window (the
opening is not forced), and is refused outside its window and on another storey (stored as
``access.denied.<reason>``; the opening that follows is forced). An unknown plate at a gate is
listed for the visitor registration."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from http_helpers import auth, sign_in_all
from sqlalchemy import select

from twin.api import create_app
from twin.core.tables import ElementRow
from twin.meetings.tables import BookingRow, VisitorPassRow


@pytest.fixture(scope="module")
def setup(demo_copy):
    settings, state = demo_copy
    with TestClient(create_app(settings.model_copy(update={"simulate": False}))) as client:
        tokens = sign_in_all(client)
        building = state.building_id
        devices = {d["key"]: d for d in client.get(f"/buildings/{building}/devices",
                                                   headers=auth(tokens, "admin")).json()}
        storey = devices["RD-ENTRANCE"]["storey"]
        now = time.time()
        with client.app.state.database.session() as session:
            booking = session.scalar(select(BookingRow.id).where(
                BookingRow.building_id == building).limit(1))
            other = session.scalar(select(ElementRow.global_id).where(
                ElementRow.kind == "storey", ElementRow.global_id != storey).limit(1))
            assert booking is not None and storey and other
            for token, where, start, end in (("PASS-NOW", storey, now - 600, now + 3600),
                                             ("PASS-GONE", storey, now - 7200, now - 3600),
                                             ("PASS-UPSTAIRS", other, now - 600, now + 3600)):
                session.add(VisitorPassRow(token=token, booking_id=booking,
                                           building_id=building, visitor="王明",
                                           organisation="市发改委", storey=where,
                                           valid_from=start, valid_to=end))
        yield client, tokens, building, devices


def _post(client, tokens, events):
    response = client.post("/events", json=events, headers=auth(tokens, "admin"))
    assert response.status_code == 200, response.text
    return response.json()


def _events(client, tokens, building, **params):
    answer = client.get(f"/buildings/{building}/security/events", params=params,
                        headers=auth(tokens, "security"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _forced(client, tokens, building, door):
    alarms = client.get(f"/buildings/{building}/alarms", params={"roots_only": False},
                        headers=auth(tokens, "admin")).json()
    return [a for a in alarms if a["rule"] == "door_forced" and a["source"] == door]


def test_a_visitor_pass_opens_the_right_door_in_its_window(setup):
    client, tokens, building, devices = setup
    door = devices["DC-ENTRANCE"]["equipment"]
    now = time.time()
    # the reader reports a denial (it does not know the pass): the twin decides
    result = _post(client, tokens, [
        {"device": "RD-ENTRANCE", "ts": now - 40, "type": "access.denied.unknown_credential",
         "credential": "pass:PASS-NOW"},
        {"device": "DC-ENTRANCE", "ts": now - 38, "type": "door.opened"},
        {"device": "DC-ENTRANCE", "ts": now - 30, "type": "door.closed"}])
    assert result["stored"] == 3
    granted = _events(client, tokens, building, device="RD-ENTRANCE", type="access")[0]
    assert (granted["type"], granted["subject_kind"]) == ("access.granted", "pass")
    assert granted["data"]["visitor"] == "王明"
    assert granted["data"]["reported_type"] == "access.denied.unknown_credential"
    assert not _forced(client, tokens, building, door)
    with client.app.state.database.session() as session:
        assert session.get(VisitorPassRow, "PASS-NOW").used_at is not None
    # a redelivery is one event, decided the same way
    again = _post(client, tokens, [{"device": "RD-ENTRANCE", "ts": now - 40,
                                    "type": "access.denied.unknown_credential",
                                    "credential": "pass:PASS-NOW"}])
    assert (again["stored"], again["duplicates"]) == (0, 1)
    # the manager sees the token masked
    masked = client.get(f"/buildings/{building}/security/events",
                        params={"device": "RD-ENTRANCE", "type": "access.granted"},
                        headers=auth(tokens, "manager"))
    assert masked.status_code == 200 and masked.json()[0]["subject"].endswith("-NOW")
    assert "PASS-NOW" not in masked.text


@pytest.mark.parametrize(("token", "reason"), [
    ("PASS-GONE", "pass_outside_window"),
    ("PASS-UPSTAIRS", "pass_wrong_storey"),
    ("NO-SUCH-PASS", "unknown_credential")])
def test_a_visitor_pass_is_refused_outside_its_window_and_elsewhere(setup, token, reason):
    client, tokens, building, _devices = setup
    now = time.time()
    result = _post(client, tokens, [{"device": "RD-ENTRANCE", "ts": now - 20,
                                     "type": "visitor.checked_in", "pass": token}])
    assert result["stored"] == 1 and result["rejected"] == 0
    stored = _events(client, tokens, building, device="RD-ENTRANCE",
                     type=f"access.denied.{reason}")
    assert stored and stored[0]["data"]["reported_type"] == "visitor.checked_in"
    assert stored[0]["data"]["refusal"]
    assert not [e for e in _events(client, tokens, building, device="RD-ENTRANCE",
                                   type="access.granted") if e["subject"] == token]


def test_a_door_opened_after_a_refused_pass_is_forced(setup):
    client, tokens, building, devices = setup
    door = devices["DC-ENTRANCE"]["equipment"]
    now = time.time()
    _post(client, tokens, [
        {"device": "RD-ENTRANCE", "ts": now - 10, "type": "access.granted",
         "credential": "pass:PASS-GONE"},
        {"device": "DC-ENTRANCE", "ts": now - 9, "type": "door.opened"},
        {"device": "DC-ENTRANCE", "ts": now - 5, "type": "door.closed"}])
    kinds = [e["type"] for e in _events(client, tokens, building, device="RD-ENTRANCE",
                                        type="access")]
    assert kinds[0] == "access.denied.pass_outside_window"
    forced = _forced(client, tokens, building, door)
    assert len(forced) == 1 and forced[0]["severity"] == "critical"
    reasons = client.get("/vocabularies", headers=auth(tokens, "viewer")).json()[
        "security_denial_reasons"]
    assert {"pass_outside_window", "pass_wrong_storey"} <= {r["value"] for r in reasons}
    assert _post(client, tokens, [{"device": "RD-ENTRANCE", "ts": now, "type": "access.granted",
                                   "credential": "pass:"}])["rejected_by_reason"] == {
        "malformed": 1}


def test_an_unknown_plate_at_the_gate_starts_the_visitor_flow(setup):
    client, tokens, building, _devices = setup
    _post(client, tokens, [{"device": "LPR-GATE-IN", "ts": time.time() - 3, "type": "lpr.read",
                            "plate": "浙B 7Q123", "confidence": 0.95, "direction": "in"}])
    flow = client.get(f"/buildings/{building}/security/visitor-flow",
                      headers=auth(tokens, "security"))
    assert flow.status_code == 200, flow.text
    held = flow.json()[0]
    assert (held["type"], held["subject"], held["data"]["decision"]) == (
        "gate.held", "浙B7Q123", "visitor_flow")
    assert client.get(f"/buildings/{building}/security/visitor-flow",
                      headers=auth(tokens, "staff")).status_code == 403
