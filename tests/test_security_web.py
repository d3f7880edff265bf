"""The 安防 and 车管 workspaces in a real browser (Chromium via Playwright) on a live demo server:
a forced door sent to POST /events shows in the security console with its place and route, a
guard is dispatched from there; the door map colours the forced door; the vehicles workspace
shows the car park's 60 bays live and the fleet calendar.

Screenshots: docs/screenshots/portal-security-*.png.
"""

from __future__ import annotations

import time

import pytest
from browser import REPO, signed_in_page
from playwright.sync_api import expect

from twin.demo import DEMO_USERS

SCREENSHOTS = REPO / "docs" / "screenshots"



@pytest.fixture(scope="module")
def server(portal_server):
    """The shared demo server (conftest)."""
    return portal_server



def _page(browser, server, username, path):
    return signed_in_page(browser, server, username, path)


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / f"portal-security-{name}.png"), full_page=True)


def test_forced_door_in_the_console_with_route_and_dispatch(server, browser):
    token = server.token("admin", DEMO_USERS["admin"][1])
    now = time.time()
    status, result = server.post_json("/events", [
        {"device": "RD-ENTRANCE", "ts": now - 20, "type": "access.granted",
         "credential": "0012345678"},
        {"device": "DC-ENTRANCE", "ts": now - 18, "type": "door.opened"},
        {"device": "DC-PLANT", "ts": now - 5, "type": "door.opened"}], token)
    assert status == 200 and result["stored"] == 3
    page = _page(browser, server, "security", "/security/console")
    expect(page.locator("[data-nav=securityConsole]")).to_be_visible()
    row = page.locator(".security-alarms tbody tr", has_text="door_forced")
    expect(row).to_have_count(1)
    expect(row.locator(".alarm-where")).to_contain_text("B1")
    expect(row.locator(".alarm-route")).to_contain_text("→")
    expect(page.locator(".door-map .door-dot[data-state=open]").first).to_be_attached()
    expect(page.locator(".event-table tbody tr").first).to_be_visible()
    _shot(page, "console")
    row.locator("button.dispatch").click()
    expect(row.locator(".dispatched")).to_contain_text("security")
    assert not page.problems, page.problems


def test_the_vehicle_workspace_shows_the_car_park_live_and_the_calendar(server, browser):
    page = _page(browser, server, "security", "/vehicles")
    expect(page.locator(".park-card .bay")).to_have_count(60)
    free = int(page.locator("[data-testid=bays-free]").inner_text())
    token = server.token("admin", DEMO_USERS["admin"][1])
    now = time.time()
    status, _ = server.post_json("/events", [
        {"device": f"P1-{n:03d}", "ts": now - 2, "type": "parking.spot.changed",
         "status": "free"} for n in range(1, 61)], token)
    assert status == 200
    page.reload()
    expect(page.locator("[data-testid=bays-free]")).to_have_text("60")
    assert free <= 60
    expect(page.locator(".fleet-table tbody tr")).to_have_count(8)
    expect(page.locator(".booking").first).to_be_visible()
    expect(page.locator("[data-testid=disclosure]")).to_contain_text("km")
    status, _ = server.post_json("/events", [
        {"device": f"P1-{n:03d}", "ts": now - 1, "type": "parking.spot.changed",
         "status": "occupied" if n < 38 else "closed"} for n in (*range(1, 38), 60)], token)
    assert status == 200
    page.reload()
    expect(page.locator("[data-testid=bays-free]")).to_have_text("22")
    expect(page.locator(".bay[data-status=occupied]")).to_have_count(37)
    _shot(page, "vehicles")
    staff = _page(browser, server, "staff", "/vehicles")
    expect(staff.locator("[data-nav=securityConsole]")).to_have_count(0)
    expect(staff.locator(".fleet-table tbody tr")).to_have_count(8)
    assert not page.problems and not staff.problems, page.problems + staff.problems
