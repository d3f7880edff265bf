"""Tariffs (电价/水价): prices that change on effective-from dates, time-of-use periods (峰谷平)
and fixed charges, applied to hourly consumption.

A tariff is in force from its ``effective_from`` date until the next tariff of the same
carrier takes over. Its periods are times of day (``"08:00"``-``"12:00"``, ``"24:00"`` for
midnight at the end) that must cover the day exactly once: overlaps and gaps are refused.
Times of day are those of the readings' clock (the twin stores UTC and the sample building
keeps its working hours on that clock; a deployment in 北京时间 shifts its periods by 8 h).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from energy.errors import TariffError

__all__ = ["CostResult", "Period", "Tariff", "cost_of", "hourly_prices", "parse_tariffs",
           "tariff_at"]

_MINUTES = 1440


@dataclass(frozen=True, slots=True)
class Period:
    """A time-of-use period: ``[start, end)`` minutes of the day at ``price`` per unit."""

    name: str
    start_min: int
    end_min: int
    price: float


@dataclass(frozen=True, slots=True)
class Tariff:
    """One carrier's prices from ``effective_from`` on.

    Attributes
    ----------
    carrier : str
        ``electricity``, ``water``, ``gas`` or ``heat``.
    effective_from : datetime.date
    periods : tuple of Period
        Cover the day exactly once.
    fixed_per_month : float
        Fixed charge (基本费) per calendar month, pro rata per day.
    currency : str
    """

    carrier: str
    effective_from: dt.date
    periods: tuple[Period, ...]
    fixed_per_month: float = 0.0
    currency: str = "CNY"

    def minute_prices(self) -> np.ndarray:
        """``(1440,) float64``: the price of each minute of the day."""
        prices = np.empty(_MINUTES)
        for period in self.periods:
            prices[period.start_min:period.end_min] = period.price
        return prices


@dataclass(frozen=True, slots=True)
class CostResult:
    """Cost of consumption over a span: energy charges (per period name), fixed charges."""

    energy_cost: float
    fixed_cost: float
    by_period: dict[str, float]
    currency: str

    @property
    def total(self) -> float:
        """Energy plus fixed charges."""
        return self.energy_cost + self.fixed_cost


def _minute_of(text: Any, where: str) -> int:
    try:
        hours, minutes = str(text).split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise TariffError(f"{where}: time {text!r} is not HH:MM") from None
    if not 0 <= value <= _MINUTES or not 0 <= int(minutes) < 60:
        raise TariffError(f"{where}: time {text!r} is not within 00:00-24:00")
    return value


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _periods(items: Sequence[Mapping[str, Any]], where: str) -> tuple[Period, ...]:
    periods = []
    for n, item in enumerate(items, start=1):
        name = str(item.get("name") or f"period {n}")
        start = _minute_of(item.get("start"), f"{where}, {name}")
        end = _minute_of(item.get("end"), f"{where}, {name}")
        try:
            price = float(item["price"])
        except (KeyError, TypeError, ValueError):
            raise TariffError(f"{where}, {name}: price must be a number") from None
        if price < 0:
            raise TariffError(f"{where}, {name}: price {price} is negative")
        if end == 0:
            end = _MINUTES
        spans = [(start, end)] if start < end else [(start, _MINUTES), (0, end)]
        periods.extend(Period(name, a, b, price) for a, b in spans if b > a)
    if not periods:
        raise TariffError(f"{where}: a tariff needs at least one period with a price")
    periods.sort(key=lambda p: p.start_min)
    cursor = 0
    for prev, period in zip([None, *periods], periods, strict=False):
        if period.start_min < cursor:
            raise TariffError(f"{where}: periods {prev.name} and {period.name} overlap "
                              f"({_clock(period.start_min)}-{_clock(min(cursor, period.end_min))})")
        if period.start_min > cursor:
            raise TariffError(f"{where}: no period covers {_clock(cursor)}-"
                              f"{_clock(period.start_min)}")
        cursor = period.end_min
    if cursor < _MINUTES:
        raise TariffError(f"{where}: no period covers {_clock(cursor)}-24:00")
    return tuple(periods)


def parse_tariffs(items: Iterable[Mapping[str, Any]]) -> list[Tariff]:
    """Tariffs from plain data (a TOML ``[[tariff]]`` array), by carrier and date.

    Each item: ``carrier``, ``effective_from`` (date or ISO text), ``periods`` (``name``,
    ``start``, ``end``, ``price``; or a single ``price`` for a flat tariff),
    ``fixed_per_month``, ``currency``.

    Raises
    ------
    TariffError
        Overlapping or missing periods, a bad time, price or date, two tariffs of one
        carrier from the same date.
    """
    out = []
    for n, item in enumerate(items, start=1):
        carrier = str(item.get("carrier") or "electricity")
        raw = item.get("effective_from")
        try:
            start = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
        except ValueError:
            raise TariffError(f"tariff {n} ({carrier}): effective_from {raw!r} is not a date"
                              ) from None
        where = f"tariff {n} ({carrier} from {start})"
        periods = item.get("periods")
        if periods is None and "price" in item:
            periods = [{"name": "flat", "start": "00:00", "end": "24:00",
                        "price": item["price"]}]
        fixed = float(item.get("fixed_per_month") or 0.0)
        if fixed < 0:
            raise TariffError(f"{where}: fixed_per_month is negative")
        out.append(Tariff(carrier, start, _periods(periods or [], where), fixed,
                          str(item.get("currency") or "CNY")))
    out.sort(key=lambda t: (t.carrier, t.effective_from))
    for a, b in zip(out, out[1:], strict=False):
        if a.carrier == b.carrier and a.effective_from == b.effective_from:
            raise TariffError(f"two {a.carrier} tariffs take effect on {a.effective_from}")
    return out


def tariff_at(tariffs: Sequence[Tariff], carrier: str, day: dt.date) -> Tariff | None:
    """The ``carrier`` tariff in force on ``day`` (None before the first one)."""
    found = None
    for tariff in tariffs:
        if tariff.carrier == carrier and tariff.effective_from <= day:
            found = tariff
    return found


def hourly_prices(tariffs: Sequence[Tariff], carrier: str, hours_s: np.ndarray
                  ) -> tuple[np.ndarray, list[str]]:
    """Price of each hour starting at ``hours_s`` (Unix s, ``(n,) int64``): the mean of its
    minutes' prices under the tariff in force that day (NaN where none is), and the name of
    the period at the start of each hour."""
    hours_s = np.asarray(hours_s, dtype=np.int64)
    prices = np.full(len(hours_s), np.nan)
    names = [""] * len(hours_s)
    days = hours_s // 86400
    hour_of_day = (hours_s % 86400) // 3600
    mine = sorted((t for t in tariffs if t.carrier == carrier), key=lambda t: t.effective_from)
    for i, tariff in enumerate(mine):
        first = (tariff.effective_from - dt.date(1970, 1, 1)).days
        last = ((mine[i + 1].effective_from - dt.date(1970, 1, 1)).days
                if i + 1 < len(mine) else np.iinfo(np.int64).max)
        where = (days >= first) & (days < last)
        hourly = tariff.minute_prices().reshape(24, 60).mean(axis=1)
        prices[where] = hourly[hour_of_day[where]]
        lookup = [next(p.name for p in tariff.periods if p.start_min <= h * 60 < p.end_min)
                  for h in range(24)]
        for j in np.flatnonzero(where):
            names[j] = lookup[hour_of_day[j]]
    return prices, names


def cost_of(tariffs: Sequence[Tariff], carrier: str, hours_s: np.ndarray,
            consumption: np.ndarray) -> CostResult:
    """Cost of hourly ``consumption`` at ``hours_s`` (Unix s of each hour's start).

    Energy charges use the tariff in force each day; fixed charges accrue per day covered
    (``fixed_per_month`` / days of that month). Hours without a tariff cost nothing.

    Examples
    --------
    >>> t = parse_tariffs([{"effective_from": "2026-01-01", "price": 0.5}])
    >>> cost_of(t, "electricity", np.array([0, 3600]) + 1767225600, np.array([2.0, 4.0])
    ...         ).energy_cost
    3.0
    """
    consumption = np.asarray(consumption, dtype=np.float64)
    prices, names = hourly_prices(tariffs, carrier, hours_s)
    known = ~np.isnan(prices)
    charges = np.where(known, prices * consumption, 0.0)
    by_period: dict[str, float] = {}
    for name, charge in zip(names, charges.tolist(), strict=True):
        if name:
            by_period[name] = by_period.get(name, 0.0) + charge
    fixed = 0.0
    for day in sorted(set((np.asarray(hours_s, dtype=np.int64) // 86400).tolist())):
        date = dt.date(1970, 1, 1) + dt.timedelta(days=day)
        tariff = tariff_at(tariffs, carrier, date)
        if tariff is not None and tariff.fixed_per_month:
            following = (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            fixed += tariff.fixed_per_month / (following - date.replace(day=1)).days
    currency = next((t.currency for t in tariffs if t.carrier == carrier), "CNY")
    return CostResult(float(charges.sum()), fixed, by_period, currency)
