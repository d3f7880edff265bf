"""Open standards over HTTP: a revision's model-quality report, the Brick graph and the COBie
workbook."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response

from twin.core.deps import GraphsDep, SessionDep, SettingsDep, require
from twin.core.errors import InvalidInputError
from twin.core.tables import User
from twin.maintenance.schemas import WorkOrderPublic
from twin.standards import bcf_service
from twin.standards import service as standards
from twin.standards.schemas import (
    BcfImportPublic,
    BcfSkippedPublic,
    BrickImportPublic,
    BrickSkippedPublic,
    QualityReportPublic,
)

__all__ = ["BCF_MEDIA_TYPE", "TURTLE_MEDIA_TYPE", "XLSX_MEDIA_TYPE", "router"]

router = APIRouter(prefix="/buildings/{building_id}", tags=["standards"])
Reader = Annotated[User, Depends(require("portfolio.read"))]
MaintenanceReader = Annotated[User, Depends(require("maintenance.read"))]
Worker = Annotated[User, Depends(require("maintenance.act"))]
DeviceManager = Annotated[User, Depends(require("devices.manage"))]
BCF_MEDIA_TYPE = "application/octet-stream"
_BCF_LIMIT = 50 * 1024 * 1024  # uploads of BCF and Brick files
TURTLE_MEDIA_TYPE = "text/turtle"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/revisions/{number}/quality", response_model=QualityReportPublic)
def revision_quality(building_id: int, number: int, session: SessionDep,
                     user: Reader) -> QualityReportPublic:
    """The model-quality report of a revision (IDS and GlobalId checks): each requirement with
    its status, whether it blocks uploads, and the elements failing it."""
    return QualityReportPublic.model_validate(
        standards.revision_quality(session, building_id, number, user))


@router.get("/graph.ttl", response_class=Response,
            responses={200: {"content": {TURTLE_MEDIA_TYPE: {}},
                             "description": "Brick 1.4 / RealEstateCore Turtle"}})
def brick_turtle(building_id: int, session: SessionDep, graphs: GraphsDep,
                 user: Reader) -> Response:
    """The building, storeys, rooms, zones, equipment, systems, ``feeds`` and the registered
    devices as points with units, as a Brick model (Turtle)."""
    body = standards.building_brick(session, graphs, building_id, user).serialize(
        format="turtle")
    return Response(body, media_type=TURTLE_MEDIA_TYPE, headers={
        "Content-Disposition": f'inline; filename="building-{building_id}.ttl"'})


@router.get("/cobie.xlsx", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}},
                             "description": "COBie 2.4 workbook"}})
def cobie_workbook(building_id: int, session: SessionDep, settings: SettingsDep,
                   user: Reader) -> Response:
    """The COBie 2.4 handover workbook of the latest revision (through ifcfm), with the room
    allocations as zones, device serials and last readings as attributes, and the open work
    orders as issues."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "cobie.xlsx"
        standards.building_cobie(session, settings, building_id, user, out)
        body = out.read_bytes()
    return Response(body, media_type=XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="building-{building_id}-cobie.xlsx"'})


@router.get("/bcf", response_class=Response,
            responses={200: {"content": {BCF_MEDIA_TYPE: {}},
                             "description": "BCF 3.0 zip (.bcf)"}})
def bcf_export(building_id: int, session: SessionDep, graphs: GraphsDep, user: MaintenanceReader,
               work_order: Annotated[list[str] | None, Query()] = None,
               alarm: Annotated[list[str] | None, Query()] = None) -> Response:
    """Work orders and alarms as BCF 3.0 topics, each with a viewpoint on its equipment
    (selected by GlobalId, camera on it); none named: every open work order."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "topics.bcf"
        bcf_service.export_bcf(session, graphs, building_id, user, out,
                               work_orders=work_order, alarms=alarm)
        body = out.read_bytes()
    return Response(body, media_type=BCF_MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="building-{building_id}.bcf"'})


@router.post("/bcf", response_model=BcfImportPublic, status_code=201)
def bcf_import(building_id: int, request: Request, session: SessionDep, graphs: GraphsDep,
               user: Worker, file: Annotated[UploadFile, File(description="a .bcf file")]
               ) -> BcfImportPublic:
    """Open a work order per topic of a BCF file, on the first selected element the model
    has; the twin's own topics and topics imported before are skipped."""
    data = file.file.read(_BCF_LIMIT + 1)
    if len(data) > _BCF_LIMIT:
        raise InvalidInputError("the BCF file is larger than 50 MiB")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.bcf"
        path.write_bytes(data)
        result = bcf_service.import_bcf(session, request.app.state.maintenance, graphs,
                                        building_id, user, path)
    return BcfImportPublic(
        created=[WorkOrderPublic.model_validate(order) for order in result["created"]],
        skipped=[BcfSkippedPublic(**item) for item in result["skipped"]])


@router.post("/brick", response_model=BrickImportPublic, status_code=201)
def brick_import(building_id: int, request: Request, session: SessionDep, graphs: GraphsDep,
                 user: DeviceManager,
                 file: Annotated[UploadFile, File(description="a Brick model (.ttl)")],
                 replace: bool = False) -> BrickImportPublic:
    """Register the points of a Brick model as devices (all or none): each point whose class
    is a device kind, on equipment or a room named by its ``ref:IFCReference``."""
    data = file.file.read(_BCF_LIMIT + 1)
    if len(data) > _BCF_LIMIT:
        raise InvalidInputError("the Brick file is larger than 50 MiB")
    registered, skipped = standards.register_brick_devices(
        session, graphs, building_id, user, data, actor=user.username, replace=replace,
        ingestor=request.app.state.ingestor)
    return BrickImportPublic(registered=registered,
                             skipped=[BrickSkippedPublic(**item) for item in skipped])
