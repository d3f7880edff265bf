"""The reading simulator: drives registered devices from their sample profiles (the
``profile`` column imported from ``devices.csv``), in real time or faster, with faults.

The simulated clock starts at ``start`` and runs ``speed`` times faster than the wall clock
but never ahead of it, so a backfill (start a day ago, speed 600) catches up with now and then
goes on in real time; readings are never in the future. Where they go is a ``send`` callable:
the in-process ingest, an HTTP client or an MQTT publisher (:mod:`twin.iot.transports`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bim_models.sample.profiles import Fault, value_at
from twin.core.errors import InvalidInputError

__all__ = ["SimulatedDevice", "Simulator", "fault_from_request"]

_log = logging.getLogger(__name__)
#: Seconds between readings of a device, by kind (simulated time).
INTERVALS = {"energy": 300.0, "access_event": 300.0}


@dataclass(frozen=True, slots=True)
class SimulatedDevice:
    """What :func:`value_at` needs of a device: its ``devices.csv`` row."""

    key: str
    row: Mapping[str, Any]
    interval_s: float

    @classmethod
    def of(cls, device_key: str, kind: str, profile: str, equipment_name: str | None,
           minimum: float, maximum: float, interval_s: float = 60.0) -> SimulatedDevice:
        """From a registered device's columns (``row`` is in the ``devices.csv`` format
        :func:`value_at` reads, where ``device_id`` is the serial key)."""
        row = {"device_id": device_key, "kind": kind, "profile": profile,
               "equipment_name": equipment_name or "", "min": minimum, "max": maximum}
        return cls(device_key, row, INTERVALS.get(kind, interval_s))


def _naive_utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)


@dataclass
class Simulator:
    """Generates readings of ``devices`` and hands them to ``send`` in batches.

    Parameters
    ----------
    devices : sequence of SimulatedDevice
    send : callable
        Receives lists of ``{"device", "ts", "value"}`` (``ts`` Unix seconds).
    start : float
        Simulated start, Unix seconds.
    speed : float
        Simulated seconds per wall-clock second.
    faults : list of Fault
        Active faults (times naive UTC); :meth:`inject` adds more while running.
    clock : callable
        Wall clock, Unix seconds.
    """

    devices: Sequence[SimulatedDevice]
    send: Callable[[list[dict[str, Any]]], Any]
    start: float
    speed: float = 1.0
    faults: list[Fault] = field(default_factory=list)
    clock: Callable[[], float] = time.time
    batch: int = 5000
    sent: int = 0
    templates: Mapping[str, Fault] = field(default_factory=dict)
    #: Security traffic: ``source(t0, t1)`` -> events in ``(t0, t1]``, handed to
    #: ``event_sink`` (set by :meth:`twin.security.runtime.SecurityService.attach`).
    event_sources: list[Callable[[float, float], list[dict[str, Any]]]] = \
        field(default_factory=list)
    event_sink: Callable[[list[dict[str, Any]]], Any] | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._wall0 = self.clock()
        self.simulated = self.start  # readings up to here have been sent

    def readings_between(self, t0: float, t1: float) -> list[dict[str, Any]]:
        """Readings of every device at its sample instants in ``(t0, t1]``."""
        with self._lock:
            faults = list(self.faults)
        items = []
        for device in self.devices:
            step = device.interval_s
            k = int(t0 // step) + 1
            while k * step <= t1:
                ts = k * step
                value = value_at(device.row, _naive_utc(ts), faults=faults)
                if value is not None:
                    items.append({"device": device.key, "ts": ts, "value": round(value, 4)})
                k += 1
        return items

    def now(self) -> float:
        """The simulated time now: ``speed`` times the elapsed wall time, capped at now."""
        wall = self.clock()
        return min(wall, self.start + (wall - self._wall0) * self.speed)

    def step(self) -> int:
        """Send everything due since the last step; the number of readings sent."""
        t1 = self.now()
        if t1 <= self.simulated:
            return 0
        # big jumps (a backfill) go out an hour of simulated time at a time
        total = 0
        while self.simulated < t1:
            upto = min(t1, self.simulated + 3600.0)
            items = self.readings_between(self.simulated, upto)
            for i in range(0, len(items), self.batch):
                self.send(items[i:i + self.batch])
            total += len(items)
            if self.event_sink is not None:
                for source in self.event_sources:
                    events = source(self.simulated, upto)
                    if events:
                        self.event_sink(events)
            self.simulated = upto
        self.sent += total
        return total

    def run(self, stop: threading.Event, tick_s: float = 1.0) -> None:
        """Step every ``tick_s`` wall seconds until ``stop`` is set; errors are logged."""
        while not stop.is_set():
            try:
                self.step()
            except Exception:  # noqa: BLE001 - a failed send must not end the simulation
                _log.exception("simulator step failed; retrying")
            stop.wait(tick_s)

    def inject(self, fault: Fault) -> Fault:
        """Add ``fault`` (an AHU failure without rooms takes them from ``templates``)."""
        fault = self.expand(fault)
        with self._lock:
            self.faults.append(fault)
        return fault

    def expand(self, fault: Fault) -> Fault:
        """``fault`` as :meth:`inject` would add it (an AHU failure with its rooms).

        Raises
        ------
        InvalidInputError
            An AHU failure on a unit whose rooms are not known.
        """
        if fault.kind == "ahu_failure" and "devices" not in fault.params:
            template = self.templates.get(fault.target)
            if template is None:
                raise InvalidInputError(f"no rooms are known to be fed by {fault.target!r}; "
                                        f"known: {', '.join(sorted(self.templates)) or 'none'}")
            fault = Fault(fault.kind, fault.target, fault.start, fault.end,
                          {**template.params, **fault.params})
        return fault

    def touched(self, fault: Fault) -> set[str]:
        """The serial keys of the devices ``fault`` acts on (by key, equipment or list)."""
        keys = {str(k) for k in fault.params.get("devices", ())}
        keys.update(d.key for d in self.devices
                    if fault.applies_to(d.key, d.row.get("equipment_name") or ""))
        return keys

    def clear_faults(self, which: Callable[[Fault], bool] | None = None) -> int:
        """Remove every fault (or those ``which`` picks); how many were removed."""
        with self._lock:
            kept = [] if which is None else [f for f in self.faults if not which(f)]
            count, self.faults = len(self.faults) - len(kept), kept
        return count


def fault_from_request(kind: str, target: str, *, start: float, minutes: float | None,
                       params: Mapping[str, Any] | None = None) -> Fault:
    """A fault starting at ``start`` (Unix s) lasting ``minutes`` (None: until cleared).

    Raises
    ------
    InvalidInputError
        An unknown fault kind.
    """
    begin = _naive_utc(start)
    try:
        return Fault(kind, target, begin,
                     None if minutes is None else begin + dt.timedelta(minutes=minutes),
                     dict(params or {}))
    except ValueError as error:
        raise InvalidInputError(str(error)) from None

