"""The rectification report (XLSX, HTML, PDF) of the sample building."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

import pytest

from twin.housing.report_files import (
    ACTIONS,
    DEADLINE_DAYS,
    VERDICT_LABELS,
    action_items,
    cjk_fonts,
    department_summary,
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
    report, rows = sample["report"], department_summary(sample["report"], sample["allocations"])
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
    items = action_items(report, sample["allocations"])
    judged = sum(v.verdict != "compliant" for v in report.rooms)
    flags = sum(len(v.flags) for v in report.rooms)
    assert len(items) == judged + flags + len(report.people)
    for item in items:
        assert item["action"] == ACTIONS[item["finding"]][0]
        assert item["deadline"] == report.day + timedelta(days=DEADLINE_DAYS)
    kinds = Counter(i["finding"] for i in items)
    assert kinds["multiple_offices"] == 1 and kinds["not_reclaimed"] == 2


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
