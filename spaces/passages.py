"""Passages between rooms other than doors: open wall openings, virtual boundaries and, where
the file says nothing, open boundaries found from geometry.

A route may step from one room into another only through something with a name: a door (a
graph node of kind ``door``) or one of the :class:`Passage` objects found here, in this order
of trust:

1. ``opening``: an ``IfcOpeningElement`` in a wall with no door or window filling it
   (provenance ``ifc-opening``); its sides are found like a door's.
2. ``boundary``: a virtual space boundary (``PhysicalOrVirtualBoundary = VIRTUAL``; Revit's
   room-separation lines, ArchiCAD's open-plan splits). Two spaces are joined where they share
   an ``IfcVirtualElement`` or where their virtual boundaries' plan segments coincide (within
   :data:`COINCIDENT_M`, overlapping by at least :data:`MIN_OPEN_M`); provenance
   ``ifc-virtual-boundary``.
3. ``open``: only for spaces about which the file writes no space boundary at all, two rooms on
   one storey whose footprints touch with no gap (at most :data:`COINCIDENT_M`: no wall fits
   between them) along at least ``tol.min_shared_length``, and no wall's axis (its ``Axis``
   representation) runs along that outline (rooms drawn to wall centre lines); provenance
   ``geometric``. Rooms a wall's thickness apart are never joined, whatever they share.

Passages are graph nodes of kind ``passage`` (``passage_kind`` one of the three above) with
``passage_connects`` edges to the two spaces (:func:`spaces.graph.build_graph`), and walk-graph
nodes in :mod:`spaces.walk_graph`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from itertools import combinations

import shapely
from shapely.geometry import LineString, Point
from shapely.ops import nearest_points

from bim_models import BuildingModel
from spaces.spatial_index import IndexedSpace, SpaceIndex
from spaces.tolerances import Tolerances

__all__ = ["COINCIDENT_M", "MIN_OPENING_HEIGHT_M", "MIN_OPEN_M", "WALL_AXIS_M", "Passage",
           "find_passages"]

#: Two boundary segments (or footprints) this close count as one line.
COINCIDENT_M = 0.05
#: Least overlap of two virtual boundaries (or of touching footprints) that can be walked.
MIN_OPEN_M = 0.6
#: Least height of a wall opening that can be walked through.
MIN_OPENING_HEIGHT_M = 1.8


@dataclass(frozen=True, slots=True)
class Passage:
    """A named way between two spaces that is not a door.

    Attributes
    ----------
    id : str
        The opening's GlobalId; the GlobalId of one of the virtual boundaries (an
        ``IfcRelSpaceBoundary``); ``open:<space a>|<space b>`` for a geometric open boundary.
    kind : {"opening", "boundary", "open"}
    name : str
        What a route step shows.
    spaces : (str, str)
        The two spaces it joins.
    position : (float, float, float)
        A point of the passage in plan, z at the first space's floor.
    provenance : {"ifc-opening", "ifc-virtual-boundary", "geometric"}
    """

    id: str
    kind: str
    name: str
    spaces: tuple[str, str]
    position: tuple[float, float, float]
    provenance: str

    @property
    def ifc_class(self) -> str | None:
        """``IfcOpeningElement``, ``IfcRelSpaceBoundary`` or ``None`` (geometric)."""
        return {"opening": "IfcOpeningElement", "boundary": "IfcRelSpaceBoundary"}.get(
            self.kind)

    def to_dict(self) -> dict:
        """Plain data."""
        data = asdict(self)
        data["spaces"], data["position"] = list(self.spaces), list(self.position)
        return data


def _name_of(model: BuildingModel, space: str) -> str:
    record = model.spaces.get(space)
    return (record.name or record.long_name or space) if record else space


def _floor(index: dict[str, IndexedSpace], space: str) -> float:
    return index[space].z_min if space in index else 0.0


def _openings(model: BuildingModel, index: SpaceIndex, tol: Tolerances) -> list[Passage]:
    from spaces.topology import door_sides_from_geometry

    indexed = {s.global_id: s for s in index.spaces}
    found: list[Passage] = []
    for gid, record in model.openings.items():
        geometry = record.geometry
        if record.kind != "opening" or geometry is None:
            continue
        low, high = geometry.z_range
        if high - low < MIN_OPENING_HEIGHT_M:
            continue
        sides = door_sides_from_geometry(geometry, index, tol, exclude=[])
        if len(sides) < 2 or low > _floor(indexed, sides[0]) + 0.5:
            continue
        x, y, _ = geometry.centroid
        found.append(Passage(gid, "opening", record.name or f"opening {gid}",
                             (sides[0], sides[1]), (x, y, _floor(indexed, sides[0])),
                             "ifc-opening"))
    return found


def _boundary_passage(model, indexed, a: str, b: str, point, boundary: str) -> Passage:
    name = f"open boundary {_name_of(model, a)} | {_name_of(model, b)}"
    return Passage(boundary, "boundary", name, (a, b),
                   (float(point[0]), float(point[1]), _floor(indexed, a)),
                   "ifc-virtual-boundary")


def _shared_virtual_elements(model, indexed, tol) -> dict[tuple[str, str], Passage]:
    by_element: dict[str, list] = defaultdict(list)
    for boundary in model.space_boundaries:
        if not boundary.physical and boundary.element \
                and boundary.element_class == "IfcVirtualElement":
            by_element[boundary.element].append(boundary)
    found: dict[tuple[str, str], Passage] = {}
    for boundaries in by_element.values():
        for first, second in combinations(boundaries, 2):
            a, b = sorted((first.space, second.space))
            if a == b or (a, b) in found or a not in indexed or b not in indexed:
                continue
            sa, sb = indexed[a], indexed[b]
            if sa.footprint.distance(sb.footprint) > tol.wall or not sa.overlaps_z(
                    sb.z_min, sb.z_max):
                continue
            segment = first.segment or second.segment
            if segment is not None:
                point = LineString(segment).interpolate(0.5, normalized=True).coords[0]
            else:
                pa, pb = nearest_points(sa.footprint, sb.footprint)
                point = ((pa.x + pb.x) / 2, (pa.y + pb.y) / 2)
            found[(a, b)] = _boundary_passage(model, indexed, a, b, point, first.global_id)
    return found


def _coincident_segments(model, indexed) -> dict[tuple[str, str], Passage]:
    """Pairs of spaces whose virtual boundary segments lie on one line and overlap."""
    items = [(b, LineString(b.segment)) for b in model.space_boundaries
             if not b.physical and b.segment is not None and b.space in indexed]
    if not items:
        return {}
    tree = shapely.STRtree([line for _, line in items])
    best: dict[tuple[str, str], tuple[float, Passage]] = {}
    for i, (boundary, line) in enumerate(items):
        zone = line.buffer(COINCIDENT_M, cap_style="flat")
        for j in tree.query(zone):
            other, other_line = items[int(j)]
            if int(j) <= i or other.space == boundary.space:
                continue
            sa, sb = indexed[boundary.space], indexed[other.space]
            if not sa.overlaps_z(sb.z_min, sb.z_max):
                continue
            shared = zone.intersection(other_line)
            if shared.length < MIN_OPEN_M:
                continue
            a, b = sorted((boundary.space, other.space))
            point = shared.interpolate(0.5, normalized=True).coords[0]
            if shared.length > best.get((a, b), (0.0, None))[0]:
                best[(a, b)] = (shared.length, _boundary_passage(
                    model, indexed, a, b, point, boundary.global_id))
    return {pair: passage for pair, (_, passage) in best.items()}


#: A wall axis this close to a shared outline, along half of it, separates the two rooms.
WALL_AXIS_M = 0.35


def _walled(model: BuildingModel):
    """``walled(storey, line)``: whether a wall axis of ``storey`` runs along ``line``."""
    axes = [(a.storey, LineString(a.points)) for a in getattr(model, "wall_axes", ())
            if len(a.points) >= 2]
    tree = shapely.STRtree([line for _, line in axes]) if axes else None

    def walled(storey, line) -> bool:
        if tree is None:
            return False
        zone = line.buffer(WALL_AXIS_M)
        along = sum(zone.intersection(axes[int(i)][1]).length for i in tree.query(zone)
                    if axes[int(i)][0] in (None, storey))
        return along >= 0.5 * line.length

    return walled


def _touching(model, index: SpaceIndex, tol: Tolerances, described: set[str],
              joined: set[tuple[str, str]]) -> list[Passage]:
    """Open boundaries from geometry, for pairs the file describes nothing about: footprints
    touching with no gap and no wall axis along the shared outline."""
    indexed = {s.global_id: s for s in index.spaces}
    walled = _walled(model)
    found: list[Passage] = []
    for a, b in index.pairs_within(COINCIDENT_M):
        if b.global_id < a.global_id:
            a, b = b, a
        pair = (a.global_id, b.global_id)
        if pair in joined or (a.global_id in described and b.global_id in described):
            continue
        if a.storey != b.storey or not a.overlaps_z(b.z_min, b.z_max, -tol.z_slack):
            continue
        shared = shapely.intersection(b.footprint.boundary, a.footprint.buffer(COINCIDENT_M))
        if shared.length < max(tol.min_shared_length, MIN_OPEN_M) or walled(a.storey, shared):
            continue
        point = shared.centroid if not shared.is_empty else Point(a.footprint.centroid)
        point = nearest_points(shared, point)[0]
        found.append(Passage(f"open:{pair[0]}|{pair[1]}", "open",
                             f"open boundary {_name_of(model, pair[0])} | "
                             f"{_name_of(model, pair[1])} (geometric)", pair,
                             (point.x, point.y, _floor(indexed, pair[0])), "geometric"))
    return found


def find_passages(model: BuildingModel, index: SpaceIndex, tol: Tolerances,
                  door_pairs: set[tuple[str, str]]) -> list[Passage]:
    """Every passage between two spaces that is not a door (see the module notes).

    Parameters
    ----------
    model : BuildingModel
    index : SpaceIndex
        The footprints of ``model``'s spaces.
    tol : Tolerances
    door_pairs : set of (str, str)
        Sorted space pairs a door already joins (no open boundary is added beside a door).

    Returns
    -------
    list of Passage
    """
    indexed = {s.global_id: s for s in index.spaces}
    passages = _openings(model, index, tol)
    from_file = _shared_virtual_elements(model, indexed, tol)
    for pair, passage in _coincident_segments(model, indexed).items():
        from_file.setdefault(pair, passage)
    passages.extend(from_file.values())
    joined = set(door_pairs) | set(from_file)
    joined.update(tuple(sorted(p.spaces)) for p in passages)
    described = {b.space for b in model.space_boundaries}
    passages.extend(_touching(model, index, tol, described, joined))
    return passages
