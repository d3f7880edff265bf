"""The ``twin`` command line (typer + rich).

Every command reports bad input as one line on stderr naming the file and the problem, with exit
code 2, and never prints a traceback unless ``TWIN_DEBUG=1``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import networkx as nx
import typer

from bim_models import BuildingModel
from spaces import open_building, summarise, write_graph
from twin.cli_common import (
    ModelFile,
    NoCache,
    app,
    cli_settings,
    open_database,
    reports_errors,
    stderr,
    stdout,
)
from twin.errors import InvalidInputError
from twin.report import print_summary
from twin.settings import Settings

__all__ = ["app", "main"]


def _load(path: Path, no_cache: bool) -> tuple[BuildingModel, nx.MultiDiGraph]:
    """Open a building (model and graph) with a progress bar on stderr while geometry runs."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=stderr, transient=True,
                  disable=not stderr.is_terminal) as progress:
        task = progress.add_task(f"geometry of {path.name}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return open_building(path, use_cache=not no_cache, progress=advance)


@app.command()
@reports_errors
def inspect(
    file: ModelFile,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_cache: NoCache = False,
) -> None:
    """Show a model's schema, counts, storeys, spaces with areas, equipment and warnings."""
    model, building_graph = _load(file, no_cache)
    summary = summarise(model, building_graph)
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    else:
        print_summary(stdout, summary)


@app.command()
@reports_errors
def graph(
    file: ModelFile,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .json or .graphml file.")],
    no_cache: NoCache = False,
) -> None:
    """Write the space-and-equipment graph as node-link JSON or GraphML."""
    _, building_graph = _load(file, no_cache)
    write_graph(building_graph, out)
    stderr.print(f"wrote {out} ({building_graph.number_of_nodes()} nodes, "
                 f"{building_graph.number_of_edges()} edges)", highlight=False)


@app.command()
@reports_errors
def plan(
    file: ModelFile,
    storey: Annotated[str, typer.Option("--storey", "-s", help="Storey name or GlobalId.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .png file.")],
    dpi: Annotated[int, typer.Option(min=30, max=600, help="Resolution.")] = 150,
    no_cache: NoCache = False,
) -> None:
    """Draw a storey's floor plan (rooms, doors, stairs, equipment) as a PNG."""
    from viewer import render_storey_plan

    model, building_graph = _load(file, no_cache)
    path = render_storey_plan(model, building_graph, storey, out, dpi=dpi)
    stderr.print(f"wrote {path}", highlight=False)


@app.command()
@reports_errors
def sample(
    out: Annotated[Path, typer.Option("--out", "-o", help="The .ifc file to write.")],
    storeys: Annotated[int, typer.Option(min=1, help="Storeys above ground.")] = 6,
    rooms_per_storey: Annotated[int, typer.Option(min=12, help="Rooms per storey.")] = 20,
    schema: Annotated[str, typer.Option(help="IFC4, IFC4X3 or IFC2X3.")] = "IFC4",
    seed: Annotated[int, typer.Option(help="Same seed, same building.")] = 1,
    people: Annotated[bool, typer.Option(help="Also write allocations, devices, faults.")]
    = True,
) -> None:
    """Generate the sample government office building (plus people and devices beside it)."""
    from bim_models.sample import generate_sample

    with stderr.status("generating", spinner="dots") as status:
        plan, files = generate_sample(out, storeys=storeys, rooms_per_storey=rooms_per_storey,
                                      schema=schema, seed=seed, with_people=people,
                                      progress=lambda step: status.update(step))
    stderr.print(f"{len(plan.storeys)} storeys, {len(plan.rooms)} rooms, {len(plan.doors)} "
                 f"doors, {len(plan.equipment)} equipment items", highlight=False)
    for label, path in (("model", files.ifc), ("truth", files.truth),
                        ("allocations", files.allocations_csv),
                        ("allocations", files.allocations_xlsx),
                        ("devices", files.devices), ("faults", files.faults)):
        if path is not None:
            stdout.print(f"{label:12} {path}", highlight=False)


def _serve(settings: Settings) -> None:
    import uvicorn

    from twin.api import create_app

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="warning")


@app.command()
@reports_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Run the API server (uvicorn) on the configured database and data folder."""
    settings = cli_settings(host=host, port=port)
    stderr.print(f"serving on http://{settings.host}:{settings.port} (API docs at /docs)",
                 highlight=False)
    _serve(settings)


@app.command()
@reports_errors
def demo(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    schema: Annotated[str, typer.Option(help="IFC4, IFC4X3 or IFC2X3.")] = "IFC4",
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve",
                                            help="Start the server after set-up.")] = True,
    simulate: Annotated[bool, typer.Option("--simulate/--no-simulate",
                                           help="Drive the sample's devices.")] = True,
    backfill_hours: Annotated[float, typer.Option(
        help="Simulated history to catch up on first (fast), before real time.")] = 24.0,
) -> None:
    """The product's main job: the sample building, its users and the API on 127.0.0.1.

    Data goes to ``TWIN_DATA_DIR`` (default ``./twin-data``): an SQLite database, the
    generated sample building with its allocations and devices, and the model cache. The
    first run generates and loads everything; later runs reuse it.
    """
    from twin.demo import DEMO_USERS, prepare_demo

    settings = cli_settings(host="127.0.0.1", port=port, simulate=simulate,
                            simulate_backfill_hours=backfill_hours)
    with stderr.status("preparing the demo", spinner="dots") as status:
        state = prepare_demo(settings, schema=schema, step=lambda m: status.update(m))
    base = f"http://127.0.0.1:{port}"
    stdout.print(f"[bold]Facility twin demo[/bold] — data in {settings.data_dir.resolve()}")
    stdout.print(f"  building {state.building_id}: {state.model_path}", highlight=False)
    stdout.print(f"  API        {base}/buildings/{state.building_id}/spaces", highlight=False)
    stdout.print(f"  viewer     {base}/viewer", highlight=False)
    stdout.print(f"  live       {base}/buildings/{state.building_id}/state/spaces"
                 "?kind=temperature  (push: ws …/stream?token=…)", highlight=False)
    stdout.print(f"  API docs   {base}/docs", highlight=False)
    stdout.print(f"  health     {base}/health", highlight=False)
    if simulate:
        via = f"MQTT broker {settings.mqtt_url}" if settings.mqtt_url else "in-process"
        stdout.print(f"  simulator  sample devices, {backfill_hours:g} h of history first, "
                     f"{via}", highlight=False)
    stdout.print("  demo users (POST /auth/token with username and password):")
    for username, (role, password) in DEMO_USERS.items():
        stdout.print(f"    {username:12} {password:24} {role}", highlight=False)
    if serve_api:
        _serve(settings)


@app.command()
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
    from spaces.rules import bundled_rule_sets, load_rule_set, rule_set_for
    from twin.compliance_report import print_report, report_csv, report_json

    if output_format not in ("table", "csv", "json", "xlsx", "html", "pdf"):
        raise InvalidInputError(f"unknown format {output_format!r}; use table, csv, json, "
                                f"xlsx, html or pdf")
    if output_format in ("xlsx", "html", "pdf") and out is None:
        raise InvalidInputError(f"--format {output_format} needs --out FILE")
    try:
        when = date.fromisoformat(day) if day else date.today()
    except ValueError as exc:
        raise InvalidInputError(f"--date {day!r} is not an ISO date (YYYY-MM-DD)") from exc
    if rules is None:
        rule_set = rule_set_for(when)
    elif rules.endswith(".toml"):
        rule_set = load_rule_set(rules)
    elif rules in bundled_rule_sets():
        rule_set = bundled_rule_sets()[rules]
    else:
        raise InvalidInputError(f"unknown rule set {rules!r}; bundled: "
                                f"{', '.join(bundled_rule_sets())}, or a .toml file")
    if tolerance is not None:
        rule_set = rule_set.with_tolerance(tolerance)
    if building is not None:
        model, _graph, rooms, imported = _stored_building(building, no_cache)
    elif model_file is None or allocations is None:
        raise InvalidInputError("give a building id, or both --model and --allocations")
    else:
        model, _graph = _load(model_file, no_cache)
        rooms = room_facts(model)

        def check(grade: str, org_level: str, subordinate: bool) -> None:
            rule_set.limit(grade, org_level, subordinate=subordinate)

        imported = read_allocations(allocations, rooms=room_labels(rooms), check_grade=check)
    report = assess(rooms, imported, rule_set, day=when,
                    attached=attached_rooms(_graph, rooms))
    if output_format == "table" and out is None:
        print_report(stdout, report, imported.problems)
        return
    if output_format in ("xlsx", "html", "pdf"):
        from twin import rectification

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


def _stored_building(building_id: int, no_cache: bool):
    """Model, graph, room facts and allocations of a building in the server's database."""
    from twin.storage import housing, portfolio

    settings = cli_settings()
    with open_database() as db, db.session() as session:
        building = portfolio.get_building(session, building_id, None)
        revision = portfolio.latest_revision(session, building)
        rooms = housing.room_facts_of(session, building)
        imported = housing.load_allocations(session, building)
    files = sorted(settings.models_dir.glob(f"{revision.sha256}.*"))
    if not files:
        raise InvalidInputError(f"the model file of building {building_id} is missing from "
                                f"{settings.models_dir}")
    model, graph = _load(files[0], no_cache)
    return model, graph, rooms, imported


@app.command()
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
    model, _graph = _load(model_file, no_cache)
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


users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
@reports_errors
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, housing_officer, maintenance, manager, "
                                           "viewer")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                          confirmation_prompt=True)],
    building: Annotated[list[int] | None, typer.Option(help="Building id in scope.")] = None,
) -> None:
    """Create an account, scoped to the given buildings."""
    from twin.storage import accounts

    with open_database() as db, db.session() as session:
        accounts.add_user(session, username=username, password=password, role=role,
                          actor="cli")
        session.flush()
        if building:
            accounts.set_user_buildings(session, username, building, actor="cli")
    stderr.print(f"added {username} ({role})", highlight=False)


@users_app.command("list")
@reports_errors
def users_list() -> None:
    """List accounts."""
    from twin.storage import accounts

    with open_database() as db, db.session() as session:
        for user in accounts.list_users(session):
            scope = "all buildings" if user.all_buildings else \
                ", ".join(str(b.building_id) for b in user.buildings) or "no buildings"
            stdout.print(f"{user.username:16} {user.role:16} {scope}", highlight=False)


@users_app.command("remove")
@reports_errors
def users_remove(username: str) -> None:
    """Delete an account."""
    from twin.storage import accounts

    with open_database() as db, db.session() as session:
        accounts.remove_user(session, username, actor="cli")
    stderr.print(f"removed {username}", highlight=False)


@app.command()
def version() -> None:
    """Print the version of the twin and of the IFC parser."""
    from importlib.metadata import version as package_version

    from bim_models import PARSER_VERSION

    stdout.print(f"facility-twin {package_version('facility-twin')} "
                 f"(parser {PARSER_VERSION})", highlight=False)


# Command modules add their commands to ``app`` when imported.
import twin.cli_iot  # noqa: E402
import twin.cli_maintenance  # noqa: E402
import twin.cli_viewer  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
