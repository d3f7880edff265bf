"""The periodic job of 公物仓: overdue loans are marked and their reminders pushed on the event
bus (the building's push stream, message type ``asset_reminder``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date

from twin.assets.workflows import AssetReminder, check_overdue
from twin.core.bus import EventBus
from twin.core.database import Database

__all__ = ["overdue_job", "run_overdue_check"]

_log = logging.getLogger(__name__)


def run_overdue_check(database: Database, bus: EventBus, today: date | None = None
                      ) -> list[AssetReminder]:
    """Mark overdue loans, commit, then publish one reminder per loan whose level rose."""
    with database.session() as session:
        reminders = check_overdue(session, today)
    for reminder in reminders:
        bus.publish(reminder)
    if reminders:
        _log.info("asset pool: %d loan reminders", len(reminders))
    return reminders


def overdue_job(database: Database, bus: EventBus, *, every_s: float = 600.0,
                clock: Callable[[], float] = time.monotonic) -> Callable[[], None]:
    """A task for :attr:`twin.iot.runtime.LiveRuntime.periodic`: runs the check at most every
    ``every_s`` seconds (the monitor calls it far more often)."""
    last = [float("-inf")]

    def task() -> None:
        if clock() - last[0] >= every_s:
            last[0] = clock()
            run_overdue_check(database, bus)
    return task
