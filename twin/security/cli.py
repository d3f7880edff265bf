"""Commands of 数字安防 and 数字车管 (security, parking and the official fleet), on the server's
database: ``twin security events|doors|carparks|plate-add|retention|rules`` and
``twin vehicles list|book|trips|disclosure``."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
import json
from typing import Annotated

import typer

from twin.core.console import Commands, reports_errors, stdout

__all__ = ["commands"]

commands = Commands()
security_group = commands.group("security", "数字安防: security events, doors, car parks, "
                                            "allow-lists, retention.")
vehicles_group = commands.group("vehicles", "数字车管: the official fleet, bookings, trips, "
                                            "the disclosure summary.")

Building = Annotated[int, typer.Argument(help="Building id on the server's database.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _print(rows, as_json: bool, title: str, columns: list[str]) -> None:
    from rich.table import Table

    data = [r.model_dump() if hasattr(r, "model_dump") else r for r in rows]
    if as_json:
        stdout.print_json(json.dumps(data, ensure_ascii=False, default=str))
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in data:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    stdout.print(table)


@security_group.command("events")
@reports_errors
def events_command(
    building: Building,
    type_prefix: Annotated[str | None, typer.Option("--type", help="A type or prefix "
                                                    "(door, access, lpr ...).")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: AsJson = False,
) -> None:
    """The event log of a building, newest first."""
    from twin.core.console import open_database
    from twin.security import service

    with open_database() as database, database.session() as session:
        rows = service.list_events(session, building, None, type_prefix=type_prefix,
                                   limit=limit)
    _print(rows, as_json, f"Security events of building {building}",
           ["ts", "type", "device", "door", "subject"])


@security_group.command("doors")
@reports_errors
def doors_command(building: Building, as_json: AsJson = False) -> None:
    """Doors with readers or contacts and their live state."""
    from twin.core.console import open_database
    from twin.security import service

    with open_database() as database, database.session() as session:
        rows = service.doors(session, building, None)
    _print(rows, as_json, f"Doors of building {building}",
           ["door", "name", "state", "lock", "since", "devices"])


@security_group.command("carparks")
@reports_errors
def carparks_command(building: Building, as_json: AsJson = False) -> None:
    """Car parks with live counts."""
    from twin.core.console import open_database
    from twin.security import service

    with open_database() as database, database.session() as session:
        rows = [p.model_dump() | p.counts for p in service.car_parks(session, building, None)]
    _print(rows, as_json, f"Car parks of building {building}",
           ["code", "name", "total", "free", "occupied", "closed", "unknown"])


@security_group.command("plate-add")
@reports_errors
def plate_add_command(
    building: Building,
    plate: Annotated[str, typer.Option("--plate", help="The number plate.", show_default=False)],
    plate_list: Annotated[str, typer.Option("--list", help="staff, visitor or blocked.",
                                            show_default=False)],
    holder: Annotated[str, typer.Option(help="Who it belongs to.")] = "",
    valid_from: Annotated[str | None, typer.Option(help="ISO 8601.")] = None,
    valid_to: Annotated[str | None, typer.Option(help="ISO 8601.")] = None,
) -> None:
    """Put a plate on an allow-list or the blocked list."""
    from twin.core.console import open_database
    from twin.security import service
    from twin.security.schemas import PlateEntryCreate

    spec = PlateEntryCreate(plate=plate, list=plate_list, holder=holder,
                            valid_from=valid_from, valid_to=valid_to)
    with open_database() as database, database.session() as session:
        row = service.add_plate(session, building, None, spec, actor="cli")
    stdout.print(f"plate {row.plate} on the {row.list} list (entry {row.id})")


@security_group.command("retention")
@reports_errors
def retention_command(
    building: Building,
    days: Annotated[float | None, typer.Option(help="Set the retention (days).")] = None,
) -> None:
    """Show or set how long security events are kept."""
    from twin.core.console import open_database
    from twin.core.errors import InvalidInputError
    from twin.security import service

    with open_database() as database, database.session() as session:
        if days is not None:
            if not 0 < days <= 3650:
                raise InvalidInputError("--days must be between 0 and 3650")
            service.set_retention(session, building, None, days, actor="cli")
        kept = service.retention(session, building, None)
    stdout.print(f"security events of building {building} are kept {kept:g} days")


@security_group.command("rules")
@reports_errors
def rules_command(as_json: AsJson = False) -> None:
    """The correlation rules (security/rules.toml)."""
    from security.rules import load_rules

    rows = [{"name": r.name, "type": r.type, "severity": r.severity,
             "params": json.dumps(dict(r.params), ensure_ascii=False)} for r in load_rules()]
    _print(rows, as_json, "Security correlation rules", ["name", "type", "severity", "params"])


@vehicles_group.command("list")
@reports_errors
def vehicles_command(building: Building, as_json: AsJson = False) -> None:
    """The official fleet with who is out and the 30-day utilisation."""
    from twin.core.console import open_database
    from twin.security import fleet

    with open_database() as database, database.session() as session:
        rows = fleet.vehicles(session, building, None)
    _print(rows, as_json, f"Fleet of building {building}",
           ["plate", "name", "kind", "seats", "out", "utilisation_30d"])


@vehicles_group.command("book")
@reports_errors
def book_command(
    building: Building,
    plate: Annotated[str, typer.Option("--plate", show_default=False)],
    start: Annotated[str, typer.Option("--start", help="ISO 8601.", show_default=False)],
    end: Annotated[str, typer.Option("--end", help="ISO 8601.", show_default=False)],
    purpose: Annotated[str, typer.Option(help="What for.")] = "",
    requester: Annotated[str, typer.Option(help="Who asks.")] = "cli",
) -> None:
    """Request a vehicle (refused, exit 2, when it clashes with another booking)."""
    from twin.core.console import open_database
    from twin.security import fleet
    from twin.security.schemas import BookingCreate

    spec = BookingCreate(plate=plate, start=start, end=end, purpose=purpose)
    with open_database() as database, database.session() as session:
        row = fleet.book_vehicle(session, building, None, spec, actor=requester)
    stdout.print(f"booking {row.id}: {row.plate} {row.start} – {row.end} ({row.state})")


@vehicles_group.command("trips")
@reports_errors
def trips_command(building: Building, plate: Annotated[str | None, typer.Option()] = None,
                  as_json: AsJson = False) -> None:
    """Trips recorded from gate plate reads, newest first."""
    from twin.core.console import open_database
    from twin.security import fleet

    with open_database() as database, database.session() as session:
        rows = fleet.trips(session, building, None, plate=plate)
    _print(rows, as_json, f"Trips of building {building}", ["plate", "out", "back", "hours",
                                                           "km"])


@vehicles_group.command("disclosure")
@reports_errors
def disclosure_command(
    building: Building,
    start: Annotated[str, typer.Option("--start", help="ISO 8601.", show_default=False)],
    end: Annotated[str, typer.Option("--end", help="ISO 8601.", show_default=False)],
    as_json: AsJson = False,
) -> None:
    """公务用车 figures of a period: vehicles, trips, km, fuel, utilisation."""
    from twin.core.console import open_database
    from twin.security import fleet

    with open_database() as database, database.session() as session:
        summary = fleet.disclosure(session, building, None, start=start, end=end)
    if as_json:
        stdout.print_json(json.dumps(summary, ensure_ascii=False))
        return
    stdout.print(f"{summary['period']['start']} – {summary['period']['end']}: "
                 f"{summary['vehicles']} vehicles, {summary['trips']} trips, "
                 f"{summary['km']} km, {summary['fuel_litres']} L, {summary['fuel_cost']} 元")
    _print(summary["per_vehicle"], False, "Per vehicle",
           ["plate", "name", "trips", "km", "fuel_litres", "fuel_cost", "utilisation"])
