"""``twin route`` and ``twin impact`` (from a model file, without a server): the way to
equipment and what it affects; ``twin alarms`` and ``twin workorders`` (from the server's
database): what is wrong and who is on it."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
import json
from pathlib import Path
from typing import Annotated

import typer

from twin.core.console import Commands, NoCache, reports_errors, stderr, stdout
from twin.core.errors import InvalidInputError

__all__ = ["commands"]

commands = Commands()

Model = Annotated[Path, typer.Option("--model", help="An .ifc or .ifczip file.",
                                     show_default=False)]


def _open(model: Path, no_cache: bool):
    from spaces import open_building

    return open_building(model, use_cache=not no_cache)[1]


@commands.command("route")
@reports_errors
def route_command(
    model: Model,
    to: Annotated[str, typer.Option("--to", help="GlobalId or name of a room or equipment.",
                                    show_default=False)],
    start: Annotated[str | None, typer.Option("--from", help="Start room (default: the "
                                              "building entrance).")] = None,
    no_lifts: Annotated[bool, typer.Option("--no-lifts", help="Never ride a lift.")] = False,
    no_stairs: Annotated[bool, typer.Option("--no-stairs", help="Never climb a stair.")] = False,
    closed: Annotated[list[str] | None, typer.Option("--closed", help="A space, door or "
                                                     "stair to avoid (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    no_cache: NoCache = False,
) -> None:
    """The walking route to a room or an item of equipment: doors, stairs, lifts."""
    from rich.table import Table

    from spaces.routing import resolve_target, route

    graph = _open(model, no_cache)
    avoid = frozenset(resolve_target(graph, c) for c in closed or ())
    found = route(graph, to, start=start, lifts=not no_lifts, stairs=not no_stairs,
                  closed=avoid)
    if as_json:
        data = found.to_dict()
        shape = {"steps": data["steps"], "length_m": data["length_m"],
                 "polyline": data["polyline"]}
        if found.approximate:  # a storey without rooms crossed in a straight line
            shape |= {"approximate": True, "notes": data["notes"]}
        print(json.dumps(shape, ensure_ascii=False))
        return
    table = Table(title=f"Route to {found.steps[-1].name} ({found.length_m:.1f} m)")
    for column in ("#", "kind", "name", "storey", "at m", "global_id"):
        table.add_column(column)
    for n, step in enumerate(found.steps, start=1):
        long_name = graph.nodes[step.global_id].get("long_name")
        label = f"{step.name} ({long_name})" if long_name and long_name != step.name \
            else step.name
        table.add_row(str(n), step.kind, label, step.storey or "",
                      f"{step.distance_m:.1f}", step.global_id)
    stdout.print(table)
    for note in found.notes:
        stdout.print(f"note: {note}")


@commands.command("impact")
@reports_errors
def impact_command(
    model: Model,
    equipment: Annotated[str, typer.Option("--equipment", help="GlobalId or name of the item.",
                                           show_default=False)],
    allocations: Annotated[Path | None, typer.Option("--allocations", help="Allocations CSV/"
                                                     "XLSX: list the people affected.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    no_cache: NoCache = False,
) -> None:
    """Equipment, rooms and people downstream of an item of equipment."""
    from rich.table import Table

    from maintenance import MaintenanceError, impact, people_by_space
    from spaces.allocations import read_allocations

    graph = _open(model, no_cache)
    people = None
    if allocations is not None:
        rooms = {}
        for n, d in graph.nodes(data=True):
            if d.get("kind") == "space":
                rooms[n] = n
                name = str(d.get("name") or "")
                rooms[name] = "" if name in rooms and rooms[name] != n else n
        people = people_by_space(read_allocations(allocations, rooms=rooms))
    try:
        found = impact(graph, equipment, people=people)
    except MaintenanceError as exc:
        raise InvalidInputError(str(exc)) from exc
    data = found.to_dict(graph)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, default=str))
        return
    stdout.print(f"{found.name}: {len(found.downstream)} items of equipment, "
                 f"{len(found.spaces)} rooms, {len(found.people)} people affected "
                 f"(evidence: {', '.join(found.evidence) or 'none'})", highlight=False)
    for warning in found.warnings:
        stderr.print(f"warning: {warning}", markup=False, highlight=False)
    table = Table(title="Rooms affected")
    for column in ("room", "people"):
        table.add_column(column)
    by_room: dict[str, list[str]] = {}
    for person in data["people"]:
        by_room.setdefault(str(person.get("room")), []).append(str(person.get("name")))
    for space in data["spaces"]:
        table.add_row(str(space["name"]), ", ".join(by_room.get(str(space["name"]), [])))
    stdout.print(table)


def _books(building: int):
    from twin.core.console import open_database
    from twin.maintenance.store import load_books
    from twin.portfolio import service as portfolio

    with open_database() as database, database.session() as session:
        portfolio.get_building(session, building, None)
        return load_books(session, building)


def _when(ts: float | None) -> str:
    import datetime as dt

    return "—" if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC).strftime(
        "%Y-%m-%d %H:%M")


@commands.command("alarms")
@reports_errors
def alarms_command(
    building: Annotated[int, typer.Argument(help="Building id on the server's database.")],
    all_states: Annotated[bool, typer.Option("--all", help="Closed and cleared too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The alarms of a building: root alarms, with how many consequences each groups."""
    from rich.table import Table

    from maintenance.alarms import select_alarms

    alarms, _orders = _books(building)
    chosen = select_alarms(alarms, state="all" if all_states else "open", roots_only=False)
    if as_json:
        stdout.print_json(json.dumps([a.to_dict() for a in chosen], ensure_ascii=False))
        return
    children: dict[str, int] = {}
    for a in chosen:
        if a.parent_id:
            children[a.parent_id] = children.get(a.parent_id, 0) + 1
    table = Table(title=f"Alarms of building {building}")
    for column in ("id", "severity", "state", "rule", "device", "last seen (UTC)",
                   "consequences"):
        table.add_column(column)
    for a in (a for a in chosen if not a.parent_id):
        table.add_row(a.alarm_id, a.severity, a.state, a.rule, a.device_id, _when(a.last_seen),
                      str(children.get(a.alarm_id, 0)))
    stdout.print(table)


@commands.command("workorders")
@reports_errors
def workorders_command(
    building: Annotated[int, typer.Argument(help="Building id on the server's database.")],
    open_only: Annotated[bool, typer.Option("--open", help="Only those not closed.")] = False,
    assignee: Annotated[str | None, typer.Option(help="Only this technician's.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The work orders of a building, newest first."""
    from rich.table import Table

    from maintenance.workorders import select_work_orders
    from twin.maintenance.schemas import WorkOrderPublic

    _alarms, orders = _books(building)
    chosen = select_work_orders(orders, assignee=assignee, open_only=open_only)
    if as_json:
        stdout.print_json(json.dumps([WorkOrderPublic.model_validate(o).model_dump()
                                      for o in chosen], ensure_ascii=False))
        return
    table = Table(title=f"Work orders of building {building}")
    for column in ("id", "state", "priority", "title", "assignee", "due (UTC)", "alarm"):
        table.add_column(column)
    for o in chosen:
        table.add_row(o.work_order_id, o.state, o.priority, o.title, o.assignee or "—",
                      _when(o.due), o.alarm_id or "—")
    stdout.print(table)
