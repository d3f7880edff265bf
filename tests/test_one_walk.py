"""One walking-route algorithm: ``GET /path`` (spaces.path_between) and ``GET /route``
(spaces.routing.route) give the same walk and length, on the sample building and on a real
shared model, as functions and through the API."""

from __future__ import annotations

import pytest
from conftest import SHARED_IFC
from fastapi.testclient import TestClient

from spaces import path_between
from spaces.errors import UnknownElementError
from spaces.routing import route
from twin.api import create_app
from twin.demo import DEMO_USERS

PAIRS = {  # (graph, from, to): rooms on different storeys, so stairs or a lift are walked
    "sample": ("GF-002", "3F-005"),
    "AC20-FZK-Haus.ifc": ("4", "7"),
    "duplex.ifc": ("A101", "A202"),
}


def _space(graph, name):
    return next(n for n, d in graph.nodes(data=True) if d["kind"] == "space" and d["name"] == name)


def _graph(label, compliance_sample, shared_graphs):
    return compliance_sample["graph"] if label == "sample" else shared_graphs[label]


@pytest.mark.parametrize("label", sorted(PAIRS))
def test_path_between_is_the_route(label, compliance_sample, shared_graphs):
    graph = _graph(label, compliance_sample, shared_graphs)
    start, end = (_space(graph, n) for n in PAIRS[label])
    steps, length = path_between(graph, start, end)
    walk = route(graph, end, start=start)
    assert length == walk.length_m > 2.0
    assert steps == [s.global_id for s in walk.steps]
    assert steps[0] == start and steps[-1] == end
    kinds = {graph.nodes[s]["kind"] for s in steps}
    assert {"space", "stair"} <= kinds  # up a stair or lift (FZK: open plan, no door)


def test_path_between_takes_spaces_only(compliance_sample):
    graph = compliance_sample["graph"]
    door = next(n for n, d in graph.nodes(data=True) if d["kind"] == "door")
    with pytest.raises(UnknownElementError, match="no space"):
        path_between(graph, door, _space(graph, "GF-002"))
    with pytest.raises(UnknownElementError, match="NOPE"):
        path_between(graph, _space(graph, "GF-002"), "NOPE")


@pytest.fixture(scope="module")
def api(demo_copy):
    settings, state = demo_copy
    with TestClient(create_app(settings)) as client:
        _role, password = DEMO_USERS["admin"]
        token = client.post("/auth/token", json={"username": "admin", "password": password}
                            ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        with open(SHARED_IFC / "AC20-FZK-Haus.ifc", "rb") as stream:
            uploaded = client.post("/buildings", data={"name": "FZK-Haus"}, headers=headers,
                                   files={"file": ("AC20-FZK-Haus.ifc", stream)})
        assert uploaded.status_code == 201, uploaded.text
        yield client, headers, {"sample": state.building_id,
                                "AC20-FZK-Haus.ifc": uploaded.json()["id"]}


@pytest.mark.parametrize("label", ["sample", "AC20-FZK-Haus.ifc"])
def test_path_and_route_endpoints_give_the_same_walk(api, label):
    client, headers, buildings = api
    building = buildings[label]
    spaces = {s["name"]: s["global_id"] for s in client.get(
        f"/buildings/{building}/spaces?limit=1000", headers=headers).json()["items"]}
    start, end = (spaces[n] for n in PAIRS[label])
    path = client.get(f"/buildings/{building}/path", params={"from": start, "to": end},
                      headers=headers)
    walk = client.get(f"/buildings/{building}/route", params={"from": start, "to": end},
                      headers=headers)
    assert path.status_code == 200 and walk.status_code == 200, (path.text, walk.text)
    path, walk = path.json(), walk.json()
    assert path["length"] == walk["length_m"] > 2.0
    assert [s["global_id"] for s in path["steps"]] == [s["global_id"] for s in walk["steps"]]
    assert any(s["kind"] == "stair" for s in path["steps"])
