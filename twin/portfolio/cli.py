"""``twin inspect``, ``twin graph``, ``twin plan`` and ``twin sample``: a model file read,
summarised, drawn or generated, without a server."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
import sys
from pathlib import Path
from typing import Annotated

import typer

from twin.core.console import (
    Commands,
    ModelFile,
    NoCache,
    load_building,
    load_summary,
    reports_errors,
    stderr,
    stdout,
)

__all__ = ["commands"]

commands = Commands()


@commands.command()
@reports_errors
def inspect(
    file: ModelFile,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_cache: NoCache = False,
) -> None:
    """Show a model's schema, counts, storeys, spaces with areas, equipment and warnings."""
    summary = load_summary(file, no_cache)
    if as_json:
        from spaces.summary import summary_json

        sys.stdout.write(summary_json(summary))
    else:
        from twin.portfolio.report_console import print_summary

        print_summary(stdout, summary)


@commands.command()
@reports_errors
def graph(
    file: ModelFile,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .json or .graphml file.")],
    no_cache: NoCache = False,
) -> None:
    """Write the space-and-equipment graph as node-link JSON or GraphML."""
    from spaces import write_graph

    _, building_graph = load_building(file, no_cache)
    write_graph(building_graph, out)
    stderr.print(f"wrote {out} ({building_graph.number_of_nodes()} nodes, "
                 f"{building_graph.number_of_edges()} edges)", highlight=False)


@commands.command()
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

    model, building_graph = load_building(file, no_cache)
    path = render_storey_plan(model, building_graph, storey, out, dpi=dpi)
    stderr.print(f"wrote {path}", highlight=False)


@commands.command()
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
