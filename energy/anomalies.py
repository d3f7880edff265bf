"""Anomaly rules of 数字节能 on a meter's hourly consumption and its counter readings.

Each rule is a plain function returning :class:`Finding` s (empty when all is well); the
running system turns findings into alarms through the maintenance alarm lifecycle.

* :func:`base_load_ratio` - night and weekend load high against working-hours load;
* :func:`base_load_against_peers` - a meter's night load several times that of its peers
  (meters of the same category, e.g. the other storeys' lighting and sockets);
* :func:`base_load_against_baseline` - recent night load above the hour-of-week profile of
  an earlier period;
* :func:`out_of_hours` - hours outside working time using nearly working-time load;
* :func:`counter_resets` - a counter that went backwards or reset;
* :func:`gaps` - hours without data;
* :func:`flat_lines` - a counter that stopped counting for a day while the meter normally
  consumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["Finding", "WorkingHours", "base_load_against_baseline", "base_load_against_peers",
           "base_load_ratio", "counter_resets", "flat_lines", "gaps", "out_of_hours",
           "working_mask"]


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """Working time: weekdays (Monday 0) from ``start_h`` to ``end_h``."""

    start_h: int = 8
    end_h: int = 18
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class Finding:
    """One anomaly of one meter.

    ``rule`` is a value of :data:`energy.choices.ANOMALY_RULES`; ``value`` and
    ``threshold`` are what the rule compared; times in Unix seconds.
    """

    rule: str
    meter: str
    start_s: float
    end_s: float
    value: float
    threshold: float
    severity: str
    message: str

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"rule": self.rule, "meter": self.meter, "start_s": self.start_s,
                "end_s": self.end_s, "value": self.value, "threshold": self.threshold,
                "severity": self.severity, "message": self.message}


def working_mask(hours_s: np.ndarray, hours: WorkingHours = WorkingHours()) -> np.ndarray:
    """``(n,) bool``: whether each hour (Unix s of its start) is working time."""
    hours_s = np.asarray(hours_s, dtype=np.int64)
    weekday = ((hours_s // 86400) + 3) % 7  # 1970-01-01 was a Thursday
    hour = (hours_s % 86400) // 3600
    return np.isin(weekday, hours.weekdays) & (hour >= hours.start_h) & (hour < hours.end_h)


def _span(hours_s: np.ndarray) -> tuple[float, float]:
    return float(hours_s.min()), float(hours_s.max()) + 3600.0


def base_load_ratio(meter: str, hours_s: np.ndarray, kwh: np.ndarray, *,
                    hours: WorkingHours = WorkingHours(), threshold: float = 0.6
                    ) -> list[Finding]:
    """Mean out-of-hours load over mean working-hours load above ``threshold``.

    An office's lights and sockets at night should draw a fraction of their daytime load;
    a ratio near 1 means things are left on.
    """
    hours_s, kwh = np.asarray(hours_s, dtype=np.int64), np.asarray(kwh, float)
    ok = ~np.isnan(kwh)
    work = working_mask(hours_s, hours)
    day, night = kwh[ok & work], kwh[ok & ~work]
    if not len(day) or not len(night) or day.mean() <= 0:
        return []
    ratio = float(night.mean() / day.mean())
    if ratio <= threshold:
        return []
    start, end = _span(hours_s)
    return [Finding("base_load_ratio", meter, start, end, round(ratio, 3), threshold, "minor",
                    f"{meter}: night and weekend load is {ratio:.0%} of working-hours load "
                    f"(over {threshold:.0%})")]


def _night_mean(hours_s: np.ndarray, kwh: np.ndarray, hours: WorkingHours) -> float:
    hour = (np.asarray(hours_s, dtype=np.int64) % 86400) // 3600
    night = ~working_mask(hours_s, hours) & ((hour < 6) | (hour >= 22)) & ~np.isnan(kwh)
    return float(kwh[night].mean()) if night.any() else float("nan")


def base_load_against_peers(series: Mapping[str, tuple[np.ndarray, np.ndarray]], *,
                            hours: WorkingHours = WorkingHours(), factor: float = 2.0
                            ) -> list[Finding]:
    """Meters whose night load (22:00-06:00 outside working time) is over ``factor`` x the
    median night load of their peers (``series``: key -> (hours_s, kwh), at least three)."""
    nights = {key: _night_mean(h, np.asarray(k, float), hours) for key, (h, k) in series.items()}
    nights = {k: v for k, v in nights.items() if not np.isnan(v)}
    if len(nights) < 3:
        return []
    out = []
    for key, night in sorted(nights.items()):
        others = [v for k, v in nights.items() if k != key]
        median = float(np.median(others))
        if median > 0 and night > factor * median:
            hours_s = np.asarray(series[key][0], dtype=np.int64)
            start, end = _span(hours_s)
            out.append(Finding("base_load_ratio", key, start, end, round(night / median, 3),
                               factor, "major",
                               f"{key}: night load {night:.2f} kWh/h is {night / median:.1f}x "
                               f"that of its peers ({median:.2f} kWh/h)"))
    return out


def base_load_against_baseline(meter: str, hours_s: np.ndarray, kwh: np.ndarray, *,
                               recent_days: int = 14, hours: WorkingHours = WorkingHours(),
                               factor: float = 1.5) -> list[Finding]:
    """Night load of the last ``recent_days`` above ``factor`` x the same hours of the week
    in the weeks before (their median)."""
    hours_s, kwh = np.asarray(hours_s, dtype=np.int64), np.asarray(kwh, float)
    if len(hours_s) == 0:
        return []
    split = hours_s.max() + 3600 - recent_days * 86400
    before, recent = hours_s < split, hours_s >= split
    if before.sum() < 14 * 24 or not recent.any():
        return []
    how = ((hours_s // 3600) + 72) % 168
    profile = np.full(168, np.nan)
    for slot in range(168):
        values = kwh[before & (how == slot)]
        values = values[~np.isnan(values)]
        if len(values):
            profile[slot] = np.median(values)
    hour = (hours_s % 86400) // 3600
    night = recent & ~working_mask(hours_s, hours) & ((hour < 6) | (hour >= 22)) & \
        ~np.isnan(kwh)
    expected = profile[how[night]]
    if not night.any() or np.nansum(expected) <= 0:
        return []
    ratio = float(kwh[night].sum() / np.nansum(expected))
    if ratio <= factor:
        return []
    return [Finding("base_load_baseline", meter, float(split), float(hours_s.max() + 3600),
                    round(ratio, 3), factor, "minor",
                    f"{meter}: night load of the last {recent_days} days is {ratio:.1f}x its "
                    "hour-of-week baseline")]


def out_of_hours(meter: str, hours_s: np.ndarray, kwh: np.ndarray, *,
                 hours: WorkingHours = WorkingHours(), share: float = 0.8,
                 usual_factor: float = 2.0, min_hours: int = 3) -> list[Finding]:
    """Runs of at least ``min_hours`` hours outside working time whose load is above
    ``share`` x the median working-hours load and ``usual_factor`` x the median
    out-of-hours load (equipment left running, a weekend event)."""
    hours_s, kwh = np.asarray(hours_s, dtype=np.int64), np.asarray(kwh, float)
    work = working_mask(hours_s, hours)
    day = kwh[work & ~np.isnan(kwh)]
    if not len(day) or np.median(day) <= 0:
        return []
    off = kwh[~work & ~np.isnan(kwh)]
    usual = float(np.median(off)) if len(off) else 0.0
    # loads that run around the clock (a server room) are not out-of-hours use
    limit = max(share * float(np.median(day)), usual_factor * usual)
    hot = ~work & (np.nan_to_num(kwh) > limit)
    out = []
    for start, end in _runs(hot):
        if end - start >= min_hours:
            out.append(Finding("out_of_hours", meter, float(hours_s[start]),
                               float(hours_s[end - 1] + 3600), float(kwh[start:end].mean()),
                               limit, "minor",
                               f"{meter}: {end - start} h out of hours at "
                               f"{kwh[start:end].mean():.2f} kWh/h (limit {limit:.2f})"))
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` index ranges where ``mask`` is true."""
    padded = np.concatenate([[False], np.asarray(mask, bool), [False]])
    change = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(change[::2].tolist(), change[1::2].tolist(), strict=True))


def counter_resets(meter: str, ts_s: np.ndarray, values: np.ndarray) -> list[Finding]:
    """Counter readings lower than the one before (a reset to zero, or backwards)."""
    ts_s, values = np.asarray(ts_s, float), np.asarray(values, float)
    drops = np.flatnonzero(np.diff(values) < 0) + 1
    out = []
    for i in drops.tolist():
        reset = values[i] < 0.05 * values[i - 1]
        out.append(Finding("counter_reset", meter, float(ts_s[i - 1]), float(ts_s[i]),
                           float(values[i]), float(values[i - 1]), "major",
                           f"{meter}: counter {'reset' if reset else 'went backwards'} from "
                           f"{values[i - 1]:g} to {values[i]:g}"))
    return out


def gaps(meter: str, ts_s: np.ndarray, *, max_gap_s: float = 3 * 3600.0,
         start_s: float | None = None, end_s: float | None = None) -> list[Finding]:
    """Silences longer than ``max_gap_s`` between readings (and at the ends of
    ``[start_s, end_s)`` where given)."""
    ts_s = np.sort(np.asarray(ts_s, float))
    points = ts_s.tolist()
    if start_s is not None:
        points = [start_s, *points]
    if end_s is not None:
        points = [*points, end_s]
    out = []
    for a, b in zip(points, points[1:], strict=False):
        if b - a > max_gap_s:
            out.append(Finding("gap", meter, a, b, (b - a) / 3600, max_gap_s / 3600, "minor",
                               f"{meter}: no data for {(b - a) / 3600:.1f} h"))
    return out


def flat_lines(meter: str, hours_s: np.ndarray, kwh: np.ndarray, *, min_hours: int = 24
               ) -> list[Finding]:
    """Runs of at least ``min_hours`` hours of exactly zero consumption on a meter whose
    median hourly consumption is positive (a stuck counter, a meter that lost its feed)."""
    hours_s, kwh = np.asarray(hours_s, dtype=np.int64), np.asarray(kwh, float)
    usable = kwh[~np.isnan(kwh)]
    if not len(usable) or np.median(usable) <= 0:
        return []
    out = []
    for start, end in _runs(kwh == 0):
        if end - start >= min_hours:
            out.append(Finding("flat_line", meter, float(hours_s[start]),
                               float(hours_s[end - 1] + 3600), float(end - start),
                               float(min_hours), "minor",
                               f"{meter}: the counter did not move for {end - start} h"))
    return out
