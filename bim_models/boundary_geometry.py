"""Plan geometry of space boundaries and the passages the file itself names.

Room-separation lines (Revit), open-plan splits (ArchiCAD) and similar are written as
``IfcRelSpaceBoundary`` with ``PhysicalOrVirtualBoundary = VIRTUAL``, often without any
related element. Their ``ConnectionGeometry`` is the only thing that says where they lie: this
module turns it into a polyline in world XY metres, so that :mod:`spaces.passages` can match
the boundaries of two spaces that coincide.

Supported connection geometry (what exporters write): ``IfcConnectionSurfaceGeometry`` holding
an ``IfcSurfaceOfLinearExtrusion`` of a polyline (1st level boundaries, Revit) or an
``IfcCurveBoundedPlane`` bounded by a polyline (2nd level boundaries, ArchiCAD, Bonsai), and
``IfcConnectionCurveGeometry`` of a polyline. Horizontal surfaces (floors, ceilings) give
``None``: they never join two rooms side by side.
"""

from __future__ import annotations

import ifcopenshell
import ifcopenshell.util.placement as placement_util
import numpy as np

__all__ = ["boundary_segment", "is_open_wall_opening", "wall_axis"]

#: An ``IfcOpeningElement`` that voids one of these (and has no filling) is a walkable hole.
_WALL_CLASSES = ("IfcWall", "IfcCurtainWall")


def _points(curve) -> np.ndarray | None:
    """Points of a polyline (or a composite/indexed curve's polyline) as an (n, 3) array."""
    if curve is None:
        return None
    if curve.is_a("IfcPolyline"):
        coords = [tuple(p.Coordinates) for p in curve.Points]
    elif curve.is_a("IfcIndexedPolyCurve"):
        coords = [tuple(p) for p in curve.Points.CoordList]
    elif curve.is_a("IfcCompositeCurve"):
        parts = [_points(s.ParentCurve) for s in curve.Segments]
        parts = [p for p in parts if p is not None]
        return np.concatenate(parts) if parts else None
    else:
        return None
    if len(coords) < 2:
        return None
    return np.array([(c + (0.0, 0.0, 0.0))[:3] for c in coords], dtype=float)


def _matrix(placement) -> np.ndarray:
    return np.eye(4) if placement is None else np.asarray(
        placement_util.get_axis2placement(placement), dtype=float)


def _local_surface_points(surface) -> tuple[np.ndarray, np.ndarray] | None:
    """(points (n, 3) in the space's coordinates, unit normal of the surface) or ``None``."""
    if surface.is_a("IfcSurfaceOfLinearExtrusion"):
        profile = surface.SweptCurve
        curve = getattr(profile, "Curve", None) or getattr(profile, "OuterCurve", None)
        points = _points(curve)
        if points is None:
            return None
        matrix = _matrix(surface.Position)
        direction = matrix[:3, :3] @ np.asarray(surface.ExtrudedDirection.DirectionRatios,
                                                dtype=float)
        local = (matrix @ np.c_[points, np.ones(len(points))].T).T[:, :3]
        chord = local[-1] - local[0]
        normal = np.cross(chord, direction)
        return local, normal
    if surface.is_a("IfcCurveBoundedPlane"):
        points = _points(surface.OuterBoundary)
        if points is None:
            return None
        matrix = _matrix(surface.BasisSurface.Position)
        local = (matrix @ np.c_[points, np.ones(len(points))].T).T[:, :3]
        return local, matrix[:3, 2]
    return None


def _plan_segment(points: np.ndarray) -> tuple[tuple[float, float], ...] | None:
    """The XY extent of points on a vertical surface: its two farthest points."""
    xy = points[:, :2]
    centred = xy - xy.mean(axis=0)
    if not np.any(centred):
        return None
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    along = centred @ vt[0]
    a, b = xy[int(np.argmin(along))], xy[int(np.argmax(along))]
    if np.hypot(*(b - a)) < 1e-6:
        return None
    return ((float(a[0]), float(a[1])), (float(b[0]), float(b[1])))


def boundary_segment(boundary: ifcopenshell.entity_instance, space_matrix: np.ndarray,
                     scale: float) -> tuple[tuple[float, float], ...] | None:
    """World XY ends (metres) of a vertical space boundary, or ``None``.

    Parameters
    ----------
    boundary : ifcopenshell.entity_instance
        An ``IfcRelSpaceBoundary``.
    space_matrix : numpy.ndarray
        The relating space's placement (4 x 4, file units), whose coordinates the connection
        geometry is given in.
    scale : float
        Metres per file length unit.

    Returns
    -------
    tuple of (float, float), optional
        Two points; ``None`` for horizontal or unsupported geometry.
    """
    geometry = boundary.ConnectionGeometry
    try:
        if geometry is None:
            return None
        if geometry.is_a("IfcConnectionSurfaceGeometry"):
            found = _local_surface_points(geometry.SurfaceOnRelatingElement)
            if found is None:
                return None
            local, normal = found
            length = np.linalg.norm(normal)
            if length < 1e-12 or abs(normal[2]) / length > 0.2:
                return None  # a floor or ceiling
        elif geometry.is_a("IfcConnectionCurveGeometry"):
            local = _points(geometry.CurveOnRelatingElement)
            if local is None:
                return None
        else:
            return None
    except (AttributeError, RuntimeError, TypeError, ValueError):
        return None
    world = (space_matrix @ np.c_[local, np.ones(len(local))].T).T[:, :3] * scale
    return _plan_segment(world)


def is_open_wall_opening(opening: ifcopenshell.entity_instance) -> bool:
    """Whether an ``IfcOpeningElement`` is a hole one can walk through: it voids a wall, has no
    filling (door or window) and is not a recess."""
    if not opening.is_a("IfcOpeningElement"):
        return False
    if any(True for _ in getattr(opening, "HasFillings", None) or ()):
        return False
    kind = str(getattr(opening, "PredefinedType", None) or opening.ObjectType or "").upper()
    if "RECESS" in kind:
        return False
    voided = [rel.RelatingBuildingElement for rel in getattr(opening, "VoidsElements", ()) or ()]
    return any(element.is_a(c) for element in voided for c in _WALL_CLASSES)


def wall_axis(wall: ifcopenshell.entity_instance, scale: float
              ) -> tuple[tuple[float, float], ...] | None:
    """World XY points (metres) of a wall's ``Axis`` representation (a polyline or an
    indexed poly curve), or ``None`` where the wall has none."""
    shape = getattr(wall, "Representation", None)
    if shape is None or wall.ObjectPlacement is None:
        return None
    for representation in shape.Representations or ():
        if representation.RepresentationIdentifier != "Axis":
            continue
        for item in representation.Items or ():
            try:
                points = _points(item)
            except (AttributeError, RuntimeError, TypeError):
                points = None
            if points is None:
                continue
            matrix = np.asarray(placement_util.get_local_placement(wall.ObjectPlacement),
                                dtype=float)
            world = (matrix @ np.c_[points, np.ones(len(points))].T).T[:, :2] * scale
            return tuple((float(x), float(y)) for x, y in world)
    return None
