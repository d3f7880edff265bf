"""Office-space management (数字房管): allocations and compliance of a building."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from spaces.choices import VERDICTS
from spaces.rectification import rectification_plan
from twin.core.deps import GraphsDep, SessionDep, SettingsDep, require
from twin.core.errors import InvalidInputError
from twin.core.tables import User
from twin.housing import service
from twin.housing import store as housing
from twin.housing.schemas import (
    AllocationImportPublic,
    AllocationPublic,
    AllocationsPublic,
    AllocationUpdate,
    CompliancePublic,
    HistoryEntryPublic,
    ImportProblemPublic,
    PersonFindingPublic,
    PersonPublic,
    RectificationActionPublic,
    RectificationDepartmentPublic,
    RectificationPublic,
    RoomVerdictPublic,
)
from twin.portfolio import service as portfolio

__all__ = ["router"]

router = APIRouter(prefix="/buildings/{building_id}", tags=["housing"])
Editor = Annotated[User, Depends(require("housing.edit"))]
Reader = Annotated[User, Depends(require("housing.read"))]
_SUFFIXES = (".csv", ".xlsx")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MEDIA_TYPE = "application/pdf"


@router.post("/allocations", response_model=AllocationImportPublic)
async def import_allocations(building_id: int, session: SessionDep, settings: SettingsDep,
                             user: Editor,
                             file: Annotated[UploadFile, File(description=".csv or .xlsx")]
                             ) -> AllocationImportPublic:
    """Replace the building's allocations with the good rows of a CSV/XLSX import.

    Refused rows are listed with their reasons; a file that cannot be read changes nothing.
    The file is read in a child process: over ``TWIN_IMPORT_TIMEOUT_S`` or
    ``TWIN_IMPORT_MEMORY_MB`` it is refused with 413.
    """
    building = portfolio.get_building(session, building_id, user)
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in _SUFFIXES:
        raise InvalidInputError(f"{file.filename!r}: upload a .csv or .xlsx file")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"allocations{suffix}"
        content = await file.read(settings.upload_limit_mb * 1024 * 1024 + 1)
        if len(content) > settings.upload_limit_mb * 1024 * 1024:
            raise InvalidInputError(f"{file.filename!r} is larger than the upload limit")
        path.write_bytes(content)
        imported = await run_in_threadpool(
            service.import_allocations, session, building, path, actor=user.username,
            limits=(settings.import_timeout_s, settings.import_memory_mb))
    return AllocationImportPublic(
        people=len(imported.people), assignments=len(imported.assignments),
        problems=[ImportProblemPublic(**asdict(p)) for p in imported.problems])


@router.get("/allocations", response_model=AllocationsPublic)
def list_allocations(building_id: int, session: SessionDep, user: Reader) -> AllocationsPublic:
    """Who holds which room (housing officers, managers)."""
    building = portfolio.get_building(session, building_id, user)
    stored = housing.load_allocations(session, building)
    people = [PersonPublic(**{k: v for k, v in asdict(p).items() if k != "extra"})
              for p in stored.people.values()]
    assignments = [AllocationPublic(id=a.row, person_id=a.person_id, space=a.space, room=a.room,
                                 start=a.start, end=a.end, register_area=a.register_area)
                   for a in stored.assignments]
    return AllocationsPublic(people=people, assignments=assignments)


@router.patch("/allocations/{allocation_id}", response_model=AllocationPublic)
def edit_allocation(building_id: int, allocation_id: int, body: AllocationUpdate,
                    session: SessionDep, user: Editor) -> AllocationPublic:
    """End an assignment or move it to another room; the change is kept in the history."""
    building = portfolio.get_building(session, building_id, user)
    row = housing.update_allocation(session, building, allocation_id, end=body.end,
                                    space=body.space, actor=user.username)
    return AllocationPublic(id=row.id, person_id=row.person_id, space=row.space, room=row.room,
                         start=row.start, end=row.end, register_area=row.register_area)


@router.get("/allocations/history", response_model=list[HistoryEntryPublic])
def history(building_id: int, session: SessionDep, user: Reader) -> list[HistoryEntryPublic]:
    """Imports and edits of the allocations, oldest first."""
    building = portfolio.get_building(session, building_id, user)
    return [HistoryEntryPublic(at=e.at, actor=e.actor, action=e.action, detail=e.detail)
            for e in housing.allocation_history(session, building)]


@router.get("/compliance", response_model=CompliancePublic)
def compliance(building_id: int, graphs: GraphsDep, session: SessionDep, user: Reader,
               day: Annotated[date | None, Query(alias="date")] = None,
               rules: str | None = None, department: str | None = None,
               storey: str | None = None,
               verdict: Annotated[str | None, Query(
                   description=", ".join(c.value for c in VERDICTS))] = None
               ) -> CompliancePublic:
    """Verdicts per room and findings per person on a day (default today)."""
    building = portfolio.get_building(session, building_id, user)
    when = day or date.today()
    judged = service.judge_building(session, building, graphs, rules=rules, day=when)
    rooms, people = service.filter_compliance(judged, verdict=verdict, storey=storey,
                                              department=department)
    return CompliancePublic(
        day=when, rule_set=judged.report.rule_set,
        counts={k: len(v) for k, v in judged.report.by_verdict().items()},
        rooms=[RoomVerdictPublic.model_validate(v) for v in rooms],
        people=[PersonFindingPublic.model_validate(p) for p in people])


@router.get("/rectification", response_model=RectificationPublic)
def rectification(building_id: int, graphs: GraphsDep, session: SessionDep, user: Reader,
                  day: Annotated[date | None, Query(alias="date")] = None,
                  rules: str | None = None) -> RectificationPublic:
    """The rectification plan (整改) on a day (default today): per department the offices,
    rooms per verdict, excess area and person findings; then every finding with its action
    and deadline — what the XLSX/PDF report of ``twin compliance --format`` prints."""
    building = portfolio.get_building(session, building_id, user)
    when = day or date.today()
    judged = service.judge_building(session, building, graphs, rules=rules, day=when)
    plan = rectification_plan(judged.report, judged.allocations)
    return RectificationPublic(
        day=plan.day, rule_set=plan.rule_set, issued=plan.issued, deadline=plan.deadline,
        departments=[RectificationDepartmentPublic(
            department=d.department, offices=d.offices, verdicts=dict(d.verdicts),
            over_standard=d.over_standard, excess_m2=d.excess_m2,
            people_findings=d.people_findings) for d in plan.departments],
        actions=[RectificationActionPublic.model_validate(a) for a in plan.actions])


async def _report_response(building_id: int, session: SessionDep, graphs: GraphsDep,
                           settings: SettingsDep, user: User, day: date | None,
                           rules: str | None, suffix: str, media_type: str) -> FileResponse:
    building = portfolio.get_building(session, building_id, user)
    path = await run_in_threadpool(service.write_rectification, session, building, graphs,
                                   settings, rules=rules, day=day or date.today(),
                                   suffix=suffix)
    return FileResponse(path, media_type=media_type, filename=path.name,
                        background=BackgroundTask(shutil.rmtree, path.parent,
                                                  ignore_errors=True))


@router.get("/rectification.xlsx", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}},
                             "description": "the rectification report: sheets Summary, Rooms, "
                                            "People, Actions"}})
async def rectification_xlsx(building_id: int, session: SessionDep, graphs: GraphsDep,
                             settings: SettingsDep, user: Reader,
                             day: Annotated[date | None, Query(alias="date")] = None,
                             rules: str | None = None) -> FileResponse:
    """The rectification report (整改方案) on a day (default today) as an Excel workbook, as
    ``twin compliance --format xlsx`` writes it."""
    return await _report_response(building_id, session, graphs, settings, user, day, rules,
                                  ".xlsx", XLSX_MEDIA_TYPE)


@router.get("/rectification.pdf", response_class=Response,
            responses={200: {"content": {PDF_MEDIA_TYPE: {}},
                             "description": "the rectification report with the storey plans "
                                            "coloured by verdict (A4)"}})
async def rectification_pdf(building_id: int, session: SessionDep, graphs: GraphsDep,
                            settings: SettingsDep, user: Reader,
                            day: Annotated[date | None, Query(alias="date")] = None,
                            rules: str | None = None) -> FileResponse:
    """The rectification report (整改方案) on a day (default today) as a PDF with one floor
    plan per storey coloured by verdict, as ``twin compliance --format pdf`` writes it."""
    return await _report_response(building_id, session, graphs, settings, user, day, rules,
                                  ".pdf", PDF_MEDIA_TYPE)
