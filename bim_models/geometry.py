"""Geometry of spaces, doors, stairs and equipment from the multi-core geometry iterator.

One pass of ``ifcopenshell.geom.iterator`` (world coordinates, metres) over the elements the
graph needs. Per element it keeps only what later layers use: the bounding box, its centre and,
for spaces, doors and vertical circulation, the footprint (the solid projected onto XY).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.element as element_util
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from bim_models.records import ElementGeometry

__all__ = [
    "FOOTPRINT_GRID",
    "GeometryTargets",
    "ProgressCallback",
    "compute_geometry",
    "geometry_settings",
    "get_geometry_targets",
    "iterate_shapes",
]

#: Coordinates of footprint triangles are snapped to this grid (metres) before the union,
#: which keeps the union of coplanar triangles free of slivers.
FOOTPRINT_GRID = 1e-6

#: ``progress(done, total)`` is called as shapes come out of the iterator.
ProgressCallback = Callable[[int, int], None]


def geometry_settings(*, world_coords: bool = True,
                      weld_vertices: bool = False) -> ifcopenshell.geom.settings:
    """The iterator settings of a geometry pass (the defaults: this module and the benchmark).

    Parameters
    ----------
    world_coords : bool, default True
        ``True``: vertices in world coordinates. ``False``: vertices in the element's local
        frame plus a placement matrix, so that mapped (type) geometry is shared between
        instances (:mod:`bim_models.meshes`).
    weld_vertices : bool, default False
        Merge coincident vertices of a shape.

    Returns
    -------
    ifcopenshell.geom.settings
        SI units, triangulated meshes.
    """
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", world_coords)
    if weld_vertices:
        settings.set("weld-vertices", True)
    return settings


def iterate_shapes(model: ifcopenshell.file, elements: list[ifcopenshell.entity_instance],
                   settings: ifcopenshell.geom.settings, *, threads: int | None = None,
                   progress: ProgressCallback | None = None) -> Iterator:
    """Run the multi-core geometry iterator over ``elements`` and yield each shape.

    Parameters
    ----------
    model : ifcopenshell.file
        The open model.
    elements : list of entity_instance
        Products to triangulate (the iterator's ``include``); none: nothing is yielded.
    settings : ifcopenshell.geom.settings
        From :func:`geometry_settings`.
    threads : int, optional
        Iterator threads; defaults to the number of CPUs.
    progress : callable, optional
        ``progress(done, total)`` after each shape is handled by the caller, and
        ``progress(total, total)`` once at the end (also when nothing was triangulated).

    Yields
    ------
    ifcopenshell shape
        With ``id``, ``guid``, ``geometry`` (``verts``, ``faces``, ``id``) and
        ``transformation``. Elements whose geometry fails are left out by the iterator.
    """
    total = len(elements)
    if elements:
        iterator = ifcopenshell.geom.iterator(settings, model,
                                              threads or multiprocessing.cpu_count(),
                                              include=elements)
        if iterator.initialize():
            done = 0
            while True:
                yield iterator.get()
                done += 1
                if progress is not None:
                    progress(done, total)
                if not iterator.next():
                    break
    if progress is not None:
        progress(total, total)


@dataclass
class GeometryTargets:
    """Which elements to triangulate and which record each shape belongs to.

    Attributes
    ----------
    elements : list of entity_instance
        Elements with a representation, handed to the iterator.
    owner : dict of str to str
        Shape GlobalId -> GlobalId of the record it contributes to (a stair flight -> its stair).
    footprint : dict of str to str
        Record GlobalId -> ``"exact"`` or ``"hull"``: which footprint to compute.
    """

    elements: list = field(default_factory=list)
    owner: dict[str, str] = field(default_factory=dict)
    footprint: dict[str, str] = field(default_factory=dict)

    def add(self, entity: ifcopenshell.entity_instance, *, footprint: str | None,
            owner: str | None = None) -> None:
        """Add ``entity`` (if it has a representation) as a shape of ``owner`` or itself.

        ``footprint`` is ``"exact"``, ``"hull"`` or ``None`` (bounding box only).
        """
        record_id = owner or entity.GlobalId
        if footprint:
            self.footprint[record_id] = footprint
        if getattr(entity, "Representation", None) is not None:
            self.elements.append(entity)
            self.owner[entity.GlobalId] = record_id


def get_geometry_targets(model: ifcopenshell.file, *, spaces: Iterable[str],
                         doors: Iterable[str], verticals: Iterable[str],
                         equipment: Iterable[str]) -> GeometryTargets:
    """Collect the elements whose geometry the graph needs.

    Parameters
    ----------
    model : ifcopenshell.file
        The open model.
    spaces, doors, verticals, equipment : iterable of str
        GlobalIds of the records to give geometry to. Vertical elements without a body of
        their own (a stair made of flights and landings) take their parts' geometry.

    Returns
    -------
    GeometryTargets
    """
    targets = GeometryTargets()
    for gid in spaces:
        targets.add(model.by_guid(gid), footprint="exact")
    for gid in doors:
        targets.add(model.by_guid(gid), footprint="hull")
    for gid in verticals:
        entity = model.by_guid(gid)
        targets.add(entity, footprint="hull")
        for part in element_util.get_decomposition(entity):
            targets.add(part, footprint="hull", owner=gid)
    for gid in equipment:
        targets.add(model.by_guid(gid), footprint=None)
    return targets


def _flat_triangles(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Triangles (k, 3, 2) float64 in XY of the faces that are not vertical.

    Both orientations are kept: surface models (``IfcFaceBasedSurfaceModel``) are not always
    oriented outwards, so "upward" alone can miss a whole space.
    """
    triangles = vertices[faces]  # (m, 3, 3)
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    lengths = np.linalg.norm(normals, axis=1)
    keep = np.abs(normals[:, 2]) > 1e-9 * np.maximum(lengths, 1e-300)
    return triangles[keep][:, :, :2]


def _footprint(triangle_sets: list[np.ndarray], how: str | None) -> BaseGeometry | None:
    triangles = np.concatenate(triangle_sets) if triangle_sets else np.empty((0, 3, 2))
    if len(triangles) == 0 or how is None:
        return None
    if how == "hull":
        return shapely.MultiPoint(triangles.reshape(-1, 2)).convex_hull
    polygons = shapely.polygons(triangles)
    polygons = polygons[shapely.area(polygons) > 1e-12]
    if len(polygons) == 0:
        return None
    return shapely.union_all(polygons, grid_size=FOOTPRINT_GRID)


def compute_geometry(model: ifcopenshell.file, targets: GeometryTargets, *,
                     threads: int | None = None,
                     progress: ProgressCallback | None = None) -> dict[str, ElementGeometry]:
    """Run the geometry iterator once over ``targets`` and summarise each record's shape.

    Parameters
    ----------
    model : ifcopenshell.file
        The open model.
    targets : GeometryTargets
        From :func:`get_geometry_targets`.
    threads : int, optional
        Iterator threads; defaults to the number of CPUs.
    progress : callable, optional
        ``progress(done, total)`` after each shape.

    Returns
    -------
    dict of str to ElementGeometry
        Keyed by record GlobalId; records whose geometry failed or is absent are missing.
    """
    if not targets.elements:
        return {}
    lows: dict[str, list[np.ndarray]] = {}
    highs: dict[str, list[np.ndarray]] = {}
    triangles: dict[str, list[np.ndarray]] = {}
    for shape in iterate_shapes(model, targets.elements, geometry_settings(), threads=threads,
                                progress=progress):
        record_id = targets.owner.get(shape.guid)
        vertices = np.asarray(shape.geometry.verts, dtype=np.float64).reshape(-1, 3)
        if record_id is not None and len(vertices):
            lows.setdefault(record_id, []).append(vertices.min(axis=0))
            highs.setdefault(record_id, []).append(vertices.max(axis=0))
            if record_id in targets.footprint:
                faces = np.asarray(shape.geometry.faces, dtype=np.int64).reshape(-1, 3)
                triangles.setdefault(record_id, []).append(_flat_triangles(vertices, faces))
    result: dict[str, ElementGeometry] = {}
    for record_id, low_list in lows.items():
        low = np.min(low_list, axis=0)
        high = np.max(highs[record_id], axis=0)
        result[record_id] = ElementGeometry(
            bounds_min=tuple(float(v) for v in low),
            bounds_max=tuple(float(v) for v in high),
            centroid=tuple(float(v) for v in (low + high) / 2.0),
            footprint=_footprint(triangles.get(record_id, []),
                                 targets.footprint.get(record_id)),
        )
    return result
