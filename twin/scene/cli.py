"""``twin export-gltf``, ``twin snapshot`` and ``twin tour``: the 3D scene as a file, images
and walkthrough videos (the ``viewer`` package)."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from twin.core.console import Commands, ModelFile, NoCache, reports_errors, stderr
from twin.core.errors import InvalidInputError

__all__ = ["commands"]

commands = Commands()

Out = Annotated[Path, typer.Option("--out", "-o", help="The file to write.", show_default=False)]


@contextmanager
def _progress(label: str):
    """A ``progress(done, total)`` callback drawing a status line on stderr."""
    with stderr.status(label, spinner="dots") as status:
        def update(done: int, total: int) -> None:
            status.update(f"{label} {done}/{total}")
        yield update


def _meshes(file: Path, no_cache: bool, update: Callable[[int, int], None]):
    from bim_models.meshes import load_meshes

    return load_meshes(file, use_cache=not no_cache, progress=update)


@commands.command("export-gltf")
@reports_errors
def export_gltf(
    file: ModelFile,
    out: Out,
    spaces: Annotated[bool, typer.Option("--spaces/--no-spaces",
                                         help="Include rooms (translucent).")] = True,
    simplify: Annotated[bool, typer.Option("--simplify", help="Decimate detailed geometry "
                                           "(vertex clustering, 2 cm): smaller files.")] = False,
    no_cache: NoCache = False,
) -> None:
    """Write the model as a glTF binary (.glb): one node per element named by GlobalId."""
    from viewer.scene import read_glb_json, write_glb

    with _progress("triangulating") as update:
        meshes = _meshes(file, no_cache, update)
    path = write_glb(meshes, out, spaces=spaces, simplify=simplify)
    tree = read_glb_json(path.read_bytes())
    stderr.print(f"wrote {path}: {len(tree.get('nodes', []))} elements, "
                 f"{len(tree.get('meshes', []))} meshes, {path.stat().st_size / 1e6:.2f} MB",
                 highlight=False)


@commands.command()
@reports_errors
def snapshot(
    file: ModelFile,
    out: Out,
    storey: Annotated[str | None, typer.Option("--storey", "-s", help="Storey name or "
                                               "GlobalId (default: whole building).")] = None,
    view: Annotated[str, typer.Option(help="plan or 3d.")] = "3d",
    colour_by: Annotated[str, typer.Option("--colour-by", "--color-by",
                                           help="class, compliance or value.")] = "class",
    values: Annotated[Path | None, typer.Option(
        "--values", help="JSON: space GlobalId or room number -> number or category "
                         "(verdict) name; or {\"unit\": U, \"values\": {...}}.")] = None,
    labels: Annotated[bool, typer.Option("--labels", help="Write room numbers.")] = False,
    width: Annotated[int, typer.Option(min=200, max=8000)] = 1600,
    height: Annotated[int, typer.Option(min=200, max=8000)] = 1200,
    no_cache: NoCache = False,
) -> None:
    """Render a storey plan or a 3D view off-screen to a PNG, coloured by class or state."""
    from viewer.snapshot import read_values, render_snapshot

    data, unit = read_values(values) if values is not None else ({}, None)
    if colour_by != "class" and values is None:
        raise InvalidInputError(f"--colour-by {colour_by} needs --values FILE.json")
    with _progress("triangulating") as update:
        meshes = _meshes(file, no_cache, update)
    with stderr.status("rendering", spinner="dots"):
        result = render_snapshot(meshes, out, storey=storey, view=view, colour_by=colour_by,
                                 values=data, unit=unit, size=(width, height), labels=labels)
    stderr.print(f"wrote {result.path} ({result.size[0]}x{result.size[1]})", highlight=False)


@commands.command()
@reports_errors
def tour(
    file: ModelFile,
    out: Out,
    rooms: Annotated[str, typer.Option("--rooms", help="Room numbers (or space GlobalIds), "
                                       "comma-separated, in visiting order.")],
    fps: Annotated[int, typer.Option(min=1, max=60)] = 24,
    seconds_per_leg: Annotated[float, typer.Option(min=0.1, max=60.0)] = 2.0,
    width: Annotated[int, typer.Option(min=64, max=3840)] = 960,
    height: Annotated[int, typer.Option(min=64, max=2160)] = 540,
    no_cache: NoCache = False,
) -> None:
    """Render an MP4 flying through rooms at eye height (1.6 m above each storey)."""
    from viewer.tour import render_tour

    names = [r.strip() for r in rooms.split(",") if r.strip()]
    if not names:
        raise InvalidInputError("--rooms needs at least one room number")
    with _progress("triangulating") as update:
        meshes = _meshes(file, no_cache, update)
    with _progress("rendering frames") as update:
        result = render_tour(meshes, out, rooms=names, fps=fps, seconds_per_leg=seconds_per_leg,
                             size=(width, height), progress=update)
    stderr.print(f"wrote {result.path}: {result.frames} frames at {result.fps} fps "
                 f"({result.frames / result.fps:.1f} s)", highlight=False)
