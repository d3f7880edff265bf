"""Author small IFC models (IFC2X3, IFC4, IFC4X3) with :mod:`ifcopenshell.api` and ShapeBuilder.

Every coordinate and size argument is in metres, whatever the model's length unit: lengths are
scaled to file units (x1000 in mm models); areas are m2. Bad arguments raise ValueError.
"""

from __future__ import annotations

import ifcopenshell
import ifcopenshell.util.placement
import ifcopenshell.util.schema
import ifcopenshell.util.unit
import numpy as np
from ifcopenshell.api import (
    aggregate,
    attribute,
    context,
    geometry,
    owner,
    project,
    pset,
    root,
    spatial,
    system,
    unit,
)
from ifcopenshell.api import type as ifc_type
from ifcopenshell.util.shape_builder import ShapeBuilder
from ifcopenshell.util.system import is_assignable
from ifcopenshell.util.type import get_applicable_entities

__all__ = ["SCHEMAS", "add_door", "add_element", "add_port", "add_space", "add_stair",
           "add_storey", "add_system", "add_wall", "add_zone", "build_two_room_model",
           "connect_ports", "new_model"]

Entity = ifcopenshell.entity_instance
SCHEMAS = ("IFC2X3", "IFC4", "IFC4X3")
_PREFIXES = {"m": None, "mm": "MILLI"}
_FLOW_DIRECTIONS = ("SOURCE", "SINK", "SOURCEANDSINK", "NOTDEFINED")


def _scale(model: ifcopenshell.file) -> float:  # metres per file length unit
    return ifcopenshell.util.unit.calculate_unit_scale(model)


def _expect(condition: object, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check(value: object, ifc_class: str, argument: str, axis: str = "x", **lengths) -> None:
    got = value.is_a() if isinstance(value, Entity) else type(value).__name__
    _expect(isinstance(value, Entity) and value.is_a(ifc_class),
            f"{argument} must be an {ifc_class}, got {got}")
    _expect(axis in ("x", "y"), f"axis must be 'x' or 'y', got {axis!r}")
    for name, length in lengths.items():  # `length > 0` is also False for NaN
        _expect(length > 0, f"{name} must be a positive length in metres, got {length!r}")


def _declaration(model: ifcopenshell.file, ifc_class: str, supertype: str):
    """(declaration, PredefinedType values or None) of a ``supertype`` class, or (None, None)."""
    try:
        schema = ifcopenshell.schema_by_name(model.schema_identifier)
        declaration = schema.declaration_by_name(ifc_class).as_entity()
    except RuntimeError:
        return None, None
    if declaration is None or not ifcopenshell.util.schema.is_a(declaration, supertype):
        return None, None
    attrs = [a for a in declaration.all_attributes() if a.name() == "PredefinedType"]
    items = attrs[0].type_of_attribute().declared_type().enumeration_items() if attrs else None
    return declaration, items


def _place(model: ifcopenshell.file, product: Entity, origin, x_axis=(1.0, 0.0)) -> None:
    """Place ``product`` at world ``origin`` (metres), local X along the horizontal ``x_axis``."""
    x_dir = np.array([x_axis[0], x_axis[1], 0.0]) / np.hypot(x_axis[0], x_axis[1])
    matrix = np.eye(4)
    matrix[:3, 0], matrix[:3, 1], matrix[:3, 3] = x_dir, np.cross((0, 0, 1), x_dir), origin
    geometry.edit_object_placement(model, product=product, matrix=matrix)


def _new_product(model: ifcopenshell.file, ifc_class: str, structure: Entity, *,
                 name: str | None, x: float, y: float, z: float | None, corner: tuple,
                 size: tuple, height: float, x_axis: tuple = (1.0, 0.0),
                 predefined_type: str | None = None, attributes: dict | None = None,
                 aggregated: bool = False) -> Entity:
    """Create, relate, place at (x, y, z or storey's) a product, extruding a local rectangle."""
    body = [c for c in model.by_type("IfcGeometricRepresentationSubContext")
            if c.ContextType == "Model" and c.ContextIdentifier == "Body"]
    _expect(body, "model has no Model/Body context: create it with new_model()")
    scale, builder = _scale(model), ShapeBuilder(model)
    if z is None:
        z = ifcopenshell.util.placement.get_local_placement(structure.ObjectPlacement)[2][3] * scale
    product = root.create_entity(model, ifc_class=ifc_class, predefined_type=predefined_type,
                                 name=name)
    if attributes:
        attribute.edit_attributes(model, product=product, attributes=attributes)
    if aggregated:
        aggregate.assign_object(model, products=[product], relating_object=structure)
    elif hasattr(product, "ContainedInStructure"):
        spatial.assign_container(model, products=[product], relating_structure=structure)
    else:  # IfcSpace has no ContainedInStructure inverse, so the api refuses it
        rel = root.create_entity(model, ifc_class="IfcRelContainedInSpatialStructure")
        attribute.edit_attributes(model, product=rel, attributes={
            "RelatingStructure": structure, "RelatedElements": [product]})
    _place(model, product, (x, y, z), x_axis)
    curve = builder.rectangle(size=(size[0] / scale, size[1] / scale),
                              position=(corner[0] / scale, corner[1] / scale))
    solid = builder.extrude(curve, magnitude=height / scale)
    geometry.assign_representation(model, product=product,
                                   representation=builder.get_representation(body[0], solid))
    return product


def _edit_pset(model: ifcopenshell.file, product: Entity, name: str, properties: dict) -> None:
    properties = {key: value for key, value in properties.items() if value is not None}
    if properties:
        pset.edit_pset(model, pset=pset.add_pset(model, product=product, name=name),
                       properties=properties)


def new_model(*, schema: str = "IFC4", length_unit: str = "m",
              project_name: str = "Test project", site_name: str = "Site",
              building_name: str = "Building") -> ifcopenshell.file:
    """Create a model: project, units, Model/Body context, site and building (aggregated).

    Parameters
    ----------
    schema : {"IFC2X3", "IFC4", "IFC4X3"}
    length_unit : {"m", "mm"}
        LENGTHUNIT; AREAUNIT is always m2 and VOLUMEUNIT m3.
    """
    _expect(schema in SCHEMAS, f"schema must be one of {', '.join(SCHEMAS)}, got {schema!r}")
    _expect(length_unit in _PREFIXES, f"length_unit must be 'm' or 'mm', got {length_unit!r}")
    model = project.create_file(version=schema)
    if schema == "IFC2X3":  # OwnerHistory is mandatory: the api uses the file's first user
        owner.add_application(model)
        owner.add_person_and_organisation(
            model, person=owner.add_person(model, identification="author", family_name="Author"),
            organisation=owner.add_organisation(model, identification="twin", name="Twin"))
    parent = root.create_entity(model, ifc_class="IfcProject", name=project_name)
    units = [unit.add_si_unit(model, unit_type="LENGTHUNIT", prefix=_PREFIXES[length_unit])]
    for kind in ("AREAUNIT", "VOLUMEUNIT", "PLANEANGLEUNIT"):
        units.append(unit.add_si_unit(model, unit_type=kind))
    unit.assign_unit(model, units=units)
    context.add_context(model, context_type="Model", context_identifier="Body",
                        target_view="MODEL_VIEW",
                        parent=context.add_context(model, context_type="Model"))
    for ifc_class, name in (("IfcSite", site_name), ("IfcBuilding", building_name)):
        product = root.create_entity(model, ifc_class=ifc_class, name=name)
        aggregate.assign_object(model, products=[product], relating_object=parent)
        _place(model, product, (0.0, 0.0, 0.0))
        parent = product
    return model


def add_storey(model: ifcopenshell.file, *, name: str, elevation: float) -> Entity:
    """Add an IfcBuildingStorey aggregated under the first IfcBuilding.

    Parameters
    ----------
    elevation : float
        Written to ``Elevation`` and to the placement z, in file units.
    """
    buildings = model.by_type("IfcBuilding")
    _expect(buildings, "model has no IfcBuilding: create it with new_model()")
    storey = root.create_entity(model, ifc_class="IfcBuildingStorey", name=name)
    attribute.edit_attributes(model, product=storey,
                              attributes={"Elevation": elevation / _scale(model)})
    aggregate.assign_object(model, products=[storey], relating_object=buildings[0])
    _place(model, storey, (0.0, 0.0, elevation))
    return storey


def add_space(model: ifcopenshell.file, *, storey: Entity, name: str,
              long_name: str | None = None, x: float, y: float, width: float, depth: float,
              height: float = 3.0, aggregated: bool = True, qto: bool = True,
              net_area: float | None = None, object_type: str | None = None) -> Entity:
    """Add an IfcSpace: a box on [x, x+width] x [y, y+depth] from ``storey`` up by ``height``.

    Its ``name`` is also its Pset_SpaceCommon.Reference.

    Parameters
    ----------
    aggregated : bool
        True: IfcRelAggregates under the storey; False: IfcRelContainedInSpatialStructure.
    qto : bool
        Add Qto_SpaceBaseQuantities NetFloorArea (``net_area`` or width * depth, m2),
        GrossFloorArea (m2) and Height.
    """
    _check(storey, "IfcBuildingStorey", "storey", width=width, depth=depth, height=height)
    _expect(net_area is None or net_area > 0, f"net_area must be > 0 m2, got {net_area!r}")
    attributes = {"LongName": long_name, "ObjectType": object_type}
    if model.schema == "IFC2X3":
        attributes["InteriorOrExteriorSpace"] = "INTERNAL"  # mandatory in IFC2X3
    space = _new_product(model, "IfcSpace", storey, name=name, x=x, y=y, z=None,
                         corner=(0.0, 0.0), size=(width, depth), height=height,
                         attributes=attributes, aggregated=aggregated)
    if qto:
        qto_set = pset.add_qto(model, product=space, name="Qto_SpaceBaseQuantities")
        pset.edit_qto(model, qto=qto_set, properties={
            "NetFloorArea": model.create_entity("IfcAreaMeasure", net_area or width * depth),
            "GrossFloorArea": model.create_entity("IfcAreaMeasure", width * depth),
            "Height": model.create_entity("IfcLengthMeasure", height / _scale(model))})
    _edit_pset(model, space, "Pset_SpaceCommon", {"Reference": name})
    return space


def add_wall(model: ifcopenshell.file, *, storey: Entity, start: tuple[float, float],
             end: tuple[float, float], thickness: float = 0.2, height: float = 3.0,
             name: str | None = None) -> Entity:
    """Add an IfcWall contained in ``storey``, standing on it, centred on the line start-end.

    Parameters
    ----------
    start, end : tuple of float
        World XY ends of the wall axis.
    """
    dx, dy = end[0] - start[0], end[1] - start[1]
    _check(storey, "IfcBuildingStorey", "storey", thickness=thickness, height=height)
    _expect(np.hypot(dx, dy) > 0, f"wall start and end must differ, got {start!r}, {end!r}")
    return _new_product(model, "IfcWall", storey, name=name, x=start[0], y=start[1], z=None,
                        x_axis=(dx, dy), corner=(0.0, -thickness / 2),
                        size=(np.hypot(dx, dy), thickness), height=height)


def add_door(model: ifcopenshell.file, *, storey: Entity, x: float, y: float,
             width: float = 0.9, height: float = 2.1, thickness: float = 0.2, axis: str = "x",
             between: tuple[Entity, Entity] | None = None, name: str | None = None) -> Entity:
    """Add an IfcDoor contained in ``storey``, standing on it: a box centred on (x, y).

    Parameters
    ----------
    width, thickness : float
        Along the wall direction ``axis`` ("x" or "y") and across it.
    between : tuple of two IfcSpace, optional
        Add one IfcRelSpaceBoundary ("1stLevel", PHYSICAL, INTERNAL) per space.
    """
    _check(storey, "IfcBuildingStorey", "storey", axis, width=width, height=height,
           thickness=thickness)
    _expect(between is None or len(between) == 2, "between must be a pair of IfcSpace")
    for index, space in enumerate(between or ()):
        _check(space, "IfcSpace", f"between[{index}]")
    door = _new_product(model, "IfcDoor", storey, name=name, x=x, y=y, z=None,
                        x_axis=(1.0, 0.0) if axis == "x" else (0.0, 1.0),
                        corner=(-width / 2, -thickness / 2), size=(width, thickness),
                        height=height, attributes={"OverallWidth": width / _scale(model),
                                                   "OverallHeight": height / _scale(model)})
    for space in between or ():
        boundary = root.create_entity(model, ifc_class="IfcRelSpaceBoundary", name="1stLevel")
        attribute.edit_attributes(model, product=boundary, attributes={
            "RelatingSpace": space, "RelatedBuildingElement": door,
            "PhysicalOrVirtualBoundary": "PHYSICAL", "InternalOrExternalBoundary": "INTERNAL"})
    return door


def add_stair(model: ifcopenshell.file, *, storey: Entity, x: float, y: float, width: float,
              length: float, rise: float, axis: str = "x", name: str | None = None) -> Entity:
    """Add an IfcStair contained in the bottom ``storey``: a block from it up by ``rise``.

    Parameters
    ----------
    x, y, width, length : float
        Footprint [x, x+length] x [y, y+width] for ``axis`` "x"; width and length swap for "y".
    """
    _check(storey, "IfcBuildingStorey", "storey", axis, width=width, length=length, rise=rise)
    kind, ifc2x3 = "STRAIGHT_RUN_STAIR", model.schema == "IFC2X3"
    return _new_product(model, "IfcStair", storey, name=name, x=x, y=y, z=None,
                        corner=(0.0, 0.0), size=(length, width) if axis == "x" else (width, length),
                        height=rise, predefined_type=None if ifc2x3 else kind,
                        attributes={"ShapeType": kind} if ifc2x3 else None)  # IFC2X3: mandatory


def add_element(model: ifcopenshell.file, *, ifc_class: str, name: str,
                predefined_type: str | None = None, storey: Entity | None = None,
                space: Entity | None = None, x: float, y: float, z: float,
                size: tuple[float, float, float] = (0.5, 0.5, 0.5),
                type_name: str | None = None, type_class: str | None = None,
                manufacturer: str | None = None, model_label: str | None = None,
                serial: str | None = None) -> Entity:
    """Add an element of any IfcElement class: a box of ``size`` centred on world (x, y, z).

    Parameters
    ----------
    ifc_class : str
        IfcElement class. Where the schema lacks it but has its type class (IFC2X3: IfcSensor),
        the occurrence class of that type (IfcDistributionControlElement) is used.
    predefined_type : str, optional
        On the element (USERDEFINED + ObjectType if not in its enumeration), else on the type.
    storey, space : ifcopenshell.entity_instance, optional
        Exactly one: the IfcBuildingStorey or IfcSpace that contains the element.
    type_name, type_class : str, optional
        Assign a new type ``type_name`` of ``type_class`` (default ifc_class + "Type", if any).
    manufacturer, model_label, serial : str, optional
        Pset_ManufacturerTypeInformation and Pset_ManufacturerOccurrence.SerialNumber.
    """
    declaration, items = _declaration(model, ifc_class, "IfcElement")
    applicable = get_applicable_entities(f"{ifc_class}Type", model.schema)
    if declaration is None and len(applicable) == 1:  # e.g. IfcSensor in IFC2X3
        type_class, ifc_class = type_class or f"{ifc_class}Type", applicable[0]
        declaration, items = _declaration(model, ifc_class, "IfcElement")
    _expect(declaration and not declaration.is_abstract(),
            f"{ifc_class!r} is not a non-abstract IfcElement class of {model.schema}")
    _expect((storey is None) != (space is None), "give exactly one of storey and space")
    _expect(len(size) == 3, f"size must be (x, y, z) metres, got {size!r}")
    _check(storey or space, "IfcBuildingStorey" if storey else "IfcSpace", "storey or space",
           **{f"size[{index}]": length for index, length in enumerate(size)})
    relating_class = type_class or f"{ifc_class}Type"
    if ifc_class not in get_applicable_entities(relating_class, model.schema):
        _expect(type_class is None, f"{type_class!r} cannot type {ifc_class} in {model.schema}")
        type_name = None  # no type class derivable: skip the type
    element = _new_product(model, ifc_class, storey or space, name=name, x=x, y=y,
                           z=z - size[2] / 2, corner=(-size[0] / 2, -size[1] / 2), size=size,
                           height=size[2], predefined_type=predefined_type if items else None)
    if type_name is not None:
        # A type PredefinedType would erase the element's: use it only where the element has none
        type_items = _declaration(model, relating_class, "IfcTypeObject")[1] or ()
        on_type = items is None and predefined_type in type_items
        relating_type = root.create_entity(model, ifc_class=relating_class, name=type_name,
                                           predefined_type=predefined_type if on_type else None)
        ifc_type.assign_type(model, related_objects=[element], relating_type=relating_type)
    _edit_pset(model, element, "Pset_ManufacturerTypeInformation",
               {"Manufacturer": manufacturer, "ModelLabel": model_label})
    _edit_pset(model, element, "Pset_ManufacturerOccurrence", {"SerialNumber": serial})
    return element


def add_port(model: ifcopenshell.file, *, element: Entity, flow_direction: str,
             name: str | None = None) -> Entity:
    """Add an IfcDistributionPort to ``element``, placed at the element's origin.

    Parameters
    ----------
    element : ifcopenshell.entity_instance
        IfcElement owning the port (IfcRelNests; IfcRelConnectsPortToElement in IFC2X3).
    flow_direction : {"SOURCE", "SINK", "SOURCEANDSINK", "NOTDEFINED"}
    """
    _check(element, "IfcElement", "element")
    _expect(flow_direction in _FLOW_DIRECTIONS, f"flow_direction must be one of "
            f"{', '.join(_FLOW_DIRECTIONS)}, got {flow_direction!r}")
    port = system.add_port(model, element=element)
    attribute.edit_attributes(model, product=port,
                              attributes={"Name": name, "FlowDirection": flow_direction})
    matrix = ifcopenshell.util.placement.get_local_placement(element.ObjectPlacement)
    geometry.edit_object_placement(model, product=port, matrix=matrix, is_si=False)
    return port


def connect_ports(model: ifcopenshell.file, *, source: Entity, sink: Entity) -> None:
    """Connect two ports with an IfcRelConnectsPorts (RelatingPort source, RelatedPort sink).

    Parameters
    ----------
    source, sink : ifcopenshell.entity_instance
        IfcDistributionPort; their FlowDirection becomes SOURCE and SINK.
    """
    _check(source, "IfcDistributionPort", "source")
    _check(sink, "IfcDistributionPort", "sink")
    _expect(source != sink, "source and sink must be different ports")
    system.connect_port(model, port1=source, port2=sink, direction="SOURCE")


def add_system(model: ifcopenshell.file, *, name: str, members: list[Entity],
               ifc_class: str = "IfcDistributionSystem") -> Entity:
    """Add a system named ``name`` and assign ``members`` to it (IfcRelAssignsToGroup).

    Parameters
    ----------
    ifc_class : str
        IfcSystem class; IfcDistributionSystem falls back to IfcSystem in IFC2X3.
    """
    _expect(_declaration(model, ifc_class, "IfcSystem")[0] or ifc_class == "IfcDistributionSystem",
            f"{ifc_class!r} is not an IfcSystem class of {model.schema}")
    new_system = system.add_system(model, ifc_class=ifc_class)  # IfcSystem in IFC2X3
    attribute.edit_attributes(model, product=new_system, attributes={"Name": name})
    for index, member in enumerate(members):
        _check(member, "IfcProduct", f"members[{index}]")
        _expect(is_assignable(member, new_system),
                f"members[{index}] ({member.is_a()}) cannot be in an {new_system.is_a()}")
    system.assign_system(model, products=list(members), system=new_system)
    return new_system


def add_zone(model: ifcopenshell.file, *, name: str, spaces: list[Entity]) -> Entity:
    """Add an IfcZone named ``name`` grouping ``spaces`` (IfcRelAssignsToGroup).

    Parameters
    ----------
    spaces : list of IfcSpace
    """
    for index, space in enumerate(spaces):
        _check(space, "IfcSpace", f"spaces[{index}]")
    zone = root.create_entity(model, ifc_class="IfcZone", name=name)
    system.assign_system(model, products=list(spaces), system=zone)
    return zone


def build_two_room_model(*, schema: str = "IFC4", length_unit: str = "m") -> ifcopenshell.file:
    """Build the two-storey sample model of the tests and the demo.

    Ground floor: offices "101" (aggregated), "102" (contained), corridor "100", doors "D1"
    (with space boundaries) and "D2", a stair, "AHU-1" (in the storey, inside 102), "Duct-1",
    "Terminal-101", "Desk-101". First floor (3.5 m): "200", "201", "D3", "Sensor-201-T".

    Parameters
    ----------
    schema : {"IFC2X3", "IFC4", "IFC4X3"}
    length_unit : {"m", "mm"}
    """
    model = new_model(schema=schema, length_unit=length_unit, building_name="Two-room building")
    ground = add_storey(model, name="Ground floor", elevation=0.0)
    first = add_storey(model, name="First floor", elevation=3.5)
    office = {"long_name": "Office", "object_type": "Office", "y": 0.0, "depth": 4.0}
    corridor = {"long_name": "Corridor", "x": 0.0, "y": 4.2, "width": 10.0, "depth": 1.8}
    s101 = add_space(model, storey=ground, name="101", x=0.0, width=5.0, **office)
    s102 = add_space(model, storey=ground, name="102", x=5.2, width=4.8, aggregated=False, **office)
    add_space(model, storey=ground, name="100", **corridor)
    add_wall(model, storey=ground, start=(5.1, 0.0), end=(5.1, 4.0), name="W-101-102")
    add_wall(model, storey=ground, start=(0.0, 4.1), end=(10.0, 4.1), name="W-100")
    add_door(model, storey=ground, name="D1", x=5.1, y=2.0, axis="y", between=(s101, s102))
    add_door(model, storey=ground, name="D2", x=2.5, y=4.1, axis="x")
    add_stair(model, storey=ground, name="Stair-1", x=8.0, y=4.2, width=1.8, length=2.0, rise=3.5)
    s200 = add_space(model, storey=first, name="200", **corridor)
    s201 = add_space(model, storey=first, name="201", x=0.0, width=5.0, **office)
    add_wall(model, storey=first, start=(0.0, 4.1), end=(5.0, 4.1), name="W-200")
    add_door(model, storey=first, name="D3", x=2.5, y=4.1, axis="x", between=(s201, s200))
    ahu = add_element(model, ifc_class="IfcUnitaryEquipment", predefined_type="AIRHANDLER",
                      name="AHU-1", storey=ground, x=7.5, y=2.0, z=1.0, size=(1.5, 1.0, 2.0),
                      type_name="Air handling unit")
    duct = add_element(model, ifc_class="IfcDuctSegment", predefined_type="RIGIDSEGMENT",
                       name="Duct-1", storey=ground, x=4.75, y=2.0, z=2.9, size=(5.5, 0.3, 0.2),
                       type_name="Rectangular duct")
    terminal = add_element(model, ifc_class="IfcAirTerminal", predefined_type="DIFFUSER",
                           name="Terminal-101", space=s101, x=2.0, y=2.0, z=2.8,
                           size=(0.6, 0.6, 0.1), type_name="Ceiling diffuser")
    add_element(model, ifc_class="IfcSensor", predefined_type="TEMPERATURESENSOR",
                name="Sensor-201-T", space=s201, x=1.0, y=1.0, z=4.8, size=(0.1, 0.1, 0.1),
                type_name="Room temperature sensor", manufacturer="Acme Controls",
                model_label="TS-100", serial="SN-0001")
    add_element(model, ifc_class="IfcFurniture", predefined_type="DESK", name="Desk-101",
                space=s101, x=1.5, y=1.0, z=0.375, size=(1.6, 0.8, 0.75), type_name="Office desk")
    for upstream, downstream in ((ahu, duct), (duct, terminal)):
        source = add_port(model, element=upstream, flow_direction="SOURCE", name="out")
        sink = add_port(model, element=downstream, flow_direction="SINK", name="in")
        connect_ports(model, source=source, sink=sink)
    add_system(model, name="Supply air", members=[ahu, duct, terminal])
    add_zone(model, name="East offices", spaces=[s101, s102])
    return model
