"""Office-space compliance: a verdict per room and findings per person, each explained.

Room verdicts (``VERDICTS``):

``compliant``         an office whose occupants' limits cover its area
``over``              an office with one occupant, larger than that person's limit
``shared_over``       an office with several occupants, larger than the sum of their limits
``vacant``            an office nobody holds on the day
``not_office_space``  a room held as an office whose use (:mod:`spaces.space_use`, or an
                      officer's override) is something else; a held room of ``unclassified``
                      use is judged as an office and flagged ``use_unclassified``

Flags on a room: ``under_used`` (an open-plan office holding fewer people than it has desks,
one per the rule set's ``open_plan_m2_per_desk``), ``area_discrepancy`` (its area sources
differ by more than the threshold), ``wc_over_size`` (an attached WC larger than the rule
set's ``wc_max_m2``), ``use_unclassified`` (held, but nothing in the model says what it is).
Person findings: ``multiple_offices`` (holds more than one room) and ``not_reclaimed`` (left
by transfer or retirement more than the rule set's reclaim period ago and still holds a room).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from spaces.allocations import Allocations
from spaces.space_use import classify_space

__all__ = [
    "AREA_SOURCES",
    "VERDICTS",
    "ComplianceReport",
    "PersonFinding",
    "RoomFacts",
    "RoomVerdict",
    "assess",
    "attached_rooms",
    "is_office_use",
    "room_facts",
    "room_labels",
]

VERDICTS = ("compliant", "over", "shared_over", "vacant", "not_office_space")
#: Where a room's area can come from; the default preference order of :func:`assess`.
AREA_SOURCES = ("geometry", "qto", "register")


def _use_text(long_name: str | None, object_type: str | None) -> str:
    return f"{long_name or ''} {object_type or ''}".lower()


def is_rest_room(room: RoomFacts) -> bool:
    """A rest room (休息室) that belongs inside an office's limit."""
    text = _use_text(room.long_name, room.object_type)
    return "rest" in text or "休息" in text


def is_wc(room: RoomFacts) -> bool:
    """A WC (卫生间) that may count inside an office's limit up to the rule set's size."""
    text = _use_text(room.long_name, room.object_type)
    return "wc" in text.split() or "卫生间" in text or "ensuite" in text


def attached_rooms(graph, rooms: Iterable[RoomFacts]) -> dict[str, list[RoomFacts]]:
    """Rest rooms and WCs reached only through an office: office GlobalId -> those rooms.

    A room counts as attached when every door of it leads to the same single office.
    """
    from spaces.queries import neighbours

    by_id = {r.global_id: r for r in rooms}
    attached: dict[str, list[RoomFacts]] = defaultdict(list)
    for room in by_id.values():
        if not (is_rest_room(room) or is_wc(room)) or room.global_id not in graph:
            continue
        reached = neighbours(graph, room.global_id, through_doors_only=True)
        if len(reached) == 1 and reached[0] in by_id and by_id[reached[0]].is_office:
            attached[reached[0]].append(room)
    return dict(attached)


def is_office_use(long_name: str | None, object_type: str | None) -> bool:
    """True if the model calls the space an office (:func:`spaces.space_use.classify_space`).

    Examples
    --------
    >>> is_office_use("DUTY OFCR", None), is_office_use("Meeting room", "meeting_small")
    (True, False)
    """
    return classify_space(long_name=long_name, object_type=object_type).use == "office"


@dataclass(frozen=True, slots=True)
class RoomFacts:
    """What the model says about a space (from :func:`spaces.summary.element_index` rows)."""

    global_id: str
    name: str
    storey: str | None
    long_name: str | None
    object_type: str | None
    area_geometry: float | None
    area_qto: float | None
    use: str | None = None  # spaces.choices.SPACE_USES; None: classified from the names

    @property
    def space_use(self) -> str:
        """The room's use: as given (the model's classification or an officer's override),
        else classified from its long name and object type."""
        if self.use:
            return self.use
        return classify_space(name=self.name, long_name=self.long_name,
                              object_type=self.object_type).use

    @property
    def is_office(self) -> bool:
        """Whether the room counts as an office (its use is ``office``)."""
        return self.space_use == "office"

    @property
    def is_open_plan(self) -> bool:
        """Open-plan offices (judged per desk for under-use)."""
        text = f"{self.long_name or ''} {self.object_type or ''}".lower()
        return "open" in text


@dataclass(frozen=True, slots=True)
class RoomVerdict:
    """The verdict on one room, with its evidence."""

    global_id: str
    room: str
    storey: str | None
    verdict: str
    occupants: tuple[str, ...]
    limit_m2: float | None
    area_used: float | None
    area_source: str | None
    areas: dict[str, float | None]
    excess_m2: float | None
    excess_pct: float | None
    reason: str
    rules: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonFinding:
    """A finding about a person: ``kind`` is multiple_offices or not_reclaimed."""

    person_id: str
    name: str
    department: str
    kind: str
    rooms: tuple[str, ...]
    reason: str


@dataclass
class ComplianceReport:
    """All verdicts and findings for one day under one rule set."""

    day: date
    rule_set: str
    rooms: list[RoomVerdict] = field(default_factory=list)
    people: list[PersonFinding] = field(default_factory=list)

    def by_verdict(self) -> dict[str, list[RoomVerdict]]:
        """Room verdicts grouped by verdict key."""
        groups: dict[str, list[RoomVerdict]] = {v: [] for v in VERDICTS}
        for verdict in self.rooms:
            groups[verdict.verdict].append(verdict)
        return groups


def room_facts(model) -> list[RoomFacts]:
    """The :class:`RoomFacts` of every space of a :class:`bim_models.BuildingModel`."""
    storeys = {gid: s.name for gid, s in model.storeys.items()}
    return [RoomFacts(gid, s.name or gid, storeys.get(s.storey), s.long_name, s.object_type,
                      s.area_geometry, s.area_qto_net,
                      classify_space(name=s.name, long_name=s.long_name,
                                     object_type=s.object_type, psets=s.psets,
                                     classifications=s.classifications).use)
            for gid, s in model.spaces.items()]


def room_labels(rooms: Iterable[RoomFacts]) -> dict[str, str]:
    """Label -> GlobalId for the import: each space's name (``""`` if two share it) and id."""
    labels: dict[str, str] = {}
    for room in rooms:
        labels[room.name] = "" if room.name in labels else room.global_id
        labels[room.global_id] = room.global_id
    return labels


def _choose_area(facts: RoomFacts, register: float | None, preference: Sequence[str]
                 ) -> tuple[float | None, str | None, dict[str, float | None]]:
    areas = {"geometry": facts.area_geometry, "qto": facts.area_qto, "register": register}
    for source in preference:
        if areas.get(source) is not None:
            return areas[source], source, areas
    return None, None, areas


def assess(rooms: Iterable[RoomFacts], allocations: Allocations, rule_set, *,
           day: date, area_preference: Sequence[str] = AREA_SOURCES,
           discrepancy_m2: float = 1.0,
           attached: Mapping[str, Sequence[RoomFacts]] | None = None) -> ComplianceReport:
    """Judge every room and person on ``day`` under ``rule_set``.

    Parameters
    ----------
    rooms : iterable of RoomFacts
        The building's spaces.
    allocations : Allocations
        From :func:`spaces.allocations.read_allocations`.
    rule_set : spaces.area_standards.RuleSet
        Gives each person's limit (``rule_set.limit(grade, org_level, subordinate=...)``), the
        tolerance and the reclaim period.
    day : date
        The day judged; assignments open on that day count.
    area_preference : sequence of str
        Order in which area sources are tried: ``geometry`` (measured from the model's
        solid), ``qto`` (the file's NetFloorArea), ``register`` (the import's register area).
    discrepancy_m2 : float, default 1.0
        Sources further apart than this flag the room with ``area_discrepancy``.
    attached : mapping of str to sequence of RoomFacts, optional
        Rest rooms and WCs belonging to an office (see :func:`attached_rooms`): their area
        counts inside the office's limit; a WC larger than the rule set's ``wc_max_m2`` is
        flagged ``wc_over_size``.

    Returns
    -------
    ComplianceReport
    """
    holders, held_by, register = _holdings(allocations, day)
    limits = _limits(allocations.people, rule_set)
    report = ComplianceReport(day=day, rule_set=rule_set.key)
    names: dict[str, str] = {}
    for facts in rooms:
        names[facts.global_id] = facts.name
        occupants = tuple(sorted(set(holders.get(facts.global_id, ()))))
        area = _choose_area(facts, register.get(facts.global_id), area_preference)
        verdict = _judge_room(facts, occupants, area, limits, rule_set, discrepancy_m2,
                              (attached or {}).get(facts.global_id, ()))
        if verdict is not None:
            report.rooms.append(verdict)
    report.people.extend(_person_findings(allocations, held_by, names, rule_set, day))
    return report


def _holdings(allocations: Allocations, day: date
              ) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, float]]:
    """Who holds each space on ``day``, what each person holds, the register areas."""
    holders: dict[str, list[str]] = defaultdict(list)
    held_by: dict[str, list[str]] = defaultdict(list)
    register: dict[str, float] = {}
    for a in allocations.assignments:
        if a.holds_on(day):
            holders[a.space].append(a.person_id)
            held_by[a.person_id].append(a.space)
        if a.register_area is not None:
            register[a.space] = a.register_area
    return holders, held_by, register


def _limits(people: Mapping[str, Any], rule_set) -> dict[str, Any]:
    """Each person's :class:`~spaces.area_standards.Limit` (looked up once per post)."""
    by_post: dict[tuple[str, str, bool], Any] = {}  # many people share a post
    limits = {}
    for pid, p in people.items():
        post = (p.grade, p.org_level, p.subordinate)
        if post not in by_post:
            by_post[post] = rule_set.limit(p.grade, p.org_level, subordinate=p.subordinate)
        limits[pid] = by_post[post]
    return limits


def _with_attached(area: float, source: str | None, extras: Sequence[RoomFacts], rule_set
                   ) -> tuple[float, str, tuple[str, ...], list[str]]:
    """An office's area with its attached rest rooms and WCs: area, source, rules, flags."""
    inside = [(r, r.area_geometry or r.area_qto or 0.0) for r in extras]
    wc_max = float(getattr(rule_set, "wc_max_m2", 0.0) or 0.0)
    flags = ["wc_over_size"] if any(is_wc(r) and wc_max and a > wc_max + 1e-6
                                    for r, a in inside) else []
    rules = tuple(f"includes {r.name} ({a:.2f} m²)" for r, a in inside)
    return area + sum(a for _, a in inside), f"{source}+attached", rules, flags


def _verdict(facts: RoomFacts, occupants: Sequence[str], area: float | None,
             source: str | None, limit: float, tolerance: float) -> tuple[str, str]:
    """The verdict on a held room and its reason."""
    if not facts.is_office and facts.space_use != "unclassified":
        return "not_office_space", (
            f"held as an office by {len(occupants)} but the model calls it "
            f"{facts.long_name or facts.object_type or 'something else'}")
    if area is None:
        return "compliant", "no area known for this room: not judged"
    if area > limit + tolerance + 1e-6:
        return "over" if len(occupants) == 1 else "shared_over", (
            f"{area:.2f} m² ({source}) exceeds the limit {limit:.2f} m² of "
            f"{len(occupants)} occupant(s) by {area - limit:.2f} m²")
    return "compliant", f"{area:.2f} m² ({source}) within the limit {limit:.2f} m²"


def _judge_room(facts: RoomFacts, occupants: tuple[str, ...],
                chosen: tuple[float | None, str | None, dict[str, float | None]],
                limits: Mapping[str, Any], rule_set, discrepancy_m2: float,
                extras: Sequence[RoomFacts]) -> RoomVerdict | None:
    """The verdict on one room (``None``: nobody holds it and it is not an office)."""
    area, source, areas = chosen
    known = [v for v in areas.values() if v is not None]
    flags = ["area_discrepancy"] if known and max(known) - min(known) > discrepancy_m2 else []
    if occupants and facts.space_use == "unclassified":
        flags.append("use_unclassified")
    if not occupants:
        if not facts.is_office:
            return None
        return RoomVerdict(facts.global_id, facts.name, facts.storey, "vacant", (), None, area,
                           source, areas, None, None, "an office nobody holds on this day",
                           flags=tuple(flags))
    limit = sum(limits[p].area_m2 for p in occupants)
    rules = tuple(sorted({limits[p].explanation for p in occupants}))
    if area is not None and extras:
        area, source, included, wc_flags = _with_attached(area, source, extras, rule_set)
        rules += included
        flags += wc_flags
    tolerance = float(getattr(rule_set, "tolerance_m2", 0.0) or 0.0)
    verdict, reason = _verdict(facts, occupants, area, source, limit, tolerance)
    desks = rule_set.open_plan_desks(area) if facts.is_open_plan and area else None
    if desks is not None and len(occupants) < desks:
        flags.append("under_used")
    excess = area - limit if verdict in ("over", "shared_over") else None
    return RoomVerdict(
        facts.global_id, facts.name, facts.storey, verdict, occupants, limit, area, source,
        areas, round(excess, 3) if excess is not None else None,
        round(100 * excess / limit, 1) if excess is not None and limit else None, reason,
        rules, tuple(flags))


def _person_findings(allocations: Allocations, held_by: Mapping[str, list[str]],
                     names: Mapping[str, str], rule_set, day: date) -> list[PersonFinding]:
    """``multiple_offices`` and ``not_reclaimed``, by person id."""
    found = []
    reclaim = timedelta(days=int(getattr(rule_set, "reclaim_days", 31) or 31))
    for pid, person in sorted(allocations.people.items()):
        held = tuple(names.get(s, s) for s in held_by.get(pid, ()))
        if len(held) > 1:
            found.append(PersonFinding(
                pid, person.name, person.department, "multiple_offices", held,
                f"holds {len(held)} rooms: one person, one office"))
        if held and person.status != "active" and person.status_date is not None \
                and day - person.status_date > reclaim:
            found.append(PersonFinding(
                pid, person.name, person.department, "not_reclaimed", held,
                f"{person.status} on {person.status_date.isoformat()}, room not taken back "
                f"within {reclaim.days} days"))
    return found
