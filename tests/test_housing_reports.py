"""The rectification report (整改方案) downloaded through the API as XLSX and PDF: the same
report as ``GET …/rectification`` and ``GET …/compliance``, for a chosen date and rule set."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from http_helpers import auth as _auth
from http_helpers import sign_in_all
from openpyxl import load_workbook

from bim_models.sample.people import SAMPLE_DATE
from twin.api import create_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def setup(demo_copy):
    settings, state = demo_copy
    with TestClient(create_app(settings)) as client:
        yield client, sign_in_all(client), state.building_id


def test_the_xlsx_report_holds_the_rooms_and_actions_of_the_plan(setup):
    client, tokens, building = setup
    query = {"date": SAMPLE_DATE.isoformat(), "rules": "cn-2014"}
    answer = client.get(f"/buildings/{building}/rectification.xlsx", params=query,
                        headers=_auth(tokens, "housing"))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == XLSX
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment") and \
        f"building-{building}-rectification-{SAMPLE_DATE}.xlsx" in disposition
    workbook = load_workbook(io.BytesIO(answer.content))
    assert workbook.sheetnames == ["Summary", "Rooms", "People", "Actions"]
    compliance = client.get(f"/buildings/{building}/compliance", params=query,
                            headers=_auth(tokens, "housing")).json()
    plan = client.get(f"/buildings/{building}/rectification", params=query,
                      headers=_auth(tokens, "housing")).json()
    assert workbook["Rooms"].max_row - 1 == len(compliance["rooms"]) > 50
    assert workbook["Actions"].max_row - 1 == len(plan["actions"]) > 0
    assert workbook["People"].max_row - 1 == len(compliance["people"])


def test_the_pdf_report_is_a_pdf_with_the_storey_plans(setup):
    client, tokens, building = setup
    answer = client.get(f"/buildings/{building}/rectification.pdf",
                        params={"date": SAMPLE_DATE.isoformat()},
                        headers=_auth(tokens, "manager"))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert answer.content.rstrip().endswith(b"%%EOF")
    pages = answer.content.count(b"/Type /Page") - answer.content.count(b"/Type /Pages")
    assert pages >= 6  # summary, findings, people and one plan per judged storey (5)
    assert "rectification" in answer.headers["content-disposition"]


def test_the_reports_need_housing_read_and_a_known_rule_set(setup):
    client, tokens, building = setup
    for suffix in ("xlsx", "pdf"):
        answer = client.get(f"/buildings/{building}/rectification.{suffix}",
                            headers=_auth(tokens, "viewer"))
        assert answer.status_code == 403, suffix
        assert "housing.read" in answer.json()["error"]["message"]
        answer = client.get(f"/buildings/{building}/rectification.{suffix}",
                            params={"rules": "/etc/passwd.toml"},
                            headers=_auth(tokens, "housing"))
        assert answer.status_code in (400, 422), suffix
        assert "rule set" in answer.json()["error"]["message"]
    answer = client.get(f"/buildings/{building}/rectification.xlsx")
    assert answer.status_code == 401
