"""Weather-driven energy profiles of the sample building (数字节能): the outdoor temperature
and metered loads whose air-conditioning part follows it.

Both are pure functions of time (naive datetimes read as the sample's clock), vectorised with
numpy so that a year of hourly history is computed at once, and evaluated one reading at a
time by the simulator through :data:`bim_models.sample.profiles.PROFILES` (``outdoor`` and
``metered``) - the backfill and the live readings are the same numbers.

A ``metered`` profile: ``{"name": "metered", "epoch": ISO, "loads": [load, ...]}``, each load
``{"base_kw", "peak_kw", "start_h", "end_h", "cool_kw_per_k", "cool_c", "heat_kw_per_k",
"heat_c"}`` (the last four optional): the load draws ``base_kw`` outside working time
(weekdays ``start_h``-``end_h``) and ``peak_kw`` plus the temperature terms inside it. The
counter is the integral of the sum of the loads from the epoch, per whole hour.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["hourly_load_kw", "metered_counter", "metered_value", "outdoor_temperature",
           "outdoor_value"]

_EPOCH = dt.datetime(1970, 1, 1)
_prefix_cache: dict[str, np.ndarray] = {}


def _unit_noise(x: np.ndarray) -> np.ndarray:
    """A deterministic number in [-1, 1) per integer of ``x``."""
    value = np.sin(np.asarray(x, np.float64) * 12.9898 + 78.233) * 43758.5453
    return 2.0 * (value - np.floor(value)) - 1.0


def outdoor_temperature(hours_s: np.ndarray, *, mean_c: float = 15.0,
                        seasonal_c: float = 13.0, daily_c: float = 4.0) -> np.ndarray:
    """Outdoor temperature (°C) at Unix seconds ``hours_s``: a seasonal cosine (coldest mid
    January), a daily one (warmest at 15:00) and a day-to-day wobble of ± 3 °C."""
    t = np.asarray(hours_s, np.float64)
    day = np.floor(t / 86400.0)
    year_phase = 2 * np.pi * ((t / 86400.0) % 365.25 - 15.0) / 365.25
    hour = (t % 86400.0) / 3600.0
    return (mean_c - seasonal_c * np.cos(year_phase)
            + daily_c * np.cos(2 * np.pi * (hour - 15.0) / 24.0) + 3.0 * _unit_noise(day))


def hourly_load_kw(loads: list[Mapping[str, Any]], hours_s: np.ndarray) -> np.ndarray:
    """Mean kW of the summed ``loads`` during each hour starting at ``hours_s``."""
    t = np.asarray(hours_s, np.int64)
    weekday = ((t // 86400) + 3) % 7
    hour = (t % 86400) // 3600
    temperature = outdoor_temperature(t + 1800)
    total = np.zeros(len(t))
    for load in loads:
        work = (weekday < 5) & (hour >= load.get("start_h", 8)) & (hour < load.get("end_h", 18))
        peak = float(load["peak_kw"]) + \
            float(load.get("cool_kw_per_k", 0.0)) * np.maximum(
                temperature - float(load.get("cool_c", 22.0)), 0.0) + \
            float(load.get("heat_kw_per_k", 0.0)) * np.maximum(
                float(load.get("heat_c", 14.0)) - temperature, 0.0)
        total += np.where(work, peak, float(load["base_kw"]))
    return total


def _epoch_s(params: Mapping[str, Any]) -> int:
    return int((dt.datetime.fromisoformat(params["epoch"]) - _EPOCH).total_seconds())


def metered_counter(params: Mapping[str, Any], times_s: np.ndarray) -> np.ndarray:
    """The counter (kWh) of a ``metered`` profile at Unix seconds ``times_s``."""
    key = json.dumps(params, sort_keys=True)
    epoch = _epoch_s(params)
    times = np.asarray(times_s, np.float64)
    elapsed = np.maximum(times - epoch, 0.0) / 3600.0
    whole = np.floor(elapsed).astype(np.int64)
    need = int(whole.max()) + 2 if len(whole) else 2
    prefix = _prefix_cache.get(key)
    if prefix is None or len(prefix) < need:
        n = need + 24 * 31
        loads = hourly_load_kw(list(params["loads"]), epoch + 3600 * np.arange(n))
        prefix = np.concatenate([[0.0], np.cumsum(loads)])
        if len(_prefix_cache) > 512:
            _prefix_cache.clear()
        _prefix_cache[key] = prefix
    current = prefix[whole + 1] - prefix[whole]
    return float(params.get("initial_kwh", 0.0)) + prefix[whole] + current * (elapsed - whole)


def _seconds(t: dt.datetime) -> float:
    return (t - _EPOCH).total_seconds()


def metered_value(did: str, p: Mapping[str, Any], t: dt.datetime, state: Mapping) -> float:
    """One reading of a ``metered`` profile (the simulator's signature)."""
    return float(metered_counter(p, np.array([_seconds(t)]))[0])


def outdoor_value(did: str, p: Mapping[str, Any], t: dt.datetime, state: Mapping) -> float:
    """One reading of the ``outdoor`` profile (the simulator's signature)."""
    value = float(outdoor_temperature(np.array([_seconds(t)]))[0])
    return round(value + p.get("offset_c", 0.0), 2) if math.isfinite(value) else 0.0
