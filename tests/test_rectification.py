"""The rectification policy (spaces.rectification) and its report (XLSX, HTML, PDF) of the
sample building."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from spaces.allocations import Allocations, Person
from spaces.choices import ACTIONS
from spaces.compliance import ComplianceReport, PersonFinding, RoomVerdict
from spaces.rectification import (
    DEADLINE_DAYS,
    UNASSIGNED,
    action_items,
    department_summary,
    rectification_plan,
)
from twin.housing.report_files import (
    VERDICT_LABELS,
    cjk_fonts,
    render_verdict_plans,
    write_html,
    write_pdf,
    write_xlsx,
)


@pytest.fixture(scope="module")
def sample(compliance_sample):
    """The sample building's compliance report (built once per session, in conftest)."""
    return compliance_sample


def _counts(report) -> Counter:
    return Counter(v.verdict for v in report.rooms)


def _storeys_judged(report) -> set[str]:
    return {v.storey for v in report.rooms}


def test_department_summary_adds_up_to_the_report(sample):
    report = sample["report"]
    rows = [d.to_dict() for d in department_summary(report, sample["allocations"])]
    assert len({r["department"] for r in rows}) == len(rows)
    assert sum(r["offices"] for r in rows) == len(report.rooms)
    for verdict, count in _counts(report).items():
        assert sum(r[verdict] for r in rows) == count
    assert sum(r["over_standard"] for r in rows) == _counts(report)["over"] + _counts(report)[
        "shared_over"]
    assert sum(r["excess_m2"] for r in rows) == pytest.approx(
        sum(v.excess_m2 or 0 for v in report.rooms))
    assert sum(r["people_findings"] for r in rows) == len(report.people)


def test_every_finding_has_an_action_and_a_deadline(sample):
    report = sample["report"]
    items = [i.to_dict() for i in action_items(report, sample["allocations"])]
    judged = sum(v.verdict != "compliant" for v in report.rooms)
    flags = sum(len(v.flags) for v in report.rooms)
    assert len(items) == judged + flags + len(report.people)
    for item in items:
        assert item["action"] == ACTIONS[item["finding"]][0]
        assert item["deadline"] == report.day + timedelta(days=DEADLINE_DAYS)
    kinds = Counter(i["finding"] for i in items)
    assert kinds["multiple_offices"] == 1 and kinds["not_reclaimed"] == 2


def _verdict(room, verdict, occupants=(), excess=None, flags=()):
    return RoomVerdict(f"gid-{room}", room, "1F", verdict, tuple(occupants), 12.0, 20.0,
                       "geometry", {}, excess, None, f"why {room}", (), tuple(flags))


def _person(pid, department):
    return Person(pid, f"name {pid}", department, "市", False, "局(处)级以下", "active", None)


def test_policy_on_a_small_report_departments_ties_and_unassigned_last():
    people = {p.person_id: p for p in (_person("a", "财务处"), _person("b", "办公室"),
                                       _person("c", "财务处"))}
    allocations = Allocations(people=people)
    report = ComplianceReport(day=date(2026, 3, 1), rule_set="cn-2014", rooms=[
        _verdict("101", "over", ["a"], excess=8.0),
        _verdict("102", "shared_over", ["a", "b"], excess=4.5),  # a tie: first by name
        _verdict("103", "vacant", flags=["area_discrepancy"]),
        _verdict("104", "compliant", ["c"], flags=["under_used"]),
    ], people=[PersonFinding("b", "name b", "办公室", "multiple_offices", ("101", "102"),
                             "holds 2 rooms")])
    plan = rectification_plan(report, allocations, today=date(2026, 4, 10))
    assert [d.department for d in plan.departments] == ["办公室", "财务处", UNASSIGNED]
    office, finance, nobody = plan.departments
    assert (office.offices, office.verdicts["shared_over"], office.excess_m2,
            office.people_findings) == (1, 1, 4.5, 1)
    assert (finance.offices, finance.over_standard, finance.excess_m2) == (2, 1, 8.0)
    assert nobody.verdicts["vacant"] == 1 and nobody.over_standard == 0
    assert [(a.department, a.subject, a.finding) for a in plan.actions] == [
        ("办公室", "102", "shared_over"), ("办公室", "name b (b)", "multiple_offices"),
        ("财务处", "101", "over"), ("财务处", "104", "under_used"),
        (UNASSIGNED, "103", "vacant"), (UNASSIGNED, "103", "area_discrepancy")]
    assert plan.deadline == date(2026, 5, 10) == plan.actions[0].deadline
    assert {a.deadline for a in plan.actions} == {plan.deadline}
    assert [a.about_person for a in plan.actions] == [False, True, False, False, False, False]
    assert plan.actions[1].rooms == ("101", "102") and plan.actions[1].storey == ""
    data = plan.to_dict()
    assert data["issued"] == date(2026, 4, 10) and data["day"] == date(2026, 3, 1)
    assert list(data["departments"][0])[:3] == ["department", "offices", "compliant"]
    assert data["actions"][0]["action_en"] == ACTIONS["shared_over"][1]


def test_plan_of_the_sample_is_its_departments_and_actions(sample):
    report, allocations = sample["report"], sample["allocations"]
    plan = rectification_plan(report, allocations)
    assert plan.issued == report.day and plan.rule_set == report.rule_set
    assert list(plan.departments) == department_summary(report, allocations)
    assert list(plan.actions) == action_items(report, allocations)
    later = rectification_plan(report, allocations, today=report.day + timedelta(days=5))
    assert later.deadline == plan.deadline + timedelta(days=5)
    assert [a.subject for a in later.actions] == [a.subject for a in plan.actions]


def test_xlsx_has_its_sheets_one_row_per_room_and_numbers(sample, tmp_path):
    from openpyxl import load_workbook

    report = sample["report"]
    path = write_xlsx(report, sample["allocations"], tmp_path / "out" / "report.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", "Rooms", "People", "Actions"]
    rooms = list(wb["Rooms"].iter_rows(values_only=True))
    header, body = rooms[0], rooms[1:]
    assert len(body) == len(report.rooms)
    labels = {f"{zh} {en}": key for key, (zh, en) in VERDICT_LABELS.items()}
    verdict = header.index("结论 Verdict")
    assert Counter(labels[r[verdict]] for r in body) == _counts(report)
    for column in ("使用面积 Area m²", "标准 Limit m²", "超标 Excess m²", "超标比例 Excess %",
                   "人数 People"):
        values = [r[header.index(column)] for r in body if r[header.index(column)] is not None]
        assert values and all(isinstance(v, int | float) for v in values), column
    over = [r for r in body if labels[r[verdict]] == "over"]
    assert all(r[header.index("超标 Excess m²")] > 0 for r in over)
    for sheet in wb:
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    people = list(wb["People"].iter_rows(values_only=True))
    assert len(people) == len(report.people) + 1
    assert all(isinstance(r[-1], datetime) for r in people[1:])
    actions = list(wb["Actions"].iter_rows(values_only=True))
    assert len(actions) == len(action_items(report, sample["allocations"])) + 1


def test_html_lists_every_over_standard_room_and_embeds_the_plans(sample, tmp_path):
    report = sample["report"]
    plans = render_verdict_plans(report, sample["model"], sample["graph"], tmp_path / "plans")
    by_height = sorted(sample["model"].storeys.values(), key=lambda s: s.elevation)
    assert list(plans) == [s.name for s in by_height if s.name in _storeys_judged(report)]
    path = write_html(report, sample["allocations"], tmp_path / "report.html", plans=plans)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<style>" in text and "<link" not in text
    for v in report.rooms:
        if v.verdict in ("over", "shared_over"):
            assert f"<td>{v.room}</td>" in text
    assert text.count('src="data:image/png;base64,') == len(plans)
    for p in report.people:
        assert p.name in text


def test_pdf_has_summary_findings_people_and_one_plan_per_storey(sample, tmp_path):
    report = sample["report"]
    path = write_pdf(report, sample["allocations"], tmp_path / "report.pdf",
                     model=sample["model"], graph=sample["graph"])
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages >= 3 + len(_storeys_judged(report))
    if cjk_fonts():  # the Chinese is drawn with a CJK font (without one it shows boxes)
        assert cjk_fonts()[0].replace(" ", "").lower().encode() in data.lower()


def test_pdf_without_a_model_or_a_cjk_font_is_still_written(sample, tmp_path, monkeypatch):
    monkeypatch.setattr("twin.housing.report_files.cjk_fonts", lambda: ())  # Chinese drawn as boxes
    path = write_pdf(sample["report"], sample["allocations"], tmp_path / "plain.pdf",
                     organisation="测试局", building="Test building")
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) >= 3
    assert b"NotoSansCJK" not in data
