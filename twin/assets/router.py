"""HTTP routes of 公物仓 (the shared asset pool): the catalogue and register, reservations and
requests (上缴 / 借用 / 调剂 / 处置) with their approval chains, hand-over and return,
inspections, units, counts (盘点), labels, imports and the pool's figures.

Reading needs ``assets.read``; asking, confirming, returning and signing a step of a chain
(the chain itself decides who may sign: a unit head is a member of the unit, not a role)
need ``assets.request``; registering, handing over, inspecting, transfers, disposals and
counts need ``assets.manage``.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from twin.assets import reports, service, workflows
from twin.assets.jobs import run_overdue_check
from twin.assets.schemas import (
    AssetAuditCreate,
    AssetAuditPublic,
    AssetAvailabilityPublic,
    AssetCreate,
    AssetHistoryPublic,
    AssetImportPublic,
    AssetInsightPublic,
    AssetInspectCreate,
    AssetMemberCreate,
    AssetNoteCreate,
    AssetPagePublic,
    AssetPublic,
    AssetRemindersPublic,
    AssetRequestCreate,
    AssetRequestPublic,
    AssetReservationCreate,
    AssetScanCreate,
    AssetScanPublic,
    AssetTransitionCreate,
    AssetUnitCreate,
    AssetUnitMemberPublic,
    AssetUnitPublic,
)
from twin.core.deps import SessionDep, SettingsDep, require
from twin.core.errors import InvalidInputError
from twin.core.tables import User

__all__ = ["router"]

router = APIRouter(prefix="/assets", tags=["assets"])
Reader = Annotated[User, Depends(require("assets.read"))]
Asker = Annotated[User, Depends(require("assets.request"))]
Manager = Annotated[User, Depends(require("assets.manage"))]


def _public(session, asset) -> AssetPublic:
    return service.asset_public(asset, service.unit_codes(session))


# -- catalogue and register ----------------------------------------------------------------

@router.get("", response_model=AssetPagePublic)
def search(session: SessionDep, user: Reader, q: str | None = None,
           asset_class: str | None = None, state: str | None = None, unit: str | None = None,
           building: int | None = None, space: str | None = None, model: str | None = None,
           page: Annotated[int, Query(ge=1)] = 1,
           size: Annotated[int, Query(ge=1, le=200)] = 50) -> AssetPagePublic:
    """Search the catalogue (name, model, room number or code ``GWC-000042``), newest first."""
    items, total = service.search_assets(session, user, q=q, asset_class=asset_class,
                                         state=state, unit=unit, building=building,
                                         space=space, model=model, page=page, size=size)
    return AssetPagePublic(items=items, total=total, page=page, size=size)


@router.post("", status_code=201, response_model=AssetPublic)
def create(body: AssetCreate, session: SessionDep, user: Manager) -> AssetPublic:
    """Register an item (or a quantity lot) in a room given by number or GlobalId."""
    asset = service.create_asset(session, user, **body.model_dump())
    return _public(session, asset)


@router.get("/units", response_model=list[AssetUnitPublic])
def units(session: SessionDep, _user: Reader) -> list[AssetUnitPublic]:
    """Every unit with its people (requesters, approvers) and how many assets it owns."""
    return [AssetUnitPublic(**u) for u in service.list_units(session)]


@router.post("/units", status_code=201, response_model=AssetUnitPublic)
def create_unit(body: AssetUnitCreate, session: SessionDep, _user: Manager) -> AssetUnitPublic:
    """A new unit."""
    unit = service.create_unit(session, body.code, body.name)
    return AssetUnitPublic(code=unit.code, name=unit.name, members=[])


@router.post("/units/{code}/members", status_code=201, response_model=AssetUnitMemberPublic)
def add_member(code: str, body: AssetMemberCreate, session: SessionDep,
               _user: Manager) -> AssetUnitMemberPublic:
    """Make a user a requester or the approver (处室负责人) of a unit."""
    service.add_member(session, code, body.username, body.role)
    return AssetUnitMemberPublic(unit=code, username=body.username, role=body.role)


@router.get("/availability", response_model=AssetAvailabilityPublic)
def model_availability(session: SessionDep, user: Reader, model: str, start: date,
                       end: date) -> AssetAvailabilityPublic:
    """How many items of a model are free on every day of ``start`` .. ``end``."""
    return service.model_availability(session, user, model, start, end)


@router.get("/insight", response_model=AssetInsightPublic)
def insight(session: SessionDep, user: Reader,
            idle_days: Annotated[int, Query(ge=1)] = 180) -> AssetInsightPublic:
    """States, idle assets per unit, utilisation and request → hand-over times."""
    return AssetInsightPublic(**reports.insight(session, user, idle_days=idle_days))


@router.get("/labels.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def labels(session: SessionDep, user: Reader, request: Request,
           ids: Annotated[str | None, Query(description="comma-separated asset ids")] = None,
           unit: str | None = None, building: int | None = None) -> Response:
    """A PDF sheet of QR labels (24 per A4 page) for the given assets or a unit's."""
    if ids:
        try:
            wanted = [int(i) for i in ids.split(",") if i.strip()]
        except ValueError:
            raise InvalidInputError(f"ids must be numbers: {ids!r}") from None
    else:
        items, _ = service.search_assets(session, user, unit=unit, building=building,
                                         size=480)
        wanted = [a.id for a in items]
    base = str(request.base_url) + "pool/catalogue?q="
    pdf = reports.label_sheet(session, user, wanted, base_url=base)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="asset-labels.pdf"'})


@router.post("/import", response_model=AssetImportPublic)
async def import_file(session: SessionDep, settings: SettingsDep, user: Manager,
                      file: Annotated[UploadFile, File(description=".csv or .xlsx")],
                      building: Annotated[int, Form()],
                      state: Annotated[Literal["available", "intake", "transferred"],
                                       Form()] = "available") -> AssetImportPublic:
    """Register the good rows of a CSV/XLSX file; bad rows (an unknown room ...) are listed
    with their row number and reason, the rest kept."""
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInputError(f"{file.filename!r}: upload a .csv or .xlsx file")
    limit = settings.upload_limit_mb * 1024 * 1024
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"assets{suffix}"
        content = await file.read(limit + 1)
        if len(content) > limit:
            raise InvalidInputError(f"{file.filename!r} is larger than the upload limit")
        path.write_bytes(content)
        ids, problems = await run_in_threadpool(service.import_table, session, user, path,
                                                building=building, state=state)
    return AssetImportPublic(created=len(ids), ids=ids, problems=problems)


@router.post("/import-model", response_model=AssetImportPublic)
def import_model(session: SessionDep, user: Manager, building: int,
                 owner_unit: str) -> AssetImportPublic:
    """Register the model's furniture and appliances (once per GlobalId), in their rooms."""
    ids = service.import_from_model(session, user, building=building, owner_unit=owner_unit)
    return AssetImportPublic(created=len(ids), ids=ids, problems=[])


# -- requests ------------------------------------------------------------------------------

@router.get("/requests", response_model=list[AssetRequestPublic])
def requests(session: SessionDep, user: Reader, mine: bool = False, inbox: bool = False,
             state: str | None = None, kind: str | None = None) -> list[AssetRequestPublic]:
    """Requests, newest first: ``mine``, ``inbox`` (a step you may sign next), or all."""
    return workflows.list_requests(session, user, mine=mine, inbox=inbox, state=state,
                                   kind=kind)


_ASKER_ACTIONS = {"approve": workflows.approve, "reject": workflows.reject,
                  "cancel": workflows.cancel}


@router.post("/requests/{request_id:int}/{action}", response_model=AssetRequestPublic)
def act(request_id: int, action: Literal["approve", "reject", "cancel", "confirm", "renew"],
        session: SessionDep, user: Asker,
        body: AssetNoteCreate | None = None) -> AssetRequestPublic:
    """Sign the next step (``approve`` / ``reject``: the chain says who may), ``cancel``,
    ``confirm`` receipt (the borrower) or ``renew`` a loan."""
    note = body.note if body else ""
    if action == "confirm":
        done = workflows.confirm(session, user, request_id)
    elif action == "renew":
        done = workflows.renew(session, user, request_id)
    else:
        done = _ASKER_ACTIONS[action](session, user, request_id, note)
    return workflows.request_public(session, done)


@router.post("/requests/{request_id:int}/pool/{action}", response_model=AssetRequestPublic)
def pool_act(request_id: int, action: Literal["hand-over", "complete"], session: SessionDep,
             user: Manager, body: AssetNoteCreate | None = None) -> AssetRequestPublic:
    """The pool's side: ``hand-over`` an approved loan, ``complete`` an approved hand-in
    (accepted, awaiting inspection), transfer or disposal."""
    note = body.note if body else ""
    act_on = workflows.hand_over if action == "hand-over" else workflows.complete
    return workflows.request_public(session, act_on(session, user, request_id, note))


@router.post("/check-overdue", response_model=AssetRemindersPublic)
def check_overdue(request: Request, _user: Manager) -> AssetRemindersPublic:
    """Run the overdue job now: mark overdue loans and push their reminders."""
    reminders = run_overdue_check(request.app.state.database, request.app.state.ingestor.bus)
    return AssetRemindersPublic(reminders=[r.to_json() for r in reminders])


# -- counts --------------------------------------------------------------------------------

@router.get("/audits", response_model=list[AssetAuditPublic])
def audits(session: SessionDep, _user: Reader) -> list[AssetAuditPublic]:
    """Every count (盘点), newest first, with its discrepancies."""
    return reports.list_audits(session)


@router.post("/audits", status_code=201, response_model=AssetAuditPublic)
def create_audit(body: AssetAuditCreate, session: SessionDep, user: Manager) -> AssetAuditPublic:
    """Schedule a count of a building or a room."""
    audit = reports.create_audit(session, user, **body.model_dump())
    return reports.audit_public(session, audit)


@router.get("/audits/{audit_id:int}", response_model=AssetAuditPublic)
def audit(audit_id: int, session: SessionDep, _user: Reader) -> AssetAuditPublic:
    """A count with its progress and discrepancies (missing, misplaced, unexpected)."""
    return reports.audit_public(session, reports.get_audit(session, audit_id))


@router.post("/audits/{audit_id:int}/scans", status_code=201, response_model=AssetScanPublic)
def scan(audit_id: int, body: AssetScanCreate, session: SessionDep,
         user: Manager) -> AssetScanPublic:
    """A scanned QR label (and the room it was found in)."""
    return AssetScanPublic(**reports.add_scan(session, user, audit_id, body.code, body.room))


@router.post("/audits/{audit_id:int}/close", response_model=AssetAuditPublic)
def close_audit(audit_id: int, session: SessionDep, _user: Manager) -> AssetAuditPublic:
    """Close a count."""
    return reports.audit_public(session, reports.close_audit(session, audit_id))


# -- one asset -----------------------------------------------------------------------------

@router.get("/{asset_id:int}", response_model=AssetPublic)
def asset(asset_id: int, session: SessionDep, user: Reader) -> AssetPublic:
    """One asset."""
    return _public(session, service.get_asset(session, asset_id, user))


@router.get("/{asset_id:int}/history", response_model=list[AssetHistoryPublic])
def history(asset_id: int, session: SessionDep, user: Reader) -> list[AssetHistoryPublic]:
    """Every state change of the asset: who, when, why."""
    service.get_asset(session, asset_id, user)
    return [AssetHistoryPublic.model_validate(h) for h in service.history_of(session, asset_id)]


@router.get("/{asset_id:int}/availability", response_model=AssetAvailabilityPublic)
def availability(asset_id: int, session: SessionDep, user: Reader, start: date,
                 end: date) -> AssetAvailabilityPublic:
    """Whether the asset is free on ``start`` .. ``end`` (how many, for a lot), with its
    calendar."""
    return service.availability(session, user, asset_id, start, end)


@router.post("/{asset_id:int}/reservations", status_code=201, response_model=AssetRequestPublic)
def reserve(asset_id: int, body: AssetReservationCreate, session: SessionDep,
            user: Asker) -> AssetRequestPublic:
    """Reserve the asset for dates (a loan request going through its approval chain); an
    overlapping reservation is refused with 409 naming the clash."""
    created = workflows.create_request(session, user, asset_id, kind="loan", unit=body.unit,
                                       start=body.start, end=body.end,
                                       quantity=body.quantity, reason=body.reason)
    return workflows.request_public(session, created)


@router.post("/{asset_id:int}/requests", status_code=201, response_model=AssetRequestPublic)
def create_request(asset_id: int, body: AssetRequestCreate, session: SessionDep,
                   user: Asker) -> AssetRequestPublic:
    """A hand-in (上缴), loan (借用), transfer (调剂, to ``unit``) or disposal (处置) request."""
    created = workflows.create_request(session, user, asset_id, **body.model_dump())
    return workflows.request_public(session, created)


@router.post("/{asset_id:int}/return", response_model=AssetRequestPublic)
def return_asset(asset_id: int, session: SessionDep, user: Asker,
                 body: AssetNoteCreate | None = None) -> AssetRequestPublic:
    """Give the asset back (its holder); it then awaits inspection."""
    done = workflows.return_asset(session, user, asset_id, body.note if body else "")
    return workflows.request_public(session, done)


@router.post("/{asset_id:int}/inspect", response_model=AssetPublic)
def inspect(asset_id: int, body: AssetInspectCreate, session: SessionDep,
            user: Manager) -> AssetPublic:
    """Inspect a returned or handed-in asset: back to the pool, repair, transfer, disposal."""
    return _public(session, workflows.inspect(session, user, asset_id, body.outcome, body.note))


@router.post("/{asset_id:int}/transition", response_model=AssetPublic)
def transition(asset_id: int, body: AssetTransitionCreate, session: SessionDep,
               user: Manager) -> AssetPublic:
    """A direct state change, refused (409, allowed states listed) when the table forbids it."""
    return _public(session, workflows.transition(session, user, asset_id, body.state,
                                                 body.reason))


