"""The rectification policy (整改): who answers for each finding, what to do, and by when.

From a :class:`~spaces.compliance.ComplianceReport` and the
:class:`~spaces.allocations.Allocations` it was judged on:

* a room belongs to the department most of its occupants belong to (ties: the first by name;
  nobody's: :data:`UNASSIGNED`);
* every finding gets one action item: each room verdict but ``compliant``, each flag on a room,
  each person finding; its action is the finding's entry in :data:`spaces.choices.ACTIONS`;
* every deadline is the day the plan is issued plus :data:`DEADLINE_DAYS` (one month, as for
  taking back the room of someone who left; the two-month case of a concurrent post is not
  modelled).

:func:`rectification_plan` gives all of it at once (what ``GET
/buildings/{id}/rectification`` serves and the XLSX/HTML/PDF reports print); plain
dataclasses with ``to_dict()`` for JSON.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from spaces.allocations import Allocations
from spaces.choices import ACTIONS, PERSON_FINDINGS
from spaces.compliance import VERDICTS, ComplianceReport, RoomVerdict

__all__ = [
    "DEADLINE_DAYS",
    "PERSON_FINDING_KINDS",
    "UNASSIGNED",
    "ActionItem",
    "DepartmentSummary",
    "RectificationPlan",
    "action_items",
    "department_of_room",
    "department_summary",
    "rectification_plan",
]

#: Days from the plan's issue to every deadline.
DEADLINE_DAYS = 30
#: The department of a room nobody holds.
UNASSIGNED = "未分配"
#: Findings about people rather than rooms.
PERSON_FINDING_KINDS = tuple(choice.value for choice in PERSON_FINDINGS)


@dataclass(frozen=True, slots=True)
class DepartmentSummary:
    """The findings of one department.

    Attributes
    ----------
    department : str
        Its name, or :data:`UNASSIGNED`.
    offices : int
        Rooms judged that belong to it.
    verdicts : mapping of str to int
        Rooms per verdict, every key of :data:`spaces.compliance.VERDICTS` in that order.
    over_standard : int
        Rooms ``over`` or ``shared_over``.
    excess_m2 : float
        Their area above the limits, m².
    people_findings : int
        Findings about its people.
    """

    department: str
    offices: int
    verdicts: Mapping[str, int]
    over_standard: int
    excess_m2: float
    people_findings: int

    def to_dict(self) -> dict[str, Any]:
        """``department``, ``offices``, one key per verdict, ``over_standard``,
        ``excess_m2``, ``people_findings`` (in this order)."""
        return {"department": self.department, "offices": self.offices, **self.verdicts,
                "over_standard": self.over_standard, "excess_m2": self.excess_m2,
                "people_findings": self.people_findings}


@dataclass(frozen=True, slots=True)
class ActionItem:
    """One finding and what to do about it.

    Attributes
    ----------
    department : str
        Who answers for it.
    subject : str
        The room, or the person as ``name (person_id)``.
    storey : str
        The room's storey (``""`` for a person).
    finding : str
        A key of :data:`spaces.choices.ACTIONS`: a verdict, a room flag or a person finding.
    rooms : tuple of str
        The rooms concerned (the room itself, or the person's rooms).
    basis : str
        Why: the verdict's or finding's reason.
    action, action_en : str
        What to do, in Chinese and English.
    deadline : date
        By when.
    """

    department: str
    subject: str
    storey: str
    finding: str
    rooms: tuple[str, ...]
    basis: str
    action: str
    action_en: str
    deadline: date

    @property
    def about_person(self) -> bool:
        """Whether the finding is about a person rather than a room."""
        return self.finding in PERSON_FINDING_KINDS

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict (``rooms`` a list, ``deadline`` a date)."""
        return {"department": self.department, "subject": self.subject, "storey": self.storey,
                "finding": self.finding, "rooms": list(self.rooms), "basis": self.basis,
                "action": self.action, "action_en": self.action_en, "deadline": self.deadline}


@dataclass(frozen=True, slots=True)
class RectificationPlan:
    """The rectification of one compliance report.

    Attributes
    ----------
    day : date
        The day the report judged.
    rule_set : str
        Key of the rule set it was judged under.
    issued : date
        The day the plan is issued (deadlines count from it).
    deadline : date
        ``issued`` + :data:`DEADLINE_DAYS`: the deadline of every action.
    departments : tuple of DepartmentSummary
        Sorted by name, :data:`UNASSIGNED` last.
    actions : tuple of ActionItem
        By department as ``departments``; within one, rooms in report order, then people.
    """

    day: date
    rule_set: str
    issued: date
    deadline: date
    departments: tuple[DepartmentSummary, ...]
    actions: tuple[ActionItem, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready apart from dates: ``day``, ``rule_set``, ``issued``, ``deadline``,
        ``departments`` and ``actions`` as lists of dicts."""
        return {"day": self.day, "rule_set": self.rule_set, "issued": self.issued,
                "deadline": self.deadline,
                "departments": [d.to_dict() for d in self.departments],
                "actions": [a.to_dict() for a in self.actions]}


def department_of_room(verdict: RoomVerdict, allocations: Allocations) -> str:
    """The department most of a room's occupants belong to (ties: the first by name;
    :data:`UNASSIGNED` when nobody known holds it)."""
    counts = Counter(allocations.people[p].department for p in verdict.occupants
                     if p in allocations.people)
    return min(counts, key=lambda d: (-counts[d], d)) if counts else UNASSIGNED


def _department_order(name: str) -> tuple[bool, str]:
    return name == UNASSIGNED, name


def department_summary(report: ComplianceReport, allocations: Allocations
                       ) -> list[DepartmentSummary]:
    """The findings per department (that of most of a room's occupants).

    Returns
    -------
    list of DepartmentSummary
        Sorted by department, :data:`UNASSIGNED` last; every department that holds a judged
        room or has a person finding.

    Examples
    --------
    >>> [d.to_dict() for d in department_summary(report, allocations)][:1]  # doctest: +SKIP
    [{'department': '办公室', 'offices': 12, 'compliant': 10, 'over': 1, ...}]
    """
    offices: Counter[str] = Counter()
    verdicts: dict[str, Counter[str]] = {}
    excess: dict[str, float] = {}
    people: Counter[str] = Counter()
    for v in report.rooms:
        department = department_of_room(v, allocations)
        offices[department] += 1
        verdicts.setdefault(department, Counter())[v.verdict] += 1
        excess[department] = round(excess.get(department, 0.0) + (v.excess_m2 or 0.0), 3)
    for p in report.people:
        people[p.department] += 1
    rows = []
    for department in sorted(set(offices) | set(people), key=_department_order):
        counts = verdicts.get(department, Counter())
        rows.append(DepartmentSummary(
            department, offices[department], {k: counts[k] for k in VERDICTS},
            counts["over"] + counts["shared_over"], excess.get(department, 0.0),
            people[department]))
    return rows


def action_items(report: ComplianceReport, allocations: Allocations, *,
                 today: date | None = None) -> list[ActionItem]:
    """One item per finding: each verdict but compliant, each room flag, each person finding.

    Parameters
    ----------
    report : ComplianceReport
        From :func:`spaces.compliance.assess`.
    allocations : Allocations
        The allocations it was judged on (for the departments of rooms).
    today : date, optional
        The day the items are issued; each deadline is ``today`` + :data:`DEADLINE_DAYS`.
        Default: the report's day.

    Returns
    -------
    list of ActionItem
        By department (:data:`UNASSIGNED` last); within one, rooms in report order, then
        people.
    """
    deadline = (today or report.day) + timedelta(DEADLINE_DAYS)
    found = [(department_of_room(v, allocations), v.room, v.storey or "", kind, (v.room,),
              v.reason)
             for v in report.rooms
             for kind in [v.verdict] * (v.verdict != "compliant") + list(v.flags)]
    found += [(p.department, f"{p.name} ({p.person_id})", "", p.kind, tuple(p.rooms), p.reason)
              for p in report.people]
    items = [ActionItem(department, subject, storey, kind, rooms, basis, *ACTIONS[kind],
                        deadline)
             for department, subject, storey, kind, rooms, basis in found]
    return sorted(items, key=lambda i: _department_order(i.department))


def rectification_plan(report: ComplianceReport, allocations: Allocations, *,
                       today: date | None = None) -> RectificationPlan:
    """The whole rectification of a report: departments, actions and their deadline.

    Parameters
    ----------
    report : ComplianceReport
        From :func:`spaces.compliance.assess`.
    allocations : Allocations
        The allocations it was judged on.
    today : date, optional
        The day the plan is issued (deadlines count from it); default the report's day.

    Returns
    -------
    RectificationPlan

    Examples
    --------
    >>> plan = rectification_plan(report, allocations, today=date(2026, 11, 2))  # doctest: +SKIP
    >>> plan.deadline, len(plan.actions)  # doctest: +SKIP
    (datetime.date(2026, 12, 2), 41)
    """
    issued = today or report.day
    return RectificationPlan(report.day, report.rule_set, issued,
                             issued + timedelta(DEADLINE_DAYS),
                             tuple(department_summary(report, allocations)),
                             tuple(action_items(report, allocations, today=issued)))
