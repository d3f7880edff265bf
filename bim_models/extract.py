"""Read the non-geometric records of an open IFC model, converting to SI once.

The functions here take an ``ifcopenshell.file`` and return plain records from
:mod:`bim_models.records` keyed by GlobalId. Geometry is added afterwards by
:mod:`bim_models.geometry`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import ifcopenshell
import ifcopenshell.util.element as element_util
import ifcopenshell.util.placement as placement_util
import ifcopenshell.util.unit as unit_util

from bim_models.boundary_geometry import boundary_segment, is_open_wall_opening, wall_axis
from bim_models.records import (
    EquipmentRecord,
    OpeningRecord,
    PortConnection,
    PortRecord,
    SpaceBoundary,
    SpaceRecord,
    SpatialRecord,
    StoreyRecord,
    SystemRecord,
    VerticalRecord,
    WallAxis,
    ZoneRecord,
)
from bim_models.relations import RelationIndex
from bim_models.schema import (
    ASSET_EXCLUDED_CLASSES,
    EQUIPMENT_ROOT_CLASSES,
    VERTICAL_CLASSES,
    by_type,
    get_port_element,
    get_predefined_type,
)

__all__ = ["UnitScales", "get_unit_scales", "read_records"]

#: Quantity sets that may hold a space's base quantities, in order of preference.
SPACE_QTO_NAMES = ("Qto_SpaceBaseQuantities", "BaseQuantities")


@dataclass(frozen=True, slots=True)
class UnitScales:
    """Factors from the file's project units to SI (m, m², m³)."""

    length: float
    area: float
    volume: float


def get_unit_scales(model: ifcopenshell.file) -> UnitScales:
    """Return the SI factors of the model's length, area and volume units.

    Parameters
    ----------
    model : ifcopenshell.file
        An open model.

    Returns
    -------
    UnitScales
        ``length`` is 0.001 for a millimetre model; ``area`` is 1.0 when areas are m².
    """
    return UnitScales(
        length=unit_util.calculate_unit_scale(model, "LENGTHUNIT"),
        area=unit_util.calculate_unit_scale(model, "AREAUNIT"),
        volume=unit_util.calculate_unit_scale(model, "VOLUMEUNIT"),
    )


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _plain_psets(raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Drop ifcopenshell's ``id`` keys and non-scalar values from ``get_psets`` output."""
    clean: dict[str, dict[str, Any]] = {}
    for set_name, props in raw.items():
        clean[set_name] = {
            key: value for key, value in props.items()
            if key != "id" and (value is None or isinstance(value, str | int | float | bool))
        }
    return clean


def read_records(model: ifcopenshell.file, scales: UnitScales) -> dict[str, Any]:
    """Read every record :class:`~bim_models.records.BuildingModel` holds, except geometry.

    Parameters
    ----------
    model : ifcopenshell.file
        An open model of a supported schema.
    scales : UnitScales
        From :func:`get_unit_scales`.

    Returns
    -------
    dict
        Keyword arguments for ``BuildingModel`` (``project``, ``sites``, ``buildings``,
        ``storeys``, ``spaces``, ``zones``, ``openings``, ``verticals``, ``equipment``,
        ``systems``, ``ports``, ``port_connections``, ``space_boundaries``, ``wall_axes``).
    """
    relations = RelationIndex(model)
    storey_of = relations.storey_of
    projects = by_type(model, "IfcProject")
    return {
        "project": _spatial(projects[0]) if projects else None,
        "sites": {e.GlobalId: _spatial(e) for e in by_type(model, "IfcSite")},
        "buildings": {e.GlobalId: _spatial(e) for e in by_type(model, "IfcBuilding")},
        "storeys": {e.GlobalId: _storey(e, scales) for e in by_type(model, "IfcBuildingStorey")},
        "spaces": {e.GlobalId: _space(e, scales, relations)
                   for e in by_type(model, "IfcSpace")},
        "zones": {e.GlobalId: _zone(e) for e in by_type(model, "IfcZone")},
        "openings": _openings(model, scales, relations),
        "verticals": _verticals(model, storey_of),
        "equipment": _equipment(model, relations),
        "systems": _systems(model),
        "ports": _ports(model),
        "port_connections": tuple(
            PortConnection(rel.RelatingPort.GlobalId, rel.RelatedPort.GlobalId)
            for rel in by_type(model, "IfcRelConnectsPorts")
            if rel.RelatingPort is not None and rel.RelatedPort is not None
        ),
        "space_boundaries": _boundaries(model, scales),
        "wall_axes": _wall_axes(model, scales, relations),
    }


def _wall_axes(model, scales: UnitScales, relations: RelationIndex) -> tuple[WallAxis, ...]:
    """The plan axes of the walls that have one (to keep geometric passages off walls)."""
    axes = []
    for wall in by_type(model, "IfcWall"):
        points = wall_axis(wall, scales.length)
        if points is not None:
            axes.append(WallAxis(wall.GlobalId, relations.storey_of(wall), points))
    return tuple(axes)


def _spatial(entity: ifcopenshell.entity_instance) -> SpatialRecord:
    parent = element_util.get_aggregate(entity)
    return SpatialRecord(
        global_id=entity.GlobalId,
        ifc_class=entity.is_a(),
        name=_text(entity.Name),
        long_name=_text(getattr(entity, "LongName", None)),
        parent=parent.GlobalId if parent is not None else None,
    )


def _storey(entity: ifcopenshell.entity_instance, scales: UnitScales) -> StoreyRecord:
    if entity.Elevation is not None:
        elevation = float(entity.Elevation) * scales.length
    elif entity.ObjectPlacement is not None:
        matrix = placement_util.get_local_placement(entity.ObjectPlacement)
        elevation = float(matrix[2][3]) * scales.length
    else:
        elevation = 0.0
    building = element_util.get_aggregate(entity)
    return StoreyRecord(
        global_id=entity.GlobalId,
        name=_text(entity.Name),
        long_name=_text(entity.LongName),
        elevation=elevation,
        building=building.GlobalId if building is not None else None,
    )


def _space_quantities(psets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    for name in SPACE_QTO_NAMES:
        if name in psets:
            return psets[name]
    for props in psets.values():  # any other quantity set that carries a floor area
        if "NetFloorArea" in props:
            return props
    return {}


def _scaled(value: Any, factor: float) -> float | None:
    return float(value) * factor if isinstance(value, int | float) else None


def _space(entity: ifcopenshell.entity_instance, scales: UnitScales,
           relations: RelationIndex) -> SpaceRecord:
    psets = element_util.get_psets(entity)  # property and quantity sets
    quantities = _space_quantities(psets)
    height = quantities.get("Height", quantities.get("FinishCeilingHeight"))
    if entity.id() in relations.whole:
        placement = "aggregated"
    elif entity.id() in relations.container:
        placement = "contained"
    else:
        placement = "none"
    return SpaceRecord(
        global_id=entity.GlobalId,
        name=_text(entity.Name),
        long_name=_text(entity.LongName),
        object_type=_text(entity.ObjectType),
        storey=relations.storey_of(entity),
        placement=placement,
        area_qto_net=_scaled(quantities.get("NetFloorArea"), scales.area),
        area_qto_gross=_scaled(quantities.get("GrossFloorArea"), scales.area),
        height_qto=_scaled(height, scales.length),
        psets=_plain_psets(psets),
        classifications=_classifications(entity),
    )


def _classifications(entity: ifcopenshell.entity_instance) -> tuple[str, ...]:
    """Each classification reference of ``entity`` (or its type) as "identification name"."""
    import ifcopenshell.util.classification as classification_util

    texts = []
    for ref in classification_util.get_references(entity):
        code = getattr(ref, "Identification", None) or getattr(ref, "ItemReference", None)
        texts.append(" ".join(str(t) for t in (code, ref.Name) if t))
    return tuple(sorted(t for t in texts if t))


def _zone(entity: ifcopenshell.entity_instance) -> ZoneRecord:
    members: list[str] = []
    for rel in entity.IsGroupedBy or ():
        members.extend(o.GlobalId for o in rel.RelatedObjects if hasattr(o, "GlobalId"))
    return ZoneRecord(entity.GlobalId, _text(entity.Name), tuple(members))


def _identities(model, kinds: Iterable[tuple[str, str]],
                storey_of) -> Iterator[tuple[ifcopenshell.entity_instance, dict[str, Any]]]:
    """Each element of the ``(ifc_class, kind)`` classes with the fields every record shares."""
    for ifc_class, kind in kinds:
        for e in by_type(model, ifc_class):
            yield e, {"global_id": e.GlobalId, "ifc_class": e.is_a(), "kind": kind,
                      "name": _text(e.Name), "storey": storey_of(e)}


def _is_external(relations: RelationIndex, entity, kind: str) -> bool | None:
    common = "Pset_DoorCommon" if kind == "door" else "Pset_WindowCommon"
    value = relations.property_values(entity, common).get("IsExternal")
    return value if isinstance(value, bool) else None


def _openings(model, scales: UnitScales, relations: RelationIndex) -> dict[str, OpeningRecord]:
    kinds = (("IfcDoor", "door"), ("IfcWindow", "window"))
    records = {
        e.GlobalId: OpeningRecord(**identity, width=_scaled(e.OverallWidth, scales.length),
                                  height=_scaled(e.OverallHeight, scales.length),
                                  is_external=_is_external(relations, e, identity["kind"]))
        for e, identity in _identities(model, kinds, relations.storey_of)
    }
    for e in by_type(model, "IfcOpeningElement"):  # holes in walls without door or window
        if not is_open_wall_opening(e):
            continue
        wall = next(iter(e.VoidsElements)).RelatingBuildingElement
        records[e.GlobalId] = OpeningRecord(
            global_id=e.GlobalId, ifc_class=e.is_a(), kind="opening", name=_text(e.Name),
            storey=relations.storey_of(wall), width=None, height=None)
    return records


def _verticals(model, storey_of) -> dict[str, VerticalRecord]:
    return {
        e.GlobalId: VerticalRecord(**identity, predefined_type=get_predefined_type(e))
        for e, identity in _identities(model, VERTICAL_CLASSES.items(), storey_of)
    }


def _first(values: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = values.get(key)
        if value not in (None, ""):
            return str(value)
    return None


def _equipment(model, relations: RelationIndex) -> dict[str, EquipmentRecord]:
    records: dict[str, EquipmentRecord] = {}
    for root in EQUIPMENT_ROOT_CLASSES:
        for e in by_type(model, root):
            container = relations.container.get(e.id())
            type_object = relations.type_object(e)
            maker = relations.property_values(e, "Pset_ManufacturerTypeInformation")
            occurrence = relations.property_values(e, "Pset_ManufacturerOccurrence",
                                                   inherit=False)
            records[e.GlobalId] = EquipmentRecord(
                global_id=e.GlobalId,
                ifc_class=e.is_a(),
                name=_text(e.Name),
                predefined_type=get_predefined_type(e),
                is_asset=not any(e.is_a(c) for c in ASSET_EXCLUDED_CLASSES),
                storey=relations.storey_of(e),
                space=container.GlobalId if container is not None and container.is_a("IfcSpace")
                else None,
                type_name=_text(type_object.Name) if type_object is not None else None,
                type_class=type_object.is_a() if type_object is not None else None,
                manufacturer=_first(maker, "Manufacturer"),
                model_label=_first(maker, "ModelLabel", "ModelReference"),
                serial_number=_first(occurrence, "SerialNumber"),
            )
    return records


def _systems(model) -> dict[str, SystemRecord]:
    records: dict[str, SystemRecord] = {}
    for e in by_type(model, "IfcSystem"):
        if e.is_a("IfcZone") or e.is_a("IfcStructuralAnalysisModel"):
            continue
        members: list[str] = []
        for rel in e.IsGroupedBy or ():
            members.extend(o.GlobalId for o in rel.RelatedObjects if hasattr(o, "GlobalId"))
        records[e.GlobalId] = SystemRecord(
            global_id=e.GlobalId,
            ifc_class=e.is_a(),
            name=_text(e.Name),
            predefined_type=get_predefined_type(e),
            members=tuple(members),
        )
    return records


def _ports(model) -> dict[str, PortRecord]:
    records: dict[str, PortRecord] = {}
    for port in by_type(model, "IfcDistributionPort"):
        owner = get_port_element(port)
        records[port.GlobalId] = PortRecord(
            global_id=port.GlobalId,
            name=_text(port.Name),
            element=owner.GlobalId if owner is not None else None,
            flow_direction=_text(port.FlowDirection),
            system_type=_text(getattr(port, "SystemType", None)),
        )
    return records


def _boundaries(model, scales: UnitScales) -> tuple[SpaceBoundary, ...]:
    result: list[SpaceBoundary] = []
    placements: dict[int, Any] = {}
    for rel in by_type(model, "IfcRelSpaceBoundary"):
        space = rel.RelatingSpace
        if space is None or not space.is_a("IfcSpace"):
            continue  # IFC4 also allows IfcExternalSpatialElement here
        element = rel.RelatedBuildingElement
        corresponding = getattr(rel, "CorrespondingBoundary", None)
        segment = None
        if rel.PhysicalOrVirtualBoundary == "VIRTUAL" and space.ObjectPlacement is not None:
            if space.id() not in placements:
                placements[space.id()] = placement_util.get_local_placement(
                    space.ObjectPlacement)
            segment = boundary_segment(rel, placements[space.id()], scales.length)
        result.append(SpaceBoundary(
            global_id=rel.GlobalId,
            space=space.GlobalId,
            element=element.GlobalId if element is not None else None,
            element_class=element.is_a() if element is not None else None,
            physical=rel.PhysicalOrVirtualBoundary == "PHYSICAL",
            internal=rel.InternalOrExternalBoundary == "INTERNAL",
            corresponding=corresponding.GlobalId if corresponding is not None else None,
            segment=segment,
        ))
    return tuple(result)
