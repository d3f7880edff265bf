"""Fault rules: each rule type on synthetic series, configuration, and the sample building's
injected faults (stuck, drift, offline, failed AHU) replayed through value_at."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from bim_models.sample.profiles import Fault, rooms_fed_by, value_at
from maintenance import (
    AlarmBook,
    DeviceInfo,
    Reading,
    RuleConfig,
    RuleConfigError,
    RuleEvaluator,
    RuleSpec,
    default_rule_config,
    served_spaces,
)

T0 = dt.datetime(2026, 11, 2, tzinfo=dt.UTC).timestamp()  # a Monday


def feed(evaluator, info, values, *, step=300.0, start=T0):
    events = []
    for n, v in enumerate(values):
        events += evaluator.evaluate(Reading(info.device_id, start + n * step, v), info)
    return events


def actions(events, rule=None):
    return [(e.action, e.rule) for e in events if rule is None or e.rule == rule]


def config_of(kind, *rules, **kw):
    return RuleConfig({kind: tuple(rules)}, **kw)


def test_threshold_needs_minimum_duration_and_clears_with_hysteresis():
    rule = RuleSpec("high", "threshold", "major",
                    {"above": 28.0, "hysteresis": 0.5, "min_duration_s": 600.0})
    info = DeviceInfo("t1", "temperature", "eq", "room")
    ev = RuleEvaluator(config_of("temperature", rule))
    # one spike above 28 does not last 10 minutes: nothing
    assert feed(ev, info, [27.0, 29.0, 27.0]) == []
    ev = RuleEvaluator(config_of("temperature", rule))
    events = feed(ev, info, [27.0, 28.5, 28.6, 28.7, 27.8, 27.6, 27.4])
    assert actions(events) == [("raised", "high"), ("cleared", "high")]
    assert events[0].ts == T0 + 3 * 300  # 10 min after the first reading above
    assert events[1].value == 27.4  # 27.8 and 27.6 are within the 0.5 hysteresis


def test_threshold_below():
    rule = RuleSpec("low", "threshold", "major", {"below": 16.0, "hysteresis": 0.5})
    info = DeviceInfo("t1", "temperature")
    events = feed(RuleEvaluator(config_of("temperature", rule)), info, [17, 15.9, 16.2, 16.6])
    assert actions(events) == [("raised", "low"), ("cleared", "low")]


def test_stuck_needs_count_and_duration_and_clears_on_change():
    rule = RuleSpec("stuck", "stuck", "minor", {"count": 4, "min_duration_s": 900.0})
    info = DeviceInfo("t1", "temperature")
    events = feed(RuleEvaluator(config_of("temperature", rule)), info,
                  [20.0, 21.0, 21.0, 21.0, 21.0, 21.0, 21.3])
    assert actions(events) == [("raised", "stuck"), ("cleared", "stuck")]
    assert events[0].ts == T0 + 4 * 300


def test_rate_of_change():
    rule = RuleSpec("rate", "rate", "minor", {"max_per_hour": 6.0, "min_interval_s": 60.0})
    info = DeviceInfo("t1", "temperature")
    events = feed(RuleEvaluator(config_of("temperature", rule)), info,
                  [20.0, 20.2, 22.0, 22.1, 22.2])  # +1.8 in 5 min = 21.6/h
    assert actions(events) == [("raised", "rate"), ("cleared", "rate")]


def test_zscore_is_seasonal_by_hour_of_day():
    rule = RuleSpec("anomaly", "zscore", "info",
                    {"z": 4.0, "z_clear": 2.0, "min_count": 5, "consecutive": 2,
                     "seasonal": True})
    info = DeviceInfo("p1", "power")
    ev = RuleEvaluator(config_of("power", rule))
    events = []
    # ten days: 2 kW at night (02:00), 20 kW at noon, with a little noise
    for day in range(10):
        for hour, level in ((2, 2.0), (12, 20.0)):
            for k in range(3):
                ts = T0 + day * 86_400 + hour * 3600 + k * 600
                noise = ((day * 7 + k * 3) % 5 - 2) * 0.1
                events += ev.evaluate(Reading("p1", ts, level + noise), info)
    assert events == []  # 20 kW at noon is usual although it is 10x the night level
    night = T0 + 10 * 86_400 + 2 * 3600
    events = [e for k, v in enumerate([20.0, 20.0, 2.1, 2.0])
              for e in ev.evaluate(Reading("p1", night + k * 600, v), info)]
    assert actions(events) == [("raised", "anomaly"), ("cleared", "anomaly")]
    # a non-seasonal rule would have learnt that 20 kW is common
    flat = RuleEvaluator(config_of("power", RuleSpec(
        "anomaly", "zscore", "info", {"z": 4.0, "min_count": 5, "seasonal": False})))
    history = [2.0, 20.0] * 20
    assert feed(flat, info, history + [20.0, 20.0, 20.0]) == []


def test_fault_code_and_status_off_in_working_hours():
    info = DeviceInfo("ahu-fc", "fault_code", "ahu")
    events = feed(RuleEvaluator(), info, [0, 0, 3, 3, 0])
    assert actions(events) == [("raised", "fault_code"), ("cleared", "fault_code")]
    assert events[0].source == "ahu" and events[0].severity == "critical"
    status = DeviceInfo("ahu-st", "status", "ahu")
    ev = RuleEvaluator()
    # Monday 07:00 .. 09:00 every 5 min: off until 08:30, then on
    values = [0.0] * 18 + [1.0] * 6
    events = feed(ev, status, values, start=T0 + 7 * 3600)
    assert actions(events) == [("raised", "off_in_working_hours"),
                               ("cleared", "off_in_working_hours")]
    assert events[0].ts == T0 + 8 * 3600 + 600  # working hours from 08:00, 10 min minimum
    # off all Saturday: no alarm
    assert feed(RuleEvaluator(), status, [0.0] * 100, start=T0 + 5 * 86_400 + 8 * 3600) == []


def test_stale_device_with_a_controllable_clock():
    now = [T0]
    ev = RuleEvaluator(clock=lambda: now[0])
    info = DeviceInfo("os1", "occupancy", "eq", "room")  # offline after 900 s
    ev.evaluate(Reading("os1", T0, 1.0), info)
    now[0] = T0 + 899
    assert ev.check_stale() == []
    now[0] = T0 + 901
    (event,) = ev.check_stale()
    assert (event.action, event.rule, event.value) == ("raised", "offline", None)
    assert ev.check_stale() == []  # raised once
    (back,) = ev.evaluate(Reading("os1", T0 + 1000, 0.0), info)
    assert (back.action, back.rule) == ("cleared", "offline")
    ev.register(DeviceInfo("never", "co2"), now=T0)
    assert [e.device_id for e in ev.check_stale(T0 + 1000)] == ["never"]


def test_out_of_order_readings_are_ignored():
    info = DeviceInfo("t1", "temperature")
    ev = RuleEvaluator()
    ev.evaluate(Reading("t1", T0 + 600, 20.0), info)
    assert ev.evaluate(Reading("t1", T0, 99.0), info) == []


def test_overrides_per_device_glob_and_space():
    config = default_rule_config(
        devices={"TS-9-temperature": {"temperature_high": {"above": 30.0, "severity": "minor"}},
                 "TS-8-*": {"temperature_low": None}},
        spaces={"lab": {"temperature_high": {"above": 25.0}}})
    by_name = lambda info: {r.name: r for r in config.rules_for(info)}  # noqa: E731
    plain = by_name(DeviceInfo("TS-1-temperature", "temperature", None, "office"))
    assert plain["temperature_high"].params["above"] == 28.0
    assert plain["temperature_high"].params["hysteresis"] == 0.5
    assert by_name(DeviceInfo("TS-1-temperature", "temperature", None, "lab"))[
        "temperature_high"].params["above"] == 25.0
    # device beats space
    nine = by_name(DeviceInfo("TS-9-temperature", "temperature", None, "lab"))
    assert nine["temperature_high"].params["above"] == 30.0
    assert nine["temperature_high"].severity == "minor"
    assert "temperature_low" not in by_name(DeviceInfo("TS-8-temperature", "temperature"))
    assert by_name(DeviceInfo("AHU-00001-temperature", "temperature"))[
        "temperature_low"].params["below"] == 10.0  # the sample's supply-air override


@pytest.mark.parametrize("make", [
    lambda: RuleSpec("x", "nope"),
    lambda: RuleSpec("x", "threshold", "major", {}),
    lambda: RuleSpec("x", "threshold", "major", {"above": 1, "limit": 2}),
    lambda: RuleSpec("x", "stuck", "catastrophic"),
    lambda: RuleConfig({"telepathy": ()}),
])
def test_bad_rule_declarations_are_refused(make):
    with pytest.raises(RuleConfigError):
        make()


# -- the sample building's injected faults -------------------------------------------------

@pytest.fixture(scope="module")
def sample(compliance_sample):
    plan, files, graph = (compliance_sample[k] for k in ("plan", "files", "graph"))
    devices = list(csv.DictReader(files.devices.open(encoding="utf-8")))
    faults = [Fault.from_dict(f) for f in json.loads(files.faults.read_text())]
    return plan, graph, devices, faults


def replay(graph, devices, faults, *, hours=42):
    """Readings every 5 min from Monday 00:00 through the evaluator into an alarm book."""
    infos = [(d, DeviceInfo(d["device_id"], d["kind"], d["equipment_global_id"],
                            d["space_global_id"] or None)) for d in devices]
    start = dt.datetime(2026, 11, 2)
    evaluator = RuleEvaluator()
    book = AlarmBook(served_spaces(graph))
    for step in range(hours * 12):
        t = start + dt.timedelta(minutes=5 * step)
        ts = t.replace(tzinfo=dt.UTC).timestamp()
        for row, info in infos:
            value = value_at(row, t, faults=faults)
            if value is not None:
                book.apply_all(evaluator.evaluate(Reading(info.device_id, ts, value), info))
        book.apply_all(evaluator.check_stale(ts))
    return book


@pytest.fixture(scope="module")
def replayed(sample):
    plan, graph, devices, faults = sample
    ahu = next(f for f in faults if f.kind == "ahu_failure")
    targets = {f.target for f in faults} | set(ahu.params["devices"])
    chosen = [d for d in devices if d["device_id"] in targets
              or d["equipment_name"] == ahu.target]
    rooms = {d["room_number"] for d in chosen}
    chosen += [d for d in devices if d["kind"] in ("temperature", "co2", "occupancy")
               and d["room_number"] not in rooms][:24]  # clean devices as a control
    clean = replay(graph, chosen, [])
    faulty = replay(graph, chosen, faults)
    return plan, graph, devices, faults, clean, faulty


def keys(book):
    return {(a.rule, a.device_id) for a in book.alarms.values()}


def test_each_injected_fault_gives_exactly_the_expected_alarms(replayed):
    plan, graph, devices, faults, clean, faulty = replayed
    fault = {f.kind: f for f in faults}
    ahu_devices = {d["device_id"]: d for d in devices
                   if d["equipment_name"] == fault["ahu_failure"].target}
    fault_code = next(i for i, d in ahu_devices.items() if d["kind"] == "fault_code")
    new = [a for a in faulty.alarms.values() if (a.rule, a.device_id) not in keys(clean)]
    roots = {(a.rule, a.device_id) for a in new if a.parent_id is None}
    assert roots == {("stuck", fault["stuck"].target), ("co2_high", fault["drift"].target),
                     ("offline", fault["offline"].target), ("fault_code", fault_code)}
    # the offline alarm was raised while the device was silent and cleared when it came back
    offline = next(a for a in new if a.rule == "offline")
    assert offline.state == "cleared" and offline.count == 1
    assert offline.first_seen - fault["offline"].start.replace(tzinfo=dt.UTC).timestamp() \
        <= 900 + 300


def test_failed_ahu_groups_its_room_alarms(replayed):
    plan, graph, devices, faults, clean, faulty = replayed
    ahu = next(f for f in faults if f.kind == "ahu_failure")
    root = next(a for a in faulty.alarms.values()
                if a.rule == "fault_code" and a.parent_id is None)
    assert graph.nodes[root.source]["name"] == ahu.target
    children = faulty.consequences(root.alarm_id)
    fed_rooms = rooms_fed_by(plan, ahu.target)
    room_of = {d["device_id"]: d["room_number"] for d in devices}
    hot = {a.device_id for a in children if a.rule == "temperature_high"}
    assert hot == set(ahu.params["devices"])  # every fed room's sensor, as a consequence
    assert {room_of[d] for d in hot} <= fed_rooms
    assert any(a.rule == "off_in_working_hours" for a in children)
    # none of the fed rooms' alarms stands on its own
    loose = [a for a in faulty.alarms.values() if a.parent_id is None
             and room_of.get(a.device_id) in fed_rooms and a.kind == "temperature"]
    assert loose == []
    assert [a.alarm_id for a in faulty.open_alarms(roots_only=True)
            if a.source == root.source] == []  # the AHU recovered at 18:00: cleared


def test_room_alarms_raised_first_are_regrouped_under_the_equipment_alarm():
    book = AlarmBook({"ahu": {"r1", "r2"}})
    ev = RuleEvaluator()
    rooms = [DeviceInfo(f"ts-{r}", "temperature", f"sensor-{r}", r) for r in ("r1", "r2", "r3")]
    for info in rooms:
        book.apply_all(feed(ev, info, [29.0] * 4))
    assert len(book.open_alarms(roots_only=True)) == 3
    fc = DeviceInfo("ahu-fc", "fault_code", "ahu", "plant")
    changes = book.apply_all(feed(ev, fc, [2.0]))
    assert [c.action for c in changes] == ["raised", "grouped", "grouped"]
    root = book.alarms[changes[0].alarm_id]
    assert {a.space_global_id for a in book.consequences(root.alarm_id)} == {"r1", "r2"}
    assert {a.space_global_id for a in book.open_alarms(roots_only=True)} == {"plant", "r3"}
