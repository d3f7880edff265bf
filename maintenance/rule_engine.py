"""Incremental evaluation of fault rules, one reading at a time.

:class:`RuleEvaluator` keeps a small state per device (running counters, ring buffers, running
sums) so that each reading costs O(1) whatever the history: the ingest calls
:meth:`RuleEvaluator.evaluate` for every reading and :meth:`RuleEvaluator.check_stale` every few
seconds; both return :class:`RuleEvent` s (a condition raised or cleared), which
:class:`maintenance.alarms.AlarmBook` turns into alarms.

Readings older than the device's last one are ignored by the rules (out of order).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bim_models.device_kinds import DEVICE_KINDS
from maintenance.fault_rules import RuleConfig, RuleSpec, default_rule_config
from maintenance.readings import DeviceInfo, Reading

__all__ = ["RuleEvaluator", "RuleEvent"]

_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class RuleEvent:
    """A rule's condition began (``raised``) or ended (``cleared``) on a device.

    Attributes
    ----------
    action : {"raised", "cleared"}
    rule, rule_type, severity : str
        The rule's name, type and severity.
    device_id, kind : str
        The device and its kind.
    source : str
        Equipment GlobalId (else the device id): what the alarm is about.
    space_global_id : str or None
    ts : float
        Unix seconds of the reading (or of the stale check).
    value : float or None
        The reading that decided (None for offline).
    message : str
        One line for people.
    """

    action: str
    rule: str
    rule_type: str
    severity: str
    device_id: str
    kind: str
    source: str
    space_global_id: str | None
    ts: float
    value: float | None
    message: str


class _Check:
    """Base of the per-device state of one rule. ``step`` returns None, or a message and the
    action (``True`` raised, ``False`` cleared)."""

    __slots__ = ("active", "spec")

    def __init__(self, spec: RuleSpec) -> None:
        self.spec = spec
        self.active = False


class _Threshold(_Check):
    __slots__ = ("above", "hysteresis", "limit", "min_duration", "pending")

    def __init__(self, spec: RuleSpec, config: RuleConfig) -> None:
        super().__init__(spec)
        p = spec.params
        self.above = p["above"] is not None
        self.limit = float(p["above"] if self.above else p["below"])
        self.hysteresis = float(p["hysteresis"])
        self.min_duration = float(p["min_duration_s"])
        self.pending: float | None = None

    def step(self, ts: float, value: float):
        # Work with the signed excess so one code path serves "above" and "below".
        excess = value - self.limit if self.above else self.limit - value
        if self.active:
            if excess < -self.hysteresis:
                self.active = False
                self.pending = None
                return False, f"back within {self.limit:g}"
            return None
        if excess <= 0.0:
            self.pending = None
            return None
        if self.pending is None:
            self.pending = ts
        if ts - self.pending >= self.min_duration:
            self.active = True
            side = "above" if self.above else "below"
            return True, f"{value:g} {side} {self.limit:g} for {(ts - self.pending) / 60:.0f} min"
        return None


class _Stuck(_Check):
    __slots__ = ("count", "min_duration", "run_count", "run_start", "run_value", "tolerance")

    def __init__(self, spec: RuleSpec, config: RuleConfig) -> None:
        super().__init__(spec)
        p = spec.params
        self.count, self.min_duration = int(p["count"]), float(p["min_duration_s"])
        self.tolerance = float(p["tolerance"])
        self.run_value, self.run_start, self.run_count = math.nan, 0.0, 0

    def step(self, ts: float, value: float):
        if abs(value - self.run_value) <= self.tolerance:
            self.run_count += 1
            if (not self.active and self.run_count >= self.count
                    and ts - self.run_start >= self.min_duration):
                self.active = True
                return True, (f"value {value:g} unchanged in {self.run_count} readings over "
                              f"{(ts - self.run_start) / 60:.0f} min")
            return None
        self.run_value, self.run_start, self.run_count = value, ts, 1
        if self.active:
            self.active = False
            return False, f"value changes again ({value:g})"
        return None


class _Rate(_Check):
    __slots__ = ("last_ts", "last_value", "max_per_hour", "min_interval")

    def __init__(self, spec: RuleSpec, config: RuleConfig) -> None:
        super().__init__(spec)
        self.max_per_hour = float(spec.params["max_per_hour"])
        self.min_interval = float(spec.params["min_interval_s"])
        self.last_ts: float | None = None
        self.last_value = 0.0

    def step(self, ts: float, value: float):
        if self.last_ts is None:
            self.last_ts, self.last_value = ts, value
            return None
        dt = ts - self.last_ts
        if dt < self.min_interval:
            return None
        rate = abs(value - self.last_value) * 3600.0 / dt
        self.last_ts, self.last_value = ts, value
        if rate > self.max_per_hour and not self.active:
            self.active = True
            return True, f"changes {rate:.1f}/h (limit {self.max_per_hour:g}/h)"
        if rate <= self.max_per_hour and self.active:
            self.active = False
            return False, f"changes {rate:.1f}/h again"
        return None


class _ZScore(_Check):
    """Running mean/std over the last ``window`` values of each season (hour of the day)."""

    __slots__ = ("buffers", "consecutive", "min_count", "min_std", "offset", "run",
                 "seasonal", "sums", "z", "z_clear")

    def __init__(self, spec: RuleSpec, config: RuleConfig) -> None:
        super().__init__(spec)
        p = spec.params
        self.z, self.z_clear = float(p["z"]), float(p["z_clear"])
        self.min_count, self.min_std = int(p["min_count"]), float(p["min_std"])
        self.consecutive = int(p["consecutive"])
        self.seasonal, self.offset = bool(p["seasonal"]), float(config.utc_offset_s)
        seasons = 24 if self.seasonal else 1
        self.buffers = [deque(maxlen=int(p["window"])) for _ in range(seasons)]
        self.sums = [[0.0, 0.0] for _ in range(seasons)]  # sum, sum of squares
        self.run = 0

    def step(self, ts: float, value: float):
        season = int((ts + self.offset) % _DAY // 3600.0) if self.seasonal else 0
        buffer, sums = self.buffers[season], self.sums[season]
        n = len(buffer)
        score = 0.0
        if n >= self.min_count:
            mean = sums[0] / n
            var = max((sums[1] - sums[0] * mean) / (n - 1), 0.0)
            score = abs(value - mean) / max(math.sqrt(var), self.min_std)
        result = None
        if score > self.z:
            self.run += 1
            if not self.active and self.run >= self.consecutive:
                self.active = True
                result = True, f"{value:g} is {score:.1f} standard deviations from usual"
        else:
            self.run = 0
            if self.active and score < self.z_clear:
                self.active = False
                result = False, f"{value:g} is usual again (z {score:.1f})"
        if not self.active and score <= self.z:  # learn only from ordinary values
            if n == buffer.maxlen:
                old = buffer[0]
                sums[0] -= old
                sums[1] -= old * old
            buffer.append(value)
            sums[0] += value
            sums[1] += value * value
        return result


class _FaultCode(_Check):
    __slots__ = ("ok",)

    def __init__(self, spec: RuleSpec, config: RuleConfig) -> None:
        super().__init__(spec)
        self.ok = float(spec.params["ok"])

    def step(self, ts: float, value: float):
        if value != self.ok and not self.active:
            self.active = True
            return True, f"fault code {value:g}"
        if value == self.ok and self.active:
            self.active = False
            return False, "fault code cleared"
        return None


class _StatusOff(_Check):
    __slots__ = ("end", "min_duration", "offset", "pending", "start", "weekdays")

    def __init__(self, spec: RuleSpec, config: RuleConfig) -> None:
        super().__init__(spec)
        p = spec.params
        self.start, self.end = float(p["start_hour"]) * 3600, float(p["end_hour"]) * 3600
        self.weekdays = frozenset(int(d) for d in p["weekdays"])
        self.min_duration, self.offset = float(p["min_duration_s"]), float(config.utc_offset_s)
        self.pending: float | None = None

    def step(self, ts: float, value: float):
        local = ts + self.offset
        second = local % _DAY
        working = (self.start <= second < self.end
                   and (int(local // _DAY) + 3) % 7 in self.weekdays)  # 1970-01-01: Thursday
        if value < 0.5 and working:
            if self.active:
                return None
            if self.pending is None:
                self.pending = ts
            if ts - self.pending >= self.min_duration:
                self.active = True
                return True, "off during working hours"
            return None
        self.pending = None
        if self.active:
            self.active = False
            return False, "running again" if value >= 0.5 else "working hours over"
        return None


_CHECKS: dict[str, type[_Check]] = {
    "threshold": _Threshold, "stuck": _Stuck, "rate": _Rate, "zscore": _ZScore,
    "fault_code": _FaultCode, "status_off": _StatusOff,
}


class _Device:
    __slots__ = ("checks", "info", "last_ts", "offline", "stale_after", "stale_spec")

    def __init__(self, info: DeviceInfo, rules: Iterable[RuleSpec], config: RuleConfig):
        self.info = info
        self.checks: tuple = ()
        self.stale_spec: RuleSpec | None = None
        self.stale_after = math.inf
        checks = []
        for spec in rules:
            if spec.type == "stale":
                kind = DEVICE_KINDS.get(info.kind)
                after = spec.params["after_s"]
                self.stale_spec = spec
                self.stale_after = float(after if after is not None else
                                         kind.offline_after_s if kind else 900.0)
            else:
                checks.append(_CHECKS[spec.type](spec, config))
        self.checks = tuple(checks)
        self.last_ts = -math.inf
        self.offline = False


class RuleEvaluator:
    """Evaluate the rules of every device, reading by reading.

    Parameters
    ----------
    config : RuleConfig, optional
        Default: :func:`maintenance.fault_rules.default_rule_config`.
    clock : callable, optional
        ``clock() -> unix seconds`` used by :meth:`check_stale` without ``now`` (tests pass
        a controllable one). Default :func:`time.time`.

    Examples
    --------
    >>> evaluator = RuleEvaluator()
    >>> info = DeviceInfo("TS-1-temperature", "temperature", "equip-gid", "space-gid")
    >>> evaluator.evaluate(Reading("TS-1-temperature", 0.0, 21.0), info)
    []
    """

    def __init__(self, config: RuleConfig | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config or default_rule_config()
        self.clock = clock
        self._devices: dict[str, _Device] = {}

    def register(self, info: DeviceInfo, *, now: float | None = None) -> None:
        """Know a device before its first reading, so that silence from now on is noticed."""
        state = self._state(info)
        if state.last_ts == -math.inf:
            state.last_ts = self.clock() if now is None else now

    def forget(self, device_id: str) -> None:
        """Stop watching a device (it was removed): no rule state, no silence alarm."""
        self._devices.pop(device_id, None)

    def _state(self, info: DeviceInfo) -> _Device:
        state = self._devices.get(info.device_id)
        if state is None or (state.info is not info and state.info != info):
            state = _Device(info, self.config.rules_for(info), self.config)
            self._devices[info.device_id] = state
        return state

    def evaluate(self, reading: Reading, info: DeviceInfo) -> list[RuleEvent]:
        """Feed one reading; the conditions it raises or clears (usually none).

        Parameters
        ----------
        reading : Reading
        info : DeviceInfo
            The reading's device (passing the same object each time is fastest; a changed
            one resets the device's rule state).

        Returns
        -------
        list of RuleEvent
        """
        state = self._devices.get(reading.device_id)
        if state is None or state.info is not info:
            state = self._state(info)
        ts, value = reading.at_s, reading.value
        if ts < state.last_ts:
            return []
        events: list[RuleEvent] = []
        if state.offline:
            state.offline = False
            events.append(self._event(state, state.stale_spec, False, ts, value,
                                      "reporting again"))
        state.last_ts = ts
        for check in state.checks:
            outcome = check.step(ts, value)
            if outcome is not None:
                events.append(self._event(state, check.spec, outcome[0], ts, value,
                                          outcome[1]))
        return events

    def evaluate_device(self, info: DeviceInfo,
                        readings: Iterable[tuple[float, float]]) -> list[RuleEvent]:
        """:meth:`evaluate` for many ``(at_s, value)`` readings of one device, in time order
        (``at_s`` Unix seconds, as in :class:`Reading`): the same events, without a
        :class:`Reading` per value (the ingest's fast path)."""
        state = self._devices.get(info.device_id)
        if state is None or state.info is not info:
            state = self._state(info)
        events: list[RuleEvent] = []
        checks, last = state.checks, state.last_ts
        for ts, value in readings:
            if ts < last:
                continue
            if state.offline:
                state.offline = False
                events.append(self._event(state, state.stale_spec, False, ts, value,
                                          "reporting again"))
            last = ts
            for check in checks:
                outcome = check.step(ts, value)
                if outcome is not None:
                    events.append(self._event(state, check.spec, outcome[0], ts, value,
                                              outcome[1]))
        state.last_ts = last
        return events

    def evaluate_many(self, readings: Iterable[tuple[Reading, DeviceInfo]]) -> list[RuleEvent]:
        """:meth:`evaluate` over pairs of (reading, device info), events in order."""
        events: list[RuleEvent] = []
        for reading, info in readings:
            found = self.evaluate(reading, info)
            if found:
                events.extend(found)
        return events

    def check_stale(self, now: float | None = None) -> list[RuleEvent]:
        """Raise ``offline`` for devices silent longer than their stale rule allows.

        O(devices); call it every few seconds. ``now`` defaults to the evaluator's clock.
        """
        now = self.clock() if now is None else now
        events = []
        for state in self._devices.values():
            if (not state.offline and state.stale_spec is not None
                    and now - state.last_ts > state.stale_after):
                state.offline = True
                silent = (now - state.last_ts) / 60
                events.append(self._event(state, state.stale_spec, True, now, None,
                                          f"no reading for {silent:.0f} min"))
        return events

    def active_conditions(self) -> list[tuple[str, str]]:
        """(device id, rule name) of every condition currently raised."""
        found = []
        for device_id, state in self._devices.items():
            if state.offline and state.stale_spec is not None:
                found.append((device_id, state.stale_spec.name))
            found += [(device_id, c.spec.name) for c in state.checks if c.active]
        return sorted(found)

    @staticmethod
    def _event(state: _Device, spec: RuleSpec, raised: bool, ts: float,
               value: float | None, message: str) -> RuleEvent:
        info = state.info
        return RuleEvent("raised" if raised else "cleared", spec.name, spec.type,
                         spec.severity, info.device_id, info.kind, info.source,
                         info.space_global_id, ts, value, f"{info.device_id}: {message}")
