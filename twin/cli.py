"""The ``twin`` command line (typer + rich).

Every command reports bad input as one line on stderr naming the file and the problem, with exit
code 2, and never prints a traceback unless ``TWIN_DEBUG=1``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import networkx as nx
import typer
from rich.console import Console

from bim_models import BuildingModel
from spaces import open_building, summarise, write_graph
from twin.errors import exit_code_for
from twin.report import print_summary

__all__ = ["app", "main"]

app = typer.Typer(
    name="twin",
    help="Facility twin: IFC office buildings as a graph of spaces and equipment.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
stdout = Console()
stderr = Console(stderr=True)

NoCache = Annotated[bool, typer.Option("--no-cache", help="Parse from scratch; skip the cache.")]
ModelFile = Annotated[Path, typer.Argument(help="An .ifc or .ifczip file.", show_default=False)]


def _fail(error: BaseException) -> None:
    if os.environ.get("TWIN_DEBUG") == "1":
        raise error
    stderr.print(f"twin: error: {error}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(exit_code_for(error))


def reports_errors(command):
    """Decorator: turn any exception of a command into one line on stderr and an exit code."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except Exception as error:  # noqa: BLE001 - the CLI boundary: never show a traceback
            _fail(error)
    return wrapper


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


@app.command()
@reports_errors
def demo(
    schema: Annotated[str, typer.Option(help="IFC4, IFC4X3 or IFC2X3.")] = "IFC4",
) -> None:
    """Generate the sample office building in the data folder (first run) and inspect it.

    The data folder is ``TWIN_DATA_DIR`` (default ``./twin-data``). The web server and viewer
    join this command in later releases; today it shows the pipeline end to end: generation,
    parsing, the graph and its inspection report.
    """
    from bim_models.sample import generate_sample

    data_dir = Path(os.environ.get("TWIN_DATA_DIR", "twin-data"))
    path = data_dir / "sample" / f"office-{schema.lower()}.ifc"
    if path.is_file():
        stderr.print(f"using the sample building in {path}", highlight=False)
    else:
        with stderr.status("generating the sample building", spinner="dots") as status:
            generate_sample(path, schema=schema, progress=lambda step: status.update(step))
        stderr.print(f"sample building written to {path.parent}", highlight=False)
    model, building_graph = _load(path, no_cache=False)
    print_summary(stdout, summarise(model, building_graph), brief=True)
    out = write_graph(building_graph, data_dir / "sample" / "graph.json")
    stderr.print(f"graph written to {out}", highlight=False)


@app.command()
def version() -> None:
    """Print the version of the twin and of the IFC parser."""
    from importlib.metadata import version as package_version

    from bim_models import PARSER_VERSION

    stdout.print(f"facility-twin {package_version('facility-twin')} "
                 f"(parser {PARSER_VERSION})", highlight=False)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
