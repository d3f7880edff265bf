"""Relations found from the IFC file and, where it is silent, from geometry.

Each function returns plain tuples for :func:`spaces.graph.build_graph` to turn into edges,
with the provenance of each relation: ``"ifc-relation"`` / ``"ifc-boundary"`` when the file
states it, ``"geometric"`` when it was inferred.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

import shapely
from shapely.geometry import box
from shapely.ops import nearest_points

from bim_models import BuildingModel, ElementGeometry, EquipmentRecord
from spaces.spatial_index import IndexedSpace, SpaceIndex
from spaces.tolerances import Tolerances

__all__ = [
    "Placement",
    "build_space_index",
    "door_sides_from_geometry",
    "find_adjacent_spaces",
    "find_door_sides",
    "find_stair_links",
    "locate_equipment",
]

#: Boundary elements that separate spaces side by side (slabs and coverings separate floors).
_HORIZONTAL_SEPARATORS = ("IfcSlab", "IfcCovering", "IfcRoof")


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a piece of equipment is: its space (or ``None``), how we know, how sure we are."""

    space: str | None
    provenance: str
    confidence: float


def build_space_index(model: BuildingModel) -> SpaceIndex:
    """Index every space of ``model`` that has a footprint."""
    return SpaceIndex(
        IndexedSpace(gid, s.storey, s.geometry.footprint, *s.geometry.z_range)
        for gid, s in model.spaces.items()
        if s.geometry is not None and s.geometry.footprint is not None
        and not s.geometry.footprint.is_empty
    )


def _xy_box(geometry: ElementGeometry):
    (x0, y0, _), (x1, y1, _) = geometry.bounds_min, geometry.bounds_max
    return box(x0, y0, x1, y1)


def _shared_length(a: IndexedSpace, b: IndexedSpace, wall: float) -> float:
    """Length of ``b``'s outline that runs within ``wall`` of ``a``'s footprint."""
    return float(shapely.intersection(b.footprint.boundary, a.footprint.buffer(wall)).length)


def find_adjacent_spaces(model: BuildingModel, index: SpaceIndex,
                         tol: Tolerances) -> dict[tuple[str, str], str]:
    """Pairs of side-by-side spaces, with the provenance of each pair.

    Spaces bounded by the same wall (or door, or virtual element) are adjacent where their
    footprints, if known, lie within ``tol.wall``: provenance ``"ifc-boundary"``. Any other
    pair is adjacent when their footprints on overlapping height ranges lie within ``tol.wall``
    and share at least ``tol.min_shared_length`` of outline: provenance ``"geometric"`` (files
    often hold boundaries for some elements only, e.g. doors, so they never rule a pair out).

    Returns
    -------
    dict of (str, str) to str
        ``(a, b) -> provenance`` with ``a < b``.
    """
    by_space: dict[str, set[str]] = defaultdict(set)
    for boundary in model.space_boundaries:
        if boundary.element and not (boundary.element_class or "").startswith(
                _HORIZONTAL_SEPARATORS):
            by_space[boundary.space].add(boundary.element)
    indexed = {s.global_id: s for s in index.spaces}
    pairs: dict[tuple[str, str], str] = {}
    # From boundaries: spaces sharing a separating element.
    by_element: dict[str, set[str]] = defaultdict(set)
    for space, elements in by_space.items():
        for element in elements:
            by_element[element].add(space)
    for spaces in by_element.values():
        for a, b in combinations(sorted(spaces), 2):
            sa, sb = indexed.get(a), indexed.get(b)
            if sa is not None and sb is not None and (
                    sa.footprint.distance(sb.footprint) > tol.wall
                    or not sa.overlaps_z(sb.z_min, sb.z_max)):
                continue
            pairs[(a, b)] = "ifc-boundary"
    # From geometry, for every pair the boundaries did not already give.
    for a, b in index.pairs_within(tol.wall):
        if b.global_id < a.global_id:
            a, b = b, a
        key = (a.global_id, b.global_id)
        if key in pairs or not a.overlaps_z(b.z_min, b.z_max, -tol.z_slack):
            continue
        if min(_shared_length(a, b, tol.wall), _shared_length(b, a, tol.wall)) \
                >= tol.min_shared_length:
            pairs[key] = "geometric"
    return pairs


def _door_normal_side(door: ElementGeometry, point) -> float:
    """Signed offset of ``point`` from the door, across its wall (along the door's thin axis)."""
    dx = door.bounds_max[0] - door.bounds_min[0]
    dy = door.bounds_max[1] - door.bounds_min[1]
    axis = 0 if dx < dy else 1
    return point[axis] - door.centroid[axis]


def find_door_sides(model: BuildingModel, index: SpaceIndex,
                    tol: Tolerances) -> dict[str, tuple[list[str], str]]:
    """The spaces each door opens into.

    The file's space boundaries are used first. A door with fewer than two spaces from
    boundaries is completed from geometry: the nearest space within ``tol.wall`` on each side
    of the door's wall, on the door's height range.

    Returns
    -------
    dict of str to (list of str, str)
        Door GlobalId -> (space GlobalIds, provenance). One space means an exterior door.
    """
    from_boundaries: dict[str, list[str]] = defaultdict(list)
    for boundary in model.space_boundaries:
        opening = model.openings.get(boundary.element or "")
        if opening is not None and opening.kind == "door" \
                and boundary.space not in from_boundaries[opening.global_id]:
            from_boundaries[opening.global_id].append(boundary.space)
    result: dict[str, tuple[list[str], str]] = {}
    for gid, door in model.doors.items():
        spaces = list(from_boundaries.get(gid, []))
        provenance = "ifc-boundary"
        if len(spaces) < 2 and door.geometry is not None:
            found = door_sides_from_geometry(door.geometry, index, tol, exclude=spaces)
            if found:
                provenance = "geometric" if not spaces else "ifc-boundary+geometric"
                spaces = (spaces + found)[:2]
        if spaces:
            result[gid] = (spaces, provenance)
    return result


def door_sides_from_geometry(geometry: ElementGeometry, index: SpaceIndex, tol: Tolerances,
                              exclude: list[str]) -> list[str]:
    """Nearest space on each side of a door's (or opening's) wall; only the free side(s) if
    some are known (``exclude``). Returns space GlobalIds, nearest first."""
    shape = geometry.footprint if geometry.footprint is not None else _xy_box(geometry)
    low, high = geometry.z_range

    def side_of(footprint) -> int:
        nearest = nearest_points(shape.centroid, footprint)[1]
        return 1 if _door_normal_side(geometry, (nearest.x, nearest.y)) >= 0 else -1

    indexed = {s.global_id: s for s in index.spaces}
    taken = {side_of(indexed[gid].footprint) for gid in exclude if gid in indexed}
    sides: dict[int, tuple[float, str]] = {}
    for space in index.candidates(shape, tol.wall):
        if space.global_id in exclude or not space.overlaps_z(low, high, tol.z_slack):
            continue
        side = side_of(space.footprint)
        distance = shape.distance(space.footprint)
        if side not in taken and (side not in sides or distance < sides[side][0]):
            sides[side] = (distance, space.global_id)
    return [gid for _, gid in sorted(sides.values())]


def find_stair_links(model: BuildingModel, index: SpaceIndex,
                     tol: Tolerances) -> dict[str, tuple[list[str], list[str]]]:
    """Storeys each stair, ramp or lift reaches and the spaces it opens into.

    A vertical element reaches every storey whose elevation lies within its height range
    (widened by ``tol.storey_slack``); on each of those storeys it opens into the spaces its
    footprint overlaps or, if none, the nearest space within ``tol.wall``.

    Returns
    -------
    dict of str to (list of str, list of str)
        Element GlobalId -> (storey GlobalIds by elevation, space GlobalIds).
    """
    storeys = sorted(model.storeys.values(), key=lambda s: s.elevation)
    result: dict[str, tuple[list[str], list[str]]] = {}
    for gid, vertical in model.verticals.items():
        geometry = vertical.geometry
        if geometry is None:
            result[gid] = ([vertical.storey] if vertical.storey else [], [])
            continue
        low, high = geometry.z_range
        reached = [s.global_id for s in storeys
                   if low - tol.storey_slack <= s.elevation <= high + tol.storey_slack]
        # A stair that rises to the very top of a storey reaches the storey above it,
        # whose elevation may sit just beyond the slack (thick slabs).
        if vertical.storey and vertical.storey not in reached:
            reached.insert(0, vertical.storey)
        shape = geometry.footprint if geometry.footprint is not None else _xy_box(geometry)
        near = [s for s in index.candidates(shape, tol.wall)
                if s.storey in reached and s.overlaps_z(low, high, tol.storey_slack)]
        opened: list[str] = []
        for storey in reached:
            mine = [s for s in near if s.storey == storey]
            overlapping = [s.global_id for s in mine
                           if s.footprint.intersection(shape).area > 1e-6]
            if overlapping:
                opened.extend(overlapping)
            elif mine:  # a stair beside its landing space rather than inside it
                opened.append(min(mine, key=lambda s: s.footprint.distance(shape)).global_id)
        result[gid] = (reached, opened)
    return result


def locate_equipment(record: EquipmentRecord, index: SpaceIndex, tol: Tolerances) -> Placement:
    """Place one item of equipment in a space.

    In order: the file's containment in an ``IfcSpace`` (``ifc-relation``, 1.0); the space
    holding its centre on its storey (``geometric``, 0.9, or 0.8 when spaces overlap there);
    the space its bounding box overlaps most (0.6); the nearest space within ``tol.wall``,
    e.g. a wall-mounted sensor (0.5). Otherwise it stays in its storey (``storey``, 0.0).
    """
    if record.space is not None:
        return Placement(record.space, "ifc-relation", 1.0)
    geometry = record.geometry
    if geometry is None:
        return Placement(None, "storey", 0.0)

    def on_storey(space: IndexedSpace) -> bool:
        return record.storey is None or space.storey in (None, record.storey)

    x, y, z = geometry.centroid
    holding = [s for s in index.containing(x, y, z, tol.z_slack) if on_storey(s)]
    if holding:
        return Placement(holding[0].global_id, "geometric", 0.9 if len(holding) == 1 else 0.8)
    low, high = geometry.z_range
    footprint = _xy_box(geometry)
    near = [s for s in index.candidates(footprint, tol.wall)
            if on_storey(s) and s.overlaps_z(low, high, tol.z_slack)]
    overlapping = [(s.footprint.intersection(footprint).area, s) for s in near]
    overlapping = [(area, s) for area, s in overlapping if area > 0]
    if overlapping:
        return Placement(max(overlapping, key=lambda t: t[0])[1].global_id, "geometric", 0.6)
    if near:
        nearest = min(near, key=lambda s: s.footprint.distance(footprint))
        return Placement(nearest.global_id, "geometric", 0.5)
    return Placement(None, "storey", 0.0)
