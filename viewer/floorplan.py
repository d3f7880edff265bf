"""Floor plans: one storey drawn as a PNG on matplotlib's Agg canvas, no pyplot state touched.

matplotlib is imported inside the functions, so that a server starts without a display.
"""

from __future__ import annotations

import cmath
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely import force_2d
from shapely.geometry import Point, Polygon, box
from shapely.geometry.polygon import orient
from shapely.ops import polylabel, unary_union

from spaces.choices import SPACE_USES
from spaces.space_use import classify_space
from viewer.errors import RenderError, UnknownStoreyError

if TYPE_CHECKING:
    import networkx as nx

    from bim_models import BuildingModel, OpeningRecord, SpaceRecord
    from bim_models.meshes import MeshSet

__all__ = ["PIXEL_MAP_KEY", "render_storey_plan", "world_to_pixel"]

#: PNG text key holding ``{"col": [a, b], "row": [c, d]}``: column = a*x + b, row = c*y + d.
PIXEL_MAP_KEY = "TwinWorldToPixel"
_INCH_PER_M, _LONG_SIDE_IN, _PAD_M = 0.25, (8.0, 40.0), 1.0
_LEFT_IN, _BOTTOM_IN, _TOP_IN, _LEGEND_IN = 0.8, 0.6, 0.8, 2.6
_WALL, _OUTLINE, _DOOR, _STAIR, _UNCOLOURED = "#4d4d4d", "#2c2c2c", "#d35400", "#34495e", "#f4f4f4"
_PIPE, _PIPE_FILL = "#2e86c1", "#aed6f1"  # pipes, ducts and cables of rooms-less storeys
#: Room fills by use (:data:`spaces.choices.SPACE_USES`: legend label and colour).
_CATEGORIES = tuple((c.label_en, c.colour, c.value) for c in SPACE_USES)
_FAMILIES = (  # legend label, marker, colour, substrings of the IFC class
    ("Sensors", "o", "#8e44ad", ("sensor", "detector", "alarm")),
    ("Air terminals", "s", "#138d75", ("airterminal",)),
    ("Lights", "*", "#b7950b", ("light", "lamp")),
    ("Other equipment", "^", "#5d6d7e", ("",)),
)


def _use_category(space: SpaceRecord) -> tuple[str, str, str]:
    """The legend row of the space's use (:func:`spaces.space_use.classify_space`)."""
    use = classify_space(name=space.name, long_name=space.long_name,
                         object_type=space.object_type, psets=space.psets,
                         classifications=space.classifications).use
    return next(row for row in _CATEGORIES if row[2] == use)


def _pick(table: Sequence[tuple], *texts: str | None) -> tuple:  # first row whose keys match
    words = " ".join(t for t in texts if t).casefold()
    return next(row for row in table if any(k in words for k in row[-1]))


def _resolve_storey(model: BuildingModel, storey: str) -> str:
    names = {r.name: gid for gid, r in reversed(model.storeys.items()) if r.name}
    folded = {n.casefold(): gid for n, gid in names.items()}
    gid = storey if storey in model.storeys else names.get(storey, folded.get(storey.casefold()))
    if gid is None:
        ordered = sorted(model.storeys.values(), key=lambda s: s.elevation)
        raise UnknownStoreyError(storey, [s.name or s.global_id for s in ordered])
    return gid


def _polygons(geometry: Any) -> list[Polygon]:
    parts = [] if geometry is None else getattr(geometry, "geoms", [geometry])
    return [orient(force_2d(p)) for p in parts if isinstance(p, Polygon) and p.area > 1e-6]


def _patch(poly: Polygon, **style: Any) -> Any:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    rings = (MPath(r.coords, closed=True) for r in (poly.exterior, *poly.interiors))
    return PathPatch(MPath.make_compound_path(*rings), **style)  # oriented: holes stay empty


def _ink(fill: str) -> tuple[str, str]:
    """Text and halo colours that read on ``fill``: white on a dark fill (the saturated verdict
    colours), near-black on a light one.

    Examples
    --------
    >>> _ink("#d73027"), _ink("#f4f4f4")
    (('white', '#1b1b1b'), ('#1b1b1b', 'white'))
    """
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(fill)
    light = 0.2126 * r + 0.7152 * g + 0.0722 * b  # relative luminance of the sRGB values
    return ("white", "#1b1b1b") if light < 0.45 else ("#1b1b1b", "white")


def _label(ax: Any, poly: Polygon, candidates: Sequence[Sequence[str]], pt_per_m: float,
           *, max_size: float = 9.0, halo: str = "white", **style: Any) -> None:
    """Write the first candidate text that fits in ``poly`` at 5 pt or more (else the last),
    outlined with ``halo``."""
    from matplotlib.patheffects import withStroke

    rectangular = poly.area > 0.95 * poly.minimum_rotated_rectangle.area
    p = poly.centroid if rectangular else polylabel(poly, tolerance=0.02)
    text = ax.text(p.x, p.y, "", fontsize=10, ha="center", va="center", linespacing=1.1, zorder=8,
                   path_effects=[withStroke(linewidth=1.5, foreground=halo)], **style)
    renderer, to_m = ax.figure.canvas.get_renderer(), 1.1 * 72 / ax.figure.dpi / 10 / pt_per_m
    for lines in candidates:  # measured at 10 pt, then shrunk from max_size until it fits
        text.set_text("\n".join(lines))
        extent = text.get_window_extent(renderer)
        sizes = []
        for w, h in ((extent.width * to_m, extent.height * to_m),
                     (extent.height * to_m, extent.width * to_m)):  # flat, then upright
            size = max_size
            while size > 3 and not poly.contains(box(p.x - size * w / 2, p.y - size * h / 2,
                                                     p.x + size * w / 2, p.y + size * h / 2)):
                size *= 0.92
            sizes.append(size)
        if max(sizes) >= 5.0:
            break
    upright = sizes[1] > 1.15 * sizes[0]
    text.set(fontsize=max(sizes[upright], 3.0), rotation=90 * upright)


def _label_ink(fill: str, *, boxed: bool) -> dict[str, Any]:
    """The text style of a room's label: on a white box (a stair inside the room) dark ink,
    else ink that reads on the room's fill (:func:`_ink`)."""
    if boxed:
        return {"color": "#1b1b1b", "bbox": {"fc": "white", "ec": "none", "alpha": 0.75,
                                             "pad": 1}}
    color, halo = _ink(fill)
    return {"color": color, "halo": halo}


def _verticals(model: BuildingModel, graph: nx.MultiDiGraph, sid: str) -> list[tuple]:
    """``(record, footprint, label)`` of the stairs and lifts that reach storey ``sid``."""
    here, found = model.storeys[sid].elevation, []
    for gid, v in model.verticals.items():
        hull = _polygons(v.geometry.footprint if v.geometry else None)
        reached = {t for _, t, k in graph.out_edges(gid, keys=True) if k == "stair_connects"
                   and t in model.storeys} | {v.storey} if gid in graph else {v.storey}
        if hull and sid in reached:
            levels = [model.storeys[s].elevation for s in reached if s in model.storeys]
            up, down = any(e > here for e in levels), any(e < here for e in levels)
            lift = "Lift" if v.predefined_type in ("ELEVATOR", "LIFT") else v.kind.capitalize()
            name = ((v.name or "").split(":")[0].strip() or lift)[:20]  # Revit: "Family:Type:Id"
            arrow = "↕" if up and down else "↑" if up else "↓" if down else ""
            found.append((v, unary_union(hull), f"{name} {arrow}".strip()))
    return found


#: Building elements drawn where a storey has no rooms: (class prefix, fill, edge, z-order).
_STRUCTURE = (("IfcSlab", "#eeeeee", "#9a9a9a", 0.5), ("IfcRoof", "#eeeeee", "#9a9a9a", 0.5),
              ("IfcWall", _WALL, _WALL, 1.5), ("IfcColumn", _WALL, _WALL, 1.5),
              ("IfcCurtainWall", "#7fb3d5", _WALL, 1.5),
              *((prefix, _PIPE_FILL, _PIPE, 1.8) for prefix in (
                  "IfcPipe", "IfcDuct", "IfcCable", "IfcFlowSegment", "IfcFlowFitting")))


def _footprint_of(element: Any) -> list[Polygon]:
    """The XY projection of a mesh's triangles (its footprint), as polygons."""
    import numpy as np
    import shapely

    triangles = element.world_vertices()[element.faces][:, :, :2]
    cells = shapely.polygons(np.round(triangles, 4))
    cells = cells[shapely.area(cells) > 1e-8]
    return _polygons(shapely.union_all(cells, grid_size=1e-4)) if len(cells) else []


def _structure(model: BuildingModel, sid: str, meshes: MeshSet | None) -> list[tuple]:
    """``(polygon, fill, edge, zorder)`` of the storey's slabs and walls (rooms-less storeys)."""
    if meshes is None:
        source = Path(str(model.source))
        if not source.is_file():
            return []
        from bim_models.meshes import load_meshes

        meshes = load_meshes(source)
    found = []
    for element in meshes.elements:
        style = next((row[1:] for row in _STRUCTURE if element.ifc_class.startswith(row[0])),
                     None)
        if element.storey == sid and style is not None:
            found.extend((poly, *style) for poly in _footprint_of(element))
    return found


def _draw_door(ax: Any, door: OpeningRecord, rooms: Sequence[Polygon], pt_per_m: float) -> None:
    """A thick segment across the wall at the door, and its leaf and swing into ``rooms``."""
    from matplotlib.patches import Arc

    geo, hull = door.geometry, _polygons(door.geometry.footprint)
    rect = box(*geo.bounds_min[:2], *geo.bounds_max[:2])  # the longer side is the width
    if hull and hull[0].area < 0.7 * rect.area:  # a door in a wall that is not axis-aligned
        rect = hull[0].minimum_rotated_rectangle
    c = [complex(*xy) for xy in rect.exterior.coords[:3]]  # plan vectors as complex numbers
    along, across = sorted((c[1] - c[0], c[2] - c[1]), key=abs, reverse=True)
    u, depth, mid = along / (abs(along) or 1.0), abs(across), complex(*geo.centroid[:2])
    width, style = door.width or abs(along), {"color": _DOOR, "zorder": 6}
    ends = (mid - u * width / 2, mid + u * width / 2)
    ax.plot([e.real for e in ends], [e.imag for e in ends], solid_capstyle="butt",
            lw=max(2.0, min(depth, 0.3) * pt_per_m), **style)
    probes = {s: mid + s * u * 1j * (depth / 2 + 0.25) for s in (1, -1)}
    sides = [s for s, z in probes.items() if any(r.contains(Point(z.real, z.imag)) for r in rooms)]
    if not sides:
        return
    n = sides[0] * u * 1j  # towards the room the door swings into
    for end, leaf in [(ends[0], width)] if width <= 1.3 else [(e, width / 2) for e in ends]:
        hinge, tip = end + n * depth / 2, end + n * (depth / 2 + leaf)
        a1, a2 = (math.degrees(cmath.phase(z)) for z in (mid - end, n))
        t1, t2 = (a1, a2) if (a2 - a1) % 360 < 180 else (a2, a1)
        ax.add_patch(Arc((hinge.real, hinge.imag), 2 * leaf, 2 * leaf, theta1=t1, theta2=t2,
                         lw=0.7, **style))
        ax.plot([hinge.real, tip.real], [hinge.imag, tip.imag], lw=0.9, **style)


def _draw_spaces(ax: Any, spaces: Sequence[SpaceRecord], polys: Mapping[str, list[Polygon]],
                 fills: Mapping[str, str], verticals: Sequence[tuple], pt_per_m: float) -> None:
    """Walls, space fills and labels, then stairs and lifts (hatched, named)."""
    drawn = [p for ps in polys.values() for p in ps] + [hull for _, hull, _ in verticals]
    walls = unary_union(drawn).buffer(0.35, join_style="mitre")  # grown, closed over the gaps
    for poly in _polygons(walls.buffer(-0.15, join_style="mitre")):
        ax.add_patch(_patch(poly, fc=_WALL, ec="none", zorder=1))
    named: set[str] = set()
    for space in (s for s in spaces if polys[s.global_id]):
        for poly in polys[space.global_id]:
            ax.add_patch(_patch(poly, fc=fills[space.global_id], ec=_OUTLINE, lw=0.8, zorder=2))
        poly = max(polys[space.global_id], key=lambda p: p.area)
        name = space.name or space.long_name or "?"
        long = [space.long_name] if space.long_name and space.long_name != name else []
        area = f"{sum(p.area for p in polys[space.global_id]):.1f} m²"
        stairs = {v.global_id: text for v, hull, text in verticals  # a space that is a stair
                  if hull.intersection(poly).area >= 0.5 * poly.area}
        named.update(stairs)
        others = unary_union([hull for v, hull, _ in verticals if v.global_id not in named])
        spot = [] if stairs or others.is_empty else _polygons(poly.difference(others))
        _label(ax, max(spot, key=lambda p: p.area) if spot else poly,
               [[name, *long, area, *stairs.values()], [name, area, *stairs.values()], [name]],
               pt_per_m, **_label_ink(fills[space.global_id], boxed=bool(stairs)))
    for v, hull, text in verticals:
        for poly in _polygons(hull):
            ax.add_patch(_patch(poly, fc="#fbfcfc", ec=_STAIR, hatch="////", lw=1.0, zorder=3))
        if v.global_id not in named:
            _label(ax, max(_polygons(hull), key=lambda p: p.area), [[text]], pt_per_m,
                   max_size=7, color=_STAIR, bbox={"fc": "white", "ec": "none", "alpha": 0.8})


def render_storey_plan(model: BuildingModel, graph: nx.MultiDiGraph, storey: str,
                       out: Path | str, *, colour_by: Mapping[str, str] | None = None,
                       legend: Mapping[str, str] | None = None, title: str | None = None,
                       dpi: int = 150, show_equipment: bool = True,
                       meshes: MeshSet | None = None) -> Path:
    """Draw one storey as a floor-plan PNG: spaces, doors, stairs and lifts, equipment.

    A storey without rooms is drawn from its slabs and walls (from the element meshes) with
    its doors, stairs and equipment; the frame always fits what is drawn.

    Parameters
    ----------
    model : BuildingModel
        From :func:`bim_models.load_model`.
    graph : networkx.MultiDiGraph
        :func:`spaces.build_graph` of the same model (door sides, stair links, equipment).
    storey : str
        The storey's GlobalId or name (exact, then case-insensitive).
    out : path-like
        The PNG to write; its folder is created if needed.
    colour_by, legend : mapping of str to str, optional
        Space GlobalId to a matplotlib colour (other spaces pale grey), and legend label to
        colour. By default spaces are coloured by the category of their long name.
    title : str, optional
        Defaults to ``"<building> — <storey> (elevation X m)"``.
    dpi : int, optional
        Pixels per inch. The plan measures 0.25 inch per metre, its longer side 8 to 40 inches.
    show_equipment : bool, optional
        Mark the storey's FM assets (flow segments and fittings are never drawn).
    meshes : MeshSet, optional
        The model's element meshes, for storeys without rooms (default: loaded from
        ``model.source`` through the cache when needed).

    Returns
    -------
    pathlib.Path
        ``out``; its PNG text chunk :data:`PIXEL_MAP_KEY` maps world metres to pixels.

    Raises
    ------
    UnknownStoreyError
        If ``storey`` is no storey of the model; the message lists the available ones.
    RenderError
        If the storey has nothing to draw (no room, wall, slab, door, stair or equipment).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MultipleLocator

    sid = _resolve_storey(model, storey)
    record = model.storeys[sid]
    spaces = [s for s in model.spaces.values() if s.storey == sid]
    polys = {s.global_id: _polygons(s.geometry.footprint if s.geometry else None) for s in spaces}
    verticals = _verticals(model, graph, sid)
    doors = [d for d in model.doors.values() if d.storey == sid and d.geometry is not None]
    assets = [e for gid, e in model.equipment.items() if show_equipment and e.is_asset
              and e.geometry is not None and (e.storey == sid or polys.get(
                  graph.nodes[gid].get("space") if gid in graph else None))]
    drawn = [p for ps in polys.values() for p in ps] + [hull for _, hull, _ in verticals]
    structure = [] if any(polys.values()) else _structure(model, sid, meshes)
    extent = drawn + [row[0] for row in structure] + [
        box(*r.geometry.bounds_min[:2], *r.geometry.bounds_max[:2]) for r in [*doors, *assets]]
    if not extent:
        blind = f" ({len(spaces)} space(s) without geometry)" if spaces else ""
        raise RenderError(f"nothing to draw on storey {record.name or sid!r}: no room, wall, "
                          f"slab, door, stair or equipment of it has geometry{blind}")
    bounds = box(*unary_union(extent).bounds).buffer(_PAD_M, join_style="mitre").bounds

    kinds = {s.global_id: _use_category(s) for s in spaces}
    used = {kinds[gid][0] for gid, ps in polys.items() if ps} if colour_by is None else ()
    fills = {g: kinds[g][1] if colour_by is None else colour_by.get(g, _UNCOLOURED) for g in polys}
    families: dict[tuple, list] = {}
    for e in assets:
        families.setdefault(_pick(_FAMILIES, e.ifc_class)[:3], []).append(e.geometry.centroid[:2])
    handles = [Patch(fc=f, ec=_OUTLINE, label=lab) for lab, f, _ in _CATEGORIES if lab in used]
    handles += [Patch(fc=c, ec=_OUTLINE, label=lab) for lab, c in (legend or {}).items()]
    handles += [Patch(fc=fill, ec=edge, label=label) for label, fill, edge in (
        ("Slabs", "#eeeeee", "#9a9a9a"), ("Walls", _WALL, _WALL),
        ("Pipes, ducts, cables", _PIPE_FILL, _PIPE))
        if any(row[1] == fill and row[2] == edge for row in structure)]
    handles += [Patch(fc="white", ec=_STAIR, hatch="////", label="Stairs, lifts")] * bool(verticals)
    handles += [Line2D([], [], color=_DOOR, lw=3, label="Doors")] * bool(doors)
    handles += [Line2D([], [], ls="", marker=m, color=c, label=lab, markersize=6)
                for lab, m, c, _ in _FAMILIES if (lab, m, c) in families]

    dx, dy = bounds[2] - bounds[0], bounds[3] - bounds[1]  # the figure: 0.25 inch per metre
    scale = min(max(_INCH_PER_M * max(dx, dy), _LONG_SIDE_IN[0]), _LONG_SIDE_IN[1]) / max(dx, dy)
    plan_w, plan_h, pt_per_m = dx * scale, dy * scale, scale * 72
    fig_w = math.ceil((_LEFT_IN + plan_w + (_LEGEND_IN if handles else 0.3)) * dpi) / dpi
    fig_h = math.ceil((_BOTTOM_IN + max(plan_h, 0.22 * len(handles) + 0.4) + _TOP_IN) * dpi) / dpi
    fig = Figure(figsize=(fig_w, fig_h), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((_LEFT_IN / fig_w, _BOTTOM_IN / fig_h, plan_w / fig_w, plan_h / fig_h))
    ax.set(xlim=bounds[::2], ylim=bounds[1::2], aspect="equal", axisbelow=True)
    step = next((s for s in (1, 2, 5, 10, 20, 50, 100) if s * scale >= 0.5), 200)  # ≥ 1/2 inch
    for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
        axis.set(major_locator=MultipleLocator(step), label_text=f"{name} (m)")
    ax.grid(True, color="#e6e6e6", lw=0.6)
    ax.tick_params(labelsize=7)
    for poly, fill, edge, zorder in structure:
        ax.add_patch(_patch(poly, fc=fill, ec=edge, lw=0.6, zorder=zorder))
    _draw_spaces(ax, spaces, polys, fills, verticals, pt_per_m)
    for door in doors:
        sides = sorted((t for _, t, k in graph.out_edges(door.global_id, keys=True)
                        if k == "door_connects" and polys.get(t)),  # swing into a room, by choice
                       key=lambda t: (kinds[t][0] == "Circulation", polys[t][0].area))
        _draw_door(ax, door, polys[sides[0]] if sides else drawn, pt_per_m)
    for (_, marker, colour), xy in families.items():
        ax.scatter(*zip(*xy, strict=True), marker=marker, c=colour, s=22, edgecolors="white",
                   linewidths=0.4, zorder=9)
    if structure and len(assets) <= 80:  # no rooms to name: name the equipment instead
        for e in assets:
            ax.annotate((e.name or e.ifc_class)[:24], e.geometry.centroid[:2], fontsize=6,
                        xytext=(4, 4), textcoords="offset points", color="#2c3e50", zorder=9)

    building = model.buildings.get(record.building) if record.building else None
    where = " — ".join(n for n in (building.name if building else None, record.name) if n)
    fig.suptitle(title or f"{where or sid} (elevation {round(record.elevation, 2):g} m)",
                 x=_LEFT_IN / fig_w, y=1 - 0.25 / fig_h, ha="left", va="top", fontsize=12)
    if handles:  # in the right margin, level with the top of the plan
        fig.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, bbox_to_anchor=(
            (_LEFT_IN + plan_w + 0.15) / fig_w, (_BOTTOM_IN + plan_h) / fig_h))
    if structure:
        fig.text(0.005, 0.005, "no rooms on this storey in the file: drawn from its slabs, walls, "
                 "pipes and equipment", fontsize=7)
    elif skipped := sum(1 for ps in polys.values() if not ps):
        fig.text(0.005, 0.005, f"{skipped} space(s) without geometry not drawn", fontsize=7)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, format="png", metadata={PIXEL_MAP_KEY: json.dumps({  # the axes' box
        "col": [scale * dpi, (_LEFT_IN - bounds[0] * scale) * dpi],
        "row": [-scale * dpi, (fig_h - _BOTTOM_IN + bounds[1] * scale) * dpi]})})
    return out


def world_to_pixel(png: Path | str, x: Any, y: Any) -> tuple[Any, Any]:
    """Pixel ``(column, row)`` of world ``(x, y)`` (floats or arrays) on a plan; row 0 on top."""
    from PIL import Image

    with Image.open(png) as image:
        m = json.loads(image.text[PIXEL_MAP_KEY])  # KeyError: not a plan from this module
    return m["col"][0] * x + m["col"][1], m["row"][0] * y + m["row"][1]
