"""Area-standard rule sets (spaces.area_standards): the figures are checked against a table
written here from ../shared/reference/office-space-standards.md, not read back from the data
files."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from spaces.area_standards import (
    BUNDLED_KEYS,
    RULESET_DIR,
    RuleSetError,
    UnknownGradeError,
    bundled_rule_sets,
    load_rule_set,
    rule_set_for,
)
from spaces.errors import SpacesError

# 《党政机关办公用房建设标准》 (发改投资〔2014〕2674号): tier -> (grade, English key, m²).
CN_2014 = {
    "中央": [("部级正职", "minister", 54), ("部级副职", "vice_minister", 42),
           ("正司(局)级", "director_general", 24), ("副司(局)级", "deputy_director_general", 18),
           ("处级", "division", 12), ("处级以下", "below_division", 9)],
    "省": [("省级正职", "provincial_head", 54), ("省级副职", "provincial_deputy", 42),
          ("正厅(局)级", "director_general", 30), ("副厅(局)级", "deputy_director_general", 24),
          ("正处级", "division_director", 18), ("副处级", "deputy_division_director", 12),
          ("处级以下", "below_division", 9)],
    "市": [("市级正职", "municipal_head", 42), ("市级副职", "municipal_deputy", 30),
          ("正局(处)级", "bureau_director", 24), ("副局(处)级", "deputy_bureau_director", 18),
          ("局(处)级以下", "below_bureau", 9)],
    "县": [("县级正职", "county_head", 30), ("县级副职", "county_deputy", 24),
          ("正科级", "section_chief", 18), ("副科级", "deputy_section_chief", 12),
          ("科级以下", "below_section", 9)],
}
ROWS = [(tier, grade, key, m2) for tier, rows in CN_2014.items() for grade, key, m2 in rows]
ENGLISH_TIER = {"中央": "central", "省": "provincial", "市": "municipal", "县": "county"}


@pytest.fixture(scope="module")
def cn():
    return bundled_rule_sets()["cn-2014"]


@pytest.mark.parametrize(("tier", "grade", "key", "m2"), ROWS)
def test_cn_2014_every_row_matches_the_standard(cn, tier, grade, key, m2):
    limit = cn.limit(grade, tier)
    assert (limit.area_m2, limit.tier, limit.grade, limit.rule_set) == (m2, tier, grade, "cn-2014")
    assert limit.explanation.startswith(f"cn-2014 {cn.tier(tier).name} {grade}: {m2} m² per")


@pytest.mark.parametrize("tier", list(CN_2014))
def test_cn_2014_tier_tables_have_exactly_the_standard_rows(cn, tier):
    assert [(r.grade, r.limit_m2) for r in cn.tier(tier).rows] == [
        (grade, m2) for grade, _, m2 in CN_2014[tier]]


@pytest.mark.parametrize(("tier", "grade", "key", "m2"), ROWS)
def test_english_keys_and_tier_names_give_the_same_limit(cn, tier, grade, key, m2):
    for org_level in (ENGLISH_TIER[tier], ENGLISH_TIER[tier].upper(), f"{tier}级"):
        assert cn.limit(key, org_level) == cn.limit(grade, tier)


def test_org_level_spellings_and_full_width_brackets(cn):
    assert cn.limit("正司(局)级", "中央机关").area_m2 == 24
    assert cn.limit("正厅（局）级", "省级").area_m2 == 30
    assert cn.limit(" 正局(处)级 ", "市级机关").area_m2 == 24
    assert cn.limit("正局(处)级").tier == "市"  # in one tier only: org_level may be left out


def test_township_default_table_is_hubei_and_not_above_county_deputy(cn):
    township = {r.grade: r.limit_m2 for r in cn.tier("乡").rows}
    assert township == {"乡级正职": 24, "乡级副职": 18, "乡级副职以下": 9}
    assert max(township.values()) <= cn.limit("县级副职", "县").area_m2
    assert "Hubei" in cn.limit("township_head", "township").explanation


def test_sub_provincial_and_vice_ministerial_units(cn):
    assert cn.limit("副省级副职", "副省级").area_m2 == cn.limit("省级副职", "省").area_m2 == 42
    assert cn.limit("sub_provincial_head", "副省级城市").area_m2 == 42
    assert cn.limit("正厅(局)级", "sub_provincial").area_m2 == 30  # provincial 厅(局) figures
    assert cn.limit("处级以下", "副省级").area_m2 == 9
    assert cn.limit("副部级副职", "副部级").area_m2 == cn.limit("部级副职", "中央").area_m2
    assert cn.limit("正司(局)级", "vice_ministerial").area_m2 == 24  # central 司(局) figures
    assert cn.limit("正处级", "副省级", subordinate=True).tier == "市"


def test_tier_drop_provincial_division_unit_uses_municipal_figures(cn):
    same_rank = {"正处级": ("正局(处)级", 24), "副处级": ("副局(处)级", 18),
                 "处级以下": ("局(处)级以下", 9)}
    for grade, (city_grade, m2) in same_rank.items():
        limit = cn.limit(grade, "省", subordinate=True)
        assert (limit.tier, limit.grade, limit.area_m2) == ("市", city_grade, m2)
        assert "subordinate or dispatched body of 省级机关" in limit.explanation


def test_tier_drop_central_dispatched_director_general_uses_provincial_figure(cn):
    limit = cn.limit("正司(局)级", "中央", subordinate=True)
    assert (limit.tier, limit.grade, limit.rank, limit.area_m2) == ("省", "正厅(局)级", "正厅", 30)
    assert "省级机关 figures" in limit.explanation
    assert cn.limit("minister", "central", subordinate=True).area_m2 == 54  # 省级正职, 正部
    assert cn.limit("科级以下", "县", subordinate=True).grade == "乡级副职以下"


def test_tier_drop_without_a_row_of_that_rank_uses_the_highest_row(cn):
    limit = cn.limit("省级正职", "省", subordinate=True)  # 正部: 市级 has no such row
    assert (limit.grade, limit.area_m2) == ("市级正职", 42)
    assert "has no 正部 row, so its highest row is used" in limit.explanation
    assert cn.limit("县级正职", "县", subordinate=True).grade == "乡级正职"


def test_tier_drop_rank_of_a_row_covering_two_ranks(cn):
    assert cn.limit("处级", "中央", subordinate=True).grade == "副处级"  # lowest by default
    assert cn.limit("处级", "中央", subordinate=True, rank="正处").area_m2 == 18
    with pytest.raises(RuleSetError, match="正处/副处"):
        cn.limit("处级", "中央", subordinate=True, rank="正厅")
    with pytest.raises(RuleSetError, match="no lower tier"):
        cn.limit("乡级正职", "乡", subordinate=True)


@pytest.mark.parametrize(("day", "key"), [
    (date(2014, 11, 30), "cn-1999"), (date(2014, 12, 1), "cn-2014"),
    (date(1999, 1, 1), "cn-1999"), (date(2030, 1, 1), "cn-2014"),
    (datetime(2014, 12, 1, 9, 30), "cn-2014")])
def test_edition_switch_by_date(day, key):
    assert rule_set_for(day).key == key
    assert rule_set_for(day, "CN").key == key


def test_no_edition_in_force_or_unknown_jurisdiction():
    with pytest.raises(RuleSetError, match="no cn rule set in force on 1998-12-31.*cn-1999"):
        rule_set_for(date(1998, 12, 31))
    with pytest.raises(RuleSetError, match="known: cn, uk, us"):
        rule_set_for(date(2020, 1, 1), "fr")
    assert rule_set_for(date(2025, 6, 1), "uk").key == "uk-2016"
    assert rule_set_for(date(2025, 6, 1), "us").key == "us-2025"


def test_cn_1999_encodes_only_the_reference_figures():
    old = bundled_rule_sets()["cn-1999"]
    assert old.limit("处级", "中央").area_m2 == 9
    assert old.limit("处级以下", "中央").area_m2 == 6
    assert old.limit("县级正职", "县").area_m2 == 20
    assert old.effective_to == date(2014, 11, 30)
    with pytest.raises(RuleSetError, match="cn-1999 has no figure for 市级机关 正局"):
        old.limit("正局(处)级", "市")
    assert "Missing" in old.notes and "省级机关 row" in old.notes
    with pytest.raises(RuleSetError, match="unknown org_level"):
        old.limit("乡级正职", "乡")


def test_uk_and_us_per_person_limits_ignore_grade_and_tier():
    sets = bundled_rule_sets()
    uk, us = sets["uk-2016"], sets["us-2025"]
    assert uk.limit("Grade 7").area_m2 == uk.limit("SCS", "anything").area_m2 == 12
    assert uk.new_fit_out_m2 == 10 and "NIA" in uk.basis
    assert us.limit("GS-13").area_m2 == pytest.approx(150 * 0.09290304)
    assert round(us.per_person_m2, 3) == 13.935
    assert us.utilisation_threshold == 0.60 and us.basis == "BOMA usable"
    limit = uk.limit("Grade 7")
    assert (limit.tier, limit.rank) == ("all", None) and "per person" in limit.explanation


def test_rule_set_metadata():
    sets = bundled_rule_sets()
    assert set(sets) == set(BUNDLED_KEYS)
    cn = sets["cn-2014"]
    assert (cn.jurisdiction, cn.effective_from, cn.effective_to) == ("cn", date(2014, 12, 1), None)
    assert (cn.wc_max_m2, cn.reclaim_days, cn.basis) == (6, 31, "usable area (使用面积)")
    assert "2674" in cn.source
    assert all(s.tolerance_m2 == 0 for s in sets.values())
    assert bundled_rule_sets()["cn-2014"] is cn  # loaded once
    assert cn.in_force(date(2014, 12, 1)) and not cn.in_force(date(2014, 11, 30))


def test_bundled_files_ship_with_the_package():
    assert (RULESET_DIR / "__init__.py").is_file()
    assert sorted(p.stem for p in RULESET_DIR.glob("*.toml")) == sorted(BUNDLED_KEYS)


def test_tolerance_parameter(cn):
    loose = cn.with_tolerance(1.0)
    assert loose.tolerance_m2 == 1.0 and cn.tolerance_m2 == 0.0
    assert loose.limit("处级", "中央") == cn.limit("处级", "中央")  # the figure itself is unchanged
    for bad in (-0.5, float("nan"), "1"):
        with pytest.raises(RuleSetError, match="tolerance_m2"):
            cn.with_tolerance(bad)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cn.tolerance_m2 = 2.0


def test_unknown_grade_lists_the_valid_grades_of_that_tier(cn):
    with pytest.raises(UnknownGradeError) as info:
        cn.limit("正处级", "市")
    assert isinstance(info.value, RuleSetError) and isinstance(info.value, SpacesError)
    assert info.value.tier == "市"
    for grade, key, _ in CN_2014["市"]:
        assert f"{grade} ({key})" in str(info.value)
        assert f"{grade} ({key})" in info.value.valid
    assert len(info.value.valid) == 5


def test_unknown_tier_and_ambiguous_grade(cn):
    with pytest.raises(RuleSetError, match="unknown org_level '镇'.*中央 \\(central\\).*乡"):
        cn.limit("正科级", "镇")
    with pytest.raises(RuleSetError, match="in tiers 中央, 省"):
        cn.limit("处级以下")
    with pytest.raises(UnknownGradeError, match="no tier has no grade"):
        cn.limit("general manager")


CUSTOM = """
key = "cn-2014-test"
jurisdiction = "cn"
title = "乡级机关 test table"
source = "test"
effective_from = 2016-01-01
basis = "usable area (使用面积)"
tolerance_m2 = 1.0
extends = "cn-2014"

[[tiers]]
code = "乡"
name = "乡级机关"
english = "township"
cap_m2 = 24
rows = [
  { grade = "乡级正职", key = "township_head", rank = "正科", limit_m2 = 20 },
  { grade = "乡级副职", key = "township_deputy", rank = "副科", limit_m2 = 15 },
]
"""


def test_custom_file_loads_and_extends_the_national_table(tmp_path):
    path = tmp_path / "cn-2014-test.toml"
    path.write_text(CUSTOM, encoding="utf-8")
    custom = load_rule_set(str(path))
    assert (custom.key, custom.tolerance_m2, custom.wc_max_m2) == ("cn-2014-test", 1.0, 6.0)
    assert custom.limit("乡级正职", "乡").area_m2 == 20
    assert custom.limit("正局(处)级", "市").area_m2 == 24  # inherited tiers
    assert custom.limit("科级以下", "县", subordinate=True).area_m2 == 15  # 科员 -> lowest row
    sets = [*bundled_rule_sets().values(), custom]
    assert rule_set_for(date(2016, 6, 1), rule_sets=sets).key == "cn-2014-test"
    assert rule_set_for(date(2015, 6, 1), rule_sets=sets).key == "cn-2014"


def test_custom_file_without_extends(tmp_path):
    text = CUSTOM.replace('extends = "cn-2014"', 'rank_ladder = ["正科", "副科", "科员"]')
    path = tmp_path / "standalone.toml"
    path.write_text(text, encoding="utf-8")
    custom = load_rule_set(path)
    assert [t.code for t in custom.tiers] == ["乡"] and custom.wc_max_m2 is None


def test_open_plan_desk_area_is_a_field_of_the_rule_set(tmp_path):
    from bim_models.sample.people import OPEN_PLAN_M2_PER_DESK

    for rule_set in bundled_rule_sets().values():  # the sample generator plants cases with it
        assert rule_set.open_plan_m2_per_desk == OPEN_PLAN_M2_PER_DESK == 9.0
        assert rule_set.open_plan_desks(40.0) == 4 and rule_set.open_plan_desks(8.9) == 0
    own = tmp_path / "own.toml"
    own.write_text(CUSTOM.replace("tolerance_m2 = 1.0", "open_plan_m2_per_desk = 12"), "utf-8")
    assert load_rule_set(own).open_plan_m2_per_desk == 12.0
    assert load_rule_set(own).open_plan_desks(40.0) == 3
    inherited = tmp_path / "inherited.toml"
    inherited.write_text(CUSTOM, encoding="utf-8")
    assert load_rule_set(inherited).open_plan_m2_per_desk == 9.0  # extends cn-2014
    alone = tmp_path / "alone.toml"
    ladder = 'rank_ladder = ["正科", "副科", "科员"]'
    alone.write_text(CUSTOM.replace('extends = "cn-2014"', ladder), encoding="utf-8")
    assert load_rule_set(alone).open_plan_m2_per_desk is None
    assert load_rule_set(alone).open_plan_desks(40.0) is None


@pytest.mark.parametrize(("change", "problem"), [
    ((", limit_m2 = 15", ""), "'limit_m2' is missing"),
    (("effective_from = 2016-01-01", 'effective_from = "2016-13-01"'), "must be a date"),
    (("effective_from = 2016-01-01", "effective_from = 2016-13-01"), "not valid TOML"),
    (('cap_m2 = 24', 'cap_m2 = 24\nbelow = "镇"'), "below '镇' is an unknown tier"),
    (('rank = "副科"', 'rank = "副处长"'), "not on rank_ladder"),
    (("limit_m2 = 20", "limit_m2 = 30"), "cap_m2"),
    (("limit_m2 = 20", "limit_m2 = -1"), "must be > 0"),
    (('basis = "usable area (使用面积)"', 'basis = "x"\nbasis_typo = 1'), "unknown key"),
    (('extends = "cn-2014"', 'extends = "cn-2099"'), "not a bundled rule set"),
    (('source = "test"\n', ""), "'source' is missing"),
    (('key = "township_deputy"', 'key = "township_head"'), "two rows have the same key"),
    (("tolerance_m2 = 1.0", "tolerance_m2 = -1.0"), "tolerance_m2 must be ≥ 0"),
    (("tolerance_m2 = 1.0", "open_plan_m2_per_desk = 0"), "open_plan_m2_per_desk must be > 0"),
    (("tolerance_m2 = 1.0", 'open_plan_m2_per_desk = "9"'), "must be a number"),
    (("effective_from = 2016-01-01", "effective_from = 2016-01-01\neffective_to = 2015-01-01"),
     "before effective_from"),
])
def test_broken_file_raises_rule_set_error_naming_the_file(tmp_path, change, problem):
    old, new = change
    assert old in CUSTOM
    path = tmp_path / "broken.toml"
    path.write_text(CUSTOM.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleSetError, match=problem) as info:
        load_rule_set(path)
    assert str(path) in str(info.value)


def test_missing_file_raises_rule_set_error(tmp_path):
    with pytest.raises(RuleSetError, match="nowhere.toml: cannot read"):
        load_rule_set(tmp_path / "nowhere.toml")
