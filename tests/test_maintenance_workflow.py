"""Alarm lifecycle and de-duplication, the work-order state machine, preventive schedules."""

from __future__ import annotations

import datetime as dt

import pytest

from maintenance import (
    ActiveAlarmError,
    AlarmBook,
    AutoCreatePolicy,
    DeviceInfo,
    EquipmentItem,
    InvalidTransitionError,
    MaintenanceError,
    Reading,
    RuleEvaluator,
    Schedule,
    UnknownWorkOrderError,
    WorkOrderBook,
    due_work_orders,
    issue_due,
    overdue_work_orders,
    runtime_hours,
)
from maintenance.choices import WORK_ORDER_STATES, WORK_ORDER_TRANSITIONS
from maintenance.schedules import add_months
from maintenance.workorders import PartUse

DAY = 86_400.0
T0 = dt.datetime(2026, 11, 2, tzinfo=dt.UTC).timestamp()
FC = DeviceInfo("ahu-fc", "fault_code", "ahu-1", "plant")


def raise_fault(book, ev, value, ts):
    return book.apply_all(ev.evaluate(Reading(FC.device_id, ts, value), FC))


def test_alarm_lifecycle_and_deduplication():
    book, ev = AlarmBook(), RuleEvaluator()
    (change,) = raise_fault(book, ev, 3, T0)
    alarm = book.get(change.alarm_id)
    assert (alarm.state, alarm.count, alarm.severity) == ("raised", 1, "critical")
    book.acknowledge(alarm.alarm_id, actor="li", ts=T0 + 60)
    with pytest.raises(InvalidTransitionError, match="'acknowledged' to 'acknowledged'"):
        book.acknowledge(alarm.alarm_id, actor="li", ts=T0 + 70)
    raise_fault(book, ev, 0, T0 + 120)
    assert alarm.state == "cleared" and alarm.cleared_at == T0 + 120
    raise_fault(book, ev, 5, T0 + 180)  # fires again: the same alarm, counted
    assert len(book.alarms) == 1 and alarm.state == "raised" and alarm.count == 2
    assert alarm.first_seen == T0 and alarm.last_seen == T0 + 180
    raise_fault(book, ev, 0, T0 + 240)
    book.close(alarm.alarm_id, actor="li", ts=T0 + 300)
    with pytest.raises(InvalidTransitionError, match="final state"):
        book.acknowledge(alarm.alarm_id, actor="li", ts=T0 + 310)
    raise_fault(book, ev, 7, T0 + 360)  # after closing, a new alarm
    assert len(book.alarms) == 2
    assert [s for _, s, _ in alarm.history] == ["raised", "acknowledged", "cleared", "raised",
                                                "cleared", "closed"]


def test_work_order_state_machine():
    book = WorkOrderBook()
    order = book.create("Replace filter", actor="wang", ts=T0, priority="high",
                        equipment_global_id="ahu-1", space_global_id="plant", due=T0 + DAY)
    assert order.state == "open"
    with pytest.raises(InvalidTransitionError) as refused:
        book.transition(order.work_order_id, "done", actor="wang", ts=T0)
    assert refused.value.allowed == WORK_ORDER_TRANSITIONS["open"]
    assert "cannot go from 'open' to 'done'" in str(refused.value)
    book.assign(order.work_order_id, "zhang", actor="wang", ts=T0 + 10)
    for state in ("in_progress", "on_hold", "in_progress", "done", "verified"):
        book.transition(order.work_order_id, state, actor="zhang", ts=T0 + 20)
    book.comment(order.work_order_id, "filter was clogged", actor="zhang", ts=T0 + 30)
    book.add_part(order.work_order_id, PartUse("G4 filter", 2, "SKU-1"), actor="zhang",
                  ts=T0 + 30)
    book.log_time(order.work_order_id, 1.5, actor="zhang", ts=T0 + 30)
    book.attach(order.work_order_id, "photo.jpg", "files/17", actor="zhang", ts=T0 + 30)
    assert [t.to_state for t in order.history] == [
        "open", "assigned", "in_progress", "on_hold", "in_progress", "done", "verified"]
    assert order.assignee == "zhang" and order.hours_spent == 1.5 and len(order.parts) == 1
    with pytest.raises(InvalidTransitionError, match="final state"):
        book.transition(order.work_order_id, "cancelled", actor="zhang", ts=T0 + 40)
    with pytest.raises(UnknownWorkOrderError):
        book.get("WO-999999")
    with pytest.raises(MaintenanceError, match="priority"):
        book.create("x", actor="wang", ts=T0, priority="asap")
    assert set(WORK_ORDER_TRANSITIONS) == {c.value for c in WORK_ORDER_STATES}


def test_closing_a_work_order_whose_alarm_is_active_is_refused():
    alarms, ev = AlarmBook(), RuleEvaluator()
    changes = raise_fault(alarms, ev, 3, T0)
    orders = WorkOrderBook(alarms.is_active)
    (order,) = orders.open_for_alarms(changes, alarms.alarms)  # critical: automatic
    assert order.origin == "alarm" and order.priority == "urgent"
    assert order.equipment_global_id == "ahu-1" and order.space_global_id == "plant"
    assert orders.open_for_alarms(changes, alarms.alarms) == []  # not twice
    orders.assign(order.work_order_id, "zhang", actor="wang", ts=T0)
    orders.transition(order.work_order_id, "in_progress", actor="zhang", ts=T0)
    with pytest.raises(ActiveAlarmError, match="still active; clear the fault first"):
        orders.transition(order.work_order_id, "done", actor="zhang", ts=T0 + 60)
    assert order.state == "in_progress"
    raise_fault(alarms, ev, 0, T0 + 120)
    orders.transition(order.work_order_id, "done", actor="zhang", ts=T0 + 180)
    assert order.state == "done"


def test_policy_creates_work_orders_for_severe_root_alarms_only():
    alarms = AlarmBook({"ahu-1": {"r1"}})
    ev = RuleEvaluator()
    changes = raise_fault(alarms, ev, 3, T0)
    room = DeviceInfo("ts", "temperature", "sensor", "r1")
    for k in range(4):
        changes += alarms.apply_all(ev.evaluate(Reading("ts", T0 + 300 * k, 30.0), room))
    co2 = DeviceInfo("co2", "co2", "sensor2", "r9")  # minor: no work order by default
    for k in range(4):
        changes += alarms.apply_all(ev.evaluate(Reading("co2", T0 + 300 * k, 1500.0), co2))
    made = WorkOrderBook().open_for_alarms(changes, alarms.alarms)
    assert [o.alarm_id for o in made] == [changes[0].alarm_id]
    everything = WorkOrderBook().open_for_alarms(
        changes, alarms.alarms, policy=AutoCreatePolicy(frozenset({"minor", "critical"})))
    assert len(everything) == 2


ITEMS = [EquipmentItem("ahu-1", "AHU-01", "IfcUnitaryEquipment", "AHU-ZK-40", "plant"),
         EquipmentItem("ahu-2", "AHU-02", "IfcUnitaryEquipment", "AHU-ZK-40", "plant"),
         EquipmentItem("pump-1", "PU-01", "IfcPump", "P-80", "plant")]


def test_calendar_schedule_due_dates_and_lead_time():
    quarterly = Schedule("S1", "Filter change", "calendar", 3, unit="months",
                         ifc_class="IfcUnitaryEquipment", start=T0, lead_s=7 * DAY)
    done = {("S1", "ahu-1"): (T0, 0.0)}
    due = due_work_orders([quarterly], ITEMS, T0, 0.0, last_done=done)
    assert [(d.equipment.global_id, d.due) for d in due] == [("ahu-2", T0)]  # never serviced
    later = due_work_orders([quarterly], ITEMS, add_months(T0, 3) - 5 * DAY, 0.0,
                            last_done=done)
    assert [d.equipment.global_id for d in later] == ["ahu-2", "ahu-1"]
    assert later[1].due == dt.datetime(2027, 2, 2, tzinfo=dt.UTC).timestamp()
    weekly = Schedule("S2", "Check pump", "calendar", 7, equipment_global_id="pump-1",
                      start=T0, lead_s=0)
    assert due_work_orders([weekly], ITEMS, T0 + 3 * DAY, 0.0,
                           last_done={("S2", "pump-1"): (T0, 0)}) == []
    assert len(due_work_orders([weekly], ITEMS, T0 + 3 * DAY, 5 * DAY,
                               last_done={("S2", "pump-1"): (T0, 0)})) == 1
    assert add_months(dt.datetime(2026, 1, 31, tzinfo=dt.UTC).timestamp(), 1) == \
        dt.datetime(2026, 2, 28, tzinfo=dt.UTC).timestamp()


def test_runtime_schedule_from_status_readings_and_overdue_list():
    # on 10 h a day (08:00-18:00) for 5 days, readings every 15 min
    readings = [Reading("st", T0 + d * DAY + q * 900, 1.0 if 32 <= q < 72 else 0.0)
                for d in range(5) for q in range(96)]
    hours = runtime_hours(readings)
    assert hours == pytest.approx(50.0)
    every_2000 = Schedule("S3", "Belt check", "runtime", 2000, type_name="AHU-ZK-40", lead_s=0)
    counters = {"ahu-1": 1995.0, "ahu-2": 1500.0}
    now = T0 + 5 * DAY
    due = due_work_orders([every_2000], ITEMS, now, 0.0, counters=counters,
                          rates_per_day={"ahu-1": 10.0, "ahu-2": 10.0})
    assert [d.equipment.global_id for d in due] == []  # 5 h to go at 10 h/day: tomorrow
    due = due_work_orders([every_2000], ITEMS, now, 2 * DAY, counters=counters,
                          rates_per_day={"ahu-1": 10.0, "ahu-2": 10.0})
    assert [(d.equipment.global_id, d.due) for d in due] == [("ahu-1", now + 0.5 * DAY)]
    meter = Schedule("S4", "Meter check", "meter", 100, ifc_class="IfcPump", lead_s=0)
    due = due_work_orders([meter], ITEMS, now, 0.0, counters={"pump-1": 350.0},
                          last_done={("S4", "pump-1"): (T0, 240.0)})
    assert [d.reason.startswith("110 meter units") for d in due] == [True]
    book = WorkOrderBook()
    made = issue_due(book, due, actor="scheduler", ts=now)
    assert [o.origin for o in made] == ["schedule"] and made[0].due == now
    assert issue_due(book, due, actor="scheduler", ts=now) == []  # once
    assert overdue_work_orders(book.orders.values(), now + 1) == made
    assert overdue_work_orders(book.orders.values(), now - 1) == []


def test_bad_schedules_are_refused():
    with pytest.raises(MaintenanceError, match="trigger"):
        Schedule("S", "x", "lunar", 1, ifc_class="IfcPump")
    with pytest.raises(MaintenanceError, match="ifc_class"):
        Schedule("S", "x", "calendar", 1)


def test_restored_alarms_keep_deduplicating():
    book, ev = AlarmBook(), RuleEvaluator()
    raise_fault(book, ev, 3, T0)
    stored = list(book.alarms.values())
    again = AlarmBook()
    again.restore(stored)
    assert again.changes == [] and len(again.open_alarms()) == 1
    raise_fault(again, RuleEvaluator(), 3, T0 + 600)  # a fresh evaluator raises again
    assert len(again.alarms) == 1 and stored[0].count == 2


def test_recovering_rooms_still_count_as_consequences_for_a_grace_period():
    book, ev = AlarmBook({"ahu-1": {"r1"}}, grace_s=1800), RuleEvaluator()
    raise_fault(book, ev, 3, T0)
    raise_fault(book, ev, 0, T0 + 600)
    room = DeviceInfo("ts", "temperature", "sensor", "r1")
    changes = []
    for k in range(3):  # hot for 10 min, starting 5 min after the AHU's alarm cleared
        changes += book.apply_all(ev.evaluate(Reading("ts", T0 + 900 + 300 * k, 30.0), room))
    assert [c.action for c in changes] == ["consequence"]
    late = AlarmBook({"ahu-1": {"r1"}}, grace_s=60)
    ev2 = RuleEvaluator()
    raise_fault(late, ev2, 3, T0)
    raise_fault(late, ev2, 0, T0 + 600)
    got = []
    for k in range(3):
        got += late.apply_all(ev2.evaluate(Reading("ts", T0 + 900 + 300 * k, 30.0), room))
    assert [c.action for c in got] == ["raised"]
