"""Devices of the sample building, their reading profiles and injected faults.

:func:`value_at` evaluates a device's profile (a JSON object in ``devices.csv``, planned by
:func:`bim_models.sample.people.plan_devices`) at a time and applies the active faults. It is pure:
noise is a hash of the device id and the time, so a simulator can replay any (naive, local) time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bim_models.sample.energy_profiles import metered_value, outdoor_value

if TYPE_CHECKING:
    from bim_models.sample.plan import SamplePlan

__all__ = [
    "DEVICE_COLUMNS", "DEVICE_KINDS", "FAULT_KINDS", "OUTDOOR_CO2", "PROFILES", "PROFILE_EPOCH",
    "Device", "Fault", "make_ahu_failure", "rooms_fed_by", "sample_faults", "value_at",
    "write_devices", "write_faults",
]

#: Counters and energy meters count from this instant (a midnight).
PROFILE_EPOCH = dt.datetime(2026, 1, 1)
OUTDOOR_CO2 = 420.0
FAULT_KINDS = ("stuck", "drift", "offline", "ahu_failure")
_LUNCH = (12.0, 13.5)
#: kind -> (unit, state class, physical min, physical max; occupancy and power: per device).
DEVICE_KINDS = {
    "temperature": ("°C", "measurement", -20.0, 60.0), "co2": ("ppm", "measurement", 0.0, 5e3),
    "occupancy": ("persons", "measurement", 0.0, 0.0), "smoke": ("on/off", "measurement", 0, 1),
    "access_event": ("count", "total_increasing", 0.0, 1e9),
    "energy": ("kWh", "total_increasing", 0.0, 1e9), "power": ("kW", "measurement", 0.0, 0.0),
    "status": ("on/off", "measurement", 0.0, 1.0), "fault_code": ("code", "measurement", 0, 255),
    "damper_position": ("%", "measurement", 0.0, 100.0),
}


@dataclass(frozen=True, slots=True)
class Device:
    """One reading stream of one item of equipment; ``profile`` is a compact JSON object."""

    device_id: str
    kind: str
    unit: str
    state_class: str
    min: float
    max: float
    equipment_global_id: str
    equipment_name: str
    space_global_id: str
    room_number: str
    profile: str


#: Header of ``devices.csv``.
DEVICE_COLUMNS = tuple(f.name for f in fields(Device))


def write_devices(devices: Sequence[Device], folder: str | Path) -> Path:
    """Write ``devices.csv`` (UTF-8, header :data:`DEVICE_COLUMNS`) into ``folder``."""
    path = Path(folder) / "devices.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(DEVICE_COLUMNS)
        writer.writerows([f"{v:g}" if k in ("min", "max") else v
                          for k, v in zip(DEVICE_COLUMNS, astuple(d), strict=True)]
                         for d in devices)
    return path


def _noise(*parts: object) -> float:
    """A number in [-1, 1) from a hash of ``parts`` (stable across runs and processes)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**63 - 1.0


def _clock(t: dt.datetime | str) -> float:
    """Hour of the day of a datetime or of ``"HH:MM"``."""
    if isinstance(t, str):
        return int(t[:2]) + int(t[3:5]) / 60
    return t.hour + t.minute / 60 + t.second / 3600


def _open(t: dt.datetime, p: Mapping[str, Any]) -> bool:
    """A weekday, between the profile's ``start`` and ``end``."""
    return t.weekday() < 5 and _clock(p["start"]) <= _clock(t) < _clock(p["end"])


def _work_hours(p: Mapping[str, Any], t: dt.datetime) -> float:
    """Working hours (weekdays, ``start`` to ``end``) from the profile's ``epoch`` to ``t``."""
    epoch = dt.datetime.fromisoformat(p["epoch"])
    if t <= epoch:
        return 0.0
    a, b = _clock(p["start"]), _clock(p["end"])
    weeks, rest = divmod((t.date() - epoch.date()).days, 7)
    total = weeks * 5 * (b - a) + sum(b - a for k in range(rest)
                                      if (epoch.weekday() + k) % 7 < 5)
    return total + (min(max(_clock(t) - a, 0.0), b - a) if t.weekday() < 5 else 0.0)


def _diurnal(did: str, p: Mapping[str, Any], t: dt.datetime, state: Mapping) -> float:
    phase = 2 * math.pi * (_clock(t) - p["peak_hour"]) / 24
    noise = p.get("noise", 0.0) * _noise(did, t.strftime("%Y%m%d%H"), t.minute // 5)
    return p["base"] + p["amplitude"] * math.cos(phase) + noise


def _working_hours(did: str, p: Mapping[str, Any], t: dt.datetime, state: Mapping) -> float:
    people = int(p["occupants"])
    if people <= 0 or not _open(t, p):
        return 0.0
    u = (_noise(did, t.strftime("%Y%m%d%H"), t.minute // 15) + 1) / 2
    if _LUNCH[0] <= _clock(t) < _LUNCH[1]:
        return float(round(people * 0.4 * u))
    return float(max(1, round(people * (0.7 + 0.3 * u))))


@lru_cache(maxsize=4096)
def _bookings(did: str, capacity: int, day: dt.date) -> tuple[tuple[float, float, int], ...]:
    """Meetings of a weekday: (start hour, end hour, people), 2-4 of 1-2 h, 3..capacity people."""
    if day.weekday() >= 5 or capacity < 3:
        return ()
    draws = iter((_noise(did, day.isoformat(), i) + 1) / 2 for i in range(13))
    meetings, start = [], 9.0
    for _ in range(2 + int(next(draws) * 3)):
        start += 0.5 * int(next(draws) * 3)
        end = start + 1.0 + 0.5 * int(next(draws) * 3)
        if end > 18.0:
            break
        meetings.append((start, end, 3 + int(next(draws) * (capacity - 2))))
        start = end
    return tuple(meetings)


def _meeting_bookings(did: str, p: Mapping[str, Any], t: dt.datetime, state: Mapping) -> float:
    meetings = _bookings(did, int(p["capacity"]), t.date())
    return float(next((n for a, b, n in meetings if a <= _clock(t) < b), 0))


def _follows_occupancy(did: str, p: Mapping[str, Any], t: dt.datetime, state: Mapping
                       ) -> float:
    """Outdoor CO2 plus ``ppm_per_person`` x occupancy, smoothed over ``lag_minutes``."""
    source, params = p["occupancy_device"], p["occupancy"]
    lag, step = float(p["lag_minutes"]), 10.0
    weights = [math.exp(-j * step / lag) for j in range(int(4 * lag / step) + 1)]
    total = sum(w * _base(source, params, t - dt.timedelta(minutes=j * step), state)
                for j, w in enumerate(weights))
    co2 = p.get("outdoor", OUTDOOR_CO2) + p["ppm_per_person"] * total / sum(weights)
    return co2 + 8.0 * _noise(did, t.strftime("%Y%m%d%H%M"))


def _power(did: str, p: Mapping[str, Any], t: dt.datetime, state: Mapping) -> float:
    if not _open(t, p):
        return float(p["base_kw"])
    return p["peak_kw"] * (1 + p.get("noise", 0.0) * _noise(did, t.strftime("%Y%m%d%H%M")))


def _cumulative(did: str, p: Mapping[str, Any], t: dt.datetime, state: Mapping) -> float:
    """Integral of the day/night power curve from the epoch, kWh (never decreasing)."""
    hours = max(0.0, (t - dt.datetime.fromisoformat(p["epoch"])).total_seconds() / 3600)
    base, peak = p["base_kw"], p["peak_kw"]
    return p.get("initial_kwh", 0.0) + base * hours + (peak - base) * _work_hours(p, t)


def _damper(did: str, p: Mapping[str, Any], t: dt.datetime, state: Mapping) -> float:
    """Closed out of hours; half open at lunch; else 80-100 % of the way from min to max."""
    if not _open(t, p):
        return 0.0
    lunch = _LUNCH[0] <= _clock(t) < _LUNCH[1]
    share = 0.5 if lunch else 0.9 + 0.1 * _noise(did, t.strftime("%Y%m%d%H"))
    return p["min_pct"] + (p["max_pct"] - p["min_pct"]) * share


#: Profile name -> evaluator ``(device_id, params, t, state) -> value``.
PROFILES: dict[str, Callable[[str, Mapping[str, Any], dt.datetime, Mapping], float]] = {
    "diurnal": _diurnal, "working_hours": _working_hours, "power": _power,
    "meeting_bookings": _meeting_bookings, "follows_occupancy": _follows_occupancy,
    "cumulative": _cumulative, "damper": _damper,
    "status": lambda did, p, t, s: float(_open(t, p)),
    "constant": lambda did, p, t, s: float(p["value"]),
    "events": lambda did, p, t, s: float(math.floor(p["rate_per_hour"] * _work_hours(p, t))),
    "metered": metered_value, "outdoor": outdoor_value,  # 数字节能 (energy_profiles)
}


@lru_cache(maxsize=8192)
def _parse(profile: str) -> dict:
    return json.loads(profile)


def _device_info(device: Device | Mapping[str, Any]) -> tuple:
    """(device_id, kind, equipment_name, profile params, min, max) of a Device or a dict row."""
    row = device if isinstance(device, Mapping) else {k: getattr(device, k) for k in DEVICE_COLUMNS}
    params = _parse(row["profile"]) if isinstance(row["profile"], str) else row["profile"]
    bounds = [None if row.get(k) in (None, "") else float(row[k]) for k in ("min", "max")]
    return row["device_id"], row.get("kind", ""), row.get("equipment_name") or "", params, *bounds


def _base(did: str, params: Mapping[str, Any], t: dt.datetime, state: Mapping) -> float:
    overrides = state.get("overrides", {})
    return float(overrides[did]) if did in overrides else PROFILES[params["name"]](
        did, params, t, state)


@dataclass(frozen=True)
class Fault:
    """A fault on a device (``target``: its id) or all devices of equipment (its name).

    Active from ``start`` until ``end`` (None: open). Kinds: ``stuck`` (frozen at the value at
    ``start``), ``drift`` (plus ``params["rate_per_hour"]`` per hour), ``offline`` (no reading),
    ``ahu_failure`` (the unit's status 0, fault code 1; the temperature devices listed in
    ``params["devices"]`` approach ``target_c`` with time constant ``tau_minutes``).
    """

    kind: str
    target: str
    start: dt.datetime
    end: dt.datetime | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")

    def active(self, t: dt.datetime) -> bool:
        """Whether the fault is in force at ``t``."""
        return self.start <= t and (self.end is None or t < self.end)

    def applies_to(self, device_id: str, equipment_name: str = "") -> bool:
        """Whether the fault touches this device."""
        return (self.target in (device_id, equipment_name)
                or device_id in self.params.get("devices", ()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO times)."""
        return {"kind": self.kind, "target": self.target, "start": self.start.isoformat(),
                "end": self.end.isoformat() if self.end else None, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """Inverse of :meth:`to_dict` (reads an item of ``faults.json``)."""
        end = data.get("end")
        return cls(data["kind"], data["target"], dt.datetime.fromisoformat(data["start"]),
                   dt.datetime.fromisoformat(end) if end else None, dict(data.get("params", {})))


def value_at(device: Device | Mapping[str, Any], t: dt.datetime, *,
             faults: Sequence[Fault] = (), state: Mapping[str, Any] | None = None
             ) -> float | None:
    """The reading of ``device`` at ``t``, or None when it is offline.

    Parameters
    ----------
    device : Device or dict
        A :class:`Device` or a ``devices.csv`` row (``profile`` a JSON string or a dict).
    faults : sequence of Fault
        Faults to apply; those not touching the device or not active at ``t`` are ignored.
    state : dict, optional
        ``"overrides"``: ``{device_id: value}`` read instead of the profile, also for the
        occupancy a CO2 profile follows (by default its copy of the occupancy profile).

    Returns
    -------
    float or None
        Clipped to the device's ``min``/``max`` where they are set.
    """
    state = state or {}
    did, kind, equipment, params, low, high = _device_info(device)
    active = [f for f in faults if f.applies_to(did, equipment) and f.active(t)]
    if any(f.kind == "offline" for f in active):
        return None
    stuck = [f for f in active if f.kind == "stuck"]
    if stuck:
        first = min(stuck, key=lambda f: f.start)
        rest = [f for f in faults if f.kind != "stuck" or not f.applies_to(did, equipment)]
        return value_at(device, first.start, faults=rest, state=state)
    value = _base(did, params, t, state)
    for fault in active:
        hours = (t - fault.start).total_seconds() / 3600
        if fault.kind == "drift":
            value += float(fault.params.get("rate_per_hour", 1.0)) * hours
        elif fault.kind == "ahu_failure" and fault.target == equipment:
            value = {"status": 0.0, "fault_code": 1.0}.get(kind, value)
        elif fault.kind == "ahu_failure" and kind == "temperature":
            tau = float(fault.params.get("tau_minutes", 40.0)) / 60
            target = float(fault.params.get("target_c", 30.0))
            value += (target - value) * (1 - math.exp(-hours / tau))
    return min(max(value, -math.inf if low is None else low), math.inf if high is None else high)


def rooms_fed_by(plan: SamplePlan, ahu_name: str) -> set[str]:
    """Numbers of the rooms whose air terminals the unit feeds (AHU -> duct -> VAV -> terminal)."""
    items = {e.name: e for e in plan.equipment}
    seen, todo, rooms = {ahu_name}, [items[ahu_name]], set()
    while todo:
        item = todo.pop()
        if item.role == "terminal" and item.room:
            rooms.add(item.room)
        for name in item.feeds:
            if name not in seen and name in items:
                seen.add(name)
                todo.append(items[name])
    return rooms


def make_ahu_failure(plan: SamplePlan, devices: Iterable[Device], ahu_name: str,
                     start: dt.datetime, end: dt.datetime | None = None) -> Fault:
    """An ``ahu_failure`` on ``ahu_name``: params name its rooms and their temperature devices."""
    rooms = rooms_fed_by(plan, ahu_name)
    temps = sorted(d.device_id for d in devices
                   if d.kind == "temperature" and d.room_number in rooms)
    params = {"rooms": sorted(rooms), "devices": temps, "target_c": 30.0, "tau_minutes": 40.0}
    return Fault("ahu_failure", ahu_name, start, end, params)


def sample_faults(plan: SamplePlan, devices: Sequence[Device]) -> list[Fault]:
    """One fault of each kind on Mon 2026-11-02 (others away from the failed AHU's rooms)."""
    rng = random.Random(plan.seed * 7 + 3)
    ahu = max(e.name for e in plan.equipment if e.role == "ahu")
    fed = rooms_fed_by(plan, ahu)
    day = dt.datetime(2026, 11, 2)

    def pick(kind: str) -> str:
        ids = sorted((d.room_number in fed, d.device_id) for d in devices if d.kind == kind
                     and d.room_number and d.equipment_name.endswith(d.room_number))
        return rng.choice([i for in_fed, i in ids if in_fed == ids[0][0]])  # outside if any

    return [
        Fault("stuck", pick("temperature"), day.replace(hour=10), day.replace(hour=16)),
        Fault("drift", pick("co2"), day.replace(hour=8), None, {"rate_per_hour": 25.0}),
        Fault("offline", pick("occupancy"), day.replace(hour=9), day.replace(hour=12)),
        make_ahu_failure(plan, devices, ahu, day.replace(hour=13), day.replace(hour=18)),
    ]


def write_faults(faults: Sequence[Fault], folder: str | Path) -> Path:
    """Write ``faults.json`` (a list of :meth:`Fault.to_dict`) into ``folder``."""
    path = Path(folder) / "faults.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([f.to_dict() for f in faults], ensure_ascii=False, indent=2))
    return path
