"""Several server workers (``twin serve --workers N``): the application factory each worker
process runs, and how a worker joins the others (:class:`twin.core.cluster.Cluster`).

In a cluster (PostgreSQL, ``TWIN_WORKERS`` > 1):

* state changes and alarm / work-order notices cross workers (push streams everywhere);
* the fault rules, the simulator, the offline monitor and the purges run in the elected
  leader; the other workers send it the readings they store;
* a new leader replays the last :data:`REPLAY_S` of stored readings through the rules (open
  alarms are not raised twice), then starts the simulator where configured;
* the MQTT subscriber of worker slot ``n`` is ``twin-ingest-n`` on the shared subscription
  ``$share/<group>/<prefix>/+/+``: the broker splits the messages, and a replacement worker
  takes the dead one's slot, hence its session and the messages it had not acknowledged.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from twin.core.cluster import Cluster
from twin.core.settings import Settings, get_settings
from twin.iot.ingest import Ingestor, StoredReadings
from twin.iot.records import DeviceState, StateChange
from twin.iot.runtime import LiveRuntime
from twin.maintenance.service import MaintenanceNotice, MaintenanceService

__all__ = ["REPLAY_S", "join_cluster", "worker_app"]

_log = logging.getLogger(__name__)

#: Seconds of stored readings a new leader evaluates again.
REPLAY_S = 900.0


def worker_app() -> FastAPI:
    """The application of one worker, from the environment (uvicorn's ``factory``)."""
    from twin.api.app import create_app

    return create_app(get_settings())


def clustered(settings: Settings) -> bool:
    """Whether this process is one of several workers sharing a PostgreSQL database."""
    return settings.workers > 1 and settings.resolved_database_url.startswith("postgresql")


def _encode(event: Any) -> dict | None:
    if isinstance(event, StateChange):
        s = event.state
        return {"k": "s", "d": event.device.id, "key": event.device.key, "v": s.value,
                "c": s.last_changed, "r": s.last_reported, "u": s.last_updated,
                "o": s.online}
    if isinstance(event, MaintenanceNotice):
        return {"k": "m", "b": event.building_id, "t": event.type, "a": event.action,
                "i": event.object_id, "data": event.data, "detail": event.detail}
    return None


def _decoder(ingestor: Ingestor):
    def decode(item: dict) -> Any:
        if item.get("k") == "m":
            return MaintenanceNotice(item["b"], item["t"], item["a"], item["i"], item["data"],
                                     item.get("detail", ""))
        device = ingestor.by_id.get(item["d"]) or ingestor.lookup(item["key"])
        if device is None:
            return None
        state = DeviceState(item["v"], item["c"], item["r"], item["u"], item["o"])
        with ingestor._lock:  # follow the others' state: REST and the offline check read it
            known = ingestor.states.get(device.id)
            if known is None or known.last_reported <= state.last_reported:
                ingestor.states[device.id] = state
        return StateChange(device, state)
    return decode


def _remote_readings(ingestor: Ingestor, maintenance: MaintenanceService):
    def handle(rows: list) -> None:
        by_id = ingestor.by_id
        if any(row[0] not in by_id for row in rows):
            ingestor.reload()
            by_id = ingestor.by_id
        rows = sorted((int(r[0]), int(r[1]), float(r[2])) for r in rows if r[0] in by_id)
        newest: dict[int, int] = {}
        for device_pk, ts, _value in rows:
            newest[device_pk] = max(ts, newest.get(device_pk, ts))
        with ingestor._lock:  # the leader watches silence: follow the others' readings
            for device_pk, ts in newest.items():
                state = ingestor.states.get(device_pk)
                if state is not None and state.last_reported < ts:
                    state.last_reported = ts
        if rows:
            maintenance.on_readings(StoredReadings(rows, by_id))
    return handle


def _replay(ingestor: Ingestor, maintenance: MaintenanceService, seconds: float) -> int:
    """Hand the readings stored in the last ``seconds`` to the rules; how many."""
    since = int((time.time() - seconds) * 1000)
    with ingestor.database.engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(text(
            "SELECT device_id, ts, value FROM readings WHERE ts >= :s "
            "ORDER BY device_id, ts"), {"s": since})]
    by_id = ingestor.by_id
    rows = [r for r in rows if r[0] in by_id]
    if rows:
        maintenance.on_readings(StoredReadings(rows, by_id))
    return len(rows)


def join_cluster(settings: Settings, live: LiveRuntime,
                 maintenance: MaintenanceService) -> Cluster | None:
    """Join the other workers when clustered (None otherwise); call before ``live.start()``.

    Parameters
    ----------
    settings : Settings
    live : LiveRuntime
        Runs its leader-only tasks when this worker leads.
    maintenance : MaintenanceService
        Started: its observer of the ingest is replaced by the cluster's routing.
    """
    if not clustered(settings):
        return None
    ingestor = live.ingestor
    cluster = Cluster(settings.resolved_database_url, ingestor.bus, encode=_encode,
                      decode=_decoder(ingestor))
    cluster.rules = maintenance.on_readings
    cluster.remote_readings = _remote_readings(ingestor, maintenance)
    ingestor.observers[:] = [cluster.route_readings if o == maintenance.on_readings else o
                             for o in ingestor.observers]

    def forget_books(event: Any) -> None:  # another worker changed them: reload on next use
        if isinstance(event, MaintenanceNotice):
            maintenance.books.pop(event.building_id, None)

    def elected() -> None:
        maintenance.books.clear()  # what the last leader wrote: reload (alarm numbers too)
        replayed = _replay(ingestor, maintenance, REPLAY_S)
        _log.info("leading: replayed %d readings through the rules", replayed)
        if settings.simulate:
            live.start_simulator()

    cluster.on_remote.append(forget_books)
    cluster.on_elected.append(elected)
    live.leader = cluster.leader.is_set
    cluster.start()
    live.mqtt_client_id = f"twin-ingest-{cluster.slot}"
    return cluster
