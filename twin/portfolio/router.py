"""The portfolio: buildings, IFC uploads, revisions and their diff."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from twin.core.deps import CurrentUser, SessionDep, SettingsDep, require
from twin.core.model_store import ParsedRevision, parse_upload, spool_upload, store_model_file
from twin.core.schemas import Page
from twin.core.settings import Settings
from twin.core.tables import Building, User
from twin.portfolio import service as portfolio
from twin.portfolio.schemas import (
    BuildingPublic,
    DiffPublic,
    RevisionPublic,
    RevisionUploadedPublic,
)

__all__ = ["router"]

router = APIRouter(prefix="/buildings", tags=["buildings"])
Admin = Annotated[User, Depends(require("portfolio.manage"))]


def _public(building: Building) -> BuildingPublic:
    latest = building.revisions[-1] if building.revisions else None
    return BuildingPublic(id=building.id, name=building.name, created_at=building.created_at,
                          revision=RevisionPublic.model_validate(latest) if latest else None)


async def _parse(upload: UploadFile, settings: Settings) -> tuple[ParsedRevision, str]:
    """Spool, parse in a child process and keep the file; nothing touches the database."""
    filename = Path(upload.filename or "upload").name
    with tempfile.TemporaryDirectory() as folder:
        path = await run_in_threadpool(spool_upload, upload.file, filename, Path(folder),
                                       settings.upload_limit_mb)
        parsed = await run_in_threadpool(parse_upload, path, filename, settings)
        store_model_file(path, parsed.sha256, settings)
    return parsed, filename


@router.get("", response_model=Page[BuildingPublic])
def list_buildings(session: SessionDep, user: CurrentUser,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                   offset: Annotated[int, Query(ge=0)] = 0) -> Page[BuildingPublic]:
    """Buildings the caller may see."""
    buildings = portfolio.list_buildings(session, user)
    return Page(items=[_public(b) for b in buildings[offset:offset + limit]],
                total=len(buildings), limit=limit, offset=offset)


@router.post("", response_model=BuildingPublic, status_code=201)
async def create_building(name: Annotated[str, Form(min_length=1, max_length=200)],
                          file: Annotated[UploadFile, File(description=".ifc or .ifczip")],
                          session: SessionDep, settings: SettingsDep,
                          admin: Admin) -> BuildingPublic:
    """Create a building from an IFC upload (admin). A refused file changes nothing."""
    parsed, filename = await _parse(file, settings)
    building = portfolio.create_building(session, name=name, parsed=parsed, filename=filename,
                                         actor=admin.username)
    return _public(building)


@router.get("/{building_id}", response_model=BuildingPublic)
def get_building(building_id: int, session: SessionDep, user: CurrentUser) -> BuildingPublic:
    """One building with its latest revision."""
    return _public(portfolio.get_building(session, building_id, user))


@router.delete("/{building_id}", status_code=204)
def delete_building(building_id: int, session: SessionDep, admin: Admin,
                    request: Request) -> None:
    """Delete a building and everything keyed to it, in one transaction (admin); the live
    caches (devices, alarms, work orders) follow once it is committed."""
    building = portfolio.get_building(session, building_id, admin)
    portfolio.delete_building(session, building, actor=admin.username,
                              then=getattr(request.app.state, "building_deleted", ()))


@router.get("/{building_id}/revisions", response_model=list[RevisionPublic])
def list_revisions(building_id: int, session: SessionDep, user: CurrentUser) -> list:
    """Every model revision of a building, oldest first."""
    return portfolio.get_building(session, building_id, user).revisions


@router.post("/{building_id}/revisions", response_model=RevisionUploadedPublic, status_code=201)
async def add_revision(building_id: int,
                       file: Annotated[UploadFile, File(description=".ifc or .ifczip")],
                       session: SessionDep, settings: SettingsDep,
                       admin: Admin) -> RevisionUploadedPublic:
    """Upload a new model revision (admin); everything stays keyed by GlobalId.

    The answer reports what appeared, disappeared, moved or changed room since the previous
    revision.
    """
    building = portfolio.get_building(session, building_id, admin)
    parsed, filename = await _parse(file, settings)
    previous = portfolio.latest_revision(session, building)
    revision = portfolio.add_revision(session, building, parsed=parsed, filename=filename,
                                      actor=admin.username)
    changes = portfolio.diff_revisions(session, previous, revision)
    return RevisionUploadedPublic.model_validate(
        {**RevisionPublic.model_validate(revision).model_dump(by_alias=True),
         "changes": DiffPublic(old=previous.number, new=revision.number, **changes)})


@router.get("/{building_id}/revisions/{old}/diff/{new}", response_model=DiffPublic)
def diff(building_id: int, old: int, new: int, session: SessionDep,
         user: CurrentUser) -> DiffPublic:
    """What appeared, disappeared, moved or changed room between two revisions."""
    building = portfolio.get_building(session, building_id, user)
    changes = portfolio.diff_revisions(session, portfolio.get_revision(session, building, old),
                                       portfolio.get_revision(session, building, new))
    return DiffPublic(old=old, new=new, **changes)
