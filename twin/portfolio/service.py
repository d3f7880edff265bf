"""Buildings, their model revisions and the elements of each revision; scoping and diffs."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from spaces.element_data import ElementData
from twin.core.accounts import record_audit
from twin.core.errors import ConflictError, NotFoundError
from twin.core.model_store import ParsedRevision
from twin.core.tables import Base, Building, ElementRow, Revision, User, UserBuilding

__all__ = [
    "MOVE_TOLERANCE",
    "add_revision",
    "create_building",
    "delete_building",
    "diff_revisions",
    "get_building",
    "get_revision",
    "latest_revision",
    "list_buildings",
    "query_elements",
]

#: An element whose centroid moved more than this (metres) between revisions has moved.
MOVE_TOLERANCE = 0.05


def _visible(user: User | None):
    """A WHERE clause limiting buildings to those ``user`` may see (``None``: all)."""
    if user is None or user.all_buildings:
        return True
    return Building.id.in_(select(UserBuilding.building_id).where(
        UserBuilding.user_id == user.id))


def list_buildings(session: Session, user: User | None) -> list[Building]:
    """Buildings the user may see, by name."""
    return list(session.scalars(select(Building).where(_visible(user)).order_by(Building.name)))


def get_building(session: Session, building_id: int, user: User | None) -> Building:
    """One building the user may see.

    Raises
    ------
    NotFoundError
        No such building, or one outside the user's scope (the same answer, by design).
    """
    building = session.scalar(select(Building).where(Building.id == building_id,
                                                     _visible(user)))
    if building is None:
        raise NotFoundError(f"no building {building_id}")
    return building


def create_building(session: Session, *, name: str, parsed: ParsedRevision, filename: str,
                    actor: str) -> Building:
    """Create a building with its first revision from a parsed upload.

    Raises
    ------
    ConflictError
        A building of that name exists.
    """
    if session.scalar(select(Building).where(Building.name == name)) is not None:
        raise ConflictError(f"a building named {name!r} exists already")
    building = Building(name=name)
    session.add(building)
    session.flush()
    add_revision(session, building, parsed=parsed, filename=filename, actor=actor)
    record_audit(session, actor=actor, action="building.create", target=name,
                 detail={"building_id": building.id})
    session.flush()
    session.refresh(building)  # its revisions, as loaded from the database
    return building


def add_revision(session: Session, building: Building, *, parsed: ParsedRevision, filename: str,
                 actor: str) -> Revision:
    """Add a model revision with its element rows."""
    number = (session.scalar(select(func.max(Revision.number)).where(
        Revision.building_id == building.id)) or 0) + 1
    revision = Revision(building_id=building.id, number=number, sha256=parsed.sha256,
                        filename=filename, schema=parsed.schema, counts=parsed.counts,
                        warnings=parsed.warnings, quality=parsed.quality, created_by=actor)
    session.add(revision)
    session.flush()
    session.add_all(ElementRow(revision_id=revision.id, **row) for row in parsed.elements)
    record_audit(session, actor=actor, action="revision.add", target=building.name,
                 detail={"revision": number, "sha256": parsed.sha256})
    return revision


#: Tables keyed by a device's primary key (``device_id``) without a foreign key to it.
_DEVICE_KEYED = ("readings", "rollups", "device_states")


def delete_building(session: Session, building: Building, *, actor: str,
                    then: Iterable[Callable[[int], object]] = ()) -> dict[str, int]:
    """Delete a building and everything of it, in the caller's transaction: revisions and
    elements, devices with their readings, rollups and states, dead letters, alarms, work
    orders, allocations and any other domain's rows carrying its ``building_id``.

    With ``then`` (the live caches' ``forget(building_id)``), the deletion is committed first
    and each is called after: caches follow only what is stored.

    Returns
    -------
    dict of str to int
        Rows deleted per table (audited with the deletion).
    """
    metadata = Base.metadata
    building_id, deleted = building.id, {}
    if "devices" in metadata.tables:
        devices = metadata.tables["devices"]
        device_pks = select(devices.c.id).where(devices.c.building_id == building_id)
        for name in _DEVICE_KEYED:
            table = metadata.tables.get(name)
            if table is not None:
                deleted[name] = session.execute(
                    delete(table).where(table.c.device_id.in_(device_pks))).rowcount or 0
    for table in reversed(metadata.sorted_tables):  # children before their parents
        if "building_id" in table.c and table.name not in ("buildings", *_DEVICE_KEYED):
            count = session.execute(
                delete(table).where(table.c.building_id == building_id)).rowcount or 0
            if count:
                deleted[table.name] = count
    record_audit(session, actor=actor, action="building.delete", target=building.name,
                 detail={"building_id": building_id, "deleted": deleted})
    session.flush()
    session.execute(delete(Building).where(Building.id == building_id))
    session.expunge(building)  # its rows are gone: the ORM must not delete them again
    if then:
        session.commit()
        for forget in then:
            forget(building_id)
    return deleted


def latest_revision(session: Session, building: Building) -> Revision:
    """The newest revision of a building."""
    revision = session.scalar(select(Revision).where(Revision.building_id == building.id)
                              .order_by(Revision.number.desc()).limit(1))
    if revision is None:
        raise NotFoundError(f"building {building.id} has no model revision")
    return revision


def get_revision(session: Session, building: Building, number: int) -> Revision:
    """Revision ``number`` of a building."""
    revision = session.scalar(select(Revision).where(Revision.building_id == building.id,
                                                     Revision.number == number))
    if revision is None:
        raise NotFoundError(f"building {building.id} has no revision {number}")
    return revision


def query_elements(session: Session, revision: Revision, *, kind: str | None = None,
                   storey: str | None = None, space: str | None = None,
                   ifc_class: str | None = None, global_ids: list[str] | None = None,
                   limit: int = 100, offset: int = 0) -> tuple[list[ElementRow], int]:
    """Elements of a revision matching the filters, and how many match in all."""
    where = [ElementRow.revision_id == revision.id]
    if global_ids is not None:
        where.append(ElementRow.global_id.in_(global_ids))
    if kind:
        where.append(ElementRow.kind == kind)
    if storey:
        where.append(ElementRow.storey == storey)
    if space:
        where.append(ElementRow.space == space)
    if ifc_class:
        where.append(ElementRow.ifc_class == ifc_class)
    total = session.scalar(select(func.count()).select_from(ElementRow).where(*where)) or 0
    rows = session.scalars(select(ElementRow).where(*where)
                           .order_by(ElementRow.kind, ElementRow.name, ElementRow.global_id)
                           .limit(limit).offset(offset))
    return list(rows), total


def _moved(old: dict[str, Any], new: dict[str, Any]) -> float | None:
    a, b = old.get(ElementData.CENTROID), new.get(ElementData.CENTROID)
    if a is None or b is None:
        return None
    distance = math.dist(a, b)
    return distance if distance > MOVE_TOLERANCE else None


def diff_revisions(session: Session, old: Revision, new: Revision) -> dict[str, list[dict]]:
    """What appeared, disappeared, moved or changed space/storey between two revisions.

    Returns
    -------
    dict
        ``appeared`` and ``disappeared`` [{global_id, kind, name}], ``moved`` [{global_id,
        kind, name, distance, from, to}] and ``relocated`` (other storey or space).
    """
    def rows(revision):
        return {r.global_id: r for r in session.scalars(
            select(ElementRow).where(ElementRow.revision_id == revision.id))}

    before, after = rows(old), rows(new)
    brief = [("global_id", "global_id"), ("kind", "kind"), ("name", "name")]

    def describe(row):
        return {key: getattr(row, attr) for key, attr in brief}

    result: dict[str, list[dict]] = {"appeared": [], "disappeared": [], "moved": [],
                                     "relocated": []}
    for gid in sorted(after.keys() - before.keys()):
        result["appeared"].append(describe(after[gid]))
    for gid in sorted(before.keys() - after.keys()):
        result["disappeared"].append(describe(before[gid]))
    for gid in sorted(before.keys() & after.keys()):
        a, b = before[gid], after[gid]
        distance = _moved(a.data, b.data)
        if distance is not None:
            result["moved"].append({**describe(b), "distance": round(distance, 3),
                                    "from": a.data.get(ElementData.CENTROID),
                                    "to": b.data.get(ElementData.CENTROID)})
        if (a.storey, a.space) != (b.storey, b.space):
            result["relocated"].append({**describe(b), "from": {"storey": a.storey,
                                                                "space": a.space},
                                        "to": {"storey": b.storey, "space": b.space}})
    return result
