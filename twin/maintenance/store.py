"""Alarms and work orders in the database: the domain objects of :mod:`maintenance` saved as
rows (searchable columns + the whole record as JSON) and rebuilt from them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from maintenance import Alarm, WorkOrder
from maintenance.workorders import Comment, PartUse, Transition
from twin.maintenance.tables import AlarmRow, WorkOrderRow

__all__ = ["alarm_from_data", "load_books", "next_number", "order_from_data", "order_to_data",
           "save_alarms", "save_orders"]

_ALARM_FIELDS = {f.name for f in fields(Alarm)}
_ORDER_FIELDS = {f.name for f in fields(WorkOrder)}


def alarm_from_data(data: dict[str, Any]) -> Alarm:
    """An :class:`Alarm` from :meth:`Alarm.to_dict` output."""
    values = {k: v for k, v in data.items() if k in _ALARM_FIELDS}
    values["history"] = [tuple(h) for h in data.get("history", [])]
    return Alarm(**values)


def order_to_data(order: WorkOrder) -> dict[str, Any]:
    """A work order as JSON-ready data, history, comments and parts included."""
    data = asdict(order)
    data["attachments"] = [list(a) for a in order.attachments]
    return data


def order_from_data(data: dict[str, Any]) -> WorkOrder:
    """Inverse of :func:`order_to_data`."""
    values = {k: v for k, v in data.items() if k in _ORDER_FIELDS}
    values["comments"] = [Comment(**c) for c in data.get("comments", [])]
    values["parts"] = [PartUse(**p) for p in data.get("parts", [])]
    values["history"] = [Transition(**t) for t in data.get("history", [])]
    values["attachments"] = [tuple(a) for a in data.get("attachments", [])]
    return WorkOrder(**values)


def save_alarms(session: Session, building_id: int, alarms: Iterable[Alarm]) -> None:
    """Insert or update these alarms of ``building_id``."""
    for alarm in alarms:
        session.merge(AlarmRow(id=alarm.alarm_id, building_id=building_id, state=alarm.state,
                               severity=alarm.severity, rule=alarm.rule, source=alarm.source,
                               parent_id=alarm.parent_id, first_seen=alarm.first_seen,
                               last_seen=alarm.last_seen, data=alarm.to_dict()))


def save_orders(session: Session, building_id: int, orders: Iterable[WorkOrder]) -> None:
    """Insert or update these work orders of ``building_id``."""
    for order in orders:
        session.merge(WorkOrderRow(id=order.work_order_id, building_id=building_id,
                                   state=order.state, priority=order.priority,
                                   assignee=order.assignee, alarm_id=order.alarm_id,
                                   equipment=order.equipment_global_id, due=order.due,
                                   data=order_to_data(order)))


def load_books(session: Session, building_id: int) -> tuple[list[Alarm], list[WorkOrder]]:
    """Every stored alarm and work order of a building."""
    alarms = [alarm_from_data(r.data) for r in session.scalars(
        select(AlarmRow).where(AlarmRow.building_id == building_id))]
    orders = [order_from_data(r.data) for r in session.scalars(
        select(WorkOrderRow).where(WorkOrderRow.building_id == building_id))]
    return alarms, orders


def next_number(ids: Iterable[str]) -> int:
    """One more than the largest trailing number of ``ids`` (1 when there is none)."""
    numbers = [int(m.group(1)) for i in ids if (m := re.search(r"(\d+)$", i))]
    return max(numbers, default=0) + 1
