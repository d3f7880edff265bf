"""Parking (车管): live counts per car park from bay states, and the gate's decision on a plate
read against the allow-lists (official fleet, staff, visitor reservations)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from security.choices import BAY_STATES

__all__ = ["GateDecision", "PlateEntry", "bay_counts", "decide_gate", "normalise_plate"]

_STATES = tuple(c.value for c in BAY_STATES)


def normalise_plate(plate: str) -> str:
    """A plate as compared: upper case, no spaces, dots or dashes.

    Examples
    --------
    >>> normalise_plate("京a·123 45")
    '京A12345'
    """
    return "".join(c for c in plate.upper() if c not in " ·.-_")


def bay_counts(statuses: Iterable[str]) -> dict[str, int]:
    """Bays per state (FIWARE ``ParkingSpot.status``), every state present, and ``total`` /
    ``available`` (free bays, ``OffStreetParking.availableSpotNumber``).

    Examples
    --------
    >>> bay_counts(["free", "occupied", "free", "closed"])
    {'free': 2, 'occupied': 1, 'closed': 1, 'unknown': 0, 'total': 4, 'available': 2}
    """
    counts = Counter(s if s in _STATES else "unknown" for s in statuses)
    result = {state: counts.get(state, 0) for state in _STATES}
    result["total"] = sum(counts.values())
    result["available"] = result["free"]
    return result


@dataclass(frozen=True, slots=True)
class PlateEntry:
    """A plate on an allow-list (``fleet``, ``staff``, ``visitor``) or on ``blocked``, valid
    between two instants (Unix seconds; None: open-ended)."""

    plate: str
    list: str
    holder: str = ""
    valid_from: float | None = None
    valid_to: float | None = None

    def valid_at(self, ts: float) -> bool:
        """Whether the entry holds at ``ts``."""
        return (self.valid_from is None or self.valid_from <= ts) and \
            (self.valid_to is None or ts <= self.valid_to)


@dataclass(frozen=True, slots=True)
class GateDecision:
    """What a gate does: ``open``, ``visitor_flow`` (unknown plate: registration) or
    ``refuse``; the list that decided and why."""

    action: str
    list: str | None
    reason: str


def decide_gate(plate: str | None, direction: str | None, entries: Iterable[PlateEntry],
                ts: float, *, confidence: float | None = None,
                min_confidence: float = 0.6) -> GateDecision:
    """The gate's decision on a plate read.

    Exits always open; an entry opens for a plate valid on ``fleet``, ``staff`` or ``visitor``
    at ``ts``, is refused for a ``blocked`` one, and starts the visitor flow otherwise (also
    when the read is not trusted: no plate, or confidence below ``min_confidence``).

    Examples
    --------
    >>> decide_gate("京A1", "in", [PlateEntry("京A1", "visitor", valid_from=0, valid_to=10)],
    ...             5).action
    'open'
    >>> decide_gate("京A1", "in", [], 5).action
    'visitor_flow'
    """
    if direction == "out":
        return GateDecision("open", None, "exit")
    if not plate or (confidence is not None and confidence < min_confidence):
        return GateDecision("visitor_flow", None, "plate not read with confidence")
    wanted = normalise_plate(plate)
    valid: Mapping[str, PlateEntry] = {e.list: e for e in entries
                                       if normalise_plate(e.plate) == wanted and e.valid_at(ts)}
    if "blocked" in valid:
        return GateDecision("refuse", "blocked", valid["blocked"].holder or "blocked plate")
    for name in ("fleet", "staff", "visitor"):
        if name in valid:
            return GateDecision("open", name, valid[name].holder or name)
    return GateDecision("visitor_flow", None, "plate on no allow-list")
