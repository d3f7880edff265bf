"""Admins hand buildings to users (issue 21, item 8): ``/users/{username}/buildings`` and
``twin users scope``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from http_helpers import auth, sign_in_all

from bim_models import authoring

TWIN = [os.path.join(os.path.dirname(sys.executable), "twin")]


@pytest.fixture(scope="module")
def tokens(demo_client):
    return sign_in_all(demo_client)


@pytest.fixture(scope="module")
def uploaded(demo_client, tokens, tmp_path_factory):
    """A second building uploaded by the admin: at first nobody else sees it."""
    model = authoring.build_two_room_model(schema="IFC4")
    path = tmp_path_factory.mktemp("scope") / "two-room.ifc"
    model.write(str(path))
    with open(path, "rb") as stream:
        answer = demo_client.post("/buildings", data={"name": "Annex"},
                                  files={"file": ("two-room.ifc", stream)},
                                  headers=auth(tokens, "admin"))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_an_admin_adds_and_removes_a_building_in_a_scope(demo_client, tokens, uploaded):
    housing = auth(tokens, "housing")
    assert demo_client.get(f"/buildings/{uploaded}", headers=housing).status_code == 404
    before = demo_client.get("/users/housing/buildings", headers=auth(tokens, "admin")).json()
    assert uploaded not in before["buildings"] and not before["all_buildings"]
    added = demo_client.post("/users/housing/buildings", json={"buildings": [uploaded]},
                             headers=auth(tokens, "admin"))
    assert added.status_code == 200, added.text
    assert added.json()["buildings"] == sorted({*before["buildings"], uploaded})
    assert demo_client.get(f"/buildings/{uploaded}", headers=housing).status_code == 200
    removed = demo_client.delete(f"/users/housing/buildings/{uploaded}",
                                 headers=auth(tokens, "admin"))
    assert removed.status_code == 200 and removed.json()["buildings"] == before["buildings"]
    assert demo_client.get(f"/buildings/{uploaded}", headers=housing).status_code == 404
    audit = demo_client.get("/audit?action=user.scope.add", headers=auth(tokens, "admin"))
    assert audit.json()["items"][0]["detail"]["added"] == [uploaded]


def test_scope_changes_are_refused_precisely(demo_client, tokens, uploaded):
    admin = auth(tokens, "admin")
    before = demo_client.get("/users/maintenance/buildings", headers=admin).json()["buildings"]
    unknown = demo_client.post("/users/maintenance/buildings",
                               json={"buildings": [uploaded, 99999]}, headers=admin)
    assert unknown.status_code == 404 and "99999" in unknown.json()["error"]["message"]
    assert demo_client.get("/users/maintenance/buildings",
                           headers=admin).json()["buildings"] == before  # nothing half-done
    not_in = demo_client.delete(f"/users/maintenance/buildings/{uploaded}", headers=admin)
    assert not_in.status_code == 404 and "not in" in not_in.json()["error"]["message"]
    everything = demo_client.post("/users/admin/buildings", json={"buildings": [uploaded]},
                                  headers=admin)
    assert everything.status_code == 422 and "every building" in \
        everything.json()["error"]["message"]
    refused = demo_client.post("/users/maintenance/buildings", json={"buildings": [uploaded]},
                               headers=auth(tokens, "manager"))
    assert refused.status_code == 403
    empty = demo_client.post("/users/maintenance/buildings", json={"buildings": []},
                             headers=admin)
    assert empty.status_code == 422


def test_twin_users_scope(demo_copy):
    settings, state = demo_copy
    env = dict(os.environ, TWIN_DATA_DIR=str(settings.data_dir))
    env.pop("TWIN_DATABASE_URL", None)

    def twin(*args):
        return subprocess.run([*TWIN, "users", "scope", *args], capture_output=True, text=True,
                              env=env, timeout=120, check=False)

    shown = twin("viewer")
    assert shown.returncode == 0 and shown.stdout.startswith("viewer:"), shown.stderr
    removed = twin("viewer", "--remove", str(state.building_id))
    assert removed.returncode == 0 and str(state.building_id) not in \
        removed.stdout.split(":")[1], removed.stderr
    added = twin("viewer", "--add", str(state.building_id))
    assert added.returncode == 0 and str(state.building_id) in added.stdout.split(":")[1]
    wrong = twin("viewer", "--add", "4242")
    assert wrong.returncode == 2 and "no building 4242" in wrong.stderr
    assert "Traceback" not in wrong.stderr
