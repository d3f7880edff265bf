"""Frozen records of a parsed IFC model, keyed by GlobalId, in SI units.

Nothing here refers to ``ifcopenshell``: a :class:`BuildingModel` is plain data that pickles, is
cached on disk and is handed to :mod:`spaces` and the layers above it.

Conventions
-----------
* Lengths are metres, areas square metres, in world coordinates (the model's project
  coordinates after all placements), Z up.
* ``global_id`` is the IFC GlobalId. References between records are GlobalIds, never objects.
* ``psets`` maps a property or quantity set name to ``{property: value}`` as written in the file
  (values are not unit-converted); the SI values that matter are lifted into typed fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bim_models.versions import PARSER_VERSION  # re-exported: part of the cache key

if TYPE_CHECKING:  # annotations only: the CLI reads cached records without loading shapely
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "PARSER_VERSION",
    "BuildingModel",
    "ElementGeometry",
    "EquipmentRecord",
    "OpeningRecord",
    "PortConnection",
    "PortRecord",
    "SpaceBoundary",
    "SpaceRecord",
    "SpatialRecord",
    "StoreyRecord",
    "SystemRecord",
    "VerticalRecord",
    "WallAxis",
    "ZoneRecord",
]

Vec3 = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class ElementGeometry:
    """Geometry derived from an element's body representation, in world metres.

    Attributes
    ----------
    bounds_min, bounds_max : (3,) tuple of float
        Axis-aligned bounding box corners.
    centroid : (3,) tuple of float
        Centre of the bounding box.
    footprint : shapely Polygon or MultiPolygon, optional
        The solid projected onto the XY plane. Exact for spaces (the union of its non-vertical
        triangles); the convex hull of that projection for doors and vertical circulation,
        where it only serves to find neighbouring spaces. ``None`` for other elements.
    """

    bounds_min: Vec3
    bounds_max: Vec3
    centroid: Vec3
    footprint: BaseGeometry | None = None

    @property
    def z_range(self) -> tuple[float, float]:
        """Bottom and top elevation of the element, metres."""
        return (self.bounds_min[2], self.bounds_max[2])

    @property
    def footprint_area(self) -> float | None:
        """Area of :attr:`footprint` in m², or ``None`` without a footprint."""
        return None if self.footprint is None else float(self.footprint.area)


@dataclass(frozen=True, slots=True)
class SpatialRecord:
    """A project, site or building."""

    global_id: str
    ifc_class: str
    name: str | None
    long_name: str | None = None
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class StoreyRecord:
    """An ``IfcBuildingStorey``; ``elevation`` in metres (from the attribute or placement)."""

    global_id: str
    name: str | None
    long_name: str | None
    elevation: float
    building: str | None


@dataclass(frozen=True, slots=True)
class SpaceRecord:
    """An ``IfcSpace`` with its quantities in SI units.

    Attributes
    ----------
    area_qto_net, area_qto_gross : float, optional
        ``NetFloorArea`` / ``GrossFloorArea`` from ``Qto_SpaceBaseQuantities`` (or the
        ``BaseQuantities`` set some exporters write), m².
    height_qto : float, optional
        ``Height`` (or ``FinishCeilingHeight``) from the same set, m.
    placement : {"aggregated", "contained", "none"}
        How the space was tied to its storey in the file.
    geometry : ElementGeometry, optional
        Footprint and height range from the body representation.
    classifications : tuple of str
        Each classification reference of the space (or its type) as "identification name".
    """

    global_id: str
    name: str | None
    long_name: str | None
    object_type: str | None
    storey: str | None
    placement: str
    area_qto_net: float | None
    area_qto_gross: float | None
    height_qto: float | None
    psets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    geometry: ElementGeometry | None = None
    classifications: tuple[str, ...] = ()  # "code name" of each classification reference

    @property
    def area_geometry(self) -> float | None:
        """Area of the footprint from geometry, m², or ``None``."""
        return None if self.geometry is None else self.geometry.footprint_area

    @property
    def area_difference(self) -> float | None:
        """``area_geometry - area_qto_net`` in m², or ``None`` if either is missing."""
        if self.area_geometry is None or self.area_qto_net is None:
            return None
        return self.area_geometry - self.area_qto_net

    @property
    def area_difference_ratio(self) -> float | None:
        """:attr:`area_difference` relative to the Qto area (0.05 means 5 %)."""
        diff = self.area_difference
        if diff is None or not self.area_qto_net:
            return None
        return diff / self.area_qto_net


@dataclass(frozen=True, slots=True)
class ZoneRecord:
    """An ``IfcZone`` and the GlobalIds of the spaces (or zones) it groups."""

    global_id: str
    name: str | None
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OpeningRecord:
    """A door, a window or an open wall opening (``kind`` ``"door"``, ``"window"`` or
    ``"opening"``: an ``IfcOpeningElement`` in a wall with no filling, walkable).

    ``is_external`` is ``Pset_DoorCommon.IsExternal`` (``Pset_WindowCommon`` for windows)
    where the file gives it, else ``None``.
    """

    global_id: str
    ifc_class: str
    kind: str
    name: str | None
    storey: str | None
    width: float | None
    height: float | None
    geometry: ElementGeometry | None = None
    is_external: bool | None = None


@dataclass(frozen=True, slots=True)
class VerticalRecord:
    """A stair, ramp or transport element (lift, escalator, moving walkway).

    ``kind`` is ``"stair"``, ``"ramp"`` or ``"transport"``; ``predefined_type`` e.g.
    ``"ELEVATOR"``. Geometry includes the element's decomposed parts (flights, landings).
    """

    global_id: str
    ifc_class: str
    kind: str
    name: str | None
    predefined_type: str | None
    storey: str | None
    geometry: ElementGeometry | None = None


@dataclass(frozen=True, slots=True)
class EquipmentRecord:
    """An ``IfcDistributionElement`` (any subtype) or an ``IfcFurnishingElement``.

    Attributes
    ----------
    is_asset : bool
        ``False`` for flow segments and fittings (ducts, pipes, cables, their fittings): they
        stay in the graph as connectors but are not counted as FM assets.
    space : str, optional
        The space the file itself puts the element in (containment in an ``IfcSpace``).
    storey : str, optional
        The storey it sits in, directly or through its space.
    type_name, type_class : str, optional
        Name and class of the type object (``IfcTypeObject``) assigned to it.
    manufacturer, model_label, serial_number : str, optional
        From ``Pset_ManufacturerTypeInformation`` (occurrence or type) and
        ``Pset_ManufacturerOccurrence``.
    """

    global_id: str
    ifc_class: str
    name: str | None
    predefined_type: str | None
    is_asset: bool
    storey: str | None
    space: str | None
    type_name: str | None = None
    type_class: str | None = None
    manufacturer: str | None = None
    model_label: str | None = None
    serial_number: str | None = None
    geometry: ElementGeometry | None = None


@dataclass(frozen=True, slots=True)
class SystemRecord:
    """An ``IfcSystem`` (e.g. ``IfcDistributionSystem``) and its member GlobalIds."""

    global_id: str
    ifc_class: str
    name: str | None
    predefined_type: str | None
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PortRecord:
    """An ``IfcDistributionPort``; ``flow_direction`` is SOURCE, SINK, SOURCEANDSINK or None."""

    global_id: str
    name: str | None
    element: str | None
    flow_direction: str | None
    system_type: str | None = None


@dataclass(frozen=True, slots=True)
class PortConnection:
    """An ``IfcRelConnectsPorts``: ``relating_port`` and ``related_port`` GlobalIds."""

    relating_port: str
    related_port: str


@dataclass(frozen=True, slots=True)
class SpaceBoundary:
    """An ``IfcRelSpaceBoundary``: a space bounded by a building element.

    ``corresponding`` is the GlobalId of the boundary on the other side, where the file says.
    ``segment`` is the plan extent of a vertical virtual boundary (two world XY points,
    metres) from its connection geometry; ``None`` for physical or horizontal boundaries.
    """

    global_id: str
    space: str
    element: str | None
    element_class: str | None
    physical: bool
    internal: bool
    corresponding: str | None = None
    segment: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True, slots=True)
class WallAxis:
    """A wall's axis in plan (its ``Axis`` representation): world XY points, metres."""

    global_id: str
    storey: str | None
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class BuildingModel:
    """Everything :mod:`bim_models` reads from one IFC file.

    Attributes
    ----------
    source : str
        Path of the file as it was opened.
    sha256 : str
        SHA-256 of the file's bytes (the cache key, with :data:`PARSER_VERSION`).
    schema : str
        ``"IFC2X3"``, ``"IFC4"`` or ``"IFC4X3"``; ``schema_identifier`` keeps the exact one.
    length_unit_scale : float
        Metres per unit of length in the file (0.001 for a millimetre model).
    warnings : tuple of str
        Things a user should know about the model (no spaces, no geometry, ...).
    """

    source: str
    sha256: str
    schema: str
    schema_identifier: str
    parser_version: str
    length_unit_scale: float
    project: SpatialRecord | None
    sites: dict[str, SpatialRecord]
    buildings: dict[str, SpatialRecord]
    storeys: dict[str, StoreyRecord]
    spaces: dict[str, SpaceRecord]
    zones: dict[str, ZoneRecord]
    openings: dict[str, OpeningRecord]
    verticals: dict[str, VerticalRecord]
    equipment: dict[str, EquipmentRecord]
    systems: dict[str, SystemRecord]
    ports: dict[str, PortRecord]
    port_connections: tuple[PortConnection, ...]
    space_boundaries: tuple[SpaceBoundary, ...]
    warnings: tuple[str, ...] = ()
    wall_axes: tuple[WallAxis, ...] = ()

    @property
    def doors(self) -> dict[str, OpeningRecord]:
        """The openings that are doors."""
        return {k: v for k, v in self.openings.items() if v.kind == "door"}

    @property
    def stairs(self) -> dict[str, VerticalRecord]:
        """The vertical circulation elements that are stairs."""
        return {k: v for k, v in self.verticals.items() if v.kind == "stair"}

    @property
    def assets(self) -> dict[str, EquipmentRecord]:
        """Equipment counted as FM assets (segments and fittings left out)."""
        return {k: v for k, v in self.equipment.items() if v.is_asset}

    def counts(self) -> dict[str, int]:
        """Counts per kind, by the counting rules of ``shared/ifc/MANIFEST.md``.

        Returns
        -------
        dict of str to int
            Keys ``storeys``, ``spaces``, ``doors``, ``windows``, ``stairs``, ``ramps``,
            ``transport``, ``equipment``, ``systems``, ``zones``, ``ports``.
        """
        kinds = [v.kind for v in self.verticals.values()]
        return {
            "storeys": len(self.storeys),
            "spaces": len(self.spaces),
            "doors": len(self.doors),
            "windows": sum(1 for v in self.openings.values() if v.kind == "window"),
            "stairs": kinds.count("stair"),
            "ramps": kinds.count("ramp"),
            "transport": kinds.count("transport"),
            "equipment": len(self.assets),
            "systems": len(self.systems),
            "zones": len(self.zones),
            "ports": len(self.ports),
        }

    def element(self, global_id: str) -> Any:
        """Return the record of any element by GlobalId.

        Raises
        ------
        KeyError
            If no record has that GlobalId.
        """
        for table in (self.spaces, self.equipment, self.openings, self.verticals,
                      self.storeys, self.systems, self.zones, self.ports, self.buildings,
                      self.sites):
            if global_id in table:
                return table[global_id]
        raise KeyError(global_id)
