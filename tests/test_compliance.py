"""Compliance on the sample building: exactly the cases the generator planted, nothing else."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import subprocess
import sys

import pytest

from bim_models.sample.people import SAMPLE_DATE
from spaces.allocations import AllocationImportError, read_allocations
from spaces.area_standards import rule_set_for
from spaces.compliance import assess, room_labels


@pytest.fixture(scope="module")
def sample(compliance_sample):
    """(plan, files, rooms, allocations, report, planted cases) of the sample building."""
    c = compliance_sample
    return c["plan"], c["files"], c["rooms"], c["allocations"], c["report"], c["cases"]


def _rooms(report, verdict):
    return sorted(v.room for v in report.rooms if v.verdict == verdict)


def test_the_import_of_the_sample_is_clean(sample):
    _, _, _, imported, _, _ = sample
    assert imported.problems == []
    assert len(imported.people) > 100


def test_rule_set_in_force_on_the_sample_date_is_2014(sample):
    assert sample[4].rule_set == "cn-2014"


@pytest.mark.parametrize("verdict,case", [
    ("over", "single_over"), ("shared_over", "shared_over"), ("vacant", "empty_offices"),
    ("not_office_space", "non_office_use"),
])
def test_room_verdicts_are_exactly_the_planted_cases(sample, verdict, case):
    _, _, _, _, report, cases = sample
    assert cases[case], f"the sample plants {case}"
    assert _rooms(report, verdict) == cases[case]


def test_every_other_office_is_compliant(sample):
    _, _, _, _, report, cases = sample
    assert _rooms(report, "compliant") == sorted(cases["single_within"] +
                                                 cases["shared_within"])


def test_person_findings_are_exactly_the_planted_cases(sample):
    _, _, _, _, report, cases = sample
    multiple = sorted(p.person_id for p in report.people if p.kind == "multiple_offices")
    reclaim = sorted(p.person_id for p in report.people if p.kind == "not_reclaimed")
    assert multiple == cases["two_offices"]
    assert reclaim == sorted(cases["retired_open"] + cases["transferred_open"])
    assert not set(cases["transferred_reclaimed"]) & set(reclaim)


def test_under_used_open_offices_are_flagged(sample):
    _, _, _, _, report, cases = sample
    flagged = sorted(v.room for v in report.rooms if "under_used" in v.flags)
    assert flagged == cases["under_used_open_offices"]


def test_open_plan_desks_are_counted_with_the_rule_sets_figure(sample):
    from spaces.utilisation import utilisation

    _, _, rooms, imported, report, cases = sample
    rule_set = rule_set_for(SAMPLE_DATE)
    roomy = dataclasses.replace(rule_set, open_plan_m2_per_desk=1000.0)
    silent = dataclasses.replace(rule_set, open_plan_m2_per_desk=None)
    dense = dataclasses.replace(rule_set, open_plan_m2_per_desk=4.5)

    def flagged(rules):
        judged = assess(rooms, imported, rules, day=SAMPLE_DATE)
        return {v.room for v in judged.rooms if "under_used" in v.flags}
    assert flagged(rule_set) == set(cases["under_used_open_offices"])
    assert flagged(roomy) == set() == flagged(silent)
    assert flagged(dense) >= set(cases["under_used_open_offices"])
    open_plan = {r.name: r for r in rooms if r.is_office and r.is_open_plan}
    assert open_plan

    def desks(rules):
        rows, _ = utilisation(rooms, imported, day=SAMPLE_DATE, rule_set=rules)
        return {r.key: r.desks for r in rows if r.level == "room" and r.key in open_plan}
    default = desks(None)  # the rule set in force on the day
    assert default == {n: max(1, int((r.area_geometry or r.area_qto) // 9.0))
                       for n, r in open_plan.items()}
    assert desks(dense) == {n: max(1, int((r.area_geometry or r.area_qto) // 4.5))
                            for n, r in open_plan.items()}
    assert all(d == 1 for d in desks(roomy).values())


def test_each_verdict_explains_itself(sample):
    report = sample[4]
    over = next(v for v in report.rooms if v.verdict == "over")
    assert over.area_source == "geometry" and over.limit_m2 > 0
    assert over.excess_m2 == pytest.approx(over.area_used - over.limit_m2, abs=1e-3)
    assert "exceeds the limit" in over.reason and over.rules[0].startswith("cn-2014")


def test_xlsx_import_equals_csv_import(sample):
    _, files, rooms, imported, _, _ = sample
    from_xlsx = read_allocations(files.allocations_xlsx, rooms=room_labels(rooms))
    assert from_xlsx.problems == []
    assert from_xlsx.assignments == imported.assignments
    assert from_xlsx.people.keys() == imported.people.keys()


def test_bad_rows_are_listed_and_good_rows_kept(sample, tmp_path):
    _, files, rooms, _, _, _ = sample
    rule_set = rule_set_for(SAMPLE_DATE)
    header = "person_id,name,department,org_level,subordinate,grade,status,status_date," \
             "room,from,to"
    lines = [header,
             "P1,甲,办公室,市,no,正局(处)级,active,,GF-002,2020-01-01,",
             "P2,乙,办公室,市,no,正局(处)级,active,,ZZ-999,2020-01-01,",
             "P3,丙,办公室,市,no,大领导,active,,GF-003,2020-01-01,",
             "P4,丁,办公室,市,no,副局(处)级,active,,GF-004,2020-13-01,",
             "P5,戊,办公室,市,no,副局(处)级,active,,GF-004,2021-01-01,2020-01-01",
             "P1,甲,办公室,市,no,正局(处)级,active,,GF-002,2021-01-01,",
             "P6,己,办公室,市,maybe,副局(处)级,active,,GF-004,2021-01-01,",
             "P7,庚,办公室,市,no,副局(处)级,gone,,GF-004,2021-01-01,",
             "P8,辛,办公室,市,no,副局(处)级,retired,,GF-004,2021-01-01,"]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def check(grade, org_level, subordinate):
        rule_set.limit(grade, org_level, subordinate=subordinate)

    imported = read_allocations(path, rooms=room_labels(rooms), check_grade=check)
    assert list(imported.people) == ["P1"] and len(imported.assignments) == 1
    reasons = {p.row: (p.column, p.reason) for p in imported.problems}
    assert reasons[3][0] == "room" and "no space" in reasons[3][1]
    assert reasons[4][0] == "grade"
    assert reasons[5][0] == "from" and "ISO date" in reasons[5][1]
    assert reasons[6][0] == "to" and "ends before" in reasons[6][1]
    assert reasons[7][0] == "from" and "overlaps row 2" in reasons[7][1]
    assert reasons[8][0] == "subordinate" and reasons[9][0] == "status"
    assert reasons[10][0] == "status_date"
    with pytest.raises(AllocationImportError, match="missing columns: grade"):
        broken = tmp_path / "broken.csv"
        broken.write_text(header.replace(",grade", "") + "\n", encoding="utf-8")
        read_allocations(broken, rooms={})


def test_cli_writes_the_csv_report(sample, tmp_path):
    _, files, _, _, report, _ = sample
    env = dict(os.environ, TWIN_CACHE_DIR=str(tmp_path / "cache"))
    result = subprocess.run(
        [sys.executable, "-m", "twin.cli", "compliance", "--model", str(files.ifc),
         "--allocations", str(files.allocations_csv), "--date", SAMPLE_DATE.isoformat(),
         "--format", "csv"], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert {"global_id", "room", "occupants", "area_used", "area_source", "limit", "verdict",
            "excess_m2", "reason"} <= set(rows[0])
    assert sorted(r["room"] for r in rows if r["verdict"] == "over") == _rooms(report, "over")
    bad = subprocess.run(
        [sys.executable, "-m", "twin.cli", "compliance", "--model", str(files.ifc),
         "--allocations", str(files.allocations_csv), "--rules", "cn-2031"],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert bad.returncode == 2 and "unknown rule set 'cn-2031'" in bad.stderr
    as_json = subprocess.run(
        [sys.executable, "-m", "twin.cli", "compliance", "--model", str(files.ifc),
         "--allocations", str(files.allocations_csv), "--date", SAMPLE_DATE.isoformat(),
         "--format", "json"], capture_output=True, text=True, env=env, timeout=300,
        check=False)
    assert json.loads(as_json.stdout)["rule_set"] == "cn-2014"


def test_cli_writes_the_rectification_pdf_and_xlsx(sample, tmp_path):
    _, files, _, _, _, _ = sample
    env = dict(os.environ, TWIN_CACHE_DIR=str(tmp_path / "cache"))
    for fmt in ("pdf", "xlsx"):
        out = tmp_path / f"report.{fmt}"
        result = subprocess.run(
            [sys.executable, "-m", "twin.cli", "compliance", "--model", str(files.ifc),
             "--allocations", str(files.allocations_csv), "--date", SAMPLE_DATE.isoformat(),
             "--format", fmt, "--out", str(out)], capture_output=True, text=True, env=env,
            timeout=300, check=False)
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 1000
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    missing_out = subprocess.run(
        [sys.executable, "-m", "twin.cli", "compliance", "--model", str(files.ifc),
         "--allocations", str(files.allocations_csv), "--format", "pdf"],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert missing_out.returncode == 2 and "needs --out" in missing_out.stderr


def test_utilisation_per_room_storey_department_and_building(sample):
    from spaces.utilisation import utilisation

    _, _, rooms, imported, report, cases = sample
    rows, under = utilisation(rooms, imported, day=SAMPLE_DATE)
    by_level = {}
    for row in rows:
        by_level.setdefault(row.level, []).append(row)
    (building,) = by_level["building"]
    offices = [r for r in rooms if r.is_office]
    assert building.rooms == len(offices) == len(by_level["room"])
    holding = {p for a in imported.assignments if a.holds_on(SAMPLE_DATE)
               for p in [a.person_id] if any(a.space == r.global_id for r in offices)}
    assert building.people == len(holding)
    assert sum(r.rooms for r in by_level["storey"]) == building.rooms
    assert building.m2_per_person == pytest.approx(building.area_m2 / building.people)
    under_rooms = {r.key for r in under}
    assert set(cases["empty_offices"]) <= under_rooms  # nobody at their desks
    open_plan = {r.key: r for r in by_level["room"] if r.key in cases["under_used_open_offices"]}
    assert open_plan and all(r.occupancy < 1.0 for r in open_plan.values())  # desks free
    assert all(r.occupancy < 0.6 for r in under)
    assert [r.occupancy for r in under] == sorted(r.occupancy for r in under)


def test_cli_utilisation_lists_the_under_used_offices(sample, tmp_path):
    _, files, _, _, _, cases = sample
    env = dict(os.environ, TWIN_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="200")
    result = subprocess.run(
        [sys.executable, "-m", "twin.cli", "utilisation", "--model", str(files.ifc),
         "--allocations", str(files.allocations_csv), "--date", SAMPLE_DATE.isoformat()],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "building" in result.stdout and "department" in result.stdout
    listed = result.stdout.split("under-used offices")[1]
    for room in cases["empty_offices"]:
        assert room in listed


def test_rest_rooms_and_wcs_count_inside_the_limit():
    from spaces.allocations import Allocations, Person
    from spaces.allocations import Assignment as Held
    from spaces.compliance import RoomFacts

    rule_set = rule_set_for(SAMPLE_DATE)
    office = RoomFacts("O", "9F-001", "9F", "Office", "office", 20.0, 20.0)
    rest = RoomFacts("R", "9F-001a", "9F", "Rest room", "rest", 3.0, 3.0)
    wc = RoomFacts("W", "9F-001b", "9F", "WC", "wc", 7.0, 7.0)
    people = Allocations()
    people.people["P"] = Person("P", "甲", "办公室", "市", False, "正局(处)级", "active", None)
    people.assignments.append(Held("P", "O", "9F-001", None, None, None, 2))
    plain = assess([office], people, rule_set, day=SAMPLE_DATE)
    assert plain.rooms[0].verdict == "compliant"  # 20 m² against 24 m²
    with_rest = assess([office, rest, wc], people, rule_set, day=SAMPLE_DATE,
                       attached={"O": [rest, wc]})
    verdict = next(v for v in with_rest.rooms if v.global_id == "O")
    assert verdict.verdict == "over" and verdict.area_used == pytest.approx(30.0)
    assert verdict.area_source == "geometry+attached" and "wc_over_size" in verdict.flags
    assert any("9F-001a" in r for r in verdict.rules)
