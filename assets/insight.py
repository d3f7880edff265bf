"""Insight into the pool: idle assets per unit (no loan for N days), utilisation (days on loan
÷ days available) and the time from request to hand-over as a distribution (the seed city's
"5 days → 1 day").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["Loan", "idle_by_unit", "lead_time_summary", "percentile", "utilisation"]


@dataclass(frozen=True)
class Loan:
    """A loan of one asset: from ``start`` to ``end`` (``None``: still out)."""

    asset_id: int
    start: date
    end: date | None = None


def idle_by_unit(assets: Iterable[tuple[int, str, date | None]], today: date,
                 days: int) -> dict[str, list[int]]:
    """Assets not lent for ``days`` days, by owning unit.

    Parameters
    ----------
    assets : iterable of (asset_id, owner_unit, last_loan_end)
        ``last_loan_end`` is ``None`` for an asset never lent (idle from the start).
    """
    idle: dict[str, list[int]] = {}
    for asset_id, unit, last in assets:
        if last is None or (today - last).days >= days:
            idle.setdefault(unit, []).append(asset_id)
    return idle


def utilisation(loans: Iterable[Loan], start: date, end: date, available_assets: int) -> float:
    """Days on loan ÷ days available over ``start`` .. ``end`` for ``available_assets`` assets.

    Examples
    --------
    >>> utilisation([Loan(1, date(2026, 1, 1), date(2026, 1, 10))], date(2026, 1, 1),
    ...             date(2026, 1, 10), 2)
    0.5
    """
    span = (end - start).days + 1
    if span <= 0 or available_assets <= 0:
        return 0.0
    on_loan = 0
    for loan in loans:
        first, last = max(loan.start, start), min(loan.end or end, end)
        on_loan += max((last - first).days + 1, 0)
    return round(min(on_loan / (span * available_assets), 1.0), 4)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100), linear between ranks; 0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def lead_time_summary(pairs: Iterable[tuple[datetime, datetime]]) -> dict:
    """Request → hand-over times in days: count, median, p90, mean and a histogram by whole
    day (``"0"``, ``"1"``, ..., ``"5+"``)."""
    days = [(handed - asked).total_seconds() / 86400 for asked, handed in pairs]
    buckets = Counter(str(min(int(d), 5)) if d < 5 else "5+" for d in days)
    return {"count": len(days),
            "median_days": round(percentile(days, 50), 2),
            "p90_days": round(percentile(days, 90), 2),
            "mean_days": round(sum(days) / len(days), 2) if days else 0.0,
            "within_one_day": round(sum(d <= 1 for d in days) / len(days), 4) if days else 0.0,
            "histogram": {k: buckets.get(k, 0) for k in ("0", "1", "2", "3", "4", "5+")}}
