"""The 会议 workspace in a real browser (Chromium via Playwright) on a live demo server: a staff
member finds a free room and books it as a one-step request with a visitor; the manager
approves it; the door panel shows a room and books a free one for now; the utilisation page
shows the demo week's ghost rate (the same figure as the API).

Screenshots: docs/screenshots/portal-meetings-*.png.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

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
    return signed_in_page(browser, server, username, path, timezone_id="Asia/Shanghai")


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / f"portal-meetings-{name}.png"), full_page=True)


def test_find_book_with_a_visitor_and_approve(server, browser):
    page = _page(browser, server, "staff", "/meeting/find")
    expect(page.locator("[data-nav=meetingFind]")).to_be_visible()
    page.locator(".people input").fill("20")
    page.click(".search")
    rows = page.locator(".rooms-table .el-table__body tr")
    expect(rows.first).to_be_visible()
    expect(rows.first).to_contain_text("Meeting room (large)")
    _shot(page, "find")
    rows.first.locator(".book").click()
    page.locator(".title-input input").fill("浏览器测试评审会")
    page.locator(".visitors-input textarea").fill("王明,110101198803071234,市发改委,京A12345")
    page.click(".confirm-book")
    booked = page.locator(".booked")
    expect(booked).to_contain_text(re.compile(r"BK-\d{6}"))
    expect(booked).to_contain_text("待审批")
    booking = re.search(r"BK-\d{6}", booked.inner_text()).group(0)
    assert page.problems == []
    page.context.close()

    page = _page(browser, server, "manager", "/meeting/mine")
    pending = page.locator(".approvals-table .el-table__body tr", has_text=booking)
    expect(pending).to_have_count(1)
    _shot(page, "approvals")
    pending.locator(".approve").click()
    expect(page.locator(".el-alert--success")).to_contain_text(booking)
    expect(page.locator(".approvals-table .el-table__body tr", has_text=booking)
           ).to_have_count(0)
    token = server.token("staff", DEMO_USERS["staff"][1])
    _status, detail = server.get_json(f"/buildings/{server.building_id}/bookings/{booking}",
                                      token)
    assert detail["state"] == "confirmed" and detail["parking"] == ["京A12345"]
    assert detail["visitors"][0]["id_number"] == "1101**********1234"
    assert page.problems == []
    page.context.close()


def test_door_panel_and_utilisation_with_the_ghost_rate(server, browser):
    page = _page(browser, server, "manager", "/meeting/panel")
    panel = page.locator("[data-testid=door-panel]")
    expect(panel).to_be_visible()
    expect(panel.locator(".number")).to_have_text(re.compile(r"^\w+-0\d\d$"))
    token = server.token("manager", DEMO_USERS["manager"][1])
    now = datetime.now(UTC)
    _status, free = server.get_json(
        f"/meetings/find?attendees=1&start={now:%Y-%m-%dT%H:%M:%SZ}"
        f"&end={now + timedelta(minutes=35):%Y-%m-%dT%H:%M:%SZ}", token)
    number = free[0]["number"]
    page.click(".room-select")
    page.locator(".el-select-dropdown__item", has_text=f"{number} ").click()
    expect(panel.locator(".number")).to_have_text(number)
    panel.locator(".book-now").click()  # the room is free: use it now
    expect(panel.locator(".now .title")).to_have_text("临时会议")
    _shot(page, "panel")
    page.goto(f"{server.base}/meeting/utilisation")
    _status, use = server.get_json(f"/buildings/{server.building_id}/meetings/utilisation",
                                   token)
    assert 0 < use["ghost_rate"] < 1
    ghost = page.locator("[data-testid=ghost-rate]")
    # The page rounds halves up (Math.round); Python's round() would take 18.5 to 18.
    expect(ghost).to_have_text(f"{math.floor(use['ghost_rate'] * 100 + 0.5)} %")
    expect(page.locator(".use-table .el-table__body tr")).to_have_count(18)
    _shot(page, "utilisation")
    assert page.problems == []
    page.context.close()
