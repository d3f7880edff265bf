"""Utilisation of office space from allocations: people per m², desks per person.

Per room, storey, department and building. Desks are the planned occupancy where the model
gives it (``Pset_SpaceOccupancyRequirements.OccupancyNumber``), else one per the rule set's
``open_plan_m2_per_desk`` in an open-plan office and one per occupant (at least one) in a
cellular office (or an open-plan one, under a rule set without that figure). Occupancy sensors
will refine this once readings exist (IoT issue).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from spaces.allocations import Allocations
from spaces.area_standards import RuleSet, rule_set_for
from spaces.compliance import RoomFacts

__all__ = ["DEFAULT_THRESHOLD", "UtilisationRow", "utilisation"]

#: Rooms whose occupants fill less than this share of their desks are listed as under-used.
DEFAULT_THRESHOLD = 0.6


@dataclass(frozen=True, slots=True)
class UtilisationRow:
    """Utilisation of one room or group (``level``: room, storey, department or building)."""

    level: str
    key: str
    rooms: int
    people: int
    desks: int
    area_m2: float

    @property
    def m2_per_person(self) -> float | None:
        """Office area per person, m² (``None`` without people)."""
        return self.area_m2 / self.people if self.people else None

    @property
    def occupancy(self) -> float | None:
        """People per desk (1.0 = every desk taken)."""
        return self.people / self.desks if self.desks else None


def _desks(room: RoomFacts, occupants: int, planned: Mapping[str, int],
           rule_set: RuleSet) -> int:
    if room.global_id in planned:
        return max(1, planned[room.global_id])
    area = room.area_geometry or room.area_qto or 0.0
    desks = rule_set.open_plan_desks(area) if room.is_open_plan else None
    return max(1, occupants if desks is None else desks)


def utilisation(rooms: Iterable[RoomFacts], allocations: Allocations, *, day: date,
                planned: Mapping[str, int] | None = None,
                threshold: float = DEFAULT_THRESHOLD, rule_set: RuleSet | None = None
                ) -> tuple[list[UtilisationRow], list[UtilisationRow]]:
    """Utilisation of the offices on ``day``.

    Parameters
    ----------
    rooms : iterable of RoomFacts
        The building's spaces; only offices (by the model's use) count.
    allocations : Allocations
        Who holds which room.
    day : date
        The day measured.
    planned : mapping of str to int, optional
        Planned occupancy (desks) per space GlobalId.
    threshold : float, default 0.6
        Rooms below this occupancy (people per desk) are listed as under-used.
    rule_set : spaces.area_standards.RuleSet, optional
        Gives ``open_plan_m2_per_desk``; default the Chinese edition in force on ``day``
        (:func:`spaces.area_standards.rule_set_for`).

    Returns
    -------
    (list of UtilisationRow, list of UtilisationRow)
        Every row (rooms, then storeys, departments and the building), and the under-used
        rooms, least used first.

    Raises
    ------
    RuleSetError
        No ``rule_set`` given and no Chinese edition in force on ``day``.
    """
    planned = planned or {}
    rule_set = rule_set or rule_set_for(day)
    holders: dict[str, set[str]] = defaultdict(set)
    for a in allocations.assignments:
        if a.holds_on(day):
            holders[a.space].add(a.person_id)
    room_rows: list[UtilisationRow] = []
    groups: dict[tuple[str, str], list] = defaultdict(lambda: [0, set(), 0, 0.0])
    for room in rooms:
        if not room.is_office:
            continue
        occupants = holders.get(room.global_id, set())
        area = room.area_geometry or room.area_qto or 0.0
        row = UtilisationRow("room", room.name, 1, len(occupants),
                             _desks(room, len(occupants), planned, rule_set), round(area, 3))
        room_rows.append(row)
        departments = {allocations.people[p].department for p in occupants
                       if p in allocations.people} or {"(unassigned)"}
        keys = [("storey", room.storey or "?"), ("building", "all")]
        keys += [("department", d) for d in sorted(departments)]
        for key in keys:
            group = groups[key]
            group[0] += 1
            group[1] |= occupants
            group[2] += row.desks
            group[3] += area
    totals = [UtilisationRow(level, key, g[0], len(g[1]), g[2], round(g[3], 3))
              for (level, key), g in sorted(groups.items())]
    under = sorted((r for r in room_rows if r.occupancy is not None and r.occupancy < threshold),
                   key=lambda r: (r.occupancy, r.key))
    return room_rows + totals, under
