"""The web portal (web/portal: Vue 3, Element Plus, ECharts) in a real browser: Debian's
Chromium (headless) driven by Playwright against a real server holding the demo's sample
building, with the reading simulator running (for the live alarm).

Screenshots of each workspace go to docs/screenshots/portal-*.png (look at them). These tests
fail, not skip, when Chromium is missing (scripts/test.sh installs it).
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
from browser import REPO, LiveServer, build_portal, build_viewer
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from twin.api.app import create_app
from twin.core.settings import Settings
from twin.demo import DEMO_USERS

SCREENSHOTS = REPO / "docs" / "screenshots"
_HOUSING_PAGES = {"rooms", "allocations", "rectification", "spaceUses"}
_MAINTENANCE_PAGES = {"alarms", "workOrders", "schedules", "round"}
_ADMIN_PAGES = {"portfolio.manage": {"adminBuildings"},
                "devices.manage": {"adminDevices", "adminDeadLetters"},
                "users.manage": {"adminUsers", "adminTokens", "adminAudit"}}


class SimulatedServer(LiveServer):
    """The demo server with the reading simulator (a reading per device every 2 s)."""

    def env(self) -> dict[str, str]:
        return dict(super().env(), TWIN_SIMULATE="true", TWIN_SIMULATE_INTERVAL_S="2")


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_template):
    build_portal()
    build_viewer()  # "locate" opens the 3D viewer
    live = SimulatedServer(tmp_path_factory.mktemp("web-portal") / "data")
    live.prepare_from(demo_template)
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.problems = problems
    yield page
    context.close()


def _sign_in(page, server, username, path="/"):
    """Open ``path`` signed out, sign in as ``username`` on the page that shows."""
    page.goto(f"{server.base}{path}")
    page.wait_for_selector(".signin-card")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_USERS[username][1])
    page.click(".signin-submit")
    page.wait_for_selector("[data-testid=nav]")


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)  # charts animate in (300 ms)
    page.screenshot(path=str(SCREENSHOTS / f"portal-{name}.png"))


def test_the_portal_is_served_with_a_history_fallback_and_the_api_wins(server, tmp_path):
    html = {"Accept": "text/html,application/xhtml+xml"}
    with httpx.Client(base_url=server.base, timeout=30) as client:
        for path in ("/", "/housing/rooms?verdict=over", "/maintenance/alarms", "/no/such/page"):
            answer = client.get(path, headers=html)
            assert answer.status_code == 200, path
            assert answer.headers["content-type"].startswith("text/html")
            assert '<div id="app">' in answer.text and "/assets/" in answer.text
        assert "http" not in answer.text  # nothing from the internet
        for path in ("/buildings/999/nothing", "/auth/nothing"):
            answer = client.get(path, headers=html)  # an API path keeps its JSON 404
            assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
        assert client.get("/housing/rooms").status_code == 404  # not a browser: JSON
        assert client.get("/health").json()["status"] == "ok"
        assert client.get("/openapi.json").json()["info"]["title"] == "Facility twin"
        assert client.get("/docs", headers=html).status_code == 200
        assert "/viewer/viewer.js" in client.get("/viewer", headers=html).text
        page = client.get("/", headers=html).text
        script = re.search(r'src="(/assets/[\w.-]+\.js)"', page).group(1)
        answer = client.get(script)
        assert answer.status_code == 200 and "javascript" in answer.headers["content-type"]
        assert client.get("/assets/nothing.js").status_code == 404
    app = create_app(Settings(data_dir=tmp_path / "data"))
    app.state.portal_dist = tmp_path / "empty"
    with TestClient(app) as client:
        answer = client.get("/", headers=html)
    assert answer.status_code == 503
    assert "scripts/build-portal.sh" in answer.json()["error"]["message"]


def test_the_root_shows_a_chinese_sign_in_page(server, page):
    page.goto(f"{server.base}/")
    card = page.locator(".signin-card")
    expect(card).to_contain_text("用户登录")
    expect(card).to_contain_text("用户名")
    expect(page.locator(".signin-submit")).to_have_text(re.compile("登 ?录"))
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.fill("input[name=username]", "housing")
    page.fill("input[name=password]", "wrong-password")
    page.click(".signin-submit")
    expect(page.locator(".signin-error")).to_contain_text("401")
    _shot(page, "signin")
    assert page.problems == []


@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_each_account_lands_in_a_workspace_matching_its_capabilities(server, page, username):
    _status, me = server.get_json("/auth/me", server.token(username, DEMO_USERS[username][1]))
    expected = {"home", "viewer"}
    if "housing.read" in me["capabilities"]:
        expected |= _HOUSING_PAGES
    if "maintenance.read" in me["capabilities"]:
        expected |= _MAINTENANCE_PAGES
    for cap, pages in _ADMIN_PAGES.items():
        if cap in me["capabilities"]:
            expected |= pages
    if {"housing.read", "maintenance.read"} <= set(me["capabilities"]):
        expected.add("dashboard")
    if "energy.read" in me["capabilities"]:
        expected.add("energy")
    if "assets.read" in me["capabilities"]:
        expected |= {"poolCatalogue", "poolRequests", "poolAudits", "poolReports"}
    if "meetings.read" in me["capabilities"]:
        expected |= {"meetingFind", "meetingMine", "meetingPanel", "meetingUse"}
    if "security.read" in me["capabilities"]:
        expected.add("securityConsole")
    if "vehicles.book" in me["capabilities"]:
        expected.add("vehicles")
    _sign_in(page, server, username)
    nav = page.locator("[data-testid=nav] [data-nav]")
    shown = {nav.nth(i).get_attribute("data-nav") for i in range(nav.count())}
    assert shown == expected
    card = page.locator(f".building-card[data-building='{server.building_id}']")
    expect(card.locator("[data-kpi=rooms] b")).to_have_text("133")
    expect(card.locator("[data-kpi=online] b")).to_have_text(re.compile(r"^\d+%$"),
                                                             timeout=20_000)
    assert card.locator("[data-kpi=over]").count() == ("housing.read" in me["capabilities"])
    assert card.locator("[data-kpi=alarms]").count() == \
        ("maintenance.read" in me["capabilities"])
    expect(page.locator(".user-menu")).to_contain_text(username)
    _shot(page, f"home-{username}")
    assert page.locator(".api-error").count() == 0
    assert page.problems == []


def test_the_housing_officer_filters_rooms_by_verdict(server, page):
    token = server.token("housing", DEMO_USERS["housing"][1])
    _status, over = server.get_json(f"/buildings/{server.building_id}/compliance?verdict=over",
                                    token)
    _status, everything = server.get_json(f"/buildings/{server.building_id}/compliance", token)
    _sign_in(page, server, "housing")
    page.click("[data-testid=nav] [data-nav=rooms]")
    count = page.locator("[data-testid=room-count]")
    expect(count).to_have_attribute("data-count", str(len(everything["rooms"])))
    page.click(".filter-verdict")
    page.locator(".el-select-dropdown__item:visible", has_text=re.compile("^超标$")).click()
    expect(page).to_have_url(re.compile(r"/housing/rooms\?verdict=over$"))
    expect(count).to_have_attribute("data-count", str(len(over["rooms"])))
    assert len(over["rooms"]) == over["counts"]["over"] > 0
    rows = page.locator(".room-table .el-table__body tr")
    assert rows.count() == len(over["rooms"])
    assert set(rows.locator(".vocab-tag").all_inner_texts()) == {"超标"}
    page.set_viewport_size({"width": 1280, "height": 1100})
    _shot(page, "housing-rooms")
    assert page.problems == []


def test_importing_allocations_shows_the_refused_row_and_its_reason(server, page):
    source = server.data_dir / "sample" / "allocations.csv"
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    bad = dict.fromkeys(header, "")
    bad.update(person_id="X9999", name="测试", department="办公室", org_level="市",
               subordinate="no", grade="局(处)级以下", status="active", room="ZZ-999",
               **{"from": "2026-01-01"})
    upload = server.data_dir / "allocations-with-a-bad-row.csv"
    upload.write_text("\n".join([*lines, ",".join(bad[c] for c in header)]) + "\n",
                      encoding="utf-8-sig")
    token = server.token("housing", DEMO_USERS["housing"][1])
    _sign_in(page, server, "housing", "/housing/allocations")
    expect(page.locator(".alloc-table .el-table__body tr").first).to_be_visible()
    page.set_input_files(".alloc-upload input[type=file]", str(upload))
    problems = page.locator(".problem-table .el-table__body tr")
    expect(problems).to_have_count(1, timeout=60_000)
    with upload.open("rb") as handle:  # the same file through the API: the same answer
        answer = httpx.post(f"{server.base}/buildings/{server.building_id}/allocations",
                            files={"file": (upload.name, handle, "text/csv")},
                            headers={"Authorization": f"Bearer {token}"}, timeout=120).json()
    assert len(answer["problems"]) == 1
    problem = answer["problems"][0]
    assert "ZZ-999" in problem["reason"] or problem["value"] == "ZZ-999"
    row_text = problems.first.inner_text()
    assert problem["reason"] in row_text and str(problem["row"]) in row_text
    expect(page.locator(".import-result")).to_contain_text(str(answer["assignments"]))
    _shot(page, "housing-allocations")
    assert page.problems == []


def test_ending_the_only_assignment_of_an_over_standard_room_leaves_it_vacant(server, page):
    token = server.token("housing", DEMO_USERS["housing"][1])
    compliance = f"/buildings/{server.building_id}/compliance"
    _status, over = server.get_json(f"{compliance}?verdict=over", token)
    room = next(r for r in over["rooms"] if len(r["occupants"]) == 1)
    _status, allocations = server.get_json(f"/buildings/{server.building_id}/allocations",
                                           token)
    held = [a for a in allocations["assignments"] if a["room"] == room["room"] and not a["end"]]
    assert [a["person_id"] for a in held] == list(room["occupants"])
    _sign_in(page, server, "housing", "/housing/allocations")
    page.fill(".toolbar .el-input input", room["room"])
    row = page.locator(".alloc-table .el-table__body tr", has_text=room["room"])
    expect(row).to_have_count(1)
    expect(row.locator(".vocab-tag[data-value=over]")).to_have_text("超标")
    row.get_by_role("button", name="结束分配").click()
    page.locator(".el-message-box__btns .el-button--primary").click()
    expect(page.locator(".el-message--success").last).to_contain_text(
        f"{room['room']} 现为：空置", timeout=30_000)
    expect(row).to_have_count(0)  # no longer a current assignment
    page.locator(".toolbar .el-switch").click()  # show ended assignments too
    expect(row.locator(".vocab-tag[data-value=vacant]")).to_have_text("空置")
    _status, now = server.get_json(f"{compliance}?verdict=vacant", token)
    assert room["room"] in {r["room"] for r in now["rooms"]}
    _status, allocations = server.get_json(f"/buildings/{server.building_id}/allocations",
                                           token)
    ended = next(a for a in allocations["assignments"] if a["id"] == held[0]["id"])
    assert ended["end"] is not None  # history kept: the row is ended, not removed
    page.goto(f"{server.base}/housing/rooms?verdict=vacant")
    expect(page.locator(".room-table .el-table__body tr", has_text=room["room"])).to_have_count(1)
    assert page.problems == []


def test_the_maintenance_user_sees_a_new_alarm_live_and_acknowledges_it(server, page):
    token = server.token("maintenance", DEMO_USERS["maintenance"][1])
    alarms_path = f"/buildings/{server.building_id}/alarms"
    _status, before = server.get_json(alarms_path, token)
    _sign_in(page, server, "maintenance", "/maintenance/alarms")
    expect(page.locator("[data-testid=live]")).to_be_visible(timeout=20_000)
    page.evaluate("window.__notReloaded = true")
    status, _fault = server.post_json("/simulator/faults",
                                      {"kind": "ahu_failure", "target": "AHU-02"}, token)
    assert status == 201
    known = {a["alarm_id"] for a in before}
    deadline = time.monotonic() + 60
    new = []
    while time.monotonic() < deadline and not new:
        _status, now = server.get_json(alarms_path, token)
        new = [a for a in now if a["alarm_id"] not in known and a["state"] == "raised"]
        time.sleep(0.5)
    assert new, "the AHU failure raised no alarm"
    alarm = new[0]
    row = page.locator(".alarm-table .el-table__body tr", has_text=alarm["message"]).first
    expect(row).to_be_visible(timeout=20_000)  # came through the push stream
    assert page.evaluate("window.__notReloaded") is True
    _shot(page, "maintenance-alarms")
    row.locator("button.ack").click()
    expect(row.locator(".vocab-tag[data-value=acknowledged]")).to_be_visible(timeout=20_000)
    _status, detail = server.get_json(f"{alarms_path}/{alarm['alarm_id']}", token)
    assert detail["state"] == "acknowledged" and detail["acknowledged_by"] == "maintenance"
    page.click("[data-testid=nav] [data-nav=workOrders]")
    expect(page.locator(".wo-table .el-table__body tr").first).to_be_visible(timeout=20_000)
    _shot(page, "maintenance-work-orders")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server.base}/maintenance/alarms")
    card = page.locator(f".alarm-card[data-alarm='{alarm['alarm_id']}']")
    expect(card).to_contain_text(alarm["message"], timeout=20_000)  # cards on a phone
    expect(card.locator(".vocab-tag[data-value=acknowledged]")).to_be_visible()
    assert page.locator(".aside").is_hidden() and page.locator(".menu-toggle").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    _shot(page, "maintenance-alarms-phone")
    assert page.problems == []


def test_locate_opens_the_viewer_with_the_route_to_the_equipment(server, page):
    token = server.token("maintenance", DEMO_USERS["maintenance"][1])
    building = server.building_id
    _status, orders = server.get_json(f"/buildings/{building}/work-orders?open_only=true", token)
    order = next(o for o in orders if o["alarm_id"] and o["equipment_global_id"])
    _status, alarm = server.get_json(f"/buildings/{building}/alarms/{order['alarm_id']}", token)
    assert alarm["location"]["global_id"] == order["equipment_global_id"]
    _sign_in(page, server, "maintenance", "/maintenance/alarms")
    row = page.locator(".alarm-table .el-table__body tr", has_text=alarm["message"]).first
    row.locator("button.locate").click()
    expect(page).to_have_url(re.compile(
        rf"/viewer\?building={building}&route_to={order['equipment_global_id']}$"),
        timeout=20_000)
    page.wait_for_function("window.twinViewer && window.twinViewer.isReady "
                           "&& window.twinViewer.state().routePoints > 0", timeout=90_000)
    page.goto(f"{server.base}/maintenance/work-orders")
    row = page.locator(".wo-table .el-table__body tr", has_text=order["work_order_id"]).first
    row.locator("button.locate").click()
    expect(page).to_have_url(re.compile(
        rf"/viewer\?building={building}&route_to={order['equipment_global_id']}$"),
        timeout=20_000)
    page.wait_for_function("window.twinViewer && window.twinViewer.isReady "
                           "&& window.twinViewer.state().routePoints > 0", timeout=90_000)
    assert page.evaluate("window.twinViewer.error") is None
    _shot(page, "locate-route")
    assert page.problems == []


def _move(page, row, label):
    row.locator(".wo-move").click()
    page.locator(".el-select-dropdown__item:visible", has_text=re.compile(f"^{label}$")).click()


def test_the_maintenance_user_works_a_work_order_through_to_done(server, page):
    token = server.token("maintenance", DEMO_USERS["maintenance"][1])
    building = server.building_id
    orders_path = f"/buildings/{building}/work-orders?open_only=true"
    _status, orders = server.get_json(orders_path, token)
    order = next((o for o in orders if o["alarm_id"]), None)
    assert order, "the AHU failure of the alarm test opened no work order"
    _status, vocab = server.get_json("/vocabularies", token)
    names = {c["value"]: c["label_zh"] for c in vocab["work_order_states"]}
    detail_path = f"/buildings/{building}/work-orders/{order['work_order_id']}"
    _sign_in(page, server, "maintenance", "/maintenance/work-orders")
    row = page.locator(".wo-table .el-table__body tr", has_text=order["work_order_id"]).first
    expect(row.locator(".vocab-tag[data-value=open]")).to_be_visible()
    row.get_by_role("button", name="派单", exact=True).click()
    page.fill(".el-message-box input", "maintenance")
    page.locator(".el-message-box__btns .el-button--primary").click()
    expect(row.locator(".vocab-tag[data-value=assigned]")).to_be_visible()
    row.get_by_role("button", name="备注", exact=True).click()
    page.fill(".el-message-box input", "已到现场 on site")
    page.locator(".el-message-box__btns .el-button--primary").click()
    expect(page.locator(".el-message--success").last).to_be_visible()
    # the dropdown offers exactly the moves the state table allows from 'assigned'
    row.locator(".wo-move").click()
    offered = page.locator(".el-select-dropdown__item:visible")
    expect(offered).to_have_count(len(vocab["work_order_transitions"]["assigned"]))
    assert offered.all_inner_texts() == [names[s] for s in
                                         vocab["work_order_transitions"]["assigned"]]
    assert names["verified"] not in offered.all_inner_texts()
    offered.filter(has_text=re.compile(f"^{names['in_progress']}$")).click()
    expect(row.locator(".vocab-tag[data-value=in_progress]")).to_be_visible()
    _status, detail = server.get_json(detail_path, token)
    assert detail["state"] == "in_progress" and detail["assignee"] == "maintenance"
    assert [c["text"] for c in detail["comments"]] == ["已到现场 on site"]
    # done while its alarm is still open: the server refuses, the page says why
    _move(page, row, names["done"])
    expect(page.locator(".el-message--error").last).to_contain_text("409")
    assert server.get_json(detail_path, token)[1]["state"] == "in_progress"
    # the fault is repaired (cleared in the simulator); the technician closes the alarm
    answer = httpx.delete(f"{server.base}/simulator/faults",
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200
    page.goto(f"{server.base}/maintenance/alarms")
    page.locator(".toolbar .el-radio-button", has_text="全部").click()  # cleared ones too
    _status, alarm = server.get_json(f"/buildings/{building}/alarms/{order['alarm_id']}", token)
    alarm_row = page.locator(".alarm-table .el-table__body tr", has_text=alarm["message"]).first
    alarm_row.locator("button.close").click()
    expect(page.locator(".el-message--success").last).to_be_visible()
    _status, alarm = server.get_json(f"/buildings/{building}/alarms/{order['alarm_id']}", token)
    assert alarm["state"] == "closed"
    page.goto(f"{server.base}/maintenance/work-orders")
    row = page.locator(".wo-table .el-table__body tr", has_text=order["work_order_id"]).first
    _move(page, row, names["done"])
    expect(row).to_have_count(0, timeout=20_000)  # done: no longer in the open list
    _status, detail = server.get_json(detail_path, token)
    assert detail["state"] == "done"
    page.locator(".toolbar .el-switch").click()  # every work order
    row = page.locator(".wo-table .el-table__body tr", has_text=order["work_order_id"]).first
    expect(row.locator(".vocab-tag[data-value=done]")).to_be_visible()
    assert page.problems == []


def test_the_rectification_plan_lists_departments_and_deadlines(server, page):
    token = server.token("housing", DEMO_USERS["housing"][1])
    _status, plan = server.get_json(f"/buildings/{server.building_id}/rectification", token)
    _sign_in(page, server, "housing", "/housing/rectification")
    expect(page.locator(".dept-table .el-table__body tr")).to_have_count(
        len(plan["departments"]))
    expect(page.locator(".action-table .el-table__body tr")).to_have_count(len(plan["actions"]))
    expect(page.locator(".page-title + .count, .count").first).to_contain_text(plan["deadline"])
    _shot(page, "housing-rectification")
    assert page.problems == []


def test_the_housing_officer_downloads_the_rectification_report(server, page):
    _sign_in(page, server, "housing", "/housing/rectification")
    expect(page.locator(".dept-table .el-table__body tr").first).to_be_visible()
    page.click(".report-rules")
    page.locator(".el-select-dropdown__item:visible", has_text="uk-2016").click()
    expect(page.locator(".count").first).to_contain_text("uk-2016")
    with page.expect_download(timeout=120_000) as pdf:
        page.click(".download-pdf")
    assert pdf.value.suggested_filename.endswith(".pdf")
    assert open(pdf.value.path(), "rb").read(5) == b"%PDF-"
    with page.expect_download(timeout=120_000) as xlsx:
        page.click(".download-xlsx")
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    assert open(xlsx.value.path(), "rb").read(2) == b"PK"  # a zip: the workbook
    assert page.locator(".api-error").count() == 0
    assert page.problems == []


def test_the_language_switch_changes_the_labels_and_is_remembered(server, page):
    _sign_in(page, server, "manager")
    nav = page.locator("[data-testid=nav]")
    expect(nav).to_contain_text("首页")
    expect(nav).to_contain_text("数字房管")
    page.locator(".lang-switch").get_by_text("EN").click()
    expect(nav).to_contain_text("Home")
    expect(nav).to_contain_text("Office space")
    expect(page.locator(".page-title")).to_have_text("Portfolio")
    page.reload()
    expect(page.locator("[data-testid=nav]")).to_contain_text("Work orders")
    assert page.evaluate("document.documentElement.lang") == "en" or \
        page.evaluate("localStorage.getItem('twin.lang')") == "en"
    page.click("[data-testid=nav] [data-nav=rooms]")
    expect(page.locator(".room-table")).to_contain_text("Over standard")
    _shot(page, "manager-rooms-en")
    page.locator(".lang-switch").get_by_text("中").click()
    expect(page.locator("[data-testid=nav]")).to_contain_text("房间台账")
    assert page.problems == []


def test_the_manager_dashboard_sums_the_buildings(server, page):
    token = server.token("manager", DEMO_USERS["manager"][1])
    _status, report = server.get_json(f"/buildings/{server.building_id}/compliance", token)
    _sign_in(page, server, "manager", "/dashboard")
    expect(page.locator("[data-total=rooms] b")).to_have_text("133")
    over = report["counts"]["over"] + report["counts"]["shared_over"]
    expect(page.locator("[data-total=over] b")).to_have_text(str(over))
    expect(page.locator(".chart canvas")).to_have_count(3)
    _shot(page, "manager-dashboard")
    assert page.problems == []


def test_a_deep_link_opened_signed_out_lands_on_its_page_after_sign_in(server, page):
    _sign_in(page, server, "maintenance", "/maintenance/work-orders?x=1")
    expect(page).to_have_url(re.compile(r"/maintenance/work-orders\?x=1$"))
    expect(page.locator(".page-title")).to_have_text("工单管理")
    assert page.problems == []


def test_a_refusal_shows_the_server_code_and_message(server, page):
    _sign_in(page, server, "housing", "/maintenance/alarms")
    error = page.locator(".api-error")
    expect(error).to_contain_text("403")
    expect(error).to_contain_text("forbidden")
    expect(error).to_contain_text("maintenance.read")
    expect(error).to_contain_text("无权限")
    _shot(page, "forbidden")
    assert page.problems == []


def test_the_admin_adds_and_removes_a_user(server, page):
    _sign_in(page, server, "admin", "/admin/users")
    table = page.locator(".user-table")
    expect(table).to_contain_text("housing")
    page.fill(".new-username input", "clerk")
    page.fill(".new-password input", "clerk-password-2026")
    page.click(".new-role")
    page.locator(".el-select-dropdown__item:visible", has_text="房管专员").click()
    page.click(".new-buildings")
    page.locator(".el-select-dropdown__item:visible", has_text="Municipal").click()
    page.keyboard.press("Escape")
    page.click(".add-user")
    row = table.locator(".el-table__body tr", has_text="clerk")
    expect(row).to_contain_text("房管专员")
    _status, me = server.get_json("/auth/me", server.token("clerk", "clerk-password-2026"))
    assert me["role"] == "housing_officer" and me["buildings"] == [server.building_id]
    _shot(page, "admin-users")
    row.locator(".remove-user").click()
    page.locator(".el-message-box__btns .el-button--primary").click()
    expect(row).to_have_count(0)
    status, _body = server.post_json("/auth/token", {"username": "clerk",
                                                     "password": "clerk-password-2026"})
    assert status == 401
    assert page.problems == []


def test_the_admin_sees_revisions_and_a_refused_upload_says_why(server, page, tmp_path):
    _sign_in(page, server, "admin", "/admin/buildings")
    row = page.locator(".building-table .el-table__row", has_text="Municipal")
    row.get_by_text("版本记录").click()
    row.locator(".el-table__expand-icon").click()
    expect(page.locator(".building-table")).to_contain_text("office-ifc4.ifc")
    bad = tmp_path / "not-a-model.ifc"
    bad.write_text("this is not IFC\n")
    page.fill(".building-name input", "Broken upload")
    page.set_input_files(".ifc-file", str(bad))
    page.click(".create-building")
    error = page.locator(".api-error")
    expect(error).to_contain_text(re.compile(r"4\d\d "), timeout=60_000)
    _status, buildings = server.get_json("/buildings", server.token("admin",
                                                                    DEMO_USERS["admin"][1]))
    assert [b["name"] for b in buildings["items"]] == ["Municipal office building (sample)"]
    _shot(page, "admin-buildings")
    assert page.problems == []


def test_the_admin_uploads_the_duplex_and_sees_the_new_building(server, page):
    admin = server.token("admin", DEMO_USERS["admin"][1])
    _sign_in(page, server, "admin", "/admin/buildings")
    page.fill(".building-name input", "Duplex A")
    page.set_input_files(".ifc-file", "/work/shared/ifc/duplex.ifc")
    expect(page.locator(".toolbar .count").first).to_contain_text("duplex.ifc")
    page.click(".create-building")
    row = page.locator(".building-table .el-table__row", has_text="Duplex A")
    expect(row).to_have_count(1, timeout=180_000)
    _status, buildings = server.get_json("/buildings", admin)
    duplex = next(b for b in buildings["items"] if b["name"] == "Duplex A")
    assert duplex["revision"]["number"] == 1 and duplex["revision"]["counts"]["spaces"] > 0
    expect(row).to_contain_text(str(duplex["revision"]["counts"]["spaces"]))
    assert page.locator(".api-error").count() == 0
    page.locator(".building-switch").click()  # the top bar's switcher knows it too
    expect(page.locator(".el-select-dropdown__item:visible", has_text="Duplex A")).to_have_count(1)
    page.keyboard.press("Escape")
    _shot(page, "admin-buildings-duplex")
    assert page.problems == []


def test_the_device_registry_lists_online_devices_and_imports_a_csv(server, page):
    token = server.token("maintenance", DEMO_USERS["maintenance"][1])
    building = server.building_id
    _status, devices = server.get_json(f"/buildings/{building}/devices", token)
    _sign_in(page, server, "maintenance", "/admin/devices")
    count = page.locator(".device-count")
    expect(count).to_have_attribute("data-count", str(len(devices)))
    assert int(count.get_attribute("data-online")) > 0  # the simulator reports
    expect(page.locator(".device-table .online-tag[data-online=yes]").first).to_be_visible()
    lines = (server.data_dir / "sample" / "devices.csv").read_text(encoding="utf-8").splitlines()
    new_key = "TEST-00001-" + lines[1].split(",", 1)[0].rsplit("-", 1)[1]
    upload = server.data_dir / "one-device.csv"
    upload.write_text("\n".join([lines[0], new_key + lines[1][lines[1].index(","):]]) + "\n",
                      encoding="utf-8")
    page.set_input_files(".device-upload input[type=file]", str(upload))
    expect(page.locator(".el-message--success").last).to_contain_text("已导入 1 台设备")
    expect(count).to_have_attribute("data-count", str(len(devices) + 1))
    _status, now = server.get_json(f"/buildings/{building}/devices", token)
    assert new_key in {d["key"] for d in now}
    page.fill(".toolbar .el-input input", new_key)
    row = page.locator(".device-table .el-table__body tr", has_text=new_key)
    expect(row.locator(".online-tag")).to_have_attribute("data-online", "no")  # no reading yet
    _shot(page, "admin-devices")
    assert page.problems == []


def test_the_dead_letters_page_lists_a_refused_reading(server, page):
    token = server.token("admin", DEMO_USERS["admin"][1])
    answer = httpx.post(f"{server.base}/ingest", json=[{"device": "NO-SUCH-DEVICE",
                                                        "ts": time.time(), "value": 1.0}],
                        headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert answer["rejected"] == 1
    _status, letters = server.get_json(f"/buildings/{server.building_id}/dead-letters"
                                       "?limit=500", token)
    letter = next(x for x in letters if x["device"] == "NO-SUCH-DEVICE")
    _sign_in(page, server, "admin", "/admin/dead-letters")
    expect(page.locator(".letter-count")).to_have_attribute("data-count", str(len(letters)))
    row = page.locator(".letter-table .el-table__body tr", has_text="NO-SUCH-DEVICE").first
    expect(row).to_contain_text(letter["reason"])
    _shot(page, "admin-dead-letters")
    assert page.problems == []


def test_a_gateway_token_is_shown_once_and_lets_the_gateway_send_readings(server, page):
    token = server.token("admin", DEMO_USERS["admin"][1])
    _status, devices = server.get_json(f"/buildings/{server.building_id}/devices", token)
    _sign_in(page, server, "admin", "/admin/device-tokens")
    page.fill(".token-device input", "gw-portal-test")
    page.click(".token-building")  # the gateway's building: the sample's
    page.locator(".el-select-dropdown__item:visible", has_text="Municipal").click()
    page.click(".issue-token")
    shown = page.locator(".token-value")
    expect(shown).to_have_text(re.compile(r"^\S{20,}$"))
    gateway_token = shown.inner_text().strip()
    # a level, not a counter: a counter's minimum would be refused as going backwards once the
    # simulator has counted past it
    device = next(d for d in devices if d["kind"] == "temperature")
    answer = httpx.post(f"{server.base}/ingest",
                        json=[{"device": device["key"], "ts": time.time(),
                               "value": device["min"]}],
                        headers={"Authorization": f"Bearer {gateway_token}"}, timeout=30)
    assert answer.status_code == 200 and answer.json()["stored"] == 1, answer.text
    _shot(page, "admin-device-tokens")
    page.reload()
    expect(page.locator(".token-form")).to_be_visible()
    assert page.locator(".token-value").count() == 0  # never shown again
    maintenance = server.token("maintenance", DEMO_USERS["maintenance"][1])
    status, _body = server.post_json("/device-tokens", {"device": "x"}, maintenance)
    assert status == 403  # users.manage only; the page is not in maintenance's navigation
    assert page.problems == []


def test_the_alarm_console_says_when_the_stream_drops_and_reconnects(server, page):
    _sign_in(page, server, "maintenance", "/maintenance/alarms")
    expect(page.locator("[data-testid=live]")).to_be_visible(timeout=20_000)
    banner = page.locator(".stream-dropped")
    assert banner.count() == 0
    server.stop()  # the push stream drops with the server
    try:
        expect(banner).to_be_visible(timeout=20_000)
        expect(banner).to_contain_text("实时推送已断开")
    finally:
        server.start()  # same port, same data
    expect(banner).to_have_count(0, timeout=60_000)  # reconnected (2 s, then 4 s …)
    expect(page.locator("[data-testid=live]")).to_be_visible()
    assert page.problems == []


def test_issuing_due_schedules_opens_the_work_orders_the_page_counts(server, page):
    token = server.token("maintenance", DEMO_USERS["maintenance"][1])
    building = server.building_id
    _status, plan = server.get_json(f"/buildings/{building}/schedules?horizon_days=90", token)
    assert plan["schedules"] and plan["due"], "the demo has nothing falling due in 90 days"
    _sign_in(page, server, "maintenance", "/maintenance/schedules")
    expect(page.locator(".schedules-table .el-table__body tr")).to_have_count(
        len(plan["schedules"]))
    due_rows = page.locator(".due-table .el-table__body tr")
    expect(due_rows).to_have_count(len(plan["due"]))
    late = sum(d["overdue"] for d in plan["due"])
    expect(page.locator(".due-table .overdue")).to_have_count(late)
    first = plan["due"][0]
    expect(due_rows.first).to_contain_text(first["name"] or first["equipment"])
    _status, before = server.get_json(f"/buildings/{building}/work-orders", token)
    with page.expect_response(lambda r: "/schedules/issue" in r.url) as answer:
        page.get_by_role("button", name="生成到期工单").click()
    made = answer.value.json()
    assert answer.value.status == 200 and made
    shown = page.locator("[data-testid=issued-count]")
    expect(shown).to_have_attribute("data-count", str(len(made)))
    expect(shown).to_contain_text(f"已生成 {len(made)} 张工单")
    _status, after = server.get_json(f"/buildings/{building}/work-orders", token)
    new_ids = {o["work_order_id"] for o in after} - {o["work_order_id"] for o in before}
    assert new_ids == {o["work_order_id"] for o in made}
    _shot(page, "maintenance-schedules")
    assert page.locator(".api-error").count() == 0
    assert page.problems == []


def test_the_technician_sees_the_round_of_their_work_orders(server, page):
    token = server.token("maintenance", DEMO_USERS["maintenance"][1])
    building = server.building_id
    _status, orders = server.get_json(f"/buildings/{building}/work-orders?open_only=true", token)
    placed = [o for o in orders if o["equipment_global_id"] or o["space_global_id"]]
    if not placed:  # run alone: the schedules test has not opened any yet
        answer = httpx.post(f"{server.base}/buildings/{building}/schedules/issue",
                            params={"horizon_days": 90}, timeout=60,
                            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        placed = answer.json()
    assert placed, "no open work order with a place in the demo building"
    order = placed[0]
    status, _body = server.post_json(
        f"/buildings/{building}/work-orders/{order['work_order_id']}/assign",
        {"assignee": "maintenance"}, token)
    assert status == 200
    _status, trip = server.get_json(f"/buildings/{building}/round?assignee=maintenance", token)
    _sign_in(page, server, "maintenance", "/maintenance/round")
    expect(page.locator(".round-order", has_text=order["work_order_id"])).to_have_count(1)
    length = page.locator(".round-length")
    expect(length).to_have_attribute("data-length", re.compile(r"^\d"))
    assert float(length.get_attribute("data-length")) == trip["length_m"] > 0
    stops = page.locator(".round-table .el-table__body tr")
    expect(stops).to_have_count(len(trip["order"]))
    # a stop is named as the walk names it (equipment or room), its GlobalId kept in data-gid
    names = {step["global_id"]: step["name"] for leg in trip["legs"] for step in leg["steps"]
             if step["name"]}
    first = stops.first.locator(".round-target")
    expect(first).to_have_attribute("data-gid", trip["order"][0])
    expect(first).to_have_text(names.get(trip["order"][0], trip["order"][0]))
    target = order["equipment_global_id"] or order["space_global_id"]
    row = stops.filter(has=page.locator(f".round-target[data-gid='{target}']"))
    expect(row).to_contain_text(order["title"])
    assert stops.locator(".locate").count() == len(trip["order"])
    _shot(page, "maintenance-round")
    assert page.problems == []


def test_the_round_without_work_orders_shows_the_server_message(server, page):
    _sign_in(page, server, "manager", "/maintenance/round")
    token = server.token("manager", DEMO_USERS["manager"][1])
    status, body = server.get_json(f"/buildings/{server.building_id}/round?assignee=manager",
                                   token)
    assert status == 404
    expect(page.locator(".round-empty")).to_contain_text(body["error"]["message"])
    assert page.locator(".round-table").count() == 0


def test_the_audit_log_lists_the_user_the_admin_added(server, page):
    _sign_in(page, server, "admin", "/admin/users")
    page.fill(".new-username input", "auditor")
    page.fill(".new-password input", "auditor-password-2026")
    page.click(".new-role")
    page.locator(".el-select-dropdown__item:visible", has_text="房管专员").click()
    page.click(".add-user")
    expect(page.locator(".user-table .el-table__body tr", has_text="auditor")).to_have_count(1)
    page.locator("[data-nav=adminAudit]").click()
    table = page.locator(".audit-table")
    row = table.locator(".el-table__body tr", has_text="auditor").first
    expect(row).to_contain_text("user.add")
    expect(row).to_contain_text("admin")
    page.click(".audit-action")
    page.locator(".el-select-dropdown__item:visible", has_text="user.remove").click()
    expect(table).not_to_contain_text("auditor")
    page.click(".audit-action")
    page.locator(".el-select-dropdown__item:visible", has_text="user.add").click()
    expect(table.locator(".el-table__body tr").first).to_contain_text("auditor")
    _status, log = server.get_json("/audit?action=user.add",
                                   server.token("admin", DEMO_USERS["admin"][1]))
    expect(page.locator("[data-testid=audit-count]")).to_contain_text(f"共 {log['total']} 条")
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "admin-audit")
    assert page.problems == []


def test_a_room_row_opens_its_detail_with_occupants_areas_and_flags(server, page):
    token = server.token("housing", DEMO_USERS["housing"][1])
    building = server.building_id
    _status, report = server.get_json(f"/buildings/{building}/compliance?verdict=over", token)
    room = next(r for r in report["rooms"] if r["occupants"] and r["limit_m2"])
    _status, allocations = server.get_json(f"/buildings/{building}/allocations", token)
    people = {p["person_id"]: p for p in allocations["people"]}
    _sign_in(page, server, "housing", f"/housing/rooms?q={room['room']}")
    page.locator(".room-table .el-table__body tr", has_text=room["room"]).first.click()
    drawer = page.locator(".room-drawer")
    expect(drawer).to_be_visible()
    expect(drawer.locator(".el-drawer__title")).to_contain_text(room["room"])
    occupants = drawer.locator(".drawer-occupants .el-table__body tr")
    expect(occupants).to_have_count(len(room["occupants"]))
    for person_id in room["occupants"]:
        person = people[person_id]
        expect(occupants.filter(has_text=person["name"])).to_contain_text(person["grade"])
    for source, area in room["areas"].items():
        cell = drawer.locator(".drawer-areas tr", has=page.locator(f"[data-source={source}]"))
        expect(cell).to_contain_text("—" if area is None else f"{area:.2f}")
    used = room["area_source"].split("+")[0]
    expect(drawer.locator(".drawer-areas tr", has=page.locator(f"[data-source={used}]"))
           .locator(".used")).to_be_visible()
    expect(drawer.locator(".drawer-limit")).to_have_text(f"{room['limit_m2']:.2f}")
    for flag in room["flags"]:
        expect(drawer.locator(".drawer-flags")).to_contain_text(flag)
    expect(drawer.locator(".drawer-reason")).to_have_text(room["reason"])
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    assert page.problems == []


def test_the_admin_reads_a_revisions_model_quality_report(server, page):
    admin = server.token("admin", DEMO_USERS["admin"][1])
    status, report = server.get_json(
        f"/buildings/{server.building_id}/revisions/1/quality", admin)
    assert status == 200
    _sign_in(page, server, "admin", "/admin/buildings")
    row = page.locator(".building-table .el-table__row", has_text="Municipal")
    row.get_by_text("版本记录").click()
    row.locator(".el-table__expand-icon").click()
    page.locator(".show-quality").first.click()
    shown = page.locator(".quality-report[data-revision='1']")
    expect(shown).to_be_visible()
    expect(shown.locator(".quality-verdict")).to_contain_text(
        "通过" if report["passed"] else "未通过")
    rows = shown.locator(".quality-table .el-table__body tr")
    expect(rows).to_have_count(len(report["requirements"]))
    for requirement in report["requirements"]:
        line = rows.filter(has_text=requirement["name"]).first
        expect(line.locator(".quality-failing")).to_have_text(
            f"{requirement['failed']} / {requirement['applicable']}")
        expect(line.locator(".quality-status")).to_have_attribute("data-status",
                                                                requirement["status"])
    doors = next(r for r in report["requirements"] if r["name"] == "door-in-wall")
    if doors["status"] == "failed" and not doors["blocking"]:  # the sample: doors in no wall
        expect(rows.filter(has_text="door-in-wall").first).to_contain_text("警告")
    _shot(page, "admin-quality")
    assert page.problems == []


def test_a_housing_officer_sets_a_rooms_use_in_the_use_table(server, page):
    housing = server.token("housing", DEMO_USERS["housing"][1])
    status, uses = server.get_json(f"/buildings/{server.building_id}/space-uses?limit=5000",
                                   housing)
    assert status == 200
    office = next(r for r in uses["items"] if r["use"] == "office")
    _sign_in(page, server, "housing", "/housing/space-uses")
    table = page.locator(".space-use-table")
    expect(table.locator(".el-table__body tr").first).to_be_visible(timeout=30_000)
    page.fill(".filter-q input", office["name"])
    row = table.locator(".el-table__body tr", has_text=office["name"]).first
    expect(row).to_contain_text("办公室")
    row.locator(".edit-use").click()
    page.locator(".override-use").click()
    page.locator(".override-use-popper .el-select-dropdown__item", has_text="会议室").click()
    page.fill(".override-note input", "改作小会议室")
    page.locator(".save-use").click()
    expect(row).to_contain_text("人工核定")
    expect(row).to_contain_text("改作小会议室")
    status, after = server.get_json(f"/buildings/{server.building_id}/space-uses"
                                    "?source=override", housing)
    assert [(r["global_id"], r["use"]) for r in after["items"]] == [
        (office["global_id"], "meeting")]
    _shot(page, "housing-space-uses")
    row.locator(".clear-use").click()
    expect(row).not_to_contain_text("人工核定")
    assert page.problems == []


def test_an_admin_hands_a_building_to_a_user(server, page):
    admin = server.token("admin", DEMO_USERS["admin"][1])
    _sign_in(page, server, "admin", "/admin/users")
    row = page.locator(".user-table .el-table__row", has_text="viewer").first
    expect(row.locator(".scope-list")).to_contain_text("Municipal")
    row.locator(".edit-scope").click()
    page.locator(".scope-buildings .el-tag__close").first.click()  # take the sample away
    page.locator(".save-scope").click()
    expect(row.locator(".scope-list")).to_have_text("无")
    status, scope = server.get_json("/users/viewer/buildings", admin)
    assert status == 200 and scope["buildings"] == []
    row.locator(".edit-scope").click()
    page.locator(".scope-buildings").click()
    page.locator(".scope-popper .el-select-dropdown__item", has_text="Municipal").click()
    page.keyboard.press("Escape")
    page.locator(".save-scope").click()
    expect(row.locator(".scope-list")).to_contain_text("Municipal")
    status, scope = server.get_json("/users/viewer/buildings", admin)
    assert scope["buildings"] == [server.building_id]
    _shot(page, "admin-user-scopes")
    assert page.problems == []
