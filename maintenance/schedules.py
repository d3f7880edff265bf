"""Preventive maintenance: schedules by calendar or by runtime/meter, and what falls due.

A :class:`Schedule` applies to equipment by IFC class, by type (object type / type name) or to
one item, and fires every N days or months (calendar), every N running hours (runtime, from the
unit's status readings: :func:`runtime_hours`) or every N units of a meter (meter delta).
:func:`due_work_orders` lists what falls due before ``now + horizon`` (so work orders are made
ahead of time); :func:`issue_due` turns those into work orders, once each;
:func:`overdue_work_orders` lists open work orders past their due date.

Times are unix seconds (UTC).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from maintenance.errors import MaintenanceError
from maintenance.readings import Reading
from maintenance.workorders import WorkOrder, WorkOrderBook

__all__ = [
    "DEFAULT_SCHEDULES",
    "DueWork",
    "EquipmentItem",
    "Schedule",
    "add_months",
    "due_work_orders",
    "equipment_from_graph",
    "issue_due",
    "overdue_work_orders",
    "runtime_hours",
]

TRIGGERS = ("calendar", "runtime", "meter")


@dataclass(frozen=True, slots=True)
class EquipmentItem:
    """What a schedule needs to know about an item of equipment."""

    global_id: str
    name: str
    ifc_class: str
    type_name: str | None = None
    space_global_id: str | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    """A preventive maintenance schedule.

    Attributes
    ----------
    schedule_id, title : str
    trigger : {"calendar", "runtime", "meter"}
    every : float
        Days or months (calendar, see ``unit``), running hours (runtime) or meter units.
    unit : {"days", "months"}
        For calendar schedules.
    ifc_class, type_name, equipment_global_id : str, optional
        Which equipment: every item of the class, of the type, or one item (at least one).
    start : float
        Calendar anchor: the first due date of an item never serviced.
    lead_s : float
        Work orders are issued this long before the due date (default 14 days).
    priority : str
    """

    schedule_id: str
    title: str
    trigger: str
    every: float
    unit: str = "days"
    ifc_class: str | None = None
    type_name: str | None = None
    equipment_global_id: str | None = None
    start: float = 0.0
    lead_s: float = 14 * 86_400.0
    priority: str = "normal"

    def __post_init__(self) -> None:
        if self.trigger not in TRIGGERS:
            raise MaintenanceError(f"schedule {self.schedule_id}: unknown trigger "
                                   f"{self.trigger!r}; expected one of {', '.join(TRIGGERS)}")
        if self.every <= 0:
            raise MaintenanceError(f"schedule {self.schedule_id}: 'every' must be positive")
        if self.unit not in ("days", "months"):
            raise MaintenanceError(f"schedule {self.schedule_id}: unit must be days or months")
        if not (self.ifc_class or self.type_name or self.equipment_global_id):
            raise MaintenanceError(f"schedule {self.schedule_id}: name an ifc_class, a "
                                   "type_name or an equipment_global_id")

    def applies_to(self, item: EquipmentItem) -> bool:
        """True if the schedule covers ``item``."""
        if self.equipment_global_id is not None:
            return item.global_id == self.equipment_global_id
        if self.ifc_class is not None and item.ifc_class != self.ifc_class:
            return False
        return self.type_name is None or item.type_name == self.type_name


@dataclass(frozen=True, slots=True)
class DueWork:
    """An item's service due at ``due`` (unix seconds), and why."""

    schedule: Schedule
    equipment: EquipmentItem
    due: float
    reason: str

    def overdue(self, now: float) -> bool:
        """True once ``now`` is past the due date."""
        return now > self.due


#: Preventive schedules every building gets (per equipment class).
DEFAULT_SCHEDULES = (
    Schedule("S-AHU-FILTER", "Replace AHU filters", "calendar", 3, unit="months",
             ifc_class="IfcUnitaryEquipment"),
    Schedule("S-CHILLER", "Annual chiller service", "calendar", 12, unit="months",
             ifc_class="IfcChiller", priority="high"),
    Schedule("S-PUMP", "Pump inspection", "runtime", 2000, ifc_class="IfcPump"),
    Schedule("S-BOARD", "Thermographic check of distribution boards", "calendar", 12,
             unit="months", ifc_class="IfcElectricDistributionBoard"),
)


def add_months(ts: float, months: int) -> float:
    """``ts`` plus whole calendar months (UTC), the day clamped to the month's length."""
    when = dt.datetime.fromtimestamp(ts, dt.UTC)
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day).timestamp()


def runtime_hours(readings: Iterable[Reading], *, max_gap_s: float = 3600.0) -> float:
    """Running hours from status readings (on when >= 0.5), in time order.

    Each interval between consecutive readings counts when the earlier reading was ``on``;
    gaps longer than ``max_gap_s`` (the device was silent) count only up to ``max_gap_s``.
    """
    total, last = 0.0, None
    for reading in readings:
        if last is not None and last.value >= 0.5 and reading.at_s > last.at_s:
            total += min(reading.at_s - last.at_s, max_gap_s)
        last = reading
    return total / 3600.0


def equipment_from_graph(graph) -> list[EquipmentItem]:
    """Asset equipment of a building graph as :class:`EquipmentItem` s."""
    return [EquipmentItem(n, d.get("name") or n, d.get("ifc_class") or "",
                          d.get("type_name"), d.get("space"))
            for n, d in graph.nodes(data=True)
            if d.get("kind") == "equipment" and d.get("is_asset")]


def due_work_orders(schedules: Sequence[Schedule], equipment: Iterable[EquipmentItem],
                    now: float, horizon: float, *,
                    last_done: Mapping[tuple[str, str], tuple[float, float]] | None = None,
                    counters: Mapping[str, float] | None = None,
                    rates_per_day: Mapping[str, float] | None = None) -> list[DueWork]:
    """What falls due before ``now + horizon`` (or before ``now + lead_s`` of the schedule).

    Parameters
    ----------
    schedules : sequence of Schedule
    equipment : iterable of EquipmentItem
    now, horizon : float
        Unix seconds; seconds ahead.
    last_done : mapping, optional
        (schedule id, equipment GlobalId) -> (time done, counter value then: running hours
        or meter reading; 0 for calendar).
    counters : mapping, optional
        Equipment GlobalId -> current running hours (runtime) or meter reading (meter).
    rates_per_day : mapping, optional
        Equipment GlobalId -> counter growth per day, to project a runtime/meter due date.

    Returns
    -------
    list of DueWork
        Earliest first. Runtime/meter items without a counter are skipped.
    """
    last_done, counters, rates = last_done or {}, counters or {}, rates_per_day or {}
    items = list(equipment)
    found = []
    for schedule in schedules:
        limit = now + max(horizon, schedule.lead_s)
        for item in items:
            if not schedule.applies_to(item):
                continue
            done = last_done.get((schedule.schedule_id, item.global_id))
            due = _due(schedule, item, done, counters, rates, now)
            if due is not None and due[0] <= limit:
                found.append(DueWork(schedule, item, due[0], due[1]))
    return sorted(found, key=lambda d: (d.due, d.schedule.schedule_id, d.equipment.global_id))


def _due(schedule: Schedule, item: EquipmentItem, done, counters, rates, now):
    if schedule.trigger == "calendar":
        if done is None:
            return schedule.start, "never serviced"
        if schedule.unit == "months":
            return add_months(done[0], int(schedule.every)), f"every {schedule.every:g} months"
        return done[0] + schedule.every * 86_400.0, f"every {schedule.every:g} days"
    counter = counters.get(item.global_id)
    if counter is None:
        return None
    since = counter - (done[1] if done is not None else 0.0)
    unit = "running hours" if schedule.trigger == "runtime" else "meter units"
    remaining = schedule.every - since
    if remaining <= 0:
        return now, f"{since:g} {unit} since last service (every {schedule.every:g})"
    rate = rates.get(item.global_id)
    if not rate or rate <= 0:
        return None
    return now + remaining / rate * 86_400.0, (f"{remaining:g} {unit} to go at "
                                               f"{rate:g}/day")


def issue_due(book: WorkOrderBook, due: Iterable[DueWork], *, actor: str, ts: float
              ) -> list[WorkOrder]:
    """Open a work order for each due item that has no open one for the same schedule and
    equipment yet."""
    have = {(o.schedule_id, o.equipment_global_id) for o in book.orders.values()
            if o.schedule_id and not o.is_closed}
    made = []
    for item in due:
        key = (item.schedule.schedule_id, item.equipment.global_id)
        if key in have:
            continue
        made.append(book.create(
            f"{item.schedule.title}: {item.equipment.name}", actor=actor, ts=ts,
            origin="schedule", priority=item.schedule.priority,
            equipment_global_id=item.equipment.global_id,
            space_global_id=item.equipment.space_global_id, due=item.due,
            schedule_id=item.schedule.schedule_id, description=item.reason))
        have.add(key)
    return made


def overdue_work_orders(orders: Iterable[WorkOrder], now: float) -> list[WorkOrder]:
    """Open work orders whose due date has passed, most overdue first."""
    late = [o for o in orders if not o.is_closed and o.due is not None and o.due < now]
    return sorted(late, key=lambda o: o.due)
