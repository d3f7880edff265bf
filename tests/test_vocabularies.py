"""One vocabulary per domain and one permission table: ``GET /vocabularies``, ``GET /auth/me``
capabilities, and the same colour for a verdict in the PDF, the snapshots and the browser."""

from __future__ import annotations

import re

import pytest
from http_helpers import bearer, sign_in

from bim_models.device_kinds import DEVICE_KINDS
from maintenance import choices as maintenance_choices
from spaces import choices as space_choices
from twin.core.permissions import CAPABILITIES, ROLES, capabilities_of
from twin.demo import DEMO_USERS
from viewer.colours import SEVERITY_COLOURS, VERDICT_COLOURS, to_hex

HEX = re.compile(r"^#[0-9a-f]{6}$")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def client(demo_client):
    """The API on a copy of the demo data (sample building, demo users)."""
    return demo_client


def _token(client, username: str) -> dict[str, str]:
    return bearer(sign_in(client, username))


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
    assert body["work_order_transitions"] == {
        k: list(v) for k, v in maintenance_choices.WORK_ORDER_TRANSITIONS.items()}
    assert body["work_order_transitions"]["assigned"] == ["in_progress", "open", "cancelled"]
    assert set(body["work_order_transitions"]) == {c["value"] for c in body["work_order_states"]}


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


def test_the_over_colour_is_one_value_in_the_pdf_the_snapshots_and_the_api(client):
    from twin.housing.report_files import VERDICT_COLOURS as PDF_COLOURS

    served = client.get("/vocabularies", headers=_token(client, "viewer")).json()
    over = next(c["colour"] for c in served["verdicts"] if c["value"] == "over")
    assert over == PDF_COLOURS["over"] == to_hex(VERDICT_COLOURS["over"])


def test_the_compliance_engine_speaks_the_vocabulary():
    from spaces.compliance import VERDICTS

    assert set(VERDICTS) == {c.value for c in space_choices.VERDICTS}
    assert set(space_choices.ACTIONS) == {c.value for c in (
        *space_choices.VERDICTS, *space_choices.ROOM_FLAGS, *space_choices.PERSON_FINDINGS)
        if c.value != "compliant"}  # a compliant room needs no action


def test_the_rectification_plan_is_served_and_adds_up(client):
    housing = _token(client, "housing")
    compliance = client.get("/buildings/1/compliance", headers=housing).json()
    plan = client.get("/buildings/1/rectification", headers=housing)
    assert plan.status_code == 200, plan.text
    plan = plan.json()
    assert plan["day"] == compliance["day"] and plan["rule_set"] == compliance["rule_set"]
    for verdict, count in compliance["counts"].items():
        assert sum(d["verdicts"].get(verdict, 0) for d in plan["departments"]) == count
    assert sum(d["offices"] for d in plan["departments"]) == len(compliance["rooms"])
    assert plan["actions"] and all(a["deadline"] == plan["deadline"] for a in plan["actions"])
    assert {a["finding"] for a in plan["actions"]} >= {"over"}
    assert all(a["action"] == space_choices.ACTIONS[a["finding"]][0] for a in plan["actions"])
    refused = client.get("/buildings/1/rectification", headers=_token(client, "viewer"))
    assert refused.status_code == 403 and "housing.read" in refused.json()["error"]["message"]


def test_the_api_names_rule_sets_and_refuses_server_paths(client):
    housing = _token(client, "housing")
    answer = client.get("/buildings/1/compliance?rules=/etc/passwd.toml", headers=housing)
    assert answer.status_code == 422 and "CLI only" in answer.json()["error"]["message"]
    answer = client.get("/buildings/1/compliance?rules=nope", headers=housing)
    assert answer.status_code == 422 and "cn-2014" in answer.json()["error"]["message"]
    answer = client.get("/buildings/1/compliance?rules=cn-2014", headers=housing)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rule_set"] == "cn-2014"
