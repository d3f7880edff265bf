"""Off-screen images of the building with pyvista: a storey plan or a 3D view, coloured by
IFC class, by compliance verdict or by a value per room (with a legend or scalar bar).

pyvista (VTK) is imported inside the functions, so that a server starts without a display.
Without an X display VTK renders through EGL (Mesa's software renderer on a headless machine;
``scripts/ensure-render.sh`` installs it): :func:`offscreen_pyvista` selects that window class.

Plan views cut every element of the storey :data:`PLAN_CUT` metres above its elevation and
look straight down with a parallel projection; rooms are drawn unlit, so a room's pixels have
exactly its colour (:attr:`Snapshot.pixels` says where each room's centre landed).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.colours import (
    UNCOLOURED,
    SequentialScale,
    category_colour,
    class_family,
    family_colour,
    sequential_scale,
    to_hex,
)
from viewer.errors import RenderError, UnknownStoreyError, ValuesFileError

if TYPE_CHECKING:
    from bim_models.meshes import ElementMesh, MeshSet

__all__ = [
    "COLOUR_MODES",
    "PLAN_CUT",
    "VIEWS",
    "Snapshot",
    "element_polydata",
    "ground_storey",
    "offscreen_pyvista",
    "read_values",
    "render_snapshot",
    "resolve_storey",
    "resolve_values",
]

VIEWS = ("plan", "3d")
COLOUR_MODES = ("class", "compliance", "value")
#: Height of the horizontal cut of plan views above the storey's elevation, metres.
PLAN_CUT = 1.2
#: Families hidden in plan views and value views (ceiling-mounted or tiny equipment).
_EQUIPMENT = ("sensor", "light", "air", "water", "electrical", "equipment", "furniture")
_BACKGROUND = "white"
_PLAN_WALL = "#4d4d4d"
_LEGEND_FRACTION = 0.16  # of the width, kept free on the right for the legend


@dataclass(frozen=True)
class Snapshot:
    """What :func:`render_snapshot` drew.

    Attributes
    ----------
    path : Path
        The PNG file.
    size : (int, int)
        Width and height in pixels.
    pixels : dict of str to (int, int)
        Space GlobalId -> ``(column, row)`` of the room's centre in the image (plan views: at
        floor level; 3D: the centre of its box); only rooms inside the image.
    colours : dict of str to str
        Space GlobalId -> ``"#rrggbb"`` it was painted (value and compliance modes).
    legend : dict
        ``{"kind": "scale", ...}`` (see :meth:`SequentialScale.legend`), ``{"kind":
        "categories", "items": {label: "#hex"}}`` or ``{"kind": "classes", ...}``.
    """

    path: Path
    size: tuple[int, int]
    pixels: dict[str, tuple[int, int]] = field(default_factory=dict)
    colours: dict[str, str] = field(default_factory=dict)
    legend: dict = field(default_factory=dict)


def offscreen_pyvista():
    """Import pyvista for off-screen rendering (EGL when there is no X display).

    Returns
    -------
    module
        ``pyvista`` with ``OFF_SCREEN`` set.
    """
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    import pyvista as pv

    pv.OFF_SCREEN = True
    return pv


def resolve_storey(meshes: MeshSet, storey: str) -> str:
    """The GlobalId of a storey given by GlobalId or name (case-insensitive).

    Raises
    ------
    UnknownStoreyError
        No such storey; the message lists the storeys there are.
    """
    if storey in meshes.storeys:
        return storey
    folded = storey.casefold()
    for gid, info in meshes.storeys.items():
        if info.name and info.name.casefold() == folded:
            return gid
    raise UnknownStoreyError(storey, [s.name or s.global_id for s in
                                      sorted(meshes.storeys.values(), key=lambda s: s.elevation)])


def read_values(path: Path | str) -> tuple[dict[str, Any], str | None]:
    """Read a values file: ``{space: value}`` or ``{"unit": U, "values": {space: value}}``.

    Keys are space GlobalIds or room numbers; values are numbers (a colour scale) or strings
    (categories: compliance verdicts, alarm severities).

    Returns
    -------
    (dict, str or None)
        The values and the unit.

    Raises
    ------
    ValuesFileError
        Missing file, not JSON, or not a mapping of rooms to numbers or strings.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValuesFileError(path, "no such file") from exc
    except (OSError, UnicodeError, json.JSONDecodeError) as exc:
        raise ValuesFileError(path, f"not a JSON file ({exc})") from exc
    unit = None
    if isinstance(data, dict) and isinstance(data.get("values"), dict):
        unit = data.get("unit")
        data = data["values"]
    if not isinstance(data, dict) or not data:
        raise ValuesFileError(path, "expected a JSON object mapping space GlobalIds (or room "
                                    "numbers) to numbers or category names")
    bad = [k for k, v in data.items()
           if isinstance(v, bool) or not isinstance(v, (int, float, str))]
    if bad:
        raise ValuesFileError(path, f"values must be numbers or strings; not for {bad[:5]}")
    return dict(data), unit


def resolve_values(meshes: MeshSet, values: Mapping[str, Any]) -> dict[str, Any]:
    """Map the keys of ``values`` (GlobalIds or room numbers) to space GlobalIds.

    Raises
    ------
    ValuesFileError
        Keys that name no space of the model.
    """
    spaces = [e for e in meshes.elements if e.is_space]
    ids = {e.global_id for e in spaces}
    by_number: dict[str, str] = {}
    for element in spaces:
        if element.name:
            by_number.setdefault(element.name, element.global_id)
    resolved, unknown = {}, []
    for key, value in values.items():
        gid = key if key in ids else by_number.get(key)
        if gid is None:
            unknown.append(key)
        else:
            resolved[gid] = value
    if unknown:
        raise ValuesFileError("values", f"{len(unknown)} keys name no space of the model: "
                                        f"{', '.join(map(str, unknown[:8]))}"
                                        f"{' ...' if len(unknown) > 8 else ''}")
    return resolved


def element_polydata(elements: Sequence[ElementMesh]):
    """One ``pyvista.PolyData`` of the world triangles of ``elements``.

    Cell data ``element`` holds the index (into ``elements``) of each triangle's element.
    """
    pv = offscreen_pyvista()
    points, cells, owner, offset = [], [], [], 0
    for index, element in enumerate(elements):
        world = element.world_vertices()
        faces = element.faces.astype(np.int64)
        points.append(world)
        cells.append(np.column_stack([np.full(len(faces), 3), faces + offset]))
        owner.append(np.full(len(faces), index))
        offset += len(world)
    if not points:
        return pv.PolyData()
    mesh = pv.PolyData(np.concatenate(points), np.concatenate(cells).ravel())
    mesh.cell_data["element"] = np.concatenate(owner)
    return mesh


def _cut(mesh, height: float | None):
    if height is None or mesh.n_points == 0:
        return mesh
    return mesh.clip(normal="z", origin=(0.0, 0.0, height), invert=True)


def ground_storey(meshes: MeshSet) -> str:
    """The storey a plan shows when none is named: of the storeys with something to draw, the
    one whose elevation is nearest 0 (the ground floor), the lower one on a tie.

    Raises
    ------
    RenderError
        No storey has an element with geometry.
    """
    drawn = {e.storey for e in meshes.elements if e.storey in meshes.storeys}
    if not drawn:
        from viewer.scene import empty_reason

        raise RenderError(empty_reason(meshes) if not meshes.elements else
                          "nothing to draw in a plan: no element with geometry is on a storey")
    return min(drawn, key=lambda s: (abs(meshes.storeys[s].elevation),
                                     meshes.storeys[s].elevation))


def _pick_elements(meshes: MeshSet, storey: str | None) -> list[ElementMesh]:
    if storey is None:
        return list(meshes.elements)
    return [e for e in meshes.elements if e.storey == storey]


def _space_colours(spaces: list[ElementMesh], values: Mapping[str, Any], mode: str,
                   unit: str | None) -> tuple[dict[str, tuple], dict, SequentialScale | None]:
    numeric = {g: float(v) for g, v in values.items() if not isinstance(v, str)}
    text = {g: v for g, v in values.items() if isinstance(v, str)}
    if mode == "compliance" and numeric:
        raise ValuesFileError("values", "colouring by compliance needs verdict names "
                                        "(over, compliant, ...), not numbers")
    if numeric and text:
        raise ValuesFileError("values", "mix of numbers and category names; use one kind")
    colours: dict[str, tuple] = {}
    scale = None
    if numeric:
        scale = sequential_scale(numeric.values(), unit=unit)
        legend = {"kind": "scale", **scale.legend()}
        colours = {g: scale(v) for g, v in numeric.items()}
    else:
        colours = {g: category_colour(v) for g, v in text.items()}
        legend = {"kind": "categories",
                  "items": {v: to_hex(category_colour(v)) for v in sorted(set(text.values()))}}
    for element in spaces:
        colours.setdefault(element.global_id, UNCOLOURED[:3])
    return colours, legend, scale


def render_snapshot(meshes: MeshSet, out: Path | str, *, storey: str | None = None,
                    view: str = "3d", colour_by: str = "class",
                    values: Mapping[str, Any] | None = None, unit: str | None = None,
                    size: tuple[int, int] = (1600, 1200), labels: bool = False,
                    title: str | None = None) -> Snapshot:
    """Render the building (or one storey) off-screen to a PNG.

    Parameters
    ----------
    meshes : MeshSet
        From :func:`bim_models.meshes.load_meshes`.
    out : Path or str
        The PNG to write.
    storey : str, optional
        Storey name or GlobalId. Default: the whole building, or for ``view="plan"`` the
        ground floor (:func:`ground_storey`).
    view : {"3d", "plan"}
        An isometric view from the south-west, or a plan cut at :data:`PLAN_CUT` m.
    colour_by : {"class", "compliance", "value"}
        IFC class colours; verdict colours (``values``: space -> verdict name); a colour scale
        (``values``: space -> number) or categories (space -> name).
    values : mapping, optional
        Space GlobalId or room number -> number or category name. Required unless
        ``colour_by="class"``.
    unit : str, optional
        Unit of numeric values, shown on the scalar bar.
    size : (int, int)
        Width and height, pixels.
    labels : bool
        Write room numbers at the rooms' centres.
    title : str, optional
        Text at the top left (default: storey and colouring).

    Returns
    -------
    Snapshot

    Raises
    ------
    UnknownStoreyError, ValuesFileError, RenderError
        Unknown storey, values that do not fit the model, or nothing to draw / a blank image.
    """
    if view not in VIEWS:
        raise RenderError(f"unknown view {view!r}; use one of: {', '.join(VIEWS)}")
    if colour_by not in COLOUR_MODES:
        raise RenderError(f"unknown colouring {colour_by!r}; use one of: "
                          f"{', '.join(COLOUR_MODES)}")
    if colour_by != "class" and not values:
        raise RenderError(f"colouring by {colour_by} needs values (--values FILE.json)")
    storey_id = resolve_storey(meshes, storey) if storey is not None else None
    if view == "plan" and storey_id is None:
        storey_id = ground_storey(meshes)
        storey = meshes.storeys[storey_id].name or storey_id
    elements = _pick_elements(meshes, storey_id)
    if not elements:
        from viewer.scene import empty_reason

        raise RenderError(empty_reason(meshes, storey=storey))
    elevation = meshes.storeys[storey_id].elevation if storey_id else None
    cut = elevation + PLAN_CUT if view == "plan" else None
    pv = offscreen_pyvista()
    plotter = pv.Plotter(off_screen=True, window_size=list(size))
    try:
        return _draw(pv, plotter, meshes, elements, Path(out), view=view, colour_by=colour_by,
                     values=resolve_values(meshes, values or {}), unit=unit, cut=cut,
                     elevation=elevation, labels=labels,
                     title=title or _title(meshes, storey_id, view, colour_by, unit))
    finally:
        plotter.close()


def _title(meshes: MeshSet, storey: str | None, view: str, colour_by: str,
           unit: str | None) -> str:
    where = (meshes.storeys[storey].name or storey) if storey else "whole building"
    what = {"class": "by IFC class", "compliance": "by compliance verdict",
            "value": f"by value{f' ({unit})' if unit else ''}"}[colour_by]
    return f"{where} - {'plan' if view == 'plan' else '3D view'}, coloured {what}"


def _draw(pv, plotter, meshes: MeshSet, elements: list[ElementMesh], out: Path, *, view: str,
          colour_by: str, values: dict[str, Any], unit: str | None, cut: float | None,
          elevation: float | None, labels: bool, title: str) -> Snapshot:
    plotter.set_background(_BACKGROUND)
    spaces = [e for e in elements if e.is_space]
    others = [e for e in elements if not e.is_space]
    plan = view == "plan"
    by_state = colour_by != "class"
    if plan or by_state:
        others = [e for e in others
                  if class_family(e.ifc_class) not in _EQUIPMENT + (("slab",) if plan else ())]
    families: dict[str, list[ElementMesh]] = {}
    for element in others:
        families.setdefault(class_family(element.ifc_class), []).append(element)
    legend: dict = {"kind": "classes", "items": {}}
    for family, members in families.items():
        mesh = _cut(element_polydata(members), cut)
        if mesh.n_points == 0:
            continue
        colour = family_colour(family)
        if plan and family in ("wall", "structure"):
            colour = (*[int(_PLAN_WALL[i:i + 2], 16) / 255 for i in (1, 3, 5)], 1.0)
        opacity = 0.18 if by_state and not plan else colour[3]
        plotter.add_mesh(mesh, color=colour[:3], opacity=opacity, lighting=not plan,
                         show_edges=False)
        legend["items"][family] = to_hex(colour)
    colours: dict[str, tuple] = {}
    scale = None
    if spaces:
        space_mesh = _cut(element_polydata(spaces), cut)
        if by_state:
            colours, legend, scale = _space_colours(spaces, values, colour_by, unit)
        if space_mesh.n_points:
            _add_spaces(plotter, space_mesh, spaces, colours, scale, unit, plan=plan,
                        by_state=by_state)
        if not by_state:
            legend["items"]["space"] = to_hex(family_colour("space"))
    if legend["kind"] != "scale":
        items = [(label, _readable(hexcode)) for label, hexcode in legend["items"].items()]
        if items:
            legend_actor = plotter.add_legend(items, bcolor="white", face="rectangle",
                                              size=(0.13, min(0.026 * len(items), 0.5)),
                                              loc="lower right")
            legend_actor.SetPosition(0.86, 0.03)
    plotter.add_text(title, position="upper_left", font_size=11, color="black")
    anchors = _anchors(spaces, elevation if plan else None)
    if labels and anchors:
        names = [e.name or "" for e in spaces]
        plotter.add_point_labels(np.array(list(anchors.values())), names, font_size=10,
                                 point_size=1, shape_opacity=0.6, always_visible=True)
    _frame_camera(plotter, elements, plan=plan)
    image = plotter.screenshot(str(out), return_img=True)
    if image is None or float(np.asarray(image).std()) < 1.0:
        raise RenderError("off-screen rendering produced a blank image; check the EGL/OSMesa "
                          "libraries (scripts/ensure-render.sh)")
    height, width = image.shape[:2]
    pixels = {gid: px for gid, point in anchors.items()
              if (px := _to_pixel(plotter, point, height)) is not None
              and 0 <= px[0] < width and 0 <= px[1] < height}
    return Snapshot(path=out, size=(width, height), pixels=pixels,
                    colours={g: to_hex(c) for g, c in colours.items()}, legend=legend)


def _readable(hexcode: str) -> str:
    """A legend colour dark enough to read on white (light greys darkened, hue kept)."""
    rgb = np.array([int(hexcode[i:i + 2], 16) / 255.0 for i in (1, 3, 5)])
    luminance = float(rgb @ np.array([0.2126, 0.7152, 0.0722]))
    return to_hex(rgb * (0.7 / luminance)) if luminance > 0.7 else hexcode


def _add_spaces(plotter, mesh, spaces: list[ElementMesh], colours: dict[str, tuple],
                scale: SequentialScale | None, unit: str | None, *, plan: bool,
                by_state: bool) -> None:
    if not by_state:
        colour = family_colour("space")
        plotter.add_mesh(mesh, color=colour[:3], opacity=1.0 if plan else colour[3],
                         lighting=not plan)
        return
    owner = np.asarray(mesh.cell_data["element"])
    rgb = np.array([colours[spaces[i].global_id] for i in owner], dtype=float)
    mesh.cell_data["rgb"] = (rgb * 255).round().astype(np.uint8)
    plotter.add_mesh(mesh, scalars="rgb", rgb=True, lighting=not plan, opacity=1.0)
    if scale is not None:
        _scalar_bar(plotter, scale, unit)


def _scalar_bar(plotter, scale: SequentialScale, unit: str | None) -> None:
    """A scalar bar for ``scale`` (an invisible actor carries its lookup table)."""
    from matplotlib.colors import LinearSegmentedColormap

    pv = offscreen_pyvista()
    cmap = LinearSegmentedColormap.from_list("twin", [(t, c) for t, c in scale.stops])
    low, high = scale.minimum, scale.maximum
    if high <= low:
        high = low + 1.0
    dummy = pv.PolyData(np.zeros((2, 3)))
    dummy.point_data["value"] = np.array([low, high])
    plotter.add_mesh(dummy, scalars="value", cmap=cmap, clim=(low, high), opacity=0.0,
                     show_scalar_bar=True, render_points_as_spheres=False, point_size=0.1,
                     scalar_bar_args={"title": unit or "value", "vertical": True,
                                      "position_x": 0.88, "position_y": 0.25, "height": 0.5,
                                      "width": 0.06, "color": "black", "fmt": "%.1f"})


def _anchors(spaces: list[ElementMesh], floor: float | None) -> dict[str, np.ndarray]:
    anchors = {}
    for element in spaces:
        low, high = element.bounds
        centre = (low + high) / 2.0
        if floor is not None:
            centre[2] = low[2] + 0.01
        anchors[element.global_id] = centre
    return anchors


def _frame_camera(plotter, elements: list[ElementMesh], *, plan: bool) -> None:
    boxes = np.stack([e.bounds for e in elements])
    low, high = boxes[:, 0].min(axis=0), boxes[:, 1].max(axis=0)
    centre = (low + high) / 2.0
    width, height = plotter.window_size
    if plan:
        plotter.enable_parallel_projection()
        plotter.camera.focal_point = tuple(centre)
        plotter.camera.position = (centre[0], centre[1], high[2] + 100.0)
        plotter.camera.up = (0.0, 1.0, 0.0)
        half_x, half_y = (high[0] - low[0]) / 2.0, (high[1] - low[1]) / 2.0
        usable = 1.0 - _LEGEND_FRACTION
        plotter.camera.parallel_scale = 1.05 * max(half_y, half_x * height / width / usable)
        _leave_room_for_legend(plotter, plotter.camera.parallel_scale * width / height)
        return
    radius = float(np.linalg.norm(high - low)) / 2.0
    direction = np.array([-1.0, -1.3, 0.9])
    direction /= np.linalg.norm(direction)
    distance = radius / math.tan(math.radians(30.0) / 2.0) * 0.95 / (1.0 - _LEGEND_FRACTION)
    plotter.camera.focal_point = tuple(centre)
    plotter.camera.position = tuple(centre + direction * distance)
    plotter.camera.up = (0.0, 0.0, 1.0)
    plotter.camera.view_angle = 30.0
    _leave_room_for_legend(plotter, distance * math.tan(math.radians(15.0)) * width / height)


def _leave_room_for_legend(plotter, half_width: float) -> None:
    """Move the camera sideways so that the model sits left of the legend column."""
    camera = plotter.camera
    position, focal = np.array(camera.position), np.array(camera.focal_point)
    right = np.cross(focal - position, np.array(camera.up))
    right /= np.linalg.norm(right)
    shift = right * half_width * _LEGEND_FRACTION
    camera.position = tuple(position + shift)
    camera.focal_point = tuple(focal + shift)
    plotter.reset_camera_clipping_range()


def _to_pixel(plotter, point: np.ndarray, height: int) -> tuple[int, int] | None:
    renderer = plotter.renderer
    renderer.SetWorldPoint(float(point[0]), float(point[1]), float(point[2]), 1.0)
    renderer.WorldToDisplay()
    x, y, _ = renderer.GetDisplayPoint()
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    return int(round(x)), int(round(height - 1 - y))
