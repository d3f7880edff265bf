"""Commands of 数字节能 (energy): ``twin energy summary BUILDING`` and ``twin energy report
BUILDING`` on the server's database."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from twin.core.console import Commands, open_database, reports_errors, stdout
from twin.core.errors import InvalidInputError

__all__ = ["commands"]

commands = Commands()
energy = commands.group("energy", "数字节能: energy use, indicators and the yearly report.")

Building = Annotated[int, typer.Argument(help="Building id on the server's database.")]


def _date(text: str | None, name: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"--{name} {text!r} is not a date (YYYY-MM-DD)") from None


@energy.command("summary")
@reports_errors
def summary_command(
    building: Building,
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="Day after the last (YYYY-MM-DD).")] = None,
    group_by: Annotated[str, typer.Option("--group-by",
                                          help="meter, storey, system or category.")
                        ] = "category",
    interval: Annotated[str, typer.Option(help="hour, day or month.")] = "month",
    carrier: Annotated[str, typer.Option(help="electricity, water, gas or heat.")
                       ] = "electricity",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Use, cost, standard coal (kgce) and per m² of a building, per group."""
    from rich.table import Table

    from twin.energy import service
    from twin.portfolio import service as portfolio

    with open_database() as database, database.session() as session:
        row = portfolio.get_building(session, building, None)
        meters = service.meter_set(session, row)
        period = service.period_of(session, meters, _date(start, "start"), _date(end, "end"))
        data = service.summary(session, row, period=period, group_by=group_by,
                               interval=interval, carrier=carrier)
    if as_json:
        stdout.print_json(json.dumps(data, ensure_ascii=False))
        return
    unit = data["unit"]
    table = Table(title=f"{carrier} of building {building}, {data['start']} .. {data['end']} "
                        "(end exclusive)")
    for column in ("group", unit, "cost (CNY)", "kgce", f"{unit}/m²"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for g in data["groups"]:
        table.add_row(g["label"], f"{g['total']:,.0f}", f"{g['cost']:,.0f}",
                      f"{g['kgce'] or 0:,.0f}", f"{g['per_m2']:.2f}" if g["per_m2"] else "—")
    total = data["total"]
    table.add_row("合计 Total", f"{total['amount']:,.0f}", f"{total['total_cost']:,.0f}",
                  f"{total['kgce'] or 0:,.0f}",
                  f"{total['per_m2']:.2f}" if total["per_m2"] else "—")
    stdout.print(table)
    factor = data["factors"]["kgce"]
    if factor:
        stdout.print(f"kgce factor {factor['value']} per {factor['per_unit']}: "
                     f"{factor['source']}")


@energy.command("report")
@reports_errors
def report_command(
    building: Building,
    out: Annotated[Path, typer.Option("--out", help="The report file (.xlsx or .pdf).",
                                      show_default=False)],
    year: Annotated[int | None, typer.Option(help="Year (default: this year).")] = None,
    zone: Annotated[str | None, typer.Option(help="Climate zone of the quota tables.")
                    ] = None,
) -> None:
    """The yearly energy statistics report (能源资源消费统计表) as XLSX or PDF."""
    from twin.core.console import cli_settings
    from twin.energy import analysis
    from twin.energy.report_files import write_report
    from twin.portfolio import service as portfolio

    if out.suffix.lower() not in (".xlsx", ".pdf"):
        raise InvalidInputError(f"{out}: the report is written as .xlsx or .pdf")
    year = year or dt.datetime.now(dt.UTC).year
    zone = zone or cli_settings().energy_climate_zone
    with open_database() as database, database.session() as session:
        row = portfolio.get_building(session, building, None)
        data = analysis.indicators(session, row, year=year, zone=zone)
        name = row.name
    path = write_report(data, name, out)
    stdout.print(f"wrote {path}")
