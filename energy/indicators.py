"""Indicators of 数字节能 on plain data: which meters make up each group (storey, system,
category) without counting a load twice, hourly consumption from counter buckets, and
standard coal and CO2 with the factor stated."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from energy.choices import group_of
from energy.meters import Meter
from energy.reference import Factor, conversion_factors

__all__ = ["GROUPINGS", "UNASSIGNED", "converted", "counter_deltas", "group_members"]

#: The key of what no meter of a grouping accounts for (total - Σ groups).
UNASSIGNED = "unassigned"

#: group_by -> the attribute of a meter that names its group (None: not in any).
GROUPINGS: dict[str, Callable[[Meter], str | None]] = {
    "storey": lambda m: m.storey,
    "category": lambda m: m.category,
    "system": lambda m: group_of(m.category) if m.category else None,
}


def group_members(meters: Sequence[Meter], group_by: str) -> dict[str, list[str]]:
    """``{group: [meter keys]}``: each physical meter that names a group while none of its
    ancestors does (so a storey board and its sub-meters are not added up twice). For
    storeys a meter counts only where every meter below it is on its storey too: a main
    incomer in the basement serves the whole building, not the basement.

    Examples
    --------
    >>> ms = [Meter("M"), Meter("B", parent="M", storey="S1"),
    ...       Meter("L", parent="B", storey="S1", category="a1")]
    >>> group_members(ms, "storey"), group_members(ms, "category")
    ({'S1': ['B']}, {'a1': ['L']})
    """
    attribute = GROUPINGS[group_by]
    by_key = {m.key: m for m in meters}
    if group_by == "storey":
        attribute = _serving_one_storey(meters)
    out: dict[str, list[str]] = {}
    for meter in meters:
        if meter.virtual or attribute(meter) is None:
            continue
        parent, shadowed = meter.parent, False
        while parent is not None and parent in by_key:
            if attribute(by_key[parent]) is not None:
                shadowed = True
                break
            parent = by_key[parent].parent
        if not shadowed:
            out.setdefault(attribute(meter), []).append(meter.key)
    return {k: sorted(v) for k, v in sorted(out.items())}


def _serving_one_storey(meters: Sequence[Meter]) -> Callable[[Meter], str | None]:
    """A meter's storey where its whole subtree is on that storey, else None."""
    storeys: dict[str, set] = {m.key: {m.storey} for m in meters if not m.virtual}
    by_key = {m.key: m for m in meters}
    for meter in meters:
        parent = meter.parent
        while parent is not None and parent in storeys and not meter.virtual:
            storeys[parent].add(meter.storey)
            parent = by_key[parent].parent
    return lambda m: m.storey if storeys.get(m.key) == {m.storey} else None


def counter_deltas(device: np.ndarray, bucket: np.ndarray, first: np.ndarray,
                   last: np.ndarray) -> np.ndarray:
    """Consumption in each counter bucket, rows ordered by device then bucket: last minus
    the previous bucket's last (the same device), else last minus first; a counter that
    went backwards (a reset) counts from its first value in the bucket, never below 0.

    Examples
    --------
    >>> counter_deltas(np.array([1, 1, 1]), np.array([0, 1, 2]), np.array([10., 12., 1.]),
    ...                np.array([11., 15., 3.])).tolist()
    [1.0, 4.0, 2.0]
    """
    device, first, last = np.asarray(device), np.asarray(first, float), np.asarray(last, float)
    if not len(device):
        return np.zeros(0)
    same = np.r_[False, device[1:] == device[:-1]]
    previous = np.r_[np.nan, last[:-1]]
    delta = np.where(same, last - previous, last - first)
    return np.where(delta < 0, np.maximum(last - first, 0.0), delta)


def converted(carrier: str, amount: float, *, basis: str = "kgce_equivalent"
              ) -> dict[str, object]:
    """Standard coal and CO2 of ``amount`` of ``carrier``, with the factors used."""
    factors = conversion_factors()
    kgce: Factor | None = factors.get((carrier, basis))
    co2: Factor | None = factors.get((carrier, "co2_kg"))
    return {"kgce": amount * kgce.value if kgce else None,
            "co2_kg": amount * co2.value if co2 else None,
            "kgce_factor": kgce.as_dict() if kgce else None,
            "co2_factor": co2.as_dict() if co2 else None}
