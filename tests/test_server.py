"""`twin demo` as a user runs it: a real uvicorn process on a loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from http_helpers import http_get_json, http_post_json, http_sign_in, wait_until_healthy
from ports import free_port


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """``twin demo`` in a subprocess: 2 h of simulated history, then a reading every 5 s."""
    data = tmp_path_factory.mktemp("demo-server") / "data"
    port = free_port()
    env = dict(os.environ, TWIN_DATA_DIR=str(data), TWIN_SIMULATE_INTERVAL_S="5")
    env.pop("TWIN_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "twin.cli", "demo", "--port", str(port),
                                "--backfill-hours", "2"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{base}/health", process, exit_output=process.stderr.read)
        yield base, data
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_demo_serves_the_sample_building_on_loopback(demo_server):
    base, data = demo_server
    token = http_sign_in(base, "viewer")
    status, spaces = http_get_json(f"{base}/buildings/1/spaces?limit=1", token)
    assert status == 200 and spaces["total"] == 133
    status, equipment = http_get_json(f"{base}/buildings/1/equipment?limit=1", token)
    assert status == 200 and equipment["total"] == 642
    status, body = http_get_json(f"{base}/buildings/1/spaces")
    assert status == 401 and body["error"]["code"] == "unauthorized"
    assert (data / "twin.db").is_file()


def test_demo_readings_move_through_the_api_and_the_push_stream(demo_server):
    from websockets.sync.client import connect

    base, _data = demo_server
    token = http_sign_in(base, "manager")
    _status, devices = http_get_json(f"{base}/buildings/1/devices?kind=temperature", token)
    rooms = {d["space"] for d in devices}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the 2 h backfill first
        status, live = http_get_json(f"{base}/buildings/1/state/spaces?kind=temperature", token)
        if status == 200 and set(live["spaces"]) == rooms:
            break
        time.sleep(0.5)
    assert status == 200 and set(live["spaces"]) == rooms and len(rooms) > 50
    assert all(10 < v["value"] < 40 for v in live["spaces"].values())
    ws_url = base.replace("http", "ws") + (f"/buildings/1/stream?token={token}"
                                           "&kind=temperature&types=state")
    with connect(ws_url, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"
        messages = [json.loads(ws.recv(timeout=30)) for _ in range(20)]
    assert all(m["type"] == "state" and m["kind"] == "temperature" for m in messages)
    assert len({m["device"] for m in messages}) > 1
    _status, later = http_get_json(f"{base}/buildings/1/state/spaces?kind=temperature", token)
    newest = max(v["last_updated"] for v in later["spaces"].values())
    assert newest > max(v["last_updated"] for v in live["spaces"].values())


def test_demo_fault_injection_reaches_the_stream(demo_server):
    from websockets.sync.client import connect

    base, _data = demo_server
    token = http_sign_in(base, "maintenance")
    status, sim = http_get_json(f"{base}/simulator", token)
    assert status == 200, sim
    assert sim["devices"] > 300 and "AHU-02" in sim["ahu_failure_targets"]
    ws_url = base.replace("http", "ws") + f"/buildings/1/stream?token={token}&kind=fault_code"
    with connect(ws_url, open_timeout=10) as ws:
        ws.recv(timeout=10)
        status, fault = http_post_json(
            f"{base}/simulator/faults",
            {"kind": "ahu_failure", "target": "AHU-02", "minutes": 30}, token)
        assert status == 201 and fault["params"]["devices"]
        deadline = time.monotonic() + 30
        seen = None
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=30))
            if message["type"] == "state" and message["device"] == "AHU-00002-fault_code" \
                    and message["value"] == 1:
                seen = message
                break
    assert seen is not None, "the failed AHU's fault code never went to 1"
    # one alarm on the AHU (its other alarms grouped under it), a work order, a route to it
    _status, equipment = http_get_json(
        f"{base}/buildings/1/equipment?ifc_class=IfcUnitaryEquipment", token)
    ahu = next(e["global_id"] for e in equipment["items"] if e["name"] == "AHU-02")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        _status, alarms = http_get_json(f"{base}/buildings/1/alarms", token)
        if any(a["source"] == ahu for a in alarms):
            break
        time.sleep(0.3)
    assert len([a for a in alarms if a["source"] == ahu]) == 1, alarms
    _status, orders = http_get_json(f"{base}/buildings/1/work-orders?open_only=true", token)
    assert [o for o in orders if o["equipment_global_id"] == ahu and o["origin"] == "alarm"]
    status, walk = http_get_json(f"{base}/buildings/1/route?to={ahu}", token)
    assert status == 200 and walk["steps"][-1]["global_id"] == ahu and walk["polyline"]
    status, refused = http_post_json(f"{base}/simulator/faults",
                                     {"kind": "meltdown", "target": "x"}, token)
    assert status == 422 and "meltdown" in refused["error"]["message"]
