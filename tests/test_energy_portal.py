"""The 数字节能 page of the web portal in a real browser (Debian's Chromium, Playwright)
against a real server on the demo: a year by category, the meter tree with the
double-counting pair, the planted night load among the anomalies, the main meter's baseline
with its G14 verdict, the quota gauges, the alarms and the yearly report download.

The screenshot goes to docs/screenshots/portal-energy.png.
"""

from __future__ import annotations

import pytest
from browser import REPO, launch_chromium
from playwright.sync_api import expect, sync_playwright

from twin.demo import DEMO_USERS

SCREENSHOTS = REPO / "docs" / "screenshots"


@pytest.fixture(scope="module")
def server(portal_server):
    """The shared demo server (conftest)."""
    return portal_server


@pytest.fixture(scope="module")
def page(server):
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        context = chromium.new_context(viewport={"width": 1366, "height": 900},
                                       locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.problems = problems
        yield page
        context.close()
        chromium.close()


def test_the_energy_page_shows_the_year_the_faults_and_the_baseline(server, page):
    page.goto(f"{server.base}/energy")
    page.wait_for_selector(".signin-card")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", DEMO_USERS["admin"][1])
    page.click(".signin-submit")
    expect(page.locator("[data-testid=energy-total]")).to_be_visible(timeout=60_000)
    assert page.locator("[data-testid=nav] [data-nav=energy]").count() == 1
    expect(page.locator("[data-testid=energy-anomalies]")).to_contain_text("EN-3F-LS",
                                                                          timeout=60_000)
    expect(page.locator("[data-testid=energy-anomalies]")).to_contain_text("EN-4F-BOARD")
    expect(page.locator("[data-testid=energy-tree] tr.dc")).to_contain_text("EN-4F-BOARD")
    expect(page.locator("[data-testid=energy-baseline]")).to_contain_text("CV(RMSE)")
    expect(page.locator("[data-testid=energy-baseline]")).to_contain_text("满足 ASHRAE G14")
    assert page.locator("[data-testid=energy-gauge]").count() == 4
    assert page.locator("[data-testid=energy-stacked] canvas").count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)  # charts animate in
    page.screenshot(path=str(SCREENSHOTS / "portal-energy.png"), full_page=True)
    page.click("text=立即检查并告警")
    expect(page.locator(".checked")).to_contain_text("2", timeout=30_000)
    with page.expect_download() as caught:
        page.click("[data-testid=energy-xlsx]")
    assert caught.value.suggested_filename.endswith(".xlsx")
    token = server.token("maintenance", DEMO_USERS["maintenance"][1])
    _status, alarms = server.get_json(f"/buildings/{server.building_id}/alarms", token)
    assert {("energy.base_load_ratio", "EN-3F-LS"), ("energy.double_counting", "EN-4F-BOARD")} \
        <= {(a["rule"], a["source"]) for a in alarms}
    assert page.problems == []
