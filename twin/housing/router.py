"""Office-space management (数字房管): allocations and compliance of a building."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from spaces.allocations import read_allocations
from spaces.area_standards import bundled_rule_sets, rule_set_for
from spaces.compliance import VERDICTS, assess, attached_rooms, room_labels
from spaces.errors import RuleSetError
from twin.core.deps import SessionDep, SettingsDep, require_roles
from twin.core.errors import InvalidInputError
from twin.core.tables import User
from twin.housing import store as housing
from twin.portfolio import service as portfolio

__all__ = ["router"]

router = APIRouter(prefix="/buildings/{building_id}", tags=["housing"])
Editor = Annotated[User, Depends(require_roles("admin", "housing_officer"))]
Reader = Annotated[User, Depends(require_roles("admin", "housing_officer", "manager"))]
_SUFFIXES = (".csv", ".xlsx")


class ImportProblemOut(BaseModel):
    row: int
    column: str | None
    value: str | None
    reason: str


class ImportResult(BaseModel):
    people: int
    assignments: int
    problems: list[ImportProblemOut]


class AllocationOut(BaseModel):
    id: int
    person_id: str
    space: str
    room: str
    start: date | None
    end: date | None
    register_area: float | None


class PersonOut(BaseModel):
    person_id: str
    name: str
    department: str
    org_level: str
    subordinate: bool
    grade: str
    status: str
    status_date: date | None


class AllocationsOut(BaseModel):
    people: list[PersonOut]
    assignments: list[AllocationOut]


class AllocationEdit(BaseModel):
    end: date | None = None
    space: str | None = None


class HistoryOut(BaseModel):
    at: Any
    actor: str
    action: str
    detail: dict[str, Any]


class ComplianceOut(BaseModel):
    day: date
    rule_set: str
    counts: dict[str, int]
    rooms: list[dict[str, Any]]
    people: list[dict[str, Any]]


@router.post("/allocations", response_model=ImportResult)
async def import_allocations(building_id: int, session: SessionDep, settings: SettingsDep,
                             user: Editor,
                             file: Annotated[UploadFile, File(description=".csv or .xlsx")]
                             ) -> ImportResult:
    """Replace the building's allocations with the good rows of a CSV/XLSX import.

    Refused rows are listed with their reasons; a file that cannot be read changes nothing.
    """
    building = portfolio.get_building(session, building_id, user)
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in _SUFFIXES:
        raise InvalidInputError(f"{file.filename!r}: upload a .csv or .xlsx file")
    rooms = housing.room_facts_of(session, building)
    rule_set = rule_set_for(date.today())

    def check(grade: str, org_level: str, subordinate: bool) -> None:
        rule_set.limit(grade, org_level, subordinate=subordinate)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"allocations{suffix}"
        content = await file.read(settings.upload_limit_mb * 1024 * 1024 + 1)
        if len(content) > settings.upload_limit_mb * 1024 * 1024:
            raise InvalidInputError(f"{file.filename!r} is larger than the upload limit")
        path.write_bytes(content)
        imported = await run_in_threadpool(read_allocations, path, rooms=room_labels(rooms),
                                           check_grade=check)
    housing.replace_allocations(session, building, imported, actor=user.username)
    return ImportResult(people=len(imported.people), assignments=len(imported.assignments),
                        problems=[ImportProblemOut(**asdict(p)) for p in imported.problems])


@router.get("/allocations", response_model=AllocationsOut)
def list_allocations(building_id: int, session: SessionDep, user: Reader) -> AllocationsOut:
    """Who holds which room (housing officers, managers)."""
    building = portfolio.get_building(session, building_id, user)
    stored = housing.load_allocations(session, building)
    people = [PersonOut(**{k: v for k, v in asdict(p).items() if k != "extra"})
              for p in stored.people.values()]
    assignments = [AllocationOut(id=a.row, person_id=a.person_id, space=a.space, room=a.room,
                                 start=a.start, end=a.end, register_area=a.register_area)
                   for a in stored.assignments]
    return AllocationsOut(people=people, assignments=assignments)


@router.patch("/allocations/{allocation_id}", response_model=AllocationOut)
def edit_allocation(building_id: int, allocation_id: int, body: AllocationEdit,
                    session: SessionDep, user: Editor) -> AllocationOut:
    """End an assignment or move it to another room; the change is kept in the history."""
    building = portfolio.get_building(session, building_id, user)
    row = housing.update_allocation(session, building, allocation_id, end=body.end,
                                    space=body.space, actor=user.username)
    return AllocationOut(id=row.id, person_id=row.person_id, space=row.space, room=row.room,
                         start=row.start, end=row.end, register_area=row.register_area)


@router.get("/allocations/history", response_model=list[HistoryOut])
def history(building_id: int, session: SessionDep, user: Reader) -> list[HistoryOut]:
    """Imports and edits of the allocations, oldest first."""
    building = portfolio.get_building(session, building_id, user)
    return [HistoryOut(at=e.at, actor=e.actor, action=e.action, detail=e.detail)
            for e in housing.allocation_history(session, building)]


@router.get("/compliance", response_model=ComplianceOut)
def compliance(building_id: int, request: Request, session: SessionDep, user: Reader,
               day: Annotated[date | None, Query(alias="date")] = None,
               rules: str | None = None, department: str | None = None,
               storey: str | None = None,
               verdict: Annotated[str | None, Query(description=", ".join(VERDICTS))] = None
               ) -> ComplianceOut:
    """Verdicts per room and findings per person on a day (default today)."""
    building = portfolio.get_building(session, building_id, user)
    when = day or date.today()
    try:
        rule_set = bundled_rule_sets()[rules] if rules else rule_set_for(when)
    except (KeyError, RuleSetError) as exc:
        raise InvalidInputError(f"no rule set {rules or 'in force on ' + str(when)}; "
                                f"bundled: {', '.join(bundled_rule_sets())}") from exc
    stored = housing.load_allocations(session, building)
    rooms = housing.room_facts_of(session, building)
    graph = request.app.state.graphs.get(portfolio.latest_revision(session, building).sha256)
    report = assess(rooms, stored, rule_set, day=when, attached=attached_rooms(graph, rooms))
    departments = {pid: p.department for pid, p in stored.people.items()}
    rooms = [asdict(v) for v in report.rooms
             if (verdict is None or v.verdict == verdict)
             and (storey is None or v.storey == storey)
             and (department is None or any(departments.get(o) == department
                                            for o in v.occupants))]
    people = [asdict(p) for p in report.people
              if department is None or p.department == department]
    counts = {k: len(v) for k, v in report.by_verdict().items()}
    return ComplianceOut(day=when, rule_set=report.rule_set, counts=counts, rooms=rooms,
                         people=people)
