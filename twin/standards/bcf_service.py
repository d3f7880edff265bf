"""Work orders and alarms as BCF topics, and BCF topics imported as work orders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bim_models.standards.bcf import BcfTopic, read_bcf, write_bcf
from maintenance.choices import PRIORITIES
from twin.core.errors import InvalidInputError, NotFoundError
from twin.core.model_store import GraphStore
from twin.core.tables import User
from twin.maintenance import store as maintenance_store
from twin.portfolio import service as portfolio
from twin.standards.service import CLOSED_ORDER_STATES

if TYPE_CHECKING:
    import networkx as nx

    from maintenance.alarms import Alarm
    from maintenance.workorders import WorkOrder
    from twin.maintenance.service import MaintenanceService

__all__ = ["BCF_LABEL", "Snapshotter", "bcf_topics", "export_bcf", "import_bcf"]

#: The label on every topic the twin writes; ``work-order:ID`` / ``alarm:ID`` say which.
BCF_LABEL = "facility-twin"
#: ``snapshotter(global_id, storey_global_id) -> PNG bytes or None``.
Snapshotter = Callable[[str, str | None], bytes | None]
_PRIORITY_KEYS = {choice.value for choice in PRIORITIES}


def _position(graph: nx.MultiDiGraph, global_id: str | None) -> tuple[float, float, float] | None:
    """Where to look: the equipment's centroid, or the middle of the room at eye height."""
    if not global_id or global_id not in graph:
        return None
    data = graph.nodes[global_id]
    if data.get("centroid") is not None:
        return tuple(float(v) for v in data["centroid"])
    footprint, z_range = data.get("footprint"), data.get("z_range")
    if footprint is not None and z_range is not None:
        point = footprint.centroid
        return float(point.x), float(point.y), float(z_range[0]) + 1.6
    return None


def _target(graph: nx.MultiDiGraph, *global_ids: str | None) -> tuple[list[str], Any, Any]:
    ids = [g for g in global_ids if g]
    first = next((g for g in ids if g in graph), None)
    storey = graph.nodes[first].get("storey") if first else None
    return ids, _position(graph, first), (first, storey)


def _order_topic(order: WorkOrder, graph: nx.MultiDiGraph) -> tuple[BcfTopic, Any]:
    ids, position, where = _target(graph, order.equipment_global_id, order.space_global_id)
    return BcfTopic(title=f"{order.work_order_id}: {order.title}",
                    description=order.description, topic_type=f"Work order ({order.origin})",
                    status=order.state, priority=order.priority, global_ids=ids,
                    position=position, assigned_to=order.assignee, due=order.due,
                    labels=[BCF_LABEL, f"work-order:{order.work_order_id}"]), where


def _alarm_topic(alarm: Alarm, graph: nx.MultiDiGraph) -> tuple[BcfTopic, Any]:
    ids, position, where = _target(graph, alarm.source, alarm.space_global_id)
    return BcfTopic(title=f"{alarm.alarm_id}: {alarm.rule} on {alarm.source}",
                    description=alarm.message, topic_type=f"Alarm ({alarm.severity})",
                    status=alarm.state, priority=alarm.severity, global_ids=ids,
                    position=position, labels=[BCF_LABEL, f"alarm:{alarm.alarm_id}"]), where


def bcf_topics(session: Session, graphs: GraphStore, building_id: int, user: User | None, *,
               work_orders: list[str] | None = None, alarms: list[str] | None = None,
               snapshotter: Snapshotter | None = None) -> list[BcfTopic]:
    """BCF topics of the named work orders and alarms (none named: the open work orders).

    Raises
    ------
    NotFoundError
        No such building in scope, or a named work order or alarm it does not have.
    """
    building = portfolio.get_building(session, building_id, user)
    graph = graphs.get(portfolio.latest_revision(session, building).sha256)
    alarm_book, order_book = maintenance_store.load_books(session, building_id)
    orders = {o.work_order_id: o for o in order_book}
    alarms_by_id = {a.alarm_id: a for a in alarm_book}
    if not work_orders and not alarms:
        work_orders = [o.work_order_id for o in order_book if o.state not in CLOSED_ORDER_STATES]
    made = []
    for order_id in work_orders or []:
        if order_id not in orders:
            raise NotFoundError(f"no work order {order_id} in building {building_id}")
        made.append(_order_topic(orders[order_id], graph))
    for alarm_id in alarms or []:
        if alarm_id not in alarms_by_id:
            raise NotFoundError(f"no alarm {alarm_id} in building {building_id}")
        made.append(_alarm_topic(alarms_by_id[alarm_id], graph))
    topics = []
    for topic, (global_id, storey) in made:
        if snapshotter is not None and global_id and topic.position is not None:
            topic.snapshot = snapshotter(global_id, storey)
        topics.append(topic)
    return topics


def export_bcf(session: Session, graphs: GraphStore, building_id: int, user: User | None,
               out: Path, **selection: Any) -> int:
    """Write :func:`bcf_topics` to a BCF 3.0 file; how many topics."""
    building = portfolio.get_building(session, building_id, user)
    topics = bcf_topics(session, graphs, building_id, user, **selection)
    write_bcf(topics, out, project_name=building.name)
    return len(topics)


def _imported_order_id(topic: dict[str, Any]) -> str | None:
    return next((label.split(":", 1)[1] for label in topic["labels"]
                 if label.startswith("work-order:")), None)


def import_bcf(session: Session, service: MaintenanceService, graphs: GraphStore,
               building_id: int, user: User, path: Path) -> dict[str, list]:
    """Open a work order per BCF topic, on the first selected element the model has
    (equipment, else a room).

    Topics the twin wrote for its own work orders (label ``work-order:ID`` of an existing
    order) and topics imported before (their GUID is in an order's description) are skipped.

    Returns
    -------
    dict
        ``{"created": [WorkOrder], "skipped": [{"topic", "title", "reason"}]}``.

    Raises
    ------
    InvalidInputError
        Not a BCF file.
    """
    building = portfolio.get_building(session, building_id, user)
    graph = graphs.get(portfolio.latest_revision(session, building).sha256)
    try:
        topics = read_bcf(path)
    except (ValueError, OSError, KeyError) as exc:
        raise InvalidInputError(f"not a readable BCF file: {exc}") from None
    existing = service.books_of(building_id).orders.orders
    created, skipped = [], []
    for topic in topics:
        marker = f"[BCF topic {topic['guid']}]"
        if _imported_order_id(topic) in existing:
            skipped.append({"topic": topic["guid"], "title": topic["title"],
                            "reason": f"it is work order {_imported_order_id(topic)}"})
            continue
        if any(marker in order.description for order in existing.values()):
            skipped.append({"topic": topic["guid"], "title": topic["title"],
                            "reason": "imported before"})
            continue
        kinds = {g: graph.nodes[g]["kind"] for g in topic["global_ids"] if g in graph}
        equipment = next((g for g, k in kinds.items() if k == "equipment"), None)
        space = next((g for g, k in kinds.items() if k == "space"), None)
        if space is None and equipment is not None:
            space = graph.nodes[equipment].get("space")
        priority = topic["priority"].lower() if topic["priority"].lower() in _PRIORITY_KEYS \
            else "normal"
        values = {"priority": priority, "equipment_global_id": equipment,
                  "space_global_id": space,
                  "description": "\n".join(p for p in (topic["description"], marker) if p)}
        title = topic["title"] or "BCF topic"
        created.append(service.act_on_order(
            building_id, lambda orders, now, title=title, values=values: orders.create(
                title, actor=user.username, ts=now, **values)))
    return {"created": created, "skipped": skipped}
