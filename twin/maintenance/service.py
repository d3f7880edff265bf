"""Maintenance in the running system: every stored reading goes through the fault rules;
their events become alarms (grouped through the MEP graph), alarms open work orders by
policy, and every change is saved and announced on the event bus.

The domain logic lives in :mod:`maintenance`; this module owns the books of each building,
their persistence and the locking around them.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
from sqlalchemy.orm import Session

from maintenance import (
    AlarmBook,
    AutoCreatePolicy,
    DeviceInfo,
    RuleEvaluator,
    RuleEvent,
    WorkOrder,
    WorkOrderBook,
    due_work_orders,
    equipment_from_graph,
    overdue_work_orders,
    served_spaces,
)
from maintenance.alarms import select_alarms
from maintenance.schedules import DEFAULT_SCHEDULES, DueWork
from maintenance.workorders import select_work_orders
from spaces.routing import locate
from twin.core.database import Database
from twin.iot.ingest import Ingestor, StoredReadings
from twin.iot.query import running_hours
from twin.iot.records import DeviceRecord
from twin.maintenance.schemas import (
    AlarmDetailPublic,
    AlarmPublic,
    LocationPublic,
    WorkOrderDetailPublic,
    WorkOrderPublic,
)
from twin.maintenance.store import load_books, next_number, save_alarms, save_orders

__all__ = ["Books", "MaintenanceNotice", "MaintenanceService"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaintenanceNotice:
    """An event-bus message: an alarm or a work order changed.

    ``data`` is the object in its REST shape (:class:`AlarmPublic`,
    :class:`WorkOrderPublic`); the push-stream message wraps it in an envelope: ``type``,
    ``action``, ``building``, ``id`` and, for work orders, ``detail``.
    """

    building_id: int
    type: str  # "alarm" | "work_order"
    action: str
    object_id: str
    data: dict[str, Any]
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """The push-stream message: the envelope, then the object's fields."""
        envelope = {"type": self.type, "action": self.action, "building": self.building_id,
                    "id": self.object_id}
        if self.type == "work_order":
            envelope["detail"] = self.detail
        return envelope | self.data


@dataclass
class Books:
    """The alarms and work orders of one building, and its graph."""

    building_id: int
    graph: nx.MultiDiGraph
    alarms: AlarmBook
    orders: WorkOrderBook


def _counter(prefix: str, start: int) -> Callable[[], str]:
    numbers = itertools.count(start)
    return lambda: f"{prefix}-{next(numbers):06d}"


class MaintenanceService:
    """The fault rules, alarms and work orders of the buildings served by this process.

    Parameters
    ----------
    database : Database
    ingestor : Ingestor
        Its stored readings are evaluated; its bus carries the notices.
    graph_of : callable
        ``graph_of(building_id)`` -> the building's space graph (latest revision).
    policy : AutoCreatePolicy
        Which alarms open a work order by themselves.
    clock : callable
        Unix seconds, for staleness and for human actions.
    """

    def __init__(self, database: Database, ingestor: Ingestor,
                 graph_of: Callable[[int], nx.MultiDiGraph], *,
                 policy: AutoCreatePolicy | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.database, self.ingestor, self.graph_of = database, ingestor, graph_of
        self.policy = policy or AutoCreatePolicy()
        self.clock = clock
        self.evaluator = RuleEvaluator(clock=clock)
        self.books: dict[int, Books] = {}
        self._infos: dict[int, DeviceInfo] = {}
        self._lock = threading.RLock()
        # stored readings wait here for the rule worker: the ingest never waits on rules
        # (unless a thousand batches queue up: then it slows down rather than lose any)
        self._queue: queue.Queue = queue.Queue(maxsize=1000)
        self._worker = threading.Thread(target=self._work, name="fault-rules", daemon=True)

    def start(self) -> MaintenanceService:
        """Load the books of every building with devices and listen to the ingest."""
        for building_id in sorted({d.building_id for d in self.ingestor.devices.values()}):
            self.books_of(building_id)
        # silence counts from each device's newest stored reading; a device that never
        # reported is not watched until it does (commissioning, not a fault)
        for device, last_reported_s in self.ingestor.last_reported_s():
            self.evaluator.register(self._info(device), now=last_reported_s)
        self.ingestor.observers.append(self.on_readings)
        self._worker.start()
        return self

    def drain(self) -> None:
        """Wait until every reading handed over so far has been evaluated."""
        self._queue.join()

    def stop(self) -> None:
        """Evaluate what is queued, then stop the worker."""
        if self._worker.is_alive():
            self._queue.put(None)
            self._worker.join(timeout=30)

    def _work(self) -> None:
        while True:
            rows = self._queue.get()
            try:
                if rows is None:
                    return
                self.evaluate(rows)
            except Exception:  # noqa: BLE001 - one bad batch must not stop the rules
                _log.exception("fault rules failed on a batch")
            finally:
                self._queue.task_done()

    def books_of(self, building_id: int) -> Books:
        """The books of a building, loaded from the database on first use."""
        with self._lock:
            books = self.books.get(building_id)
            if books is None:
                graph = self.graph_of(building_id)
                with self.database.session() as session:
                    stored_alarms, stored_orders = load_books(session, building_id)
                alarms = AlarmBook(served_spaces(graph), new_id=_counter(
                    f"A{building_id}", next_number(a.alarm_id for a in stored_alarms)))
                alarms.restore(stored_alarms)
                orders = WorkOrderBook(alarms.is_active, new_id=_counter(
                    f"WO{building_id}", next_number(o.work_order_id for o in stored_orders)))
                orders.restore(stored_orders)
                books = self.books[building_id] = Books(building_id, graph, alarms, orders)
            return books

    def _info(self, device: DeviceRecord) -> DeviceInfo:
        info = self._infos.get(device.id)
        if info is None or info.device_id != device.key or info.kind != device.kind.key \
                or info.equipment_global_id != device.equipment \
                or info.space_global_id != device.space:
            info = DeviceInfo(device.key, device.kind.key, device.equipment, device.space)
            self._infos[device.id] = info
        return info

    def forget_building(self, building_id: int) -> None:
        """Drop a deleted building's books and its devices' rule state (call before the
        ingest reloads its devices: their buildings are read from it)."""
        self.drain()
        with self._lock:
            self.books.pop(building_id, None)
            for device_pk, info in list(self._infos.items()):
                device = self.ingestor.by_id.get(device_pk)
                if device is None or device.building_id == building_id:
                    self.evaluator.forget(info.device_id)
                    del self._infos[device_pk]

    # -- readings in ---------------------------------------------------------------------

    def on_readings(self, stored: StoredReadings) -> None:
        """The ingest's observer: queue stored readings for the rule worker."""
        if stored.rows:
            self._queue.put(stored)

    def evaluate(self, stored: StoredReadings) -> None:
        """Evaluate readings the ingest stored, per device in time order (times in Unix
        seconds, as :meth:`StoredReadings.by_device` gives them); apply what the rules say."""
        events = []
        with self._lock:
            for device, readings in stored.by_device():
                found = self.evaluator.evaluate_device(self._info(device), readings)
                if found:
                    events.extend(found)
            if events:
                self.apply(events)

    def check_stale(self, now: float | None = None) -> None:
        """Raise the offline alarms of silent devices."""
        with self._lock:
            events = self.evaluator.check_stale(now)
            if events:
                self.apply(events)

    def apply(self, events: Iterable[RuleEvent]) -> None:
        """Turn rule events into alarm changes and automatic work orders; save; announce."""
        per_building: dict[int, list[RuleEvent]] = {}
        for event in events:
            device = self.ingestor.devices.get(event.device_id)
            if device is not None:
                per_building.setdefault(device.building_id, []).append(event)
        with self._lock:
            for building_id, found in per_building.items():
                books = self.books_of(building_id)
                changes = books.alarms.apply_all(found)
                mark = len(books.orders.changes)
                books.orders.open_for_alarms(changes, books.alarms.alarms, policy=self.policy)
                self._commit(books, [c.alarm_id for c in changes],
                             books.orders.changes[mark:], [(c.action, c.alarm_id)
                                                           for c in changes])

    # -- people's actions ----------------------------------------------------------------

    def act_on_alarm(self, building_id: int, alarm_id: str, action: str, *, actor: str):
        """``acknowledge`` or ``close`` an alarm; returns it."""
        with self._lock:
            books = self.books_of(building_id)
            method = {"acknowledge": books.alarms.acknowledge, "close": books.alarms.close}
            alarm = method[action](alarm_id, actor=actor, ts=self.clock())
            self._commit(books, [alarm_id], [], [(alarm.state, alarm_id)])
            return alarm

    def act_on_order(self, building_id: int, act: Callable[[WorkOrderBook, float], Any]):
        """Run ``act(orders, now)`` on a building's work orders; save and announce."""
        with self._lock:
            books = self.books_of(building_id)
            mark = len(books.orders.changes)
            result = act(books.orders, self.clock())
            self._commit(books, [], books.orders.changes[mark:], [])
            return result

    # -- persistence and notices ---------------------------------------------------------

    def _commit(self, books: Books, alarm_ids: list[str], order_changes: list,
                alarm_actions: list[tuple[str, str]]) -> None:
        alarms = [books.alarms.alarms[i] for i in dict.fromkeys(alarm_ids)]
        order_ids = list(dict.fromkeys(c.work_order_id for c in order_changes))
        orders = [books.orders.orders[i] for i in order_ids]
        with self.database.session() as session:
            save_alarms(session, books.building_id, alarms)
            save_orders(session, books.building_id, orders)
        books.alarms.changes.clear()  # consumed: saved above, announced below
        books.orders.changes.clear()
        bus = self.ingestor.bus
        for action, alarm_id in alarm_actions:
            if action != "repeated":
                bus.publish(MaintenanceNotice(books.building_id, "alarm", action, alarm_id,
                                              _alarm_public(books, alarm_id).model_dump()))
        for change in order_changes:
            order = books.orders.orders[change.work_order_id]
            bus.publish(MaintenanceNotice(
                books.building_id, "work_order", change.action, order.work_order_id,
                WorkOrderPublic.model_validate(order).model_dump(), detail=change.detail))

    # -- queries (under the lock; answers in their public shapes) ------------------------

    def alarm_list(self, building_id: int, *, state: str = "open",
                   roots_only: bool = True) -> list[AlarmPublic]:
        """Alarms, most severe and newest first (:func:`maintenance.select_alarms`)."""
        with self._lock:
            books = self.books_of(building_id)
            grouped: dict[str, list] = {}  # parent -> consequences, in one pass (not per alarm)
            for alarm in books.alarms.alarms.values():
                if alarm.parent_id:
                    grouped.setdefault(alarm.parent_id, []).append(alarm)
            return [_public_with(a, grouped.get(a.alarm_id, []))
                    for a in select_alarms(books.alarms.alarms.values(), state=state,
                                           roots_only=roots_only)]

    def alarm_detail(self, building_id: int, alarm_id: str) -> AlarmDetailPublic:
        """One alarm, its consequences in full and where its source is.

        Raises
        ------
        maintenance.errors.UnknownAlarmError
            No such alarm in the building.
        """
        with self._lock:
            books = self.books_of(building_id)
            alarm = books.alarms.get(alarm_id)
            consequences = [AlarmPublic.model_validate(a)
                            for a in books.alarms.consequences(alarm_id)]
            public = _alarm_public(books, alarm_id)
        location = _location(books.graph, alarm.source)
        return AlarmDetailPublic(**public.model_dump(), consequence_alarms=consequences,
                                 location=location)

    def work_order_list(self, building_id: int, **filters: Any) -> list[WorkOrderPublic]:
        """Work orders, newest first (``filters``: :func:`maintenance.select_work_orders`)."""
        with self._lock:
            orders = select_work_orders(self.books_of(building_id).orders.orders.values(),
                                        **filters)
            return [WorkOrderPublic.model_validate(o) for o in orders]

    def overdue_orders(self, building_id: int) -> list[WorkOrderPublic]:
        """Open work orders past their due date, most overdue first."""
        with self._lock:
            orders = overdue_work_orders(self.books_of(building_id).orders.orders.values(),
                                         self.clock())
            return [WorkOrderPublic.model_validate(o) for o in orders]

    def work_order_detail(self, building_id: int, work_order_id: str) -> WorkOrderDetailPublic:
        """One work order with its history, and where its equipment or space is.

        Raises
        ------
        maintenance.errors.UnknownWorkOrderError
            No such work order in the building.
        """
        with self._lock:
            books = self.books_of(building_id)
            order = books.orders.get(work_order_id)
            public = WorkOrderPublic.model_validate(order)
        target = order.equipment_global_id or order.space_global_id
        return WorkOrderDetailPublic(**public.model_dump(),
                                     location=_location(books.graph, target))

    def alarm_public(self, building_id: int, alarm_id: str) -> AlarmPublic:
        """One alarm in its public shape, consequences listed."""
        with self._lock:
            return _alarm_public(self.books_of(building_id), alarm_id)

    def schedules_due(self, session: Session, building_id: int, now: float,
                      horizon_s: float) -> list[DueWork]:
        """What the preventive schedules say is due within ``horizon_s`` of ``now``.

        Calendar schedules count from the last time each item was serviced (its last done
        schedule work order); runtime schedules from the running hours of the status
        readings, and their weekly rate.
        """
        books = self.books_of(building_id)
        connection = session.connection()
        counters = running_hours(connection, building_id)
        week = running_hours(connection, building_id, since_ms=int((now - 7 * 86400) * 1000))
        rates = {gid: hours / 7 for gid, hours in week.items() if hours > 0}
        last_done: dict[tuple[str, str], tuple[float, float]] = {}
        with self._lock:
            orders = list(books.orders.orders.values())
        for order in orders:
            if order.schedule_id and order.equipment_global_id and \
                    order.state in ("done", "verified"):
                done_at = max((t.ts for t in order.history if t.to_state == "done"),
                              default=order.created_at)
                key = (order.schedule_id, order.equipment_global_id)
                if key not in last_done or last_done[key][0] < done_at:
                    hours = running_hours(connection, building_id,
                                          until_ms=int(done_at * 1000))
                    last_done[key] = (done_at, hours.get(order.equipment_global_id, 0.0))
        return due_work_orders(DEFAULT_SCHEDULES, equipment_from_graph(books.graph), now,
                               horizon_s, last_done=last_done, counters=counters,
                               rates_per_day=rates)

    def open_orders_of(self, building_id: int, assignee: str) -> list[WorkOrder]:
        """A technician's open work orders that have a place in the building's graph."""
        with self._lock:
            books = self.books_of(building_id)
            return [o for o in books.orders.open_orders(assignee=assignee)
                    if (o.equipment_global_id or o.space_global_id) in books.graph]


def _alarm_public(books: Books, alarm_id: str) -> AlarmPublic:
    return _public_with(books.alarms.alarms[alarm_id], books.alarms.consequences(alarm_id))


def _public_with(alarm, consequences) -> AlarmPublic:
    """An alarm's public shape; ``consequences`` listed oldest first, as the book orders them."""
    ordered = sorted(consequences, key=lambda a: (a.first_seen, a.alarm_id))
    return AlarmPublic.model_validate(alarm).model_copy(update={
        "consequences": [a.alarm_id for a in ordered]})


def _location(graph: nx.MultiDiGraph, global_id: str | None) -> LocationPublic | None:
    if not global_id or global_id not in graph:
        return None
    return LocationPublic.model_validate(locate(graph, global_id))
