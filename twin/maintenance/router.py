"""Maintenance: alarms, work orders, preventive schedules, routes to equipment, daily rounds
and the impact of shutting equipment down. Maintenance staff act; managers read; housing
officers and viewers are refused."""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from maintenance import (
    Schedule,
    due_work_orders,
    equipment_from_graph,
    impact,
    issue_due,
    overdue_work_orders,
    people_by_space,
)
from maintenance.choices import severity_rank
from maintenance.workorders import PartUse
from spaces.routing import daily_round, locate, resolve_target, route
from twin.core.deps import SessionDep, require_roles
from twin.core.errors import NotFoundError
from twin.core.tables import User
from twin.housing import store as housing
from twin.iot.query import running_hours
from twin.maintenance.service import Books, MaintenanceService
from twin.maintenance.store import order_to_data
from twin.portfolio import service as portfolio

__all__ = ["DEFAULT_SCHEDULES", "router"]

router = APIRouter(prefix="/buildings/{building_id}", tags=["maintenance"])
Worker = Annotated[User, Depends(require_roles("admin", "maintenance"))]
Reader = Annotated[User, Depends(require_roles("admin", "maintenance", "manager"))]

#: Preventive schedules every building gets (per equipment class).
DEFAULT_SCHEDULES = (
    Schedule("S-AHU-FILTER", "Replace AHU filters", "calendar", 3, unit="months",
             ifc_class="IfcUnitaryEquipment"),
    Schedule("S-CHILLER", "Annual chiller service", "calendar", 12, unit="months",
             ifc_class="IfcChiller", priority="high"),
    Schedule("S-PUMP", "Pump inspection", "runtime", 2000, ifc_class="IfcPump"),
    Schedule("S-BOARD", "Thermographic check of distribution boards", "calendar", 12,
             unit="months", ifc_class="IfcElectricDistributionBoard"),
)


class WorkOrderIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    priority: str = "normal"
    equipment: str | None = Field(None, description="GlobalId of the equipment")
    space: str | None = Field(None, description="GlobalId of the space")
    due: float | None = Field(None, description="Unix seconds")
    description: str = ""
    assignee: str | None = None


class TransitionIn(BaseModel):
    state: str
    note: str = ""


class AssignIn(BaseModel):
    assignee: str = Field(min_length=1, max_length=100)


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class PartIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    quantity: float = Field(1.0, gt=0)
    ref: str = ""


class TimeIn(BaseModel):
    hours: float = Field(gt=0, le=24)


class AttachmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    ref: str = Field(min_length=1, max_length=1000, description="URL or document reference")


def _service(request: Request) -> MaintenanceService:
    return request.app.state.maintenance


def _books(request: Request, session, building_id: int, user: User) -> Books:
    portfolio.get_building(session, building_id, user)
    return _service(request).books_of(building_id)


def _alarm_out(books: Books, alarm) -> dict[str, Any]:
    data = alarm.to_dict()
    data["consequences"] = [a.alarm_id for a in books.alarms.consequences(alarm.alarm_id)]
    return data


# -- alarms --------------------------------------------------------------------------------

@router.get("/alarms")
def alarms(building_id: int, request: Request, session: SessionDep, user: Reader,
           state: Annotated[str, Query(description="open, all, or one state")] = "open",
           roots_only: bool = True) -> list[dict[str, Any]]:
    """Alarms, most severe and newest first; consequences are listed under their root."""
    books = _books(request, session, building_id, user)
    with _service(request)._lock:
        found = [a for a in books.alarms.alarms.values()
                 if (state == "all" or (a.is_open if state == "open" else a.state == state))
                 and not (roots_only and a.parent_id)]
        found.sort(key=lambda a: (-severity_rank(a.severity), -a.last_seen))
        return [_alarm_out(books, a) for a in found]


@router.get("/alarms/{alarm_id}")
def alarm(building_id: int, alarm_id: str, request: Request, session: SessionDep,
          user: Reader) -> dict[str, Any]:
    """One alarm with its consequences in full and where its equipment is."""
    books = _books(request, session, building_id, user)
    with _service(request)._lock:
        found = books.alarms.get(alarm_id)
        out = _alarm_out(books, found)
        out["consequence_alarms"] = [a.to_dict() for a in books.alarms.consequences(alarm_id)]
    if found.source in books.graph:
        out["location"] = asdict(locate(books.graph, found.source))
    return out


@router.post("/alarms/{alarm_id}/{action}")
def act_on_alarm(building_id: int, alarm_id: str, action: str, request: Request,
                 session: SessionDep, user: Worker) -> dict[str, Any]:
    """``acknowledge`` or ``close`` an alarm."""
    if action not in ("acknowledge", "close"):
        raise NotFoundError(f"no alarm action {action!r}; use acknowledge or close")
    books = _books(request, session, building_id, user)
    found = _service(request).act_on_alarm(building_id, alarm_id, action, actor=user.username)
    return _alarm_out(books, found)


# -- work orders ---------------------------------------------------------------------------

@router.get("/work-orders")
def work_orders(building_id: int, request: Request, session: SessionDep, user: Reader,
                state: str | None = None, assignee: str | None = None,
                space: str | None = None, equipment: str | None = None,
                open_only: bool = False) -> list[dict[str, Any]]:
    """Work orders, newest first, filtered by state, assignee, space and equipment."""
    books = _books(request, session, building_id, user)
    with _service(request)._lock:
        found = [o for o in books.orders.orders.values()
                 if (state is None or o.state == state)
                 and (assignee is None or o.assignee == assignee)
                 and (space is None or o.space_global_id == space)
                 and (equipment is None or o.equipment_global_id == equipment)
                 and not (open_only and o.is_closed)]
        return [order_to_data(o) for o in sorted(found, key=lambda o: -o.created_at)]


@router.get("/work-orders/overdue")
def overdue(building_id: int, request: Request, session: SessionDep,
            user: Reader) -> list[dict[str, Any]]:
    """Open work orders past their due date."""
    books = _books(request, session, building_id, user)
    with _service(request)._lock:
        return [order_to_data(o) for o in overdue_work_orders(books.orders.orders.values(),
                                                              time.time())]


@router.get("/work-orders/{work_order_id}")
def work_order(building_id: int, work_order_id: str, request: Request, session: SessionDep,
               user: Reader) -> dict[str, Any]:
    """One work order with its history, and where its equipment is."""
    books = _books(request, session, building_id, user)
    with _service(request)._lock:
        order = books.orders.get(work_order_id)
        out = order_to_data(order)
    target = order.equipment_global_id or order.space_global_id
    if target and target in books.graph:
        out["location"] = asdict(locate(books.graph, target))
    return out


@router.post("/work-orders", status_code=201)
def create_work_order(building_id: int, body: WorkOrderIn, request: Request,
                      session: SessionDep, user: Worker) -> dict[str, Any]:
    """Open a work order by hand."""
    _books(request, session, building_id, user)
    order = _service(request).act_on_order(building_id, lambda orders, now: orders.create(
        body.title, actor=user.username, ts=now, priority=body.priority,
        equipment_global_id=body.equipment, space_global_id=body.space, due=body.due,
        description=body.description, assignee=body.assignee))
    return order_to_data(order)


def _order_action(request, session, building_id, user, act) -> dict[str, Any]:
    _books(request, session, building_id, user)
    return order_to_data(_service(request).act_on_order(building_id, act))


@router.post("/work-orders/{work_order_id}/transition")
def transition(building_id: int, work_order_id: str, body: TransitionIn, request: Request,
               session: SessionDep, user: Worker) -> dict[str, Any]:
    """Move a work order to another state (refused with the allowed ones listed)."""
    return _order_action(request, session, building_id, user, lambda o, now: o.transition(
        work_order_id, body.state, actor=user.username, ts=now, note=body.note))


@router.post("/work-orders/{work_order_id}/assign")
def assign(building_id: int, work_order_id: str, body: AssignIn, request: Request,
           session: SessionDep, user: Worker) -> dict[str, Any]:
    """Give a work order to a technician."""
    return _order_action(request, session, building_id, user, lambda o, now: o.assign(
        work_order_id, body.assignee, actor=user.username, ts=now))


@router.post("/work-orders/{work_order_id}/comments")
def comment(building_id: int, work_order_id: str, body: CommentIn, request: Request,
            session: SessionDep, user: Worker) -> dict[str, Any]:
    """Add a comment."""
    return _order_action(request, session, building_id, user, lambda o, now: o.comment(
        work_order_id, body.text, actor=user.username, ts=now))


@router.post("/work-orders/{work_order_id}/parts")
def part(building_id: int, work_order_id: str, body: PartIn, request: Request,
         session: SessionDep, user: Worker) -> dict[str, Any]:
    """Record a part used."""
    return _order_action(request, session, building_id, user, lambda o, now: o.add_part(
        work_order_id, PartUse(body.name, body.quantity, body.ref), actor=user.username,
        ts=now))


@router.post("/work-orders/{work_order_id}/time")
def log_time(building_id: int, work_order_id: str, body: TimeIn, request: Request,
             session: SessionDep, user: Worker) -> dict[str, Any]:
    """Record time spent (hours)."""
    return _order_action(request, session, building_id, user, lambda o, now: o.log_time(
        work_order_id, body.hours, actor=user.username, ts=now))


@router.post("/work-orders/{work_order_id}/attachments")
def attach(building_id: int, work_order_id: str, body: AttachmentIn, request: Request,
           session: SessionDep, user: Worker) -> dict[str, Any]:
    """Attach a document or photo by reference."""
    return _order_action(request, session, building_id, user, lambda o, now: o.attach(
        work_order_id, body.name, body.ref, actor=user.username, ts=now))


# -- schedules -----------------------------------------------------------------------------

def _due(books: Books, session, building_id: int, now: float, horizon_s: float) -> list:
    """What the schedules say is due: calendar from the last time each item was serviced
    (its last done schedule work order), runtime from the status readings' running hours."""
    connection = session.connection()
    counters = running_hours(connection, building_id)
    week = running_hours(connection, building_id, since_ms=int((now - 7 * 86400) * 1000))
    rates = {gid: hours / 7 for gid, hours in week.items() if hours > 0}
    last_done: dict[tuple[str, str], tuple[float, float]] = {}
    for order in books.orders.orders.values():
        if order.schedule_id and order.equipment_global_id and \
                order.state in ("done", "verified"):
            done_at = max((t.ts for t in order.history if t.to_state == "done"),
                          default=order.created_at)
            key = (order.schedule_id, order.equipment_global_id)
            if key not in last_done or last_done[key][0] < done_at:
                hours = running_hours(connection, building_id, until_ms=int(done_at * 1000))
                last_done[key] = (done_at, hours.get(order.equipment_global_id, 0.0))
    return due_work_orders(DEFAULT_SCHEDULES, equipment_from_graph(books.graph), now,
                           horizon_s, last_done=last_done, counters=counters,
                           rates_per_day=rates)


@router.get("/schedules")
def schedules(building_id: int, request: Request, session: SessionDep, user: Reader,
              horizon_days: Annotated[float, Query(gt=0, le=3650)] = 30
              ) -> dict[str, Any]:
    """The preventive schedules and what falls due within ``horizon_days``."""
    books = _books(request, session, building_id, user)
    now = time.time()
    due = _due(books, session, building_id, now, horizon_days * 86400)
    return {"schedules": [asdict(s) for s in DEFAULT_SCHEDULES],
            "due": [{"schedule": d.schedule.schedule_id, "equipment": d.equipment.global_id,
                     "name": d.equipment.name, "due": d.due, "reason": d.reason,
                     "overdue": d.overdue(now)} for d in due]}


@router.post("/schedules/issue")
def issue(building_id: int, request: Request, session: SessionDep, user: Worker,
          horizon_days: Annotated[float, Query(gt=0, le=365)] = 14) -> list[dict[str, Any]]:
    """Open the work orders that fall due within ``horizon_days`` (once each)."""
    books = _books(request, session, building_id, user)
    due = _due(books, session, building_id, time.time(), horizon_days * 86400)
    made = _service(request).act_on_order(building_id, lambda o, now: issue_due(
        o, due, actor=user.username, ts=now))
    return [order_to_data(o) for o in made]


# -- locate, route, round, impact ----------------------------------------------------------

@router.get("/route", tags=["graph"])
def walking_route(building_id: int, request: Request, session: SessionDep, user: Reader,
                  to: Annotated[str, Query(description="GlobalId, room number or name")],
                  start: Annotated[str | None, Query(alias="from", description="default: "
                                                     "the entrance")] = None,
                  lifts: bool = True, stairs: bool = True,
                  closed: Annotated[str | None, Query(description="comma-separated spaces "
                                                      "to avoid")] = None) -> dict[str, Any]:
    """The walk to equipment or a room: spaces, doors, stairs and lifts in order, its
    length, and a floor-level polyline to draw."""
    books = _books(request, session, building_id, user)
    walk = route(books.graph, to, start=start, lifts=lifts, stairs=stairs,
                 closed=frozenset(c for c in (closed or "").split(",") if c))
    target = resolve_target(books.graph, to)
    return walk.to_dict() | {"target": asdict(locate(books.graph, target))}


@router.get("/round", tags=["graph"])
def round_trip(building_id: int, request: Request, session: SessionDep, user: Reader,
               assignee: str) -> dict[str, Any]:
    """A technician's daily round: their open work orders in the order that walks least."""
    books = _books(request, session, building_id, user)
    with _service(request)._lock:
        orders = [o for o in books.orders.open_orders(assignee=assignee)
                  if (o.equipment_global_id or o.space_global_id) in books.graph]
    if not orders:
        raise NotFoundError(f"{assignee} has no open work order with a place in this building")
    targets = list(dict.fromkeys(o.equipment_global_id or o.space_global_id for o in orders))
    trip = daily_round(books.graph, targets)
    return {"order": list(trip.order), "length_m": round(trip.length_m, 2),
            "work_orders": [o.work_order_id for o in orders],
            "legs": [leg.to_dict() for leg in trip.legs],
            "polyline": [[round(v, 3) for v in p] for p in trip.polyline]}


@router.get("/impact/{equipment}", tags=["graph"])
def shutdown_impact(building_id: int, equipment: str, request: Request, session: SessionDep,
                    user: Reader, day: date | None = None) -> dict[str, Any]:
    """What shutting ``equipment`` down affects: equipment and rooms downstream and the
    people allocated to those rooms."""
    books = _books(request, session, building_id, user)
    building = portfolio.get_building(session, building_id, user)
    people = people_by_space(housing.load_allocations(session, building), day=day)
    return impact(books.graph, equipment, people=people).to_dict(books.graph)
