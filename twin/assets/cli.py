"""Commands of 公物仓 (the shared asset pool): ``twin assets search | show | units | import |
insight | overdue | labels`` on the server's database."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from twin.core.console import Commands, open_database, reports_errors, stdout

__all__ = ["commands"]

commands = Commands()
assets_app = commands.group("assets", "公物仓: the shared asset pool (register, loans, counts).")

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@dataclass(frozen=True)
class _Operator:
    """Who the command acts as: the server's operator, every building in scope."""

    username: str = "cli"
    role: str = "admin"
    all_buildings: bool = True
    id: int = 0


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str, indent=1))


@assets_app.command("search")
@reports_errors
def search_command(
    q: Annotated[str | None, typer.Argument(help="Name, model, room or code GWC-000042.")] = None,
    asset_class: Annotated[str | None, typer.Option("--class", help="Asset class.")] = None,
    state: Annotated[str | None, typer.Option(help="State, e.g. available, overdue.")] = None,
    unit: Annotated[str | None, typer.Option(help="Owning unit's code.")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    size: Annotated[int, typer.Option(min=1, max=200)] = 30,
    as_json: AsJson = False,
) -> None:
    """Search the catalogue."""
    from rich.table import Table

    from twin.assets import service

    with open_database() as database, database.session() as session:
        items, total = service.search_assets(session, None, q=q, asset_class=asset_class,
                                             state=state, unit=unit, page=page, size=size)
    if as_json:
        _print_json({"total": total, "items": [i.model_dump() for i in items]})
        return
    table = Table(title=f"{total} assets (page {page})")
    for column in ("code", "name", "class", "state", "owner", "room", "value", "book value"):
        table.add_column(column)
    for i in items:
        table.add_row(i.code, i.name, i.asset_class, i.state, i.owner_unit, i.room or "",
                      f"{i.value:,.0f}", f"{i.book_value:,.0f}")
    stdout.print(table)


@assets_app.command("show")
@reports_errors
def show_command(asset: Annotated[str, typer.Argument(help="Id or code GWC-000042.")]) -> None:
    """One asset with its history (who, when, why)."""
    from assets.register import parse_asset_code
    from twin.assets import service
    from twin.core.errors import InvalidInputError

    number = parse_asset_code(asset)
    if number is None:
        raise InvalidInputError(f"{asset!r} is not an asset id or code")
    with open_database() as database, database.session() as session:
        found = service.get_asset(session, number, None)
        data = service.asset_public(found, service.unit_codes(session)).model_dump()
        data["history"] = [{"at": h.at, "actor": h.actor, "from": h.from_state,
                            "to": h.to_state, "reason": h.reason}
                           for h in service.history_of(session, number)]
    _print_json(data)


@assets_app.command("units")
@reports_errors
def units_command(as_json: AsJson = False) -> None:
    """The units, their people and how many assets each owns."""
    from twin.assets import service

    with open_database() as database, database.session() as session:
        units = service.list_units(session)
    if as_json:
        _print_json(units)
        return
    for u in units:
        heads = ", ".join(m["username"] for m in u["members"] if m["role"] == "approver")
        stdout.print(f"{u['code']:6} {u['name']:<14} {u['assets']:>4} assets  head: {heads}",
                     highlight=False)


@assets_app.command("import")
@reports_errors
def import_command(
    building: Annotated[int, typer.Argument(help="Building id.")],
    table: Annotated[Path | None, typer.Option("--file", help="CSV or XLSX: name, "
                                               "asset_class, owner_unit, room, value ...")] = None,
    from_model: Annotated[bool, typer.Option("--from-model", help="The model's furniture "
                                             "and appliances.")] = False,
    owner_unit: Annotated[str, typer.Option(help="Owner of items from the model.")] = "POOL",
) -> None:
    """Register assets from a CSV/XLSX file (bad rows listed, the rest kept) or the model."""
    from twin.assets import service
    from twin.core.errors import InvalidInputError

    if (table is None) == (not from_model):
        raise InvalidInputError("give either --file F.csv|F.xlsx or --from-model")
    with open_database() as database, database.session() as session:
        if from_model:
            ids, problems = service.import_from_model(session, _Operator(), building=building,
                                                      owner_unit=owner_unit), []
        else:
            if not table.is_file():
                raise InvalidInputError(f"{table}: no such file")
            ids, problems = service.import_table(session, _Operator(), table,
                                                 building=building)
    stdout.print(f"registered {len(ids)} assets", highlight=False)
    for p in problems:
        stdout.print(f"row {p['row']}: {p['message']}", highlight=False)


@assets_app.command("insight")
@reports_errors
def insight_command(idle_days: Annotated[int, typer.Option(min=1)] = 180,
                    as_json: AsJson = False) -> None:
    """The pool's figures: states, idle assets per unit, utilisation, request → hand-over."""
    from twin.assets import reports

    with open_database() as database, database.session() as session:
        data = reports.insight(session, None, idle_days=idle_days)
    if as_json:
        _print_json(data)
        return
    lead = data["lead_time"]
    top = ", ".join(f"{e['name']} {e['count']}" for e in data["idle"][:5])
    stdout.print(f"{data['total']} assets; states {data['states']}\n"
                 f"idle ≥ {idle_days} days: {data['idle_total']} "
                 f"(top: {top})\n"
                 f"utilisation over {data['window_days']} days: {data['utilisation']:.1%}\n"
                 f"request → hand-over: median {lead['median_days']} d, p90 "
                 f"{lead['p90_days']} d, within a day {lead['within_one_day']:.0%} "
                 f"of {lead['count']}", highlight=False)


@assets_app.command("overdue")
@reports_errors
def overdue_command(
    on: Annotated[str | None, typer.Option(help="As of this day (ISO); default today.")] = None,
) -> None:
    """Mark overdue loans and list the reminders due (the server's job does this itself)."""
    from twin.assets.workflows import check_overdue

    with open_database() as database, database.session() as session:
        reminders = check_overdue(session, date.fromisoformat(on) if on else None)
    for r in reminders:
        stdout.print(f"{r.level:9} request {r.request_id}  asset {r.to_json()['code']}  "
                     f"{r.borrower} ({r.unit}) due {r.due}", highlight=False)
    stdout.print(f"{len(reminders)} reminders", highlight=False)


@assets_app.command("labels")
@reports_errors
def labels_command(
    out: Annotated[Path, typer.Option("--out", help="The PDF to write.")],
    unit: Annotated[str | None, typer.Option(help="A unit's assets.")] = None,
    ids: Annotated[str | None, typer.Option(help="Comma-separated asset ids.")] = None,
) -> None:
    """A PDF sheet of QR labels (24 per A4 page)."""
    from twin.assets import reports, service

    with open_database() as database, database.session() as session:
        wanted = [int(i) for i in ids.split(",")] if ids else [
            a.id for a in service.search_assets(session, None, unit=unit, size=200)[0]]
        out.write_bytes(reports.label_sheet(session, None, wanted))
    stdout.print(f"wrote {len(wanted)} labels to {out}", highlight=False)
