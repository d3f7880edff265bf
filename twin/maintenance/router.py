"""Maintenance: alarms, work orders, preventive schedules, routes to equipment, daily rounds
and the impact of shutting equipment down. Maintenance staff act; managers read; housing
officers and viewers are refused (``maintenance.read`` / ``maintenance.act``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from maintenance import impact, issue_due, people_by_space
from maintenance.schedules import DEFAULT_SCHEDULES
from maintenance.workorders import PartUse
from spaces.routing import daily_round, locate, resolve_target, route
from twin.core.deps import SessionDep, require
from twin.core.errors import NotFoundError
from twin.core.tables import User
from twin.housing import store as housing
from twin.maintenance.schemas import (
    AlarmDetailPublic,
    AlarmPublic,
    AssignmentCreate,
    AttachmentCreate,
    CommentCreate,
    ImpactPublic,
    PartCreate,
    RoundPublic,
    RoutePublic,
    ScheduleDuePublic,
    SchedulePublic,
    SchedulesPublic,
    TimeCreate,
    TransitionCreate,
    WorkOrderCreate,
    WorkOrderDetailPublic,
    WorkOrderPublic,
)
from twin.maintenance.service import Books, MaintenanceService
from twin.portfolio import service as portfolio

__all__ = ["router"]

router = APIRouter(prefix="/buildings/{building_id}", tags=["maintenance"])
Worker = Annotated[User, Depends(require("maintenance.act"))]
Reader = Annotated[User, Depends(require("maintenance.read"))]


def _service(request: Request) -> MaintenanceService:
    return request.app.state.maintenance


def _books(request: Request, session, building_id: int, user: User) -> Books:
    """The building's books, after checking the building is in ``user``'s scope."""
    portfolio.get_building(session, building_id, user)
    return _service(request).books_of(building_id)


# -- alarms --------------------------------------------------------------------------------

@router.get("/alarms", response_model=list[AlarmPublic])
def alarms(building_id: int, request: Request, session: SessionDep, user: Reader,
           state: Annotated[str, Query(description="open, all, or one state")] = "open",
           roots_only: bool = True) -> list[AlarmPublic]:
    """Alarms, most severe and newest first; consequences are listed under their root."""
    _books(request, session, building_id, user)
    return _service(request).alarm_list(building_id, state=state, roots_only=roots_only)


@router.get("/alarms/{alarm_id}", response_model=AlarmDetailPublic)
def alarm(building_id: int, alarm_id: str, request: Request, session: SessionDep,
          user: Reader) -> AlarmDetailPublic:
    """One alarm with its consequences in full and where its equipment is."""
    _books(request, session, building_id, user)
    return _service(request).alarm_detail(building_id, alarm_id)


@router.post("/alarms/{alarm_id}/{action}", response_model=AlarmPublic)
def act_on_alarm(building_id: int, alarm_id: str, action: str, request: Request,
                 session: SessionDep, user: Worker) -> AlarmPublic:
    """``acknowledge`` or ``close`` an alarm."""
    if action not in ("acknowledge", "close"):
        raise NotFoundError(f"no alarm action {action!r}; use acknowledge or close")
    _books(request, session, building_id, user)
    service = _service(request)
    service.act_on_alarm(building_id, alarm_id, action, actor=user.username)
    return service.alarm_public(building_id, alarm_id)


# -- work orders ---------------------------------------------------------------------------

@router.get("/work-orders", response_model=list[WorkOrderPublic])
def work_orders(building_id: int, request: Request, session: SessionDep, user: Reader,
                state: str | None = None, assignee: str | None = None,
                space: str | None = None, equipment: str | None = None,
                open_only: bool = False) -> list[WorkOrderPublic]:
    """Work orders, newest first, filtered by state, assignee, space and equipment."""
    _books(request, session, building_id, user)
    return _service(request).work_order_list(building_id, state=state, assignee=assignee,
                                             space=space, equipment=equipment,
                                             open_only=open_only)


@router.get("/work-orders/overdue", response_model=list[WorkOrderPublic])
def overdue(building_id: int, request: Request, session: SessionDep,
            user: Reader) -> list[WorkOrderPublic]:
    """Open work orders past their due date."""
    _books(request, session, building_id, user)
    return _service(request).overdue_orders(building_id)


@router.get("/work-orders/{work_order_id}", response_model=WorkOrderDetailPublic)
def work_order(building_id: int, work_order_id: str, request: Request, session: SessionDep,
               user: Reader) -> WorkOrderDetailPublic:
    """One work order with its history, and where its equipment is."""
    _books(request, session, building_id, user)
    return _service(request).work_order_detail(building_id, work_order_id)


def _order_action(request, session, building_id, user, act) -> WorkOrderPublic:
    _books(request, session, building_id, user)
    return WorkOrderPublic.model_validate(_service(request).act_on_order(building_id, act))


@router.post("/work-orders", status_code=201, response_model=WorkOrderPublic)
def create_work_order(building_id: int, body: WorkOrderCreate, request: Request,
                      session: SessionDep, user: Worker) -> WorkOrderPublic:
    """Open a work order by hand."""
    return _order_action(request, session, building_id, user, lambda orders, now: orders.create(
        body.title, actor=user.username, ts=now, priority=body.priority,
        equipment_global_id=body.equipment, space_global_id=body.space, due=body.due,
        description=body.description, assignee=body.assignee))


@router.post("/work-orders/{work_order_id}/transition", response_model=WorkOrderPublic)
def transition(building_id: int, work_order_id: str, body: TransitionCreate, request: Request,
               session: SessionDep, user: Worker) -> WorkOrderPublic:
    """Move a work order to another state (refused with the allowed ones listed)."""
    return _order_action(request, session, building_id, user, lambda o, now: o.transition(
        work_order_id, body.state, actor=user.username, ts=now, note=body.note))


@router.post("/work-orders/{work_order_id}/assign", response_model=WorkOrderPublic)
def assign(building_id: int, work_order_id: str, body: AssignmentCreate, request: Request,
           session: SessionDep, user: Worker) -> WorkOrderPublic:
    """Give a work order to a technician."""
    return _order_action(request, session, building_id, user, lambda o, now: o.assign(
        work_order_id, body.assignee, actor=user.username, ts=now))


@router.post("/work-orders/{work_order_id}/comments", response_model=WorkOrderPublic)
def comment(building_id: int, work_order_id: str, body: CommentCreate, request: Request,
            session: SessionDep, user: Worker) -> WorkOrderPublic:
    """Add a comment."""
    return _order_action(request, session, building_id, user, lambda o, now: o.comment(
        work_order_id, body.text, actor=user.username, ts=now))


@router.post("/work-orders/{work_order_id}/parts", response_model=WorkOrderPublic)
def part(building_id: int, work_order_id: str, body: PartCreate, request: Request,
         session: SessionDep, user: Worker) -> WorkOrderPublic:
    """Record a part used."""
    return _order_action(request, session, building_id, user, lambda o, now: o.add_part(
        work_order_id, PartUse(body.name, body.quantity, body.ref), actor=user.username,
        ts=now))


@router.post("/work-orders/{work_order_id}/time", response_model=WorkOrderPublic)
def log_time(building_id: int, work_order_id: str, body: TimeCreate, request: Request,
             session: SessionDep, user: Worker) -> WorkOrderPublic:
    """Record time spent (hours)."""
    return _order_action(request, session, building_id, user, lambda o, now: o.log_time(
        work_order_id, body.hours, actor=user.username, ts=now))


@router.post("/work-orders/{work_order_id}/attachments", response_model=WorkOrderPublic)
def attach(building_id: int, work_order_id: str, body: AttachmentCreate, request: Request,
           session: SessionDep, user: Worker) -> WorkOrderPublic:
    """Attach a document or photo by reference."""
    return _order_action(request, session, building_id, user, lambda o, now: o.attach(
        work_order_id, body.name, body.ref, actor=user.username, ts=now))


# -- schedules -----------------------------------------------------------------------------

@router.get("/schedules", response_model=SchedulesPublic)
def schedules(building_id: int, request: Request, session: SessionDep, user: Reader,
              horizon_days: Annotated[float, Query(gt=0, le=3650)] = 30
              ) -> SchedulesPublic:
    """The preventive schedules and what falls due within ``horizon_days``."""
    _books(request, session, building_id, user)
    service = _service(request)
    now = service.clock()
    due = service.schedules_due(session, building_id, now, horizon_days * 86400)
    return SchedulesPublic(
        schedules=[SchedulePublic.model_validate(s) for s in DEFAULT_SCHEDULES],
        due=[ScheduleDuePublic(schedule=d.schedule.schedule_id, equipment=d.equipment.global_id,
                               name=d.equipment.name, due=d.due, reason=d.reason,
                               overdue=d.overdue(now)) for d in due])


@router.post("/schedules/issue", response_model=list[WorkOrderPublic])
def issue(building_id: int, request: Request, session: SessionDep, user: Worker,
          horizon_days: Annotated[float, Query(gt=0, le=365)] = 14) -> list[WorkOrderPublic]:
    """Open the work orders that fall due within ``horizon_days`` (once each)."""
    _books(request, session, building_id, user)
    service = _service(request)
    due = service.schedules_due(session, building_id, service.clock(), horizon_days * 86400)
    made = service.act_on_order(building_id, lambda o, now: issue_due(
        o, due, actor=user.username, ts=now))
    return [WorkOrderPublic.model_validate(o) for o in made]


# -- locate, route, round, impact ----------------------------------------------------------

@router.get("/route", tags=["graph"], response_model=RoutePublic)
def walking_route(building_id: int, request: Request, session: SessionDep, user: Reader,
                  to: Annotated[str, Query(description="GlobalId, room number or name")],
                  start: Annotated[str | None, Query(alias="from", description="default: "
                                                     "the entrance")] = None,
                  lifts: bool = True, stairs: bool = True,
                  closed: Annotated[str | None, Query(description="comma-separated spaces "
                                                      "to avoid")] = None) -> RoutePublic:
    """The walk to equipment or a room: spaces, doors, stairs and lifts in order, its
    length, and a floor-level polyline to draw."""
    books = _books(request, session, building_id, user)
    walk = route(books.graph, to, start=start, lifts=lifts, stairs=stairs,
                 closed=frozenset(c for c in (closed or "").split(",") if c))
    target = resolve_target(books.graph, to)
    return RoutePublic.model_validate(
        walk.to_dict() | {"target": asdict(locate(books.graph, target))})


@router.get("/round", tags=["graph"], response_model=RoundPublic)
def round_trip(building_id: int, request: Request, session: SessionDep, user: Reader,
               assignee: str) -> RoundPublic:
    """A technician's daily round: their open work orders in the order that walks least."""
    books = _books(request, session, building_id, user)
    orders = _service(request).open_orders_of(building_id, assignee)
    if not orders:
        raise NotFoundError(f"{assignee} has no open work order with a place in this building")
    targets = list(dict.fromkeys(o.equipment_global_id or o.space_global_id for o in orders))
    trip = daily_round(books.graph, targets)
    return RoundPublic(order=list(trip.order), length_m=round(trip.length_m, 2),
                       work_orders=[o.work_order_id for o in orders],
                       legs=[RoutePublic.model_validate(leg.to_dict()) for leg in trip.legs],
                       polyline=[[round(v, 3) for v in p] for p in trip.polyline])


@router.get("/impact/{equipment}", tags=["graph"], response_model=ImpactPublic)
def shutdown_impact(building_id: int, equipment: str, request: Request, session: SessionDep,
                    user: Reader, day: date | None = None) -> ImpactPublic:
    """What shutting ``equipment`` down affects: equipment and rooms downstream and the
    people allocated to those rooms."""
    books = _books(request, session, building_id, user)
    building = portfolio.get_building(session, building_id, user)
    people = people_by_space(housing.load_allocations(session, building), day=day)
    return ImpactPublic.model_validate(impact(books.graph, equipment,
                                              people=people).to_dict(books.graph))
