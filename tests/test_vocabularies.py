"""One vocabulary per domain and one permission table: ``GET /vocabularies``, ``GET /auth/me``
capabilities, and the same colour for a verdict in the PDF, the snapshots and the browser."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bim_models.device_kinds import DEVICE_KINDS
from maintenance import choices as maintenance_choices
from spaces import choices as space_choices
from twin.api import create_app
from twin.core.permissions import CAPABILITIES, ROLES, capabilities_of
from twin.core.settings import Settings
from twin.demo import DEMO_USERS, prepare_demo
from viewer.colours import SEVERITY_COLOURS, VERDICT_COLOURS, to_hex

HEX = re.compile(r"^#[0-9a-f]{6}$")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("vocab"), simulate=False)
    prepare_demo(settings)
    with TestClient(create_app(settings)) as client:
        yield client


def _token(client, username: str) -> dict[str, str]:
    password = DEMO_USERS[username][1]
    answer = client.post("/auth/token", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_vocabularies_need_sign_in_and_carry_both_labels_and_a_colour(client):
    assert client.get("/vocabularies").status_code == 401
    body = client.get("/vocabularies", headers=_token(client, "viewer")).json()
    for name in ("verdicts", "room_flags", "person_findings", "alarm_severities",
                 "alarm_states", "work_order_priorities", "work_order_states",
                 "work_order_origins", "device_kinds", "roles"):
        assert body[name], name
        for choice in body[name]:
            assert CJK.search(choice["label_zh"]), (name, choice)
            assert choice["label_en"] and not CJK.search(choice["label_en"]), (name, choice)
            assert HEX.match(choice["colour"]), (name, choice)
    assert [c["value"] for c in body["verdicts"]] == [c.value for c in space_choices.VERDICTS]
    assert [c["value"] for c in body["alarm_severities"]] == ["info", "minor", "major",
                                                              "critical"]
    assert [c["value"] for c in body["work_order_priorities"]] == ["low", "normal", "high",
                                                                   "urgent"]
    # severities and priorities are two vocabularies, not one mixed ladder
    assert not {c["value"] for c in body["alarm_severities"]} & \
        {c["value"] for c in body["work_order_priorities"]}
    assert {c["value"] for c in body["device_kinds"]} == set(DEVICE_KINDS)
    assert body["capabilities"] == {k: list(v) for k, v in CAPABILITIES.items()}


def test_auth_me_lists_the_capabilities_of_each_role(client):
    seen = {}
    for username, (role, _password) in DEMO_USERS.items():
        me = client.get("/auth/me", headers=_token(client, username)).json()
        assert me["role"] == role and me["capabilities"] == capabilities_of(role)
        seen[role] = set(me["capabilities"])
    assert set(seen) == set(ROLES)
    assert "users.manage" in seen["admin"] and "users.manage" not in seen["manager"]
    assert "housing.edit" in seen["housing_officer"] and "housing.edit" not in seen["manager"]
    assert "housing.read" in seen["manager"] and "housing.read" not in seen["maintenance"]
    assert "maintenance.act" in seen["maintenance"] and "maintenance.read" in seen["manager"]
    assert seen["viewer"] == {"portfolio.read", "readings.read"}


def test_a_refused_capability_names_itself(client):
    answer = client.get("/buildings/1/allocations", headers=_token(client, "viewer"))
    assert answer.status_code == 403
    assert "housing.read" in answer.json()["error"]["message"]


def test_snapshot_colours_come_from_the_vocabularies():
    for choice in space_choices.VERDICTS:
        assert to_hex(VERDICT_COLOURS[choice.value]) == choice.colour
    for choice in maintenance_choices.SEVERITIES:
        assert to_hex(SEVERITY_COLOURS[choice.value]) == choice.colour
