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
from operator import itemgetter
from typing import Any

import networkx as nx

from maintenance import (
    AlarmBook,
    AutoCreatePolicy,
    DeviceInfo,
    RuleEvaluator,
    RuleEvent,
    WorkOrderBook,
    served_spaces,
)
from twin.core.database import Database
from twin.iot.ingest import Ingestor
from twin.iot.records import DeviceRecord
from twin.maintenance.store import load_books, next_number, save_alarms, save_orders

__all__ = ["Books", "MaintenanceNotice", "MaintenanceService"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaintenanceNotice:
    """An event-bus message: an alarm or a work order changed."""

    building_id: int
    type: str  # "alarm" | "work_order"
    action: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The push-stream message."""
        return {"type": self.type, "action": self.action, "building": self.building_id,
                **self.data}


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
        for device in list(self.ingestor.devices.values()):
            state = self.ingestor.states.get(device.id)
            if state is not None:
                self.evaluator.register(self._info(device), now=state.last_reported / 1000)
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

    # -- readings in ---------------------------------------------------------------------

    def on_readings(self, rows: list[tuple[int, int, float]]) -> None:
        """The ingest's observer: queue stored readings for the rule worker."""
        if rows:
            self._queue.put(rows)

    def evaluate(self, rows: list[tuple[int, int, float]]) -> None:
        """Evaluate stored readings ``(device_id, ts_ms, value)``, grouped by device in time
        order (as the ingest hands them over); apply what the rules say."""
        by_id, events = self.ingestor.by_id, []
        with self._lock:
            for device_id, group in itertools.groupby(rows, key=itemgetter(0)):
                found = self.evaluator.evaluate_device(
                    self._info(by_id[device_id]), ((ts / 1000, v) for _, ts, v in group))
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
                alarm = books.alarms.alarms[alarm_id]
                bus.publish(MaintenanceNotice(books.building_id, "alarm", action,
                                              _alarm_summary(alarm)))
        for change in order_changes:
            order = books.orders.orders[change.work_order_id]
            bus.publish(MaintenanceNotice(books.building_id, "work_order", change.action, {
                "id": order.work_order_id, "state": order.state, "priority": order.priority,
                "title": order.title, "assignee": order.assignee, "alarm_id": order.alarm_id,
                "equipment": order.equipment_global_id, "detail": change.detail}))


def _alarm_summary(alarm) -> dict[str, Any]:
    return {"id": alarm.alarm_id, "rule": alarm.rule, "severity": alarm.severity,
            "state": alarm.state, "source": alarm.source, "space": alarm.space_global_id,
            "device": alarm.device_id, "parent_id": alarm.parent_id, "message": alarm.message,
            "count": alarm.count}
