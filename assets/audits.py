"""盘点 (stock counts): what a count expected against what was scanned, as discrepancies:
missing (盘亏), found in another room (位置不符) and not on the list (盘盈)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Discrepancy", "discrepancies"]


@dataclass(frozen=True)
class Discrepancy:
    """One difference between the register and the count."""

    kind: str  # "missing" | "misplaced" | "unexpected"
    asset_id: int
    expected_room: str | None
    found_room: str | None


def discrepancies(expected: Mapping[int, str | None],
                  scanned: Mapping[int, str | None]) -> list[Discrepancy]:
    """The differences, by asset id.

    Parameters
    ----------
    expected : mapping
        asset id -> room it should be in (GlobalId or ``None`` when unknown).
    scanned : mapping
        asset id -> room where it was scanned (``None``: room not given, position accepted).

    Examples
    --------
    >>> [d.kind for d in discrepancies({1: "A", 2: "A", 3: "B"}, {1: "A", 3: "C", 9: "A"})]
    ['missing', 'misplaced', 'unexpected']
    """
    found: list[Discrepancy] = []
    for asset_id in sorted(set(expected) | set(scanned)):
        room = expected.get(asset_id)
        if asset_id not in scanned:
            found.append(Discrepancy("missing", asset_id, room, None))
        elif asset_id not in expected:
            found.append(Discrepancy("unexpected", asset_id, None, scanned[asset_id]))
        elif scanned[asset_id] and room and scanned[asset_id] != room:
            found.append(Discrepancy("misplaced", asset_id, room, scanned[asset_id]))
    return found
