"""The live pipeline inside a server process: the ingest, the offline monitor and raw-data
retention, the MQTT subscriber (with ``TWIN_MQTT_URL``) and the simulator (with
``TWIN_SIMULATE``). Started and stopped by the API's lifespan."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

from bim_models.sample.profiles import Fault
from twin.core.backup import purge_old_rows
from twin.core.database import Database
from twin.core.settings import Settings
from twin.iot import registry
from twin.iot.ingest import Ingestor
from twin.iot.simulator import SimulatedDevice, Simulator
from twin.iot.transports import MqttIngest, MqttPublisher
from twin.portfolio import service as portfolio

__all__ = ["LiveRuntime", "load_fault_templates", "simulated_devices"]

_log = logging.getLogger(__name__)


def simulated_devices(database: Database, interval_s: float = 60.0,
                      building_id: int | None = None) -> tuple[list[SimulatedDevice],
                                                               dict[str, int]]:
    """Registered devices that have a profile, and every device's building by serial key.

    Parameters
    ----------
    database : Database
    interval_s : float
        Seconds between readings of a device (simulated time), unless its kind has its own.
    building_id : int, optional
        Only this building's devices (default: every building's).

    Raises
    ------
    NotFoundError
        No building ``building_id``.
    """
    with database.session() as session:
        building = None if building_id is None else \
            portfolio.get_building(session, building_id, None)
        rows = registry.list_devices(session, building)
    devices = [SimulatedDevice.of(r.key, r.kind, r.profile, r.name, r.minimum, r.maximum,
                                  interval_s) for r in rows if r.profile]
    return devices, {r.key: r.building_id for r in rows}


def load_fault_templates(path: Path) -> dict[str, Fault]:
    """The AHU failures of a sample's ``faults.json`` by AHU name (their rooms and devices)."""
    if not path.is_file():
        return {}
    faults = [Fault.from_dict(f) for f in json.loads(path.read_text(encoding="utf-8"))]
    return {f.target: f for f in faults if f.kind == "ahu_failure"}


class LiveRuntime:
    """Owns the background threads of the live pipeline of one process."""

    def __init__(self, settings: Settings, database: Database,
                 ingestor: Ingestor | None = None) -> None:
        self.settings = settings
        self.ingestor = ingestor or Ingestor(
            database, future_tolerance_s=settings.future_tolerance_s,
            offline_after_s=settings.offline_after_s)
        self.database = database
        self.mqtt: MqttIngest | None = None
        self.publisher: MqttPublisher | None = None
        self.simulator: Simulator | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        #: Called by the monitor every ``offline_check_s`` (offline states, stale alarms).
        self.periodic: list = [self.ingestor.check_offline]
        #: Whether this process runs the once-only tasks (several workers: the elected one).
        self.leader = lambda: True
        #: The MQTT subscriber's client id (several workers: one per worker slot).
        self.mqtt_client_id = "twin-ingest"
        self._simulator_lock = threading.Lock()

    def start(self) -> LiveRuntime:
        """Start the monitor, and the subscriber and simulator where configured."""
        settings = self.settings
        self._spawn("offline-monitor", self._monitor)
        if settings.mqtt_url:
            self.mqtt = MqttIngest(self.ingestor, settings.mqtt_url,
                                   prefix=settings.mqtt_prefix, client_id=self.mqtt_client_id,
                                   share_group=settings.mqtt_share_group).start()
        if settings.simulate and self.leader():
            self.start_simulator()
        return self

    def start_simulator(self) -> None:
        """Start the simulator (once; the elected worker's call when there are several)."""
        with self._simulator_lock:
            if self.simulator is None:
                self.simulator = self._simulator()
                self._spawn("simulator", lambda: self.simulator.run(self._stop))

    def _simulator(self) -> Simulator:
        settings = self.settings
        devices, buildings = simulated_devices(self.database, settings.simulate_interval_s)
        if settings.mqtt_url:
            self.publisher = MqttPublisher(settings.mqtt_url, buildings,
                                           prefix=settings.mqtt_prefix)
            send = self.publisher.send
        else:
            def send(items):
                return self.ingestor.ingest(items, source="simulator")
        newest = max((s.last_reported for s in self.ingestor.states.values()), default=0)
        start = max(time.time() - settings.simulate_backfill_hours * 3600, newest / 1000)
        speed = settings.simulate_speed if not settings.simulate_backfill_hours else \
            max(settings.simulate_speed, 3600.0)
        templates = load_fault_templates(settings.data_dir / "sample" / "faults.json")
        _log.info("simulating %d devices", len(devices))
        return Simulator(devices, send, start=start, speed=speed, templates=templates)

    def _spawn(self, name: str, target) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _monitor(self) -> None:
        last_prune = 0.0
        while not self._stop.wait(self.settings.offline_check_s):
            try:
                if not self.leader():
                    continue
                if not self.catching_up:
                    for task in self.periodic:
                        task()
                if time.time() - last_prune > 3600:
                    self.ingestor.prune(self.settings.retention_days)
                    purge_old_rows(self.database, now_s=time.time(),
                                   dead_letter_days=self.settings.dead_letter_retention_days
                                   or None, audit_days=self.settings.audit_retention_days or None)
                    last_prune = time.time()
            except Exception:  # noqa: BLE001 - the monitor must survive a bad moment
                _log.exception("offline check failed")

    @property
    def catching_up(self) -> bool:
        """Whether the simulator is still replaying the past: silence means nothing then."""
        simulator = self.simulator
        return simulator is not None and simulator.simulated < time.time() - 120

    def stop(self) -> None:
        """Stop everything, storing what the MQTT subscriber has buffered."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        if self.publisher is not None:
            self.publisher.close(timeout=5)
        if self.mqtt is not None:
            self.mqtt.stop()
