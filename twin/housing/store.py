"""Room allocations of a building: stored people and assignments, edits with history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from spaces.allocations import Allocations, Assignment, Person
from spaces.compliance import RoomFacts
from spaces.element_data import ElementData
from spaces.space_use import space_use_of
from twin.core.accounts import record_audit
from twin.core.errors import InvalidInputError, NotFoundError
from twin.core.tables import AuditEntry, Building, ElementRow
from twin.housing.tables import AllocationRow, PersonRow
from twin.portfolio.service import latest_revision
from twin.portfolio.space_uses import overrides_of

__all__ = ["allocation_history", "load_allocations", "replace_allocations", "room_facts_of",
           "update_allocation"]


def replace_allocations(session: Session, building: Building, imported: Allocations, *,
                        actor: str) -> None:
    """Make ``imported`` the building's allocations (one transaction with the caller's)."""
    session.execute(delete(AllocationRow).where(AllocationRow.building_id == building.id))
    session.execute(delete(PersonRow).where(PersonRow.building_id == building.id))
    people = [{"building_id": building.id, "person_id": p.person_id, "name": p.name,
               "department": p.department, "org_level": p.org_level,
               "subordinate": p.subordinate, "grade": p.grade, "status": p.status,
               "status_date": p.status_date, "extra": dict(p.extra)}
              for p in imported.people.values()]
    assignments = [{"building_id": building.id, "person_id": a.person_id, "space": a.space,
                    "room": a.room, "start": a.start, "end": a.end,
                    "register_area": a.register_area} for a in imported.assignments]
    # bulk inserts (executemany): 40,000 rows in a second or two, not one ORM object each
    if people:
        session.execute(insert(PersonRow), people)
    if assignments:
        session.execute(insert(AllocationRow), assignments)
    record_audit(session, actor=actor, action="allocations.import", target=building.name,
                 detail={"building_id": building.id, "people": len(imported.people),
                         "assignments": len(imported.assignments),
                         "refused_rows": len(imported.problems)})


def load_allocations(session: Session, building: Building) -> Allocations:
    """The building's stored allocations as :class:`spaces.allocations.Allocations`."""
    result = Allocations()
    for p in session.scalars(select(PersonRow).where(PersonRow.building_id == building.id)):
        result.people[p.person_id] = Person(p.person_id, p.name, p.department, p.org_level,
                                            p.subordinate, p.grade, p.status, p.status_date,
                                            p.extra)
    for a in session.scalars(select(AllocationRow).where(
            AllocationRow.building_id == building.id).order_by(AllocationRow.id)):
        result.assignments.append(Assignment(a.person_id, a.space, a.room, a.start, a.end,
                                             a.register_area, a.id))
    return result


def update_allocation(session: Session, building: Building, allocation_id: int, *,
                      end: date | None = None, space: str | None = None, actor: str
                      ) -> AllocationRow:
    """End an assignment or move it to another space; the change goes to the history.

    Raises
    ------
    NotFoundError
        No such assignment in this building, or the space is not one of its spaces.
    InvalidInputError
        An end before the start.
    """
    row = session.scalar(select(AllocationRow).where(AllocationRow.id == allocation_id,
                                                     AllocationRow.building_id == building.id))
    if row is None:
        raise NotFoundError(f"no allocation {allocation_id} in building {building.id}")
    before = {"end": row.end.isoformat() if row.end else None, "space": row.space,
              "room": row.room}
    if end is not None:
        if row.start is not None and end < row.start:
            raise InvalidInputError(f"the end {end} is before the start {row.start}")
        row.end = end
    if space is not None:
        element = session.scalar(select(ElementRow).where(
            ElementRow.revision_id == latest_revision(session, building).id,
            ElementRow.kind == "space", ElementRow.global_id == space))
        if element is None:
            raise NotFoundError(f"no space {space} in building {building.id}")
        row.space, row.room = space, element.name or space
    after = {"end": row.end.isoformat() if row.end else None, "space": row.space,
             "room": row.room}
    record_audit(session, actor=actor, action="allocations.edit", target=building.name,
                 detail={"building_id": building.id, "allocation": row.id,
                         "person_id": row.person_id, "before": before, "after": after})
    return row


def allocation_history(session: Session, building: Building) -> list[AuditEntry]:
    """Imports and edits of the building's allocations, oldest first."""
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.action.in_(("allocations.import", "allocations.edit")),
        AuditEntry.target == building.name).order_by(AuditEntry.id)))


def room_facts_of(session: Session, building: Building) -> list[RoomFacts]:
    """:class:`RoomFacts` of the spaces of the building's latest revision."""
    revision = latest_revision(session, building)
    storeys = {r.global_id: r.name for r in session.scalars(select(ElementRow).where(
        ElementRow.revision_id == revision.id, ElementRow.kind == "storey"))}
    overrides = overrides_of(session, building.id)
    return [RoomFacts(r.global_id, r.name or r.global_id, storeys.get(r.storey),
                      r.data.get(ElementData.LONG_NAME), r.data.get(ElementData.OBJECT_TYPE),
                      r.data.get(ElementData.AREA_GEOMETRY), r.data.get(ElementData.AREA_QTO),
                      o.use if (o := overrides.get(r.global_id)) else
                      space_use_of(r.data, r.name).use)
            for r in session.scalars(select(ElementRow).where(
                ElementRow.revision_id == revision.id, ElementRow.kind == "space"))]
