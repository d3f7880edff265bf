"""Work orders: a state machine with history, created from alarms, by hand or by schedules.

States and the allowed moves are in :data:`maintenance.choices.WORK_ORDER_TRANSITIONS`::

    open -> assigned -> in_progress <-> on_hold ; in_progress -> done -> verified
    (any state before done) -> cancelled ; done -> in_progress (reopened)

Marking a work order ``done`` or ``verified`` while the alarm it was opened for is still active
is refused (:class:`~maintenance.errors.ActiveAlarmError`): clear the fault first.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from maintenance.alarms import Alarm, AlarmChange
from maintenance.choices import (
    PRIORITIES,
    WORK_ORDER_ORIGINS,
    WORK_ORDER_TRANSITIONS,
    choice_of,
)
from maintenance.errors import (
    ActiveAlarmError,
    InvalidTransitionError,
    MaintenanceError,
    UnknownWorkOrderError,
)

__all__ = [
    "AutoCreatePolicy",
    "Comment",
    "PartUse",
    "Transition",
    "WorkOrder",
    "WorkOrderBook",
    "WorkOrderChange",
    "priority_for_severity",
    "select_work_orders",
]

_CLOSING = frozenset({"done", "verified"})
_PRIORITY_OF_SEVERITY = {"info": "low", "minor": "normal", "major": "high",
                         "critical": "urgent"}


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of state, by whom and when (unix seconds)."""

    ts: float
    from_state: str | None
    to_state: str
    actor: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Comment:
    """A note on a work order, by ``author`` at ``ts`` (unix seconds)."""

    ts: float
    author: str
    text: str


@dataclass(frozen=True, slots=True)
class PartUse:
    """A part used: ``name``, ``quantity`` and an optional stock reference."""

    name: str
    quantity: float = 1.0
    ref: str = ""


@dataclass(slots=True)
class WorkOrder:
    """A job for the maintenance team. Times are unix seconds."""

    work_order_id: str
    title: str
    origin: str
    state: str
    priority: str
    created_at: float
    equipment_global_id: str | None = None
    space_global_id: str | None = None
    due: float | None = None
    assignee: str | None = None
    alarm_id: str | None = None
    schedule_id: str | None = None
    description: str = ""
    comments: list[Comment] = field(default_factory=list)
    parts: list[PartUse] = field(default_factory=list)
    hours_spent: float = 0.0
    attachments: list[tuple[str, str]] = field(default_factory=list)
    history: list[Transition] = field(default_factory=list)

    @property
    def is_closed(self) -> bool:
        """Done, verified or cancelled."""
        return self.state in ("done", "verified", "cancelled")


@dataclass(frozen=True, slots=True)
class WorkOrderChange:
    """What changed: ``action`` is ``created``, ``transition``, ``assigned``, ``comment``,
    ``part``, ``time`` or ``attachment``."""

    action: str
    work_order_id: str
    ts: float
    actor: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AutoCreatePolicy:
    """Which alarms open a work order by themselves: root alarms (not consequences) of these
    severities."""

    severities: frozenset[str] = frozenset({"major", "critical"})
    roots_only: bool = True

    def wants(self, alarm: Alarm) -> bool:
        """True if ``alarm`` should open a work order automatically."""
        return alarm.severity in self.severities and (not self.roots_only
                                                      or alarm.parent_id is None)


def priority_for_severity(severity: str) -> str:
    """Work-order priority for an alarm severity (critical -> urgent, major -> high, ...)."""
    return _PRIORITY_OF_SEVERITY.get(severity, "normal")


class WorkOrderBook:
    """In-memory work orders with their history and a change list.

    Parameters
    ----------
    alarm_is_active : callable, optional
        ``alarm_is_active(alarm_id) -> bool`` (e.g. :meth:`AlarmBook.is_active`); without it
        the closing check is skipped.
    new_id : callable, optional
        Default ``WO-000001``, ...
    """

    def __init__(self, alarm_is_active: Callable[[str], bool] | None = None, *,
                 new_id: Callable[[], str] | None = None) -> None:
        self.alarm_is_active = alarm_is_active
        counter = itertools.count(1)
        self._new_id = new_id or (lambda: f"WO-{next(counter):06d}")
        self.orders: dict[str, WorkOrder] = {}
        self.changes: list[WorkOrderChange] = []

    def restore(self, orders: Iterable[WorkOrder]) -> None:
        """Load stored work orders (e.g. after a restart) without recording changes."""
        for order in orders:
            self.orders[order.work_order_id] = order

    def get(self, work_order_id: str) -> WorkOrder:
        """The work order; :class:`UnknownWorkOrderError` if there is none."""
        try:
            return self.orders[work_order_id]
        except KeyError:
            raise UnknownWorkOrderError(work_order_id) from None

    def create(self, title: str, *, actor: str, ts: float, origin: str = "manual",
               priority: str = "normal", equipment_global_id: str | None = None,
               space_global_id: str | None = None, due: float | None = None,
               alarm_id: str | None = None, schedule_id: str | None = None,
               description: str = "", assignee: str | None = None) -> WorkOrder:
        """Open a work order (state ``open``, or ``assigned`` with an ``assignee``).

        Raises
        ------
        MaintenanceError
            Unknown ``origin`` or ``priority``, or an empty title.
        """
        if not title.strip():
            raise MaintenanceError("a work order needs a title")
        for choices, value, what in ((WORK_ORDER_ORIGINS, origin, "origin"),
                                     (PRIORITIES, priority, "priority")):
            try:
                choice_of(choices, value)
            except ValueError as exc:
                raise MaintenanceError(f"work order {what}: {exc}") from None
        order = WorkOrder(self._new_id(), title.strip(), origin, "open", priority, ts,
                          equipment_global_id, space_global_id, due, None, alarm_id,
                          schedule_id, description)
        order.history.append(Transition(ts, None, "open", actor))
        self.orders[order.work_order_id] = order
        self.changes.append(WorkOrderChange("created", order.work_order_id, ts, actor, origin))
        if assignee:
            self.assign(order.work_order_id, assignee, actor=actor, ts=ts)
        return order

    def create_from_alarm(self, alarm: Alarm, *, actor: str, ts: float,
                          due_in_s: float | None = None, **extra) -> WorkOrder:
        """A work order for ``alarm``: its equipment, space, and a priority by severity."""
        due = ts + due_in_s if due_in_s is not None else None
        return self.create(f"{alarm.rule} on {alarm.source}", actor=actor, ts=ts,
                           origin="alarm", priority=priority_for_severity(alarm.severity),
                           equipment_global_id=alarm.source, space_global_id=alarm.space_global_id,
                           due=due, alarm_id=alarm.alarm_id, description=alarm.message, **extra)

    def open_for_alarms(self, changes: Iterable[AlarmChange], alarms: dict[str, Alarm], *,
                        policy: AutoCreatePolicy = AutoCreatePolicy(), actor: str = "system"
                        ) -> list[WorkOrder]:
        """Apply ``policy`` to alarm changes: a work order per newly raised alarm it wants
        (none twice for one alarm)."""
        have = {o.alarm_id for o in self.orders.values() if o.alarm_id}
        made = []
        for change in changes:
            alarm = alarms[change.alarm_id]
            if change.action in ("raised", "reraised") and alarm.alarm_id not in have \
                    and policy.wants(alarm):
                made.append(self.create_from_alarm(alarm, actor=actor, ts=change.ts))
                have.add(alarm.alarm_id)
        return made

    def transition(self, work_order_id: str, to_state: str, *, actor: str, ts: float,
                   note: str = "") -> WorkOrder:
        """Move a work order to ``to_state``.

        Raises
        ------
        InvalidTransitionError
            The move is not in :data:`WORK_ORDER_TRANSITIONS`.
        ActiveAlarmError
            ``done``/``verified`` while its alarm is still active.
        """
        order = self.get(work_order_id)
        allowed = WORK_ORDER_TRANSITIONS.get(order.state, ())
        if to_state not in allowed:
            raise InvalidTransitionError("work order", work_order_id, order.state, to_state,
                                         allowed)
        if (to_state in _CLOSING and order.alarm_id and self.alarm_is_active is not None
                and self.alarm_is_active(order.alarm_id)):
            raise ActiveAlarmError(work_order_id, order.state, to_state, order.alarm_id,
                                   "active")
        order.history.append(Transition(ts, order.state, to_state, actor, note))
        order.state = to_state
        self.changes.append(WorkOrderChange("transition", work_order_id, ts, actor, to_state))
        return order

    def assign(self, work_order_id: str, assignee: str, *, actor: str, ts: float) -> WorkOrder:
        """Give the work order to ``assignee`` (an ``open`` one becomes ``assigned``)."""
        order = self.get(work_order_id)
        if order.is_closed:
            raise InvalidTransitionError("work order", work_order_id, order.state, "assigned",
                                         WORK_ORDER_TRANSITIONS[order.state])
        order.assignee = assignee
        self.changes.append(WorkOrderChange("assigned", work_order_id, ts, actor, assignee))
        if order.state == "open":
            self.transition(work_order_id, "assigned", actor=actor, ts=ts)
        return order

    def comment(self, work_order_id: str, text: str, *, actor: str, ts: float) -> WorkOrder:
        """Add a comment."""
        order = self.get(work_order_id)
        order.comments.append(Comment(ts, actor, text))
        self.changes.append(WorkOrderChange("comment", work_order_id, ts, actor, text))
        return order

    def add_part(self, work_order_id: str, part: PartUse, *, actor: str, ts: float
                 ) -> WorkOrder:
        """Record a part used."""
        if part.quantity <= 0:
            raise MaintenanceError(f"part {part.name!r}: quantity must be positive")
        order = self.get(work_order_id)
        order.parts.append(part)
        self.changes.append(WorkOrderChange("part", work_order_id, ts, actor, part.name))
        return order

    def log_time(self, work_order_id: str, hours: float, *, actor: str, ts: float
                 ) -> WorkOrder:
        """Add ``hours`` of work."""
        if hours <= 0:
            raise MaintenanceError(f"time spent must be positive, not {hours:g} h")
        order = self.get(work_order_id)
        order.hours_spent += hours
        self.changes.append(WorkOrderChange("time", work_order_id, ts, actor, f"{hours:g}"))
        return order

    def attach(self, work_order_id: str, name: str, ref: str, *, actor: str, ts: float
               ) -> WorkOrder:
        """Attach a file or link by name and reference (stored elsewhere)."""
        order = self.get(work_order_id)
        order.attachments.append((name, ref))
        self.changes.append(WorkOrderChange("attachment", work_order_id, ts, actor, name))
        return order

    def open_orders(self, *, assignee: str | None = None) -> list[WorkOrder]:
        """Work orders not done, verified or cancelled (optionally of one assignee)."""
        return [o for o in self.orders.values() if not o.is_closed
                and (assignee is None or o.assignee == assignee)]


def select_work_orders(orders: Iterable[WorkOrder], *, state: str | None = None,
                       assignee: str | None = None, space: str | None = None,
                       equipment: str | None = None, open_only: bool = False
                       ) -> list[WorkOrder]:
    """Work orders filtered by state, assignee, space and equipment GlobalIds, and
    (``open_only``) those not closed; newest first.

    The one filter the API and the CLI share.
    """
    found = [o for o in orders
             if (state is None or o.state == state)
             and (assignee is None or o.assignee == assignee)
             and (space is None or o.space_global_id == space)
             and (equipment is None or o.equipment_global_id == equipment)
             and not (open_only and o.is_closed)]
    return sorted(found, key=lambda o: -o.created_at)
