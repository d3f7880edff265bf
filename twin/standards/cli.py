"""``twin check`` (model quality against IDS), ``twin export-brick`` (the Brick graph),
``twin export-cobie`` (the COBie workbook) and ``twin export-bcf`` (work orders and alarms as
BCF topics)."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
import json
from pathlib import Path
from typing import Annotated

import typer

from twin.core.console import (
    Commands,
    ModelFile,
    NoCache,
    cli_settings,
    load_building,
    open_database,
    reports_errors,
    stderr,
)
from twin.core.errors import InvalidInputError

__all__ = ["commands"]

commands = Commands()

Out = Annotated[Path, typer.Option("--out", "-o", help="The file to write.", show_default=False)]


@commands.command()
@reports_errors
def check(
    file: ModelFile,
    ids: Annotated[Path | None, typer.Option(help="An IDS 1.0 file (default: the twin's, "
                                                  "bim_models/standards/twin-fm.ids).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="text, json or html.")]
    = "text",
    out: Annotated[Path | None, typer.Option(help="Write the report to this file.")] = None,
    blocking: Annotated[str | None, typer.Option(
        help="Comma-separated blocking requirements, 'none' for none (default: "
             "TWIN_IDS_BLOCKING, else the GlobalId checks).")] = None,
) -> None:
    """Check a model against an IDS file and the twin's GlobalId checks.

    Exit code 1 when a blocking requirement fails, 0 otherwise (failed warnings included).
    """
    from bim_models.standards.ids import check_model, parse_blocking
    from bim_models.standards.quality_report import render_html, render_text

    if output_format not in ("text", "json", "html"):
        raise InvalidInputError(f"--format {output_format!r}: use text, json or html")
    settings = cli_settings()
    report = check_model(file, ids_path=ids,
                         blocking=parse_blocking(blocking or settings.ids_blocking))
    text = {"text": render_text, "html": render_html,
            "json": lambda r: json.dumps(r, ensure_ascii=False, indent=1) + "\n"}[
        output_format](report)
    if out:
        out.write_text(text, encoding="utf-8")
        stderr.print(f"wrote {out}", highlight=False)
    else:
        typer.echo(text, nl=False)
    if not report["passed"]:
        stderr.print("refused: " + ", ".join(report["blocking_failures"]), highlight=False)
        raise typer.Exit(1)


def _file_or_building(file: Path | None, building: int | None) -> tuple:
    """``(file, building)`` with exactly one set: the argument is a building id of the server
    when it is a number that names no file (``twin export-cobie 1``), as with ``--building``.

    Raises
    ------
    InvalidInputError
        Neither or both given.
    """
    if file is not None and building is None and not file.exists() and str(file).isdigit():
        file, building = None, int(str(file))
    if (file is None) == (building is None):
        raise InvalidInputError("give a model FILE or a building id (BUILDING or --building ID)")
    return file, building


@commands.command("export-brick")
@reports_errors
def export_brick(
    out: Out,
    file: Annotated[Path | None, typer.Argument(
        help="An .ifc or .ifczip file, or a building id of the server.",
        show_default=False)] = None,
    building: Annotated[int | None, typer.Option(
        help="A building id of the server's database: its latest revision and its "
             "registered devices as points.")] = None,
    no_cache: NoCache = False,
) -> None:
    """Write the building as Brick 1.4 / RealEstateCore Turtle: locations, equipment, systems,
    feeds and (with --building) the devices as points with units."""
    file, building = _file_or_building(file, building)
    if building is not None:
        from twin.core.model_store import GraphStore
        from twin.standards.service import building_brick

        with open_database() as db, db.session() as session:
            graph = building_brick(session, GraphStore(cli_settings()), building, None)
    else:
        from spaces.brick import brick_graph

        model, space_graph = load_building(file, no_cache)
        graph = brick_graph(space_graph, model_id=model.sha256, model_location=file.name)
    graph.serialize(destination=str(out), format="turtle")
    stderr.print(f"wrote {out}: {len(graph)} triples", highlight=False)


@commands.command("export-cobie")
@reports_errors
def export_cobie(
    out: Out,
    file: Annotated[Path | None, typer.Argument(
        help="An .ifc or .ifczip file, or a building id of the server.",
        show_default=False)] = None,
    building: Annotated[int | None, typer.Option(
        help="A building id of the server's database: its latest revision with the "
             "allocations, devices, last readings and open work orders.")] = None,
) -> None:
    """Write the COBie 2.4 workbook (.xlsx) of a model through ifcfm; with --building, with
    what the twin knows beyond the file."""
    file, building = _file_or_building(file, building)
    if building is not None:
        from twin.standards.service import building_cobie

        with open_database() as db, db.session() as session:
            rows = building_cobie(session, cli_settings(), building, None, out)
    else:
        from bim_models.standards.cobie import CobieExtras, write_cobie

        rows = write_cobie(file, out, extras=CobieExtras(documents=[
            {"name": file.name, "category": "Building information model", "file": file.name}]))
    filled = ", ".join(f"{sheet} {count}" for sheet, count in rows.items() if count)
    stderr.print(f"wrote {out}: {filled}", highlight=False)


@commands.command("export-bcf")
@reports_errors
def export_bcf(
    building: Annotated[int, typer.Option(help="A building id of the server's database.")],
    out: Out,
    work_order: Annotated[list[str] | None, typer.Option(
        "--work-order", help="A work order id (repeat; none and no --alarm: every open "
                             "one).")] = None,
    alarm: Annotated[list[str] | None, typer.Option("--alarm", help="An alarm id (repeat).")]
    = None,
    snapshot: Annotated[bool, typer.Option(
        "--snapshot", help="Add an off-screen 3D snapshot of the equipment's storey to each "
                           "viewpoint (a few seconds each).")] = False,
) -> None:
    """Write work orders and alarms as BCF 3.0 topics with a viewpoint on their equipment."""
    from twin.core.model_store import GraphStore
    from twin.standards import bcf_service

    settings = cli_settings()
    with open_database() as db, db.session() as session:
        snapshotter = _snapshotter(session, settings, building) if snapshot else None
        count = bcf_service.export_bcf(session, GraphStore(settings), building, None, out,
                                       work_orders=work_order, alarms=alarm,
                                       snapshotter=snapshotter)
    stderr.print(f"wrote {out}: {count} topics", highlight=False)


def _snapshotter(session, settings, building: int):
    """Render the storey of an element in 3D off-screen (viewer.snapshot), as PNG bytes."""
    import tempfile

    from bim_models.meshes import load_meshes
    from twin.core.model_store import model_file
    from twin.portfolio import service as portfolio
    from viewer.snapshot import render_snapshot

    revision = portfolio.latest_revision(session, portfolio.get_building(session, building,
                                                                         None))
    meshes = load_meshes(model_file(settings, revision.sha256),
                         cache_dir=settings.resolved_cache_dir)

    def render(global_id: str, storey: "str | None") -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            png = Path(folder) / "snapshot.png"
            render_snapshot(meshes, png, storey=storey, view="3d", size=(800, 600),
                            title=global_id)
            return png.read_bytes()
    return render
