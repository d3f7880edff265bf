"""The 公物仓 workspace in a real browser (Chromium via Playwright) on a live demo server: a
staff member reserves an item from the catalogue, the unit head and the pool administrator
approve it (two levels), the pool hands it over, the borrower confirms and returns it, the pool
inspects it back into stock; the reports page shows the sample pool's figures.

Screenshots: docs/screenshots/portal-assets-*.png.
"""

from __future__ import annotations

import pytest
from browser import REPO, signed_in_page
from playwright.sync_api import expect

from twin.demo import DEMO_USERS

SCREENSHOTS = REPO / "docs" / "screenshots"
NAME = "浏览器测试笔记本"



@pytest.fixture(scope="module")
def server(portal_server):
    """The shared demo server (conftest)."""
    return portal_server



def _page(browser, server, username, path):
    return signed_in_page(browser, server, username, path, height=860)


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / f"portal-assets-{name}.png"), full_page=True)


def _tab(page, name):
    page.click(f".request-tabs #tab-{name}")


def test_request_two_approvals_hand_over_return_and_inspection(server, browser):
    pool_token = server.token("pool", DEMO_USERS["pool"][1])
    status, created = server.post_json("/assets", {
        "name": NAME, "asset_class": "it", "building": server.building_id, "room": "GF-021",
        "value": 6800, "owner_unit": "U04", "model": "ThinkPad X1"}, pool_token)
    assert status == 201
    asset = created["id"]

    staff = _page(browser, server, "staff", "/pool/catalogue")
    expect(staff.locator("[data-nav=poolCatalogue]")).to_be_visible()
    staff.fill(".asset-search input", NAME)
    staff.press(".asset-search input", "Enter")
    row = staff.locator(".asset-table tbody tr", has_text=NAME)
    expect(row).to_have_count(1)
    row.locator("button.reserve").click()
    expect(staff.locator(".availability")).to_contain_text("可借")
    _shot(staff, "reserve")
    staff.click("button.submit-reservation")
    expect(staff.locator(".submitted")).to_be_visible()

    manager = _page(browser, server, "manager", "/pool/requests")
    _tab(manager, "inbox")
    manager.locator(".inbox-table tbody tr", has_text=NAME).locator("button.approve").click()
    expect(manager.locator(".inbox-table tbody tr", has_text=NAME)).to_have_count(0)

    pool = _page(browser, server, "pool", "/pool/requests")
    _tab(pool, "inbox")
    pending = pool.locator(".inbox-table tbody tr", has_text=NAME)
    expect(pending).to_contain_text("处室负责人")
    _shot(pool, "approvals")
    pending.locator("button.approve").click()
    expect(pending).to_have_count(0)
    _tab(pool, "desk")
    pool.locator(".desk-table tbody tr", has_text=NAME).locator("button.hand-over").click()
    expect(pool.locator(".desk-table tbody tr", has_text=NAME)).to_have_count(0)

    staff.goto(f"{server.base}/pool/requests")
    mine = staff.locator(".mine-table tbody tr", has_text=NAME)
    expect(mine).to_contain_text("待确认领用")
    mine.locator("button.confirm").click()
    expect(mine).to_contain_text("借用中")
    _shot(staff, "my-requests")
    mine.locator("button.return").click()
    expect(mine).to_contain_text("已归还待验")

    pool.reload()
    _tab(pool, "desk")
    pool.locator(".inspect-table tbody tr", has_text=NAME).locator("button.inspect").click()
    expect(pool.locator(".inspect-table tbody tr", has_text=NAME)).to_have_count(0)

    status, history = server.get_json(f"/assets/{asset}/history", pool_token)
    assert status == 200
    assert [(h["to_state"], h["actor"]) for h in history] == [
        ("available", "pool"), ("reserved", "pool"), ("on_loan", "staff"),
        ("returned", "staff"), ("available", "pool")]
    for page in (staff, manager, pool):
        assert not page.problems, page.problems


def test_reports_show_the_sample_pool(server, browser):
    page = _page(browser, server, "manager", "/pool/reports")
    expect(page.locator("[data-testid=asset-kpi-total]")).not_to_have_text("", timeout=20_000)
    total = int(page.locator("[data-testid=asset-kpi-total]").inner_text())
    assert total >= 480
    assert int(page.locator("[data-testid=asset-kpi-overdue]").inner_text()) >= 4
    expect(page.locator(".charts canvas")).to_have_count(3)
    _shot(page, "reports")
    page.goto(f"{server.base}/pool/catalogue")
    expect(page.locator(".asset-table tbody tr").first).to_be_visible(timeout=20_000)
    _shot(page, "catalogue")
    assert not page.problems, page.problems
