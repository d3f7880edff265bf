"""Energy anomalies as alarms: the anomaly rules run over each building's meters and their
findings go through the maintenance alarm lifecycle (alarm console, work orders by
severity). Run on demand (``POST .../energy/anomalies/check``) and by the server's monitor
every few hours (:class:`EnergyWatch`)."""

from __future__ import annotations

import logging
import time

from sqlalchemy import select

from twin.core.database import Database
from twin.core.tables import Building
from twin.energy import analysis
from twin.energy.service import meter_set, period_of
from twin.iot.tables import DeviceRow
from twin.maintenance.service import MaintenanceService

__all__ = ["EnergyWatch", "check_building"]

_log = logging.getLogger(__name__)


def check_building(database: Database, maintenance: MaintenanceService, building_id: int
                   ) -> tuple[int, list[str]]:
    """Run the anomaly rules on a building; raise (or repeat) their alarms.

    Returns
    -------
    findings : int
    alarms : list of str
        The ids of the alarms the findings raised or repeated.
    """
    with database.session() as session:
        building = session.get(Building, building_id)
        if building is None:
            return 0, []
        meters = meter_set(session, building)
        if not meters.pks:
            return 0, []
        findings = analysis.anomalies(session, building,
                                      period=period_of(session, meters, None, None))
    events = analysis.rule_events(findings, maintenance.ingestor.devices)
    if events:
        maintenance.apply(events)
    books = maintenance.books_of(building_id)
    ids = sorted({a.alarm_id for a in books.alarms.alarms.values()
                  if a.rule.startswith("energy.") and a.state in ("raised", "acknowledged")})
    return len(findings), ids


class EnergyWatch:
    """A periodic task: every ``every_s`` seconds, check each building that has meters; the
    first check at once when ``first_now`` (the demo, whose history is backfilled), else
    ``every_s`` after start."""

    def __init__(self, database: Database, maintenance: MaintenanceService, *,
                 every_s: float = 6 * 3600.0, first_now: bool = False) -> None:
        self.database, self.maintenance, self.every_s = database, maintenance, every_s
        self.last = time.time()
        if first_now:  # before the server answers: the alarms are there from the start
            self.last = 0.0
            self()

    def __call__(self) -> None:
        """Check the buildings if the last check is ``every_s`` old."""
        if time.time() - self.last < self.every_s:
            return
        self.last = time.time()
        with self.database.session() as session:
            buildings = sorted(set(session.scalars(select(DeviceRow.building_id).where(
                DeviceRow.kind.in_(("energy", "water", "gas", "heat"))))))
        for building_id in buildings:
            try:
                check_building(self.database, self.maintenance, building_id)
            except Exception:  # noqa: BLE001 - one building's data must not stop the rest
                _log.exception("energy anomaly check failed for building %s", building_id)
