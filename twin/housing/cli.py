"""``twin compliance`` and ``twin utilisation``: office space judged against the standard, from
a building stored on the server or straight from files."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
import sys
from pathlib import Path
from typing import Annotated

import typer

from twin.core.console import (
    Commands,
    NoCache,
    cli_settings,
    load_building,
    open_database,
    reports_errors,
    stderr,
    stdout,
)
from twin.core.errors import InvalidInputError

__all__ = ["commands"]

commands = Commands()


@commands.command()
@reports_errors
def compliance(
    building: Annotated[int | None, typer.Argument(
        help="A building id of the server's database (instead of --model/--allocations).",
        show_default=False)] = None,
    model_file: Annotated[Path | None, typer.Option("--model",
                                                    help="The building's .ifc file.")] = None,
    allocations: Annotated[Path | None, typer.Option(help="Allocations .csv or .xlsx.")]
    = None,
    day: Annotated[str | None, typer.Option("--date", help="Day judged (default today).")]
    = None,
    rules: Annotated[str | None, typer.Option(help="Rule set key (cn-2014, cn-1999, uk-2016, "
                                                   "us-2025) or a .toml file; default: the "
                                                   "Chinese edition in force on the day.")]
    = None,
    tolerance: Annotated[float | None, typer.Option(help="Tolerance, m².")] = None,
    output_format: Annotated[str, typer.Option(
        "--format", help="table, csv, json, or the rectification report: xlsx, html, pdf.")]
    = "table",
    out: Annotated[Path | None, typer.Option(help="Write the report to this file.")] = None,
    no_cache: NoCache = False,
) -> None:
    """Judge every office against the office-space standard.

    Either a building stored on the server (``twin compliance 1``, with the allocations
    imported there) or straight from files (``--model M.ifc --allocations A.csv``).
    """
    from datetime import date

    from spaces.allocations import read_allocations
    from spaces.compliance import assess, attached_rooms, room_facts, room_labels
    from twin.housing import service
    from twin.housing.report_console import print_report, report_csv, report_json

    if output_format not in ("table", "csv", "json", "xlsx", "html", "pdf"):
        raise InvalidInputError(f"unknown format {output_format!r}; use table, csv, json, "
                                f"xlsx, html or pdf")
    if output_format in ("xlsx", "html", "pdf") and out is None:
        raise InvalidInputError(f"--format {output_format} needs --out FILE")
    try:
        when = date.fromisoformat(day) if day else date.today()
    except ValueError as exc:
        raise InvalidInputError(f"--date {day!r} is not an ISO date (YYYY-MM-DD)") from exc
    rule_set = service.resolve_rule_set(rules, when, tolerance=tolerance, allow_files=True)
    if building is not None:
        model, _graph, report, imported = _stored_compliance(building, no_cache, rule_set, when)
    elif model_file is None or allocations is None:
        raise InvalidInputError("give a building id, or both --model and --allocations")
    else:
        model, _graph = load_building(model_file, no_cache)
        rooms = room_facts(model)
        imported = read_allocations(allocations, rooms=room_labels(rooms),
                                    check_grade=service.grade_checker(rule_set))
        report = assess(rooms, imported, rule_set, day=when,
                        attached=attached_rooms(_graph, rooms))
    if output_format == "table" and out is None:
        print_report(stdout, report, imported.problems)
        return
    if output_format in ("xlsx", "html", "pdf"):
        from twin.housing import report_files as rectification

        if output_format == "xlsx":
            rectification.write_xlsx(report, imported, out)
        elif output_format == "pdf":
            rectification.write_pdf(report, imported, out, model=model, graph=_graph)
        else:
            plans = rectification.render_verdict_plans(report, model, _graph,
                                                       out.parent / f"{out.stem}-plans")
            rectification.write_html(report, imported, out, plans=plans)
        stderr.print(f"wrote {out}", highlight=False)
        return
    # "table" written to a file is the CSV: a table is for the terminal.
    text = report_json(report) if output_format == "json" else report_csv(report)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        stderr.print(f"wrote {out}", highlight=False)
    else:
        sys.stdout.write(text)
    for problem in imported.problems:
        stderr.print(f"row {problem.row} refused ({problem.column}={problem.value!r}): "
                     f"{problem.reason}", highlight=False)


def _stored_compliance(building_id: int, no_cache: bool, rule_set, day):
    """Model, graph, compliance report and allocations of a building in the server's
    database, judged by the same service as ``GET …/compliance``."""
    from twin.core.model_store import model_file
    from twin.housing import service
    from twin.portfolio import service as portfolio

    settings = cli_settings()
    with open_database() as db, db.session() as session:
        building = portfolio.get_building(session, building_id, None)
        sha256 = portfolio.latest_revision(session, building).sha256
        model, graph = load_building(model_file(settings, sha256), no_cache)
        judged = service.building_compliance(session, building, graph, rule_set=rule_set,
                                             day=day)
    return model, graph, judged.report, judged.allocations


@commands.command()
@reports_errors
def utilisation(
    model_file: Annotated[Path, typer.Option("--model", help="The building's .ifc file.")],
    allocations: Annotated[Path, typer.Option(help="Allocations .csv or .xlsx.")],
    day: Annotated[str | None, typer.Option("--date", help="Day measured (default today).")]
    = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Under-used below this "
                                                                    "share of desks taken.")]
    = 0.6,
    no_cache: NoCache = False,
) -> None:
    """Office utilisation from allocations: per storey, department and building."""
    from datetime import date

    from rich.table import Table

    from spaces.allocations import read_allocations
    from spaces.compliance import room_facts, room_labels
    from spaces.utilisation import utilisation as measure

    try:
        when = date.fromisoformat(day) if day else date.today()
    except ValueError as exc:
        raise InvalidInputError(f"--date {day!r} is not an ISO date (YYYY-MM-DD)") from exc
    model, _graph = load_building(model_file, no_cache)
    rooms = room_facts(model)
    imported = read_allocations(allocations, rooms=room_labels(rooms))
    planned = {gid: int(s.psets.get("Pset_SpaceOccupancyRequirements", {}).get(
        "OccupancyNumber")) for gid, s in model.spaces.items()
        if isinstance(s.psets.get("Pset_SpaceOccupancyRequirements", {}).get(
            "OccupancyNumber"), int | float)}
    rows, under = measure(rooms, imported, day=when, planned=planned, threshold=threshold)
    table = Table(title=f"Office utilisation on {when}")
    for column in ("level", "name", "offices", "people", "desks", "area m²", "m²/person",
                   "people/desk"):
        table.add_column(column, justify="left" if column in ("level", "name") else "right")
    for row in rows:
        if row.level == "room":
            continue
        table.add_row(row.level, row.key, str(row.rooms), str(row.people), str(row.desks),
                      f"{row.area_m2:.1f}",
                      "—" if row.m2_per_person is None else f"{row.m2_per_person:.1f}",
                      "—" if row.occupancy is None else f"{row.occupancy:.2f}")
    stdout.print(table)
    stdout.print(f"under-used offices (< {threshold:.0%} of desks taken): "
                 + (", ".join(f"{r.key} ({r.people}/{r.desks})" for r in under) or "none"),
                 highlight=False)
