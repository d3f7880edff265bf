"""Open-standards work on stored buildings: the quality report of a revision, the Brick graph
of the latest one (with the registered devices as points) and its COBie workbook (with the
allocations as zones, the devices and their last readings as attributes, and the open work
orders as issues)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twin.core.errors import InvalidInputError, NotFoundError
from twin.core.model_store import GraphStore, model_file
from twin.core.settings import Settings
from twin.core.tables import Building, User
from twin.housing import store as housing
from twin.iot import registry
from twin.iot import service as iot
from twin.iot.records import unix_s
from twin.iot.tables import DeviceStateRow
from twin.maintenance import store as maintenance
from twin.portfolio import service as portfolio

if TYPE_CHECKING:
    from rdflib import Graph

    from twin.iot.ingest import Ingestor

__all__ = ["CLOSED_ORDER_STATES", "building_brick", "building_cobie", "cobie_extras",
           "register_brick_devices", "revision_quality"]

#: Work-order states that are not open issues any more.
CLOSED_ORDER_STATES = frozenset({"done", "verified", "cancelled"})


def revision_quality(session: Session, building_id: int, number: int,
                     user: User | None) -> dict[str, Any]:
    """The model-quality report stored with revision ``number`` of a building.

    Raises
    ------
    NotFoundError
        No such building in the user's scope, no such revision, or one stored without a check
        (loaded before the checks existed, or by ``twin demo``).
    """
    building = portfolio.get_building(session, building_id, user)
    revision = portfolio.get_revision(session, building, number)
    if revision.quality is None:
        raise NotFoundError(f"revision {number} of building {building_id} has no quality "
                            "report: it was stored without a check")
    report = dict(revision.quality)
    report["ifc_schema"] = report.pop("schema", None)
    return {"building_id": building_id, "revision": number, **report}


def building_brick(session: Session, graphs: GraphStore, building_id: int,
                   user: User | None) -> Graph:
    """The latest revision of a building and its registered devices as a Brick graph
    (:func:`spaces.brick.brick_graph`)."""
    from spaces.brick import brick_graph

    building = portfolio.get_building(session, building_id, user)
    revision = portfolio.latest_revision(session, building)
    devices = [{"key": d.key, "kind": d.kind, "unit": d.unit, "name": d.name,
                "equipment": d.equipment, "space": d.space}
               for d in registry.list_devices(session, building)]
    return brick_graph(graphs.get(revision.sha256), devices=devices,
                       namespace=f"urn:facility-twin:building:{building_id}:",
                       model_id=revision.sha256, model_location=revision.filename)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def cobie_extras(session: Session, building: Building, *, day: date | None = None
                 ) -> dict[str, list[dict[str, Any]]]:
    """What the twin knows of a building beyond its model, as
    :class:`bim_models.standards.cobie.CobieExtras` fields: allocations held on ``day``
    (default today) as one zone per department, each device's serial key and last reading as
    attributes of its equipment (else its space), and the open work orders as issues."""
    day = day or date.today()
    allocations = housing.load_allocations(session, building)
    departments: dict[str, set[str]] = {}
    for assignment in allocations.assignments:
        person = allocations.people.get(assignment.person_id)
        if person is not None and assignment.holds_on(day):
            departments.setdefault(person.department or "unknown", set()).add(assignment.space)
    zones = [{"name": name, "category": "Occupancy", "spaces": sorted(spaces),
              "description": f"rooms allocated to {name} on {day.isoformat()}"}
             for name, spaces in sorted(departments.items())]
    devices = registry.list_devices(session, building)
    states = {row.device_pk: row for row in session.scalars(
        select(DeviceStateRow).where(DeviceStateRow.device_pk.in_([d.id for d in devices])))}
    attributes = []
    for device in devices:
        where = device.equipment or device.space
        attributes.append({"global_id": where, "name": f"Device {device.key}",
                           "value": device.key, "category": "Device serial",
                           "description": f"{device.kind} ({device.unit})"})
        state = states.get(device.id)
        if state is not None:
            when = _iso(unix_s(state.last_reported))
            attributes.append({"global_id": where, "name": f"Last reading {device.key}",
                               "value": state.value, "unit": device.unit,
                               "category": "Last reading",
                               "description": f"{device.kind} at {when}"
                                              + ("" if state.online else ", offline")})
    _, orders = maintenance.load_books(session, building.id)
    issues = [{"name": order.work_order_id, "type": order.origin, "risk": order.priority,
               "chance": "n/a", "impact": "n/a", "created_on": _iso(order.created_at),
               "global_ids": [g for g in (order.equipment_global_id, order.space_global_id)
                              if g],
               "description": f"{order.title}. {order.description}".strip(),
               "owner": order.assignee, "mitigation": order.state,
               "identifier": order.work_order_id}
              for order in orders if order.state not in CLOSED_ORDER_STATES]
    return {"zones": zones, "attributes": attributes, "issues": issues}


def building_cobie(session: Session, settings: Settings, building_id: int, user: User | None,
                   out: Path) -> dict[str, int]:
    """Write the COBie workbook of a building's latest revision with the twin's extras
    (:func:`cobie_extras`) to ``out``; rows per sheet."""
    from bim_models.standards.cobie import CobieExtras, write_cobie

    building = portfolio.get_building(session, building_id, user)
    revision = portfolio.latest_revision(session, building)
    extras = CobieExtras(**cobie_extras(session, building), documents=[
        {"name": revision.filename, "category": "Building information model",
         "file": revision.filename,
         "description": f"revision {revision.number}, sha256 {revision.sha256}"}])
    return write_cobie(model_file(settings, revision.sha256), out, extras=extras)


def register_brick_devices(session: Session, graphs: GraphStore, building_id: int,
                           user: User | None, data: bytes | str, *, actor: str,
                           replace: bool = False, ingestor: Ingestor | None = None
                           ) -> tuple[list, list[dict[str, str]]]:
    """Register the points of a Brick model (Turtle) as devices of a building, all or none
    (:func:`spaces.brick.devices_from_brick`, :func:`twin.iot.service.register_devices`).

    Returns
    -------
    (list of DevicePublic, list of dict)
        The devices registered and the points skipped with their reasons.

    Raises
    ------
    InvalidInputError
        Not Turtle, or a device the registry refuses (nothing is stored).
    """
    from rdflib import Graph

    from spaces.brick import devices_from_brick

    building = portfolio.get_building(session, building_id, user)
    graph = graphs.get(portfolio.latest_revision(session, building).sha256)
    try:
        rdf = Graph().parse(data=data, format="turtle")
    except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds on bad input
        raise InvalidInputError(f"not a Turtle file: {exc}") from None
    specs, skipped = devices_from_brick(rdf, graph)
    registered = iot.register_devices(session, building_id, user, specs, actor=actor,
                                      source="brick", replace=replace, ingestor=ingestor)
    return registered, skipped
