"""数字节能 pure logic: the meter tree arithmetic, tariffs across a price change, baselines on
synthetic data with known coefficients, and each anomaly rule with its negative case."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from energy import anomalies as rules
from energy.baselines import G14, avoided_energy, cusum, fit_daily, fit_hourly, metrics
from energy.errors import BaselineError, MeterTreeError, TariffError
from energy.indicators import UNASSIGNED, counter_deltas, group_members
from energy.meters import Meter, check_tree, consumption_of, meter_tree, parse_terms
from energy.reference import conversion_factors, judge, quota_tables, sample_tariffs
from energy.tariffs import cost_of, parse_tariffs

MONDAY = int(dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp())  # a Monday, 00:00 UTC


# -- meter tree ------------------------------------------------------------------------------

TREE = [Meter("MAIN"), Meter("F1", parent="MAIN", storey="S1"),
        Meter("F1-L", parent="F1", storey="S1", category="a1"),
        Meter("F1-AC", parent="F1", storey="S1", category="b2"),
        Meter("CH", parent="MAIN", category="b1"),
        Meter("LIGHT-ALL", terms=((1.0, "F1-L"),), category="a1")]


def test_residual_is_parent_minus_children_and_double_counting_is_flagged():
    nodes = {n.meter.key: n for n in meter_tree(TREE, {"MAIN": 100.0, "F1": 60.0,
                                                       "F1-L": 25.0, "F1-AC": 30.0,
                                                       "CH": 30.0})}
    assert nodes["MAIN"].children == ("CH", "F1")
    assert nodes["MAIN"].residual == pytest.approx(10.0)
    assert nodes["F1"].residual == pytest.approx(5.0)
    assert not nodes["MAIN"].double_counting and not nodes["F1"].double_counting
    assert nodes["LIGHT-ALL"].consumption == 25.0 and nodes["F1-L"].depth == 2
    # children 2 % over the parent is tolerated, 3 % is double counting
    assert not meter_tree(TREE, {"MAIN": 100.0, "F1": 72.0, "CH": 30.0})[0].double_counting
    over = meter_tree(TREE, {"MAIN": 100.0, "F1": 73.0, "CH": 30.0})[0]
    assert over.double_counting and over.residual == pytest.approx(-3.0)


def test_virtual_meters_add_and_subtract_arrays_too():
    meters = [Meter("A"), Meter("B"), Meter("V", terms=parse_terms("A - B")),
              Meter("W", terms=parse_terms("V + B"))]
    values = consumption_of(meters, {"A": np.array([5.0, 7.0]), "B": np.array([1.0, 2.0])})
    assert values["V"].tolist() == [4.0, 5.0] and values["W"].tolist() == [5.0, 7.0]


@pytest.mark.parametrize(("meters", "message"), [
    ([Meter("A", parent="B"), Meter("B", parent="C"), Meter("C", parent="A")],
     "the meter tree has a cycle: A -> B -> C -> A"),
    ([Meter("A", parent="NOPE")], "meter A: parent 'NOPE' is not a meter of this building"),
    ([Meter("A", category="z9")], "meter A: unknown category 'z9'"),
    ([Meter("A"), Meter("A")], "meter A: the key is given twice"),
    ([Meter("A", kind="water"), Meter("B", parent="A")], "meter B (electricity) cannot hang"),
    ([Meter("V", terms=((1.0, "V"),))], "virtual meter V: term 'V' is itself"),
    ([Meter("V", terms=((1.0, "W"),)), Meter("W", terms=((1.0, "V"),))],
     "virtual meters refer to each other in a cycle: V -> W -> V"),
])
def test_a_tree_that_cannot_be_is_refused_precisely(meters, message):
    with pytest.raises(MeterTreeError, match="^" + message.replace("(", r"\(")
                       .replace(")", r"\)")):
        check_tree(meters)


def test_virtual_meter_terms_are_parsed_strictly():
    assert parse_terms("EM-1 + EM-2 - EM-3") == ((1.0, "EM-1"), (1.0, "EM-2"), (-1.0, "EM-3"))
    for bad in ("", "A B", "A +"):
        with pytest.raises(MeterTreeError):
            parse_terms(bad)


def test_groups_take_the_topmost_meter_naming_them():
    assert group_members(TREE, "storey") == {"S1": ["F1"]}
    assert group_members(TREE, "category") == {"a1": ["F1-L"], "b1": ["CH"], "b2": ["F1-AC"]}
    assert group_members(TREE, "system") == {"a": ["F1-L"], "b": ["CH", "F1-AC"]}
    # a main incomer sitting in the basement serves every storey, not the basement
    basement = [Meter("MAIN", storey="B1"), Meter("F1", parent="MAIN", storey="S1"),
                Meter("LIFT", parent="MAIN", storey="B1"), Meter("F2", parent="MAIN",
                                                                storey="S2")]
    assert group_members(basement, "storey") == {"B1": ["LIFT"], "S1": ["F1"], "S2": ["F2"]}
    assert UNASSIGNED == "unassigned"


def test_counter_deltas_bridge_buckets_and_survive_a_reset():
    device = np.array([1, 1, 1, 2, 2])
    first = np.array([10.0, 12.0, 1.0, 100.0, 101.0])
    last = np.array([11.0, 15.0, 3.0, 100.5, 104.0])
    assert counter_deltas(device, np.arange(5), first, last).tolist() == \
        [1.0, 4.0, 2.0, 0.5, 3.5]


# -- tariffs ---------------------------------------------------------------------------------

TOU = [{"effective_from": "2026-01-01", "fixed_per_month": 310.0, "periods": [
    {"name": "valley", "start": "22:00", "end": "08:00", "price": 0.3},
    {"name": "peak", "start": "08:00", "end": "22:00", "price": 1.0}]},
    {"effective_from": "2026-03-02", "fixed_per_month": 620.0, "periods": [
        {"name": "valley", "start": "22:00", "end": "08:00", "price": 0.4},
        {"name": "peak", "start": "08:00", "end": "22:00", "price": 1.5}]}]


def test_cost_uses_the_tariff_in_force_each_day_across_a_price_change():
    tariffs = parse_tariffs(TOU)
    hours = MONDAY - 86400 + 3600 * np.arange(48)  # Sunday 1 March and Monday 2 March
    result = cost_of(tariffs, "electricity", hours, np.ones(48))
    # Sunday: 10 valley hours at 0.3 + 14 peak at 1.0; Monday: 10 at 0.4 + 14 at 1.5
    assert result.energy_cost == pytest.approx(3.0 + 14.0 + 4.0 + 21.0)
    assert result.by_period == pytest.approx({"valley": 7.0, "peak": 35.0})
    # fixed charges pro rata per day of March (31 days), each day at its own tariff
    assert result.fixed_cost == pytest.approx(310 / 31 + 620 / 31)
    assert result.total == pytest.approx(result.energy_cost + result.fixed_cost)


def test_a_half_hour_boundary_prices_the_hour_by_its_minutes():
    tariffs = parse_tariffs([{"effective_from": "2026-01-01", "periods": [
        {"name": "a", "start": "00:00", "end": "08:30", "price": 1.0},
        {"name": "b", "start": "08:30", "end": "24:00", "price": 3.0}]}])
    hour8 = np.array([MONDAY + 8 * 3600])
    assert cost_of(tariffs, "electricity", hour8, np.array([2.0])).energy_cost == \
        pytest.approx(4.0)


@pytest.mark.parametrize(("periods", "message"), [
    ([{"name": "peak", "start": "08:00", "end": "12:00", "price": 1},
      {"name": "flat", "start": "11:00", "end": "08:00", "price": 0.5}],
     "periods peak and flat overlap (11:00-12:00)"),
    ([{"name": "day", "start": "08:00", "end": "20:00", "price": 1}],
     "no period covers 00:00-08:00"),
    ([{"name": "day", "start": "00:00", "end": "24:00", "price": -1}], "price -1.0 is negative"),
    ([{"name": "day", "start": "0800", "end": "24:00", "price": 1}], "time '0800' is not HH:MM"),
])
def test_bad_tariffs_are_refused_precisely(periods, message):
    with pytest.raises(TariffError) as caught:
        parse_tariffs([{"effective_from": "2026-01-01", "periods": periods}])
    assert message in str(caught.value)


def test_two_tariffs_from_one_day_are_refused():
    flat = {"effective_from": "2026-01-01", "price": 1.0}
    with pytest.raises(TariffError, match="two electricity tariffs take effect on 2026-01-01"):
        parse_tariffs([flat, flat])


def test_shipped_data_states_its_factors_and_sources():
    factors = conversion_factors()
    equivalent = factors["electricity", "kgce_equivalent"]
    assert equivalent.value == 0.1229 and equivalent.verified and "GB/T 2589" in equivalent.source
    assert not factors["electricity", "co2_kg"].verified  # recalled, marked as such
    assert all(t.source for t in quota_tables())
    assert judge("electricity_per_m2", 45.0, zone="cold").verdict == "guide"
    assert judge("electricity_per_m2", 99.0, zone="cold").verdict == "over"
    assert judge("electricity_per_m2", 99.0, zone="nowhere") is None
    assert {t.carrier for t in sample_tariffs()} == {"electricity", "water"}


# -- baselines -------------------------------------------------------------------------------

def _daily(days: int = 365, noise: float = 10.0, seed: int = 1):
    rng = np.random.default_rng(seed)
    day_s = MONDAY + 86400 * np.arange(days)
    temperature = 15 - 12 * np.cos(2 * np.pi * np.arange(days) / 365) + rng.normal(0, 2, days)
    usage = 500 + 30 * np.maximum(12 - temperature, 0) + 40 * np.maximum(temperature - 22, 0)
    return day_s, usage + rng.normal(0, noise, days), temperature


def test_daily_change_point_model_recovers_known_coefficients():
    days, usage, temperature = _daily()
    fit = fit_daily(days, usage, temperature)
    assert fit.form == "heating_cooling"
    assert fit.coefficients["heating_balance_c"] == 12.0
    assert fit.coefficients["cooling_balance_c"] == 22.0
    assert fit.coefficients["intercept"] == pytest.approx(500, rel=0.02)
    assert fit.coefficients["heating_slope"] == pytest.approx(30, rel=0.05)
    assert fit.coefficients["cooling_slope"] == pytest.approx(40, rel=0.08)
    assert fit.verdict == "meets" and fit.cv_rmse < G14["monthly"][0]
    assert fit.predict(np.array([5.0, 17.0, 30.0])) == pytest.approx(
        [500 + 7 * 30, 500, 500 + 8 * 40], rel=0.03)


def test_daily_model_says_insufficient_or_fails_when_it_should():
    days, usage, temperature = _daily(days=60)
    assert fit_daily(days, usage, temperature).verdict == "insufficient"
    days, usage, temperature = _daily()
    usage = usage * np.where((np.arange(len(days)) // 30) % 2 == 0, 0.6, 1.4)  # not weather
    unexplained = fit_daily(days, usage, temperature)
    assert unexplained.sufficiency["sufficient"] and unexplained.verdict == "fails"
    assert unexplained.cv_rmse > G14["monthly"][0]
    with pytest.raises(BaselineError, match="at least 10 days"):
        fit_daily(days[:5], usage[:5], temperature[:5])


def test_hourly_time_of_week_model_meets_g14_on_an_office_profile():
    rng = np.random.default_rng(2)
    hours = MONDAY + 3600 * np.arange(24 * 7 * 8)
    hour, weekday = (hours % 86400) // 3600, ((hours // 86400) + 3) % 7
    occupied = (weekday < 5) & (hour >= 8) & (hour < 18)
    temperature = 20 + 8 * np.sin(2 * np.pi * np.arange(len(hours)) / (24 * 9))
    usage = 20 + 80 * occupied + 3 * np.maximum(temperature - 18, 0) * occupied
    fit = fit_hourly(hours, usage + rng.normal(0, 2, len(hours)), temperature)
    assert fit.verdict == "meets" and fit.cv_rmse < 0.1 and abs(fit.nmbe) < 0.01
    assert fit.coefficients["occupied_hours_of_week"] == 50
    assert np.abs(fit.predict(temperature, hours) - usage).mean() < 2.0
    with pytest.raises(BaselineError, match="two weeks"):
        fit_hourly(hours[:100], usage[:100], temperature[:100])


def test_metrics_avoided_energy_and_cusum():
    assert metrics(np.array([10.0, 10.0]), np.array([9.0, 11.0]), 1) == pytest.approx(
        (np.sqrt(2) / 10, 0.0))
    saved = avoided_energy([90.0, 80.0], [100.0, 100.0])
    assert saved["avoided"] == 30.0 and saved["share"] == pytest.approx(0.15)
    assert cusum([90.0, 80.0], [100.0, 100.0]).tolist() == [-10.0, -30.0]


# -- anomaly rules, each with its negative case ----------------------------------------------

HOURS = MONDAY + 3600 * np.arange(24 * 28)
WORK = rules.working_mask(HOURS)


def _office(night: float = 1.0, day: float = 10.0) -> np.ndarray:
    return np.where(WORK, day, night)


def test_working_mask_knows_weekdays_and_hours():
    assert WORK[8] and not WORK[7] and not WORK[18] and not WORK[24 * 5 + 10]


def test_base_load_ratio():
    assert rules.base_load_ratio("M", HOURS, _office(night=8.0))[0].value == pytest.approx(0.8)
    assert rules.base_load_ratio("M", HOURS, _office(night=1.0)) == []


def test_base_load_against_peers():
    peers = {f"F{n}": (HOURS, _office(night=1.0)) for n in range(1, 5)}
    assert rules.base_load_against_peers(peers) == []
    peers["F3"] = (HOURS, _office(night=3.0))
    found = rules.base_load_against_peers(peers)
    assert [(f.meter, f.value) for f in found] == [("F3", 3.0)]


def test_base_load_against_baseline():
    steady = _office(night=1.0)
    assert rules.base_load_against_baseline("M", HOURS, steady) == []
    worse = steady.copy()
    worse[HOURS >= HOURS[-1] - 7 * 86400] = np.where(WORK, 10.0, 2.5)[
        HOURS >= HOURS[-1] - 7 * 86400]
    found = rules.base_load_against_baseline("M", HOURS, worse, recent_days=7)
    assert found and found[0].value == pytest.approx(2.5)


def test_out_of_hours():
    usage = _office()
    assert rules.out_of_hours("M", HOURS, usage) == []
    assert rules.out_of_hours("SRV", HOURS, np.full(len(HOURS), 4.0)) == []  # always on
    saturday = (HOURS >= MONDAY + 5 * 86400 + 10 * 3600) & \
        (HOURS < MONDAY + 5 * 86400 + 16 * 3600)
    usage[saturday] = 9.0
    found = rules.out_of_hours("M", HOURS, usage)
    assert len(found) == 1 and found[0].end_s - found[0].start_s == 6 * 3600


def test_counter_resets():
    ts = np.arange(5) * 60.0
    assert rules.counter_resets("M", ts, np.array([1.0, 2.0, 3.0, 3.0, 4.0])) == []
    found = rules.counter_resets("M", ts, np.array([100.0, 101.0, 0.5, 1.0, 0.9]))
    assert [("reset" in f.message, f.value) for f in found] == [(True, 0.5), (False, 0.9)]


def test_gaps():
    ts = HOURS[:48].astype(float)
    assert rules.gaps("M", ts) == []
    holed = np.delete(ts, range(10, 15))
    found = rules.gaps("M", holed)
    assert len(found) == 1 and found[0].value == pytest.approx(6.0)
    assert len(rules.gaps("M", ts, end_s=float(ts[-1]) + 10 * 3600)) == 1


def test_flat_lines():
    usage = _office()
    assert rules.flat_lines("M", HOURS, usage) == []
    usage[48:80] = 0.0
    found = rules.flat_lines("M", HOURS, usage)
    assert len(found) == 1 and found[0].value == 32.0
    assert rules.flat_lines("IDLE", HOURS, np.zeros(len(HOURS))) == []  # never consumes
