"""The web viewer in a real browser: Debian's Chromium (headless, software WebGL) driven by
Playwright against a real server holding the demo's sample building.

Screenshots go to tests/artifacts/web_viewer/ (look at them). These tests fail, not skip,
when Chromium is missing (scripts/test.sh installs it with scripts/ensure-deb.sh).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from browser import REPO, LiveServer, build_viewer, open_viewer
from fastapi.testclient import TestClient

from twin.api.app import create_app
from twin.core.settings import Settings
from twin.demo import DEMO_USERS

ARTIFACTS = REPO / "tests" / "artifacts" / "web_viewer"


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    build_viewer()
    live = LiveServer(tmp_path_factory.mktemp("web-viewer") / "data")
    live.prepare_from(demo_template)
    live.start()
    try:
        token = live.token("manager", DEMO_USERS["manager"][1])
        live.get_bytes(f"/buildings/{live.building_id}/scene.glb", token)  # builds the cache
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def manager_token(server):
    return server.token("manager", DEMO_USERS["manager"][1])


@pytest.fixture(scope="module")
def vocabularies(server, manager_token):
    """The server's vocabularies (labels and colours the browser shows)."""
    status, body = server.get_json("/vocabularies", manager_token)
    assert status == 200
    return body


@pytest.fixture(scope="module")
def over_red(vocabularies):
    """The colour of the ``over`` verdict, as the server gives it."""
    return next(v["colour"] for v in vocabularies["verdicts"] if v["value"] == "over")


@pytest.fixture
def page(browser, request):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems = []
    page.on("console", lambda m: problems.append(f"{m.text} at {m.location.get('url')}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.problems = problems
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    page.close()


def _storey_of(state, name):
    return next(s for s in state["storeys"] if s["name"] == name)


def test_the_viewer_is_served_and_says_when_it_is_not_built(server, tmp_path):
    status, _ = server.get_json("/viewer/nothing.js")
    assert status == 404
    html = server.get_bytes("/viewer").decode()
    assert "/viewer/viewer.js" in html and "http" not in html.replace("http-equiv", "")
    app = create_app(Settings(data_dir=tmp_path / "data"))
    app.state.viewer_dist = tmp_path / "empty"
    with TestClient(app) as client:
        answer = client.get("/viewer")
    assert answer.status_code == 503
    assert "scripts/build-viewer.sh" in answer.json()["error"]["message"]


def test_signing_in_loads_the_sample_building(server, page):
    page.goto(f"{server.base}/viewer?building={server.building_id}")
    page.fill("#login input[name=username]", "manager")
    page.fill("#login input[name=password]", DEMO_USERS["manager"][1])
    page.click("#login button[type=submit]")
    page.wait_for_function("window.twinViewer.isReady || window.twinViewer.error",
                           timeout=60_000)
    assert page.evaluate("window.twinViewer.error") is None
    state = page.evaluate("window.twinViewer.state()")
    assert state["nodeCount"] > 0
    assert state["roomCount"] == 133
    assert state["classes"]["IfcStair"] == 12
    assert len(state["storeys"]) == 7
    assert len(state["visibleStoreys"]) == 7
    assert page.evaluate("window.twinViewer.firstFrameMs") > 0
    assert page.locator("#sidebar").is_visible()
    page.wait_for_timeout(300)
    assert page.problems == []


def test_isolating_a_storey_hides_the_others(server, page, manager_token):
    state = open_viewer(page, server, manager_token)
    storey = _storey_of(state, "2F")
    page.click(f".storey-row[data-gid='{storey['global_id']}']")  # the sidebar, as a user
    state = page.evaluate("window.twinViewer.state()")
    assert state["visibleStoreys"] == [storey["global_id"]]
    assert state["isolated"] == storey["global_id"]
    hidden = page.evaluate("""(gid) => {
        const v = window.twinViewer;
        return v.state().storeys.filter((s) => s.global_id !== gid).length; }""",
                           storey["global_id"])
    assert hidden == 6
    page.wait_for_timeout(300)
    assert page.problems == []


def test_clicking_a_room_opens_its_panel(server, page, manager_token):
    state = open_viewer(page, server, manager_token)
    meta = page.evaluate("window.twinViewer.meta")
    storey = _storey_of(state, "GF")
    rooms = [s for s in meta["spaces"] if s["storey"] == storey["global_id"]
             and s["number"].endswith("-005")]
    assert rooms, "no room GF-005 in the scene's meta"
    room = rooms[0]
    page.evaluate("(gid) => window.twinViewer.isolateStorey(gid)", storey["global_id"])
    page.evaluate("window.twinViewer.viewFromTop()")
    page.wait_for_timeout(300)
    point = page.evaluate("(gid) => window.twinViewer.screenPoint(gid)", room["global_id"])
    page.mouse.click(point["x"], point["y"])  # a real click where the room is drawn
    page.wait_for_selector("#panel[data-room-number]", timeout=10_000)
    assert page.get_attribute("#panel", "data-room-number") == room["number"]
    assert room["number"] in page.inner_text("#panel-title")
    page.wait_for_selector("#panel h3:has-text('Allocations')", timeout=10_000)
    assert page.evaluate("window.twinViewer.state().selected") == room["global_id"]
    assert page.problems == []


def test_colouring_by_compliance_paints_the_over_standard_rooms_red(server, page,
                                                                       manager_token, over_red):
    status, report = server.get_json(f"/buildings/{server.building_id}/compliance",
                                     manager_token)
    assert status == 200
    over = {r["global_id"] for r in report["rooms"] if r["verdict"] == "over"}
    others = {r["global_id"] for r in report["rooms"] if r["verdict"] != "over"}
    assert over, "the demo's allocations should hold over-standard rooms"
    open_viewer(page, server, manager_token)
    page.evaluate("window.twinViewer.colourBy('compliance')")
    colours = page.evaluate("window.twinViewer.roomColours()")
    assert {gid for gid, colour in colours.items() if colour == over_red} == over
    assert not any(colours.get(gid) == over_red for gid in others)
    assert "over" in page.inner_text("#legend")
    assert page.evaluate("window.twinViewer.state().colourMode") == "compliance"
    page.wait_for_timeout(300)
    assert page.problems == []


def test_live_readings_recolour_a_room(server, page, manager_token):
    status, devices = server.get_json(
        f"/buildings/{server.building_id}/devices?kind=temperature", manager_token)
    assert status == 200
    device = next(d for d in devices if d["space"])
    open_viewer(page, server, manager_token)
    page.evaluate("window.twinViewer.colourBy('temperature')")
    page.wait_for_function("window.twinViewer.state().liveMessages > 0",  # the stream's hello
                           timeout=20_000)
    operator = server.token("maintenance", DEMO_USERS["maintenance"][1])
    now = datetime.now(UTC).isoformat(timespec="seconds")
    status, _ = server.post_json("/ingest", [{"device": device["key"], "ts": now,
                                              "value": 27.6}], operator)
    assert status == 200
    page.wait_for_function("(gid) => window.twinViewer.roomColours()[gid] !== undefined",
                           arg=device["space"], timeout=20_000)
    colour = page.evaluate("(gid) => window.twinViewer.roomColours()[gid]", device["space"])
    red, blue = int(colour[1:3], 16), int(colour[5:7], 16)
    assert red > 150 and blue < 80  # the warm end of the 16-28 °C scale
    assert "Temperature" in page.inner_text("#legend")
    assert page.problems == []


def test_walking_up_a_stair_reaches_the_next_storey(server, page, manager_token):
    state = open_viewer(page, server, manager_token)
    ground = _storey_of(state, "GF")
    upper = sorted((s for s in state["storeys"] if s["elevation"] > ground["elevation"]),
                   key=lambda s: s["elevation"])[0]
    stair = next(s for s in page.evaluate("window.twinViewer.stairs()")
                 if s["storey"] == ground["global_id"])
    page.evaluate("(gid) => window.twinViewer.startWalk({stair: gid})", stair["global_id"])
    start = page.evaluate("window.twinViewer.state().camera")
    assert start[2] == pytest.approx(ground["elevation"] + 1.6, abs=0.5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "walk_foot_of_the_stair.png"))
    page.keyboard.down("w")  # walk forwards, up the flight, with the keyboard
    try:
        page.wait_for_function(
            f"window.twinViewer.state().camera[2] > {upper['elevation'] + 1.6 - 0.05}",
            timeout=30_000)
        page.wait_for_timeout(1000)  # on against the wall at the top: the height holds
    finally:
        page.keyboard.up("w")
    end = page.evaluate("window.twinViewer.state()")
    rise = end["camera"][2] - start[2]
    storey_height = upper["elevation"] - ground["elevation"]
    assert rise == pytest.approx(storey_height, abs=0.45)
    assert end["walking"] is True
    moved = ((end["camera"][0] - start[0]) ** 2 + (end["camera"][1] - start[1]) ** 2) ** 0.5
    assert 2.0 < moved < 10.0  # along the flight, not through the building
    page.screenshot(path=str(ARTIFACTS / "walk_top_of_the_stair.png"))
    heading = end["heading"]
    page.keyboard.down("ArrowLeft")  # turn round at the top and walk back along the landing
    try:
        page.wait_for_function(f"window.twinViewer.state().heading > {heading + 170}",
                               timeout=30_000)
    finally:
        page.keyboard.up("ArrowLeft")
    page.keyboard.down("w")
    try:
        page.wait_for_function(
            "([x, y]) => { const c = window.twinViewer.state().camera; "
            "return Math.hypot(c[0] - x, c[1] - y) > 1.5; }", arg=end["camera"][:2],
            timeout=30_000)
    finally:
        page.keyboard.up("w")
    after = page.evaluate("window.twinViewer.state().camera")
    assert after[2] == pytest.approx(upper["elevation"] + 1.6, abs=0.4)  # still upstairs
    assert page.problems == []


def test_search_flies_to_a_room_and_a_route_is_drawn(server, page, manager_token):
    open_viewer(page, server, manager_token)
    page.fill("#search-input", "3F-004")
    page.click("#search button")
    page.wait_for_selector("#panel[data-room-number='3F-004']", timeout=10_000)
    points = page.evaluate("window.twinViewer.route('GF-005', 'GF-010', false)")
    assert len(points) >= 2
    assert page.evaluate("window.twinViewer.state().routePoints") == len(points)
    assert page.problems == []


def test_route_to_in_the_url_draws_the_route_from_the_entrance_on_load(server, page,
                                                                        manager_token):
    _status, equipment = server.get_json(
        f"/buildings/{server.building_id}/equipment?ifc_class=IfcUnitaryEquipment&limit=10",
        manager_token)
    ahu = next(e for e in equipment["items"] if e["name"] == "AHU-02")["global_id"]
    page.add_init_script(f"sessionStorage.setItem('twin.token', {json.dumps(manager_token)});")
    page.goto(f"{server.base}/viewer?building={server.building_id}&route_to={ahu}")
    page.wait_for_function("window.twinViewer && window.twinViewer.isReady "
                           "&& window.twinViewer.state().routePoints > 0", timeout=60_000)
    assert "route:" in page.locator("#walk-status").inner_text()
    page.wait_for_selector("#panel:not(:empty)", timeout=10_000)
    assert "AHU-02" in page.locator("#panel").inner_text()  # the target is selected
    page.wait_for_function("window.twinViewer.state().xray === true", timeout=10_000)
    assert page.locator("#xray").is_checked()  # the route is seen through the walls
    page.screenshot(path=str(ARTIFACTS / "route_to_on_load.png"))
    assert page.problems == []


def test_a_viewer_sees_no_housing_or_maintenance_controls_and_is_told_why(server, page):
    token = server.token("viewer", DEMO_USERS["viewer"][1])
    status, me = server.get_json("/auth/me", token)
    assert status == 200 and "housing.read" not in me["capabilities"]
    open_viewer(page, server, token)
    hidden = page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('#colour-mode option')].map((o) => [o.value, o.hidden]))""")
    assert hidden == {"none": False, "compliance": True, "alarms": True, "meetings": True,
                      "energy": True, "security": True, "temperature": False,
                      "co2": False, "occupancy": False}
    assert page.locator("#route-controls").is_hidden()
    page.evaluate("window.twinViewer.colourBy('compliance')")  # forced past the hidden option
    status_line = page.inner_text("#colour-status")
    assert "无权限" in status_line and "housing.read" in status_line
    assert page.evaluate("window.twinViewer.roomColours()") == {}
    assert page.inner_text("#legend").strip() == ""
    page.evaluate("window.twinViewer.colourBy('alarms')")
    assert "maintenance.read" in page.inner_text("#colour-status")
    page.evaluate("window.twinViewer.selectRoom('GF-005')")
    page.wait_for_selector("#panel h3:has-text('In this room')", timeout=10_000)
    assert "Allocations" not in page.inner_text("#panel")  # not asked for: no housing.read
    # the only console errors are Chromium's notes on the two refused (403) calls
    assert len(page.problems) == 2
    assert all("403" in p for p in page.problems), page.problems


def test_the_compliance_legend_shows_the_verdict_labels_of_the_vocabularies(
        server, page, manager_token, vocabularies):
    open_viewer(page, server, manager_token)
    assert page.locator("#colour-mode option[value=compliance]").evaluate("o => !o.hidden")
    page.select_option("#colour-mode", "compliance")  # the sidebar, as a user
    page.wait_for_selector("#legend .legend-row", timeout=20_000)
    legend = page.inner_text("#legend")
    for verdict in vocabularies["verdicts"]:
        assert f"{verdict['label_zh']} {verdict['label_en']}" in legend  # Chinese first
    over = next(v for v in vocabularies["verdicts"] if v["value"] == "over")
    swatch = page.locator("#legend .legend-row", has_text=over["label_zh"]).first
    colour = swatch.locator(".swatch").evaluate("s => getComputedStyle(s).backgroundColor")
    red, green, blue = (int(over["colour"][i:i + 2], 16) for i in (1, 3, 5))
    assert colour == f"rgb({red}, {green}, {blue})"
    assert page.problems == []


def test_the_top_view_keeps_the_rooms_clear_of_the_sidebar(server, page, manager_token):
    state = open_viewer(page, server, manager_token)
    meta = page.evaluate("window.twinViewer.meta")
    storey = _storey_of(state, "GF")
    rooms = [s for s in meta["spaces"] if s["storey"] == storey["global_id"]]
    page.evaluate("(gid) => window.twinViewer.isolateStorey(gid)", storey["global_id"])
    page.evaluate("window.twinViewer.viewFromTop()")
    page.wait_for_timeout(300)
    side = page.evaluate("document.getElementById('sidebar').getBoundingClientRect().right")
    width = page.evaluate("window.innerWidth")
    xs = [page.evaluate("(gid) => window.twinViewer.screenPoint(gid)", r["global_id"])["x"]
          for r in rooms]
    assert rooms and side < min(xs) and max(xs) < width


def _choice(vocabularies, name, value):
    return next(c for c in vocabularies[name] if c["value"] == value)


def test_colouring_by_meeting_room_state_uses_the_states_and_their_vocabulary(
        server, page, manager_token, vocabularies):
    base = f"/buildings/{server.building_id}"
    _status, rooms = server.get_json(f"{base}/meeting-rooms", manager_token)
    start = datetime.now(UTC) + timedelta(seconds=2)
    for room in rooms:  # the first room the demo's bookings leave free for the next hour
        status, booking = server.post_json(f"{base}/bookings", {
            "room": room["number"], "title": "viewer colours", "attendees": 2,
            "start": start.isoformat(timespec="seconds"),
            "end": (start + timedelta(hours=1)).isoformat(timespec="seconds")}, manager_token)
        if status != 409:
            break
    assert status == 201, booking
    open_viewer(page, server, manager_token)  # the booking starts meanwhile (2 s)
    while datetime.now(UTC) < start + timedelta(seconds=1):  # or later, on a fast machine
        page.wait_for_timeout(100)
    status, states = server.get_json(f"{base}/meeting-rooms/states", manager_token)
    assert status == 200 and states
    assert {"free", "booked"} <= {s["state"] for s in states}
    assert page.locator("#colour-mode option[value=meetings]").evaluate("o => !o.hidden")
    page.select_option("#colour-mode", "meetings")  # the sidebar, as a user
    page.wait_for_function("window.twinViewer.state().colourMode === 'meetings' && "
                           "Object.keys(window.twinViewer.roomColours()).length > 0",
                           timeout=20_000)
    colours = page.evaluate("window.twinViewer.roomColours()")
    expected = {s["global_id"]: _choice(vocabularies, "meeting_room_states",
                                        s["state"])["colour"] for s in states}
    assert colours == expected  # every bookable room, and nothing else
    legend = page.inner_text("#legend")
    for state in vocabularies["meeting_room_states"]:
        assert f"{state['label_zh']} {state['label_en']}" in legend
    free = sum(s["state"] == "free" for s in states)
    assert f"空闲 Free ({free})" in legend
    assert "已预订 Booked (1)" in legend
    assert page.problems == []


def test_colouring_by_energy_intensity_orders_the_storeys_on_a_sequential_scale(
        server, page, manager_token):
    status, summary = server.get_json(f"/buildings/{server.building_id}/energy/summary"
                                      "?group_by=storey&interval=month", manager_token)
    assert status == 200
    state = open_viewer(page, server, manager_token)
    storeys = {s["global_id"] for s in state["storeys"]}
    per_m2 = {g["key"]: g["per_m2"] for g in summary["groups"]
              if g["key"] in storeys and g["per_m2"] is not None}
    assert len(per_m2) >= 3, summary["groups"]
    page.evaluate("window.twinViewer.colourBy('energy')")
    colours = page.evaluate("window.twinViewer.roomColours()")
    meta = page.evaluate("window.twinViewer.meta")
    storey_of = {s["global_id"]: s["storey"] for s in meta["spaces"]}
    by_storey = {}
    for gid, colour in colours.items():
        by_storey.setdefault(storey_of[gid], set()).add(colour)
    assert set(by_storey) == set(per_m2)  # the metered storeys' rooms, and only those
    assert all(len(c) == 1 for c in by_storey.values())  # one colour per storey
    # YlOrRd: the green channel falls as kWh/m² rises
    green = {k: int(next(iter(c))[3:5], 16) for k, c in by_storey.items()}
    ordered = sorted(per_m2, key=per_m2.get)
    assert [green[k] for k in ordered] == sorted((green[k] for k in ordered), reverse=True)
    assert green[ordered[0]] > green[ordered[-1]]
    legend = page.inner_text("#legend")
    assert "能耗强度" in legend and "kWh/m²" in legend
    top = next(s["name"] for s in state["storeys"] if s["global_id"] == ordered[-1])
    assert f"{top}: {per_m2[ordered[-1]]:.1f}" in legend
    assert page.problems == []


def test_colouring_by_security_paints_doors_by_their_state_and_counts_the_bays(
        server, page, manager_token, vocabularies):
    guard = server.token("security", DEMO_USERS["security"][1])
    status, _ = server.post_json(f"/buildings/{server.building_id}/security/scenarios/"
                                 "forced_door", {}, guard)
    assert status == 200
    status, doors = server.get_json(f"/buildings/{server.building_id}/security/doors",
                                    manager_token)
    assert status == 200 and doors
    assert {d["state"] for d in doors} - {"unknown"}, "the scenario should move a door"
    _status, parks = server.get_json(f"/buildings/{server.building_id}/car-parks",
                                     manager_token)
    open_viewer(page, server, manager_token)
    page.evaluate("window.twinViewer.colourBy('security')")
    colours = page.evaluate("window.twinViewer.roomColours()")
    assert colours == {d["door"]: _choice(vocabularies, "security_door_states",
                                          d["state"])["colour"] for d in doors}
    classes = page.evaluate("""(gids) => gids.map((g) =>
        window.twinViewer.meta.spaces.some((s) => s.global_id === g))""", list(colours))
    assert not any(classes)  # doors, not rooms
    legend = page.inner_text("#legend")
    for park in parks:
        assert park["name"] in legend
        assert f"占用 Occupied {park['counts']['occupied']}/{park['counts']['total']}" in legend
    markers = page.evaluate("[...document.querySelectorAll('.scene-marker')]"
                            ".map((m) => m.dataset.gid)")
    assert sorted(markers) == sorted(d["door"] for d in doors)  # small doors: a label each
    page.check("#xray")
    page.screenshot(path=str(REPO / "docs" / "screenshots" / "viewer-security.png"))
    assert page.problems == []


def test_the_room_panel_lists_the_pools_asset_items_in_the_room(server, page, manager_token):
    status, found = server.get_json(f"/assets?building={server.building_id}&size=1",
                                    manager_token)
    assert status == 200 and found["items"]
    room, number = found["items"][0]["space_global_id"], found["items"][0]["room"]
    status, in_room = server.get_json(f"/assets?space={room}&size=20", manager_token)
    assert status == 200 and in_room["total"] > 0
    open_viewer(page, server, manager_token)
    page.evaluate("(n) => window.twinViewer.selectRoom(n)", number)
    page.wait_for_selector("#panel h3:has-text('资产 Assets')", timeout=10_000)
    heading = page.locator("#panel h3", has_text="资产").text_content()
    assert heading == f"资产 Assets ({in_room['total']})"
    codes = page.evaluate("[...document.querySelectorAll('#panel .assets li')]"
                          ".map((li) => li.dataset.code)")
    assert codes == [a["code"] for a in in_room["items"]]
    assert page.problems == []


def test_energy_legend_screenshot(server, page, manager_token):
    open_viewer(page, server, manager_token)
    page.check("#xray")  # the rooms of every storey, through the walls
    page.select_option("#colour-mode", "energy")
    page.wait_for_selector("#legend .scale", timeout=20_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(REPO / "docs" / "screenshots" / "viewer-energy.png"))
    page.select_option("#colour-mode", "meetings")
    page.wait_for_selector("#legend .legend-row", timeout=20_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(REPO / "docs" / "screenshots" / "viewer-meetings.png"))
    assert "会议室状态" in page.inner_text("#legend")
    assert page.problems == []


def test_static_elements_are_drawn_in_batches_that_follow_the_display(server, page,
                                                                      manager_token):
    state = open_viewer(page, server, manager_token)
    batched = state["batched"]
    assert batched["meshes"] > 20 * batched["batches"] > 0  # few draw calls for many meshes
    assert batched["visible"] == batched["meshes"]
    storey = _storey_of(state, "2F")
    page.evaluate("(gid) => window.twinViewer.isolateStorey(gid)", storey["global_id"])
    one = page.evaluate("window.twinViewer.state().batched")["visible"]
    assert 0 < one < batched["meshes"] / 3  # the other storeys' instances are not drawn
    page.evaluate("window.twinViewer.isolateStorey(null)")
    page.evaluate("window.twinViewer.setClassVisible('IfcSlab', false)")
    no_slabs = page.evaluate("window.twinViewer.state().batched")["visible"]
    assert 0 < batched["meshes"] - no_slabs <= state["classes"]["IfcSlab"] * 50
    page.evaluate("window.twinViewer.setClassVisible('IfcSlab', true)")
    page.evaluate("window.twinViewer.xray(true)")
    after = page.evaluate("window.twinViewer.state().batched")
    assert after["visible"] == batched["meshes"]
    assert after["seeThrough"] == after["batches"]  # x-ray reaches the batches' materials
    page.evaluate("window.twinViewer.xray(false)")
    assert page.evaluate("window.twinViewer.state().batched")["seeThrough"] == 0
    page.goto(f"{server.base}/viewer?building={server.building_id}&batch=0")
    page.wait_for_function("window.twinViewer && window.twinViewer.isReady", timeout=60_000)
    assert page.evaluate("window.twinViewer.state().batched")["meshes"] == 0
    assert page.problems == []
