"""``GET /audit``: the audit log, newest first, for whoever may manage users."""

from __future__ import annotations

import pytest
from http_helpers import bearer, sign_in

from twin.demo import DEMO_USERS


@pytest.fixture(scope="module")
def client(demo_client):
    """The API on a copy of the demo data (sample building, demo users)."""
    return demo_client


def _token(client, username: str) -> dict[str, str]:
    return bearer(sign_in(client, username))


def test_the_admin_reads_the_demo_entries_newest_first(client):
    admin = _token(client, "admin")
    answer = client.get("/audit?action=user.add", headers=admin)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    targets = {entry["target"] for entry in page["items"]}
    assert set(DEMO_USERS) - {"admin"} <= targets
    assert page["total"] == len(page["items"]) >= len(DEMO_USERS) - 1
    assert {entry["action"] for entry in page["items"]} == {"user.add"}
    added = client.post("/users", headers=admin, json={
        "username": "auditee", "password": "long-enough-1", "role": "housing_officer"})
    assert added.status_code == 201, added.text
    everything = client.get("/audit?limit=2", headers=admin).json()
    assert everything["limit"] == 2 and len(everything["items"]) == 2
    assert everything["total"] > page["total"]
    newest = everything["items"][0]
    assert (newest["action"], newest["target"], newest["actor"]) == ("user.add", "auditee",
                                                                       "admin")
    times = [entry["at"] for entry in everything["items"]]
    assert times == sorted(times, reverse=True)
    second = client.get("/audit?limit=2&offset=1", headers=admin).json()
    assert second["items"][0] == everything["items"][1]


def test_a_manager_may_not_read_the_audit_log(client):
    assert client.get("/audit").status_code == 401
    for username in DEMO_USERS:
        if username == "admin":
            continue
        assert client.get("/audit", headers=_token(client, username)).status_code == 403
