"""Write a :class:`~bim_models.sample.plan.SamplePlan` as an IFC model (IFC4, IFC4X3, IFC2X3).

The project, units, contexts, storeys and type objects are made with ``ifcopenshell.api`` (via
:mod:`bim_models.authoring`). The many occurrences (spaces, walls, doors, equipment, ports and
their relations) are created directly with ``model.create_entity``: the api's per-call
bookkeeping (``assign_container`` re-checks every existing relation, ``edit_object_placement``
inverts matrices) costs 1-2 s per thousand elements, which the 5,000-room variant cannot afford.
Every relation is grouped (one containment per structure, one type relation per type, one nest
per element), as IFC intends. Equipment bodies are instanced from their type's representation
map, so the file holds one box per equipment type.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import ifcopenshell
import ifcopenshell.api.pset as pset_api
import ifcopenshell.api.root as root_api
import ifcopenshell.guid
from ifcopenshell.util.shape_builder import ShapeBuilder

from bim_models.authoring import add_storey, new_model
from bim_models.sample.catalogue import EQUIPMENT_ROLES, EquipmentRole
from bim_models.sample.plan import WALL, SamplePlan
from bim_models.step_text import Enum, Ref, StepText, Typed

__all__ = ["DOOR_HEIGHT", "SYSTEM_TYPES", "write_plan_ifc"]

DOOR_HEIGHT = 2.1
#: System name prefix -> IFC4 IfcDistributionSystemEnum.
SYSTEM_TYPES = {"Supply air": "VENTILATION", "Chilled water": "CHILLEDWATER",
                "Power": "ELECTRICAL", "Lighting": "LIGHTING", "Fire detection": "FIREPROTECTION",
                "Security": "SECURITY", "Building automation": "CONTROL"}
#: IFC2X3 lacks these type classes: the class it uses instead (IFC2X3 has no type for its
#: IfcElectricDistributionPoint; a switching-device type marked USERDEFINED names it).
_IFC2X3_TYPES = {"IfcElectricDistributionBoardType": "IfcSwitchingDeviceType"}
#: Port system types (IFC4) by role.
_PORT_SYSTEM = {"duct": "AIRCONDITIONING", "vav": "AIRCONDITIONING", "terminal":
                "AIRCONDITIONING", "ahu": "AIRCONDITIONING", "pipe": "CHILLEDWATER",
                "pump": "CHILLEDWATER", "chiller": "CHILLEDWATER"}


class _Writer:
    """Bulk entities as STEP text (:class:`StepText`) with shared geometric primitives."""

    def __init__(self, model: ifcopenshell.file) -> None:
        self.m = model
        self.text = StepText(model)
        self.ifc2x3 = model.schema == "IFC2X3"
        histories = model.by_type("IfcOwnerHistory")
        self.history = histories[0] if histories else None
        self.body = next(c for c in model.by_type("IfcGeometricRepresentationSubContext")
                         if c.ContextIdentifier == "Body")
        add = self.text.add
        self.z_axis = add("IfcDirection", DirectionRatios=(0.0, 0.0, 1.0))
        self.origin = add("IfcAxis2Placement3D",
                          Location=add("IfcCartesianPoint", Coordinates=(0.0, 0.0, 0.0)))

    def root(self, ifc_class: str, global_id: str | None = None, **attributes) -> Ref:
        return self.text.add(ifc_class, GlobalId=global_id or ifcopenshell.guid.new(),
                             OwnerHistory=self.history, **attributes)

    def placement(self, x: float, y: float, z: float) -> Ref:
        add = self.text.add
        point = add("IfcCartesianPoint", Coordinates=(float(x), float(y), float(z)))
        return add("IfcLocalPlacement",
                   RelativePlacement=add("IfcAxis2Placement3D", Location=point))

    def box(self, x0: float, y0: float, z0: float, dx: float, dy: float, dz: float) -> Ref:
        """A body representation: box with min corner (x0, y0, z0) relative to the placement."""
        add = self.text.add
        centre = add("IfcCartesianPoint", Coordinates=(float(x0 + dx / 2), float(y0 + dy / 2)))
        profile = add("IfcRectangleProfileDef", ProfileType=Enum("AREA"),
                      Position=add("IfcAxis2Placement2D", Location=centre),
                      XDim=float(dx), YDim=float(dy))
        position = add("IfcAxis2Placement3D", Location=add(
            "IfcCartesianPoint", Coordinates=(0.0, 0.0, float(z0))))
        solid = add("IfcExtrudedAreaSolid", SweptArea=profile, Position=position,
                    ExtrudedDirection=self.z_axis, Depth=float(dz))
        return add("IfcShapeRepresentation", ContextOfItems=self.body,
                   RepresentationIdentifier="Body", RepresentationType="SweptSolid",
                   Items=(solid,))

    def shape(self, representation: Ref) -> Ref:
        return self.text.add("IfcProductDefinitionShape", Representations=(representation,))

    def pset(self, product: Ref, name: str, values: dict) -> None:
        props = []
        for key, value in values.items():
            kind = "IfcBoolean" if isinstance(value, bool) else \
                "IfcCountMeasure" if isinstance(value, int) else "IfcLabel"
            props.append(self.text.add("IfcPropertySingleValue", Name=key,
                                       NominalValue=Typed(kind, value)))
        pset = self.root("IfcPropertySet", Name=name, HasProperties=tuple(props))
        self.root("IfcRelDefinesByProperties", RelatedObjects=(product,),
                  RelatingPropertyDefinition=pset)

    def space_quantities(self, product: Ref, net: float, gross: float, height: float) -> None:
        add = self.text.add
        quantities = (add("IfcQuantityArea", Name="NetFloorArea", AreaValue=float(net)),
                      add("IfcQuantityArea", Name="GrossFloorArea", AreaValue=float(gross)),
                      add("IfcQuantityLength", Name="Height", LengthValue=float(height)))
        qto = self.root("IfcElementQuantity", Name="Qto_SpaceBaseQuantities",
                        Quantities=quantities)
        self.root("IfcRelDefinesByProperties", RelatedObjects=(product,),
                  RelatingPropertyDefinition=qto)

    def contain(self, structure, products: list) -> None:
        if products:
            self.root("IfcRelContainedInSpatialStructure", RelatedElements=tuple(products),
                      RelatingStructure=structure)

    def aggregate(self, whole, parts: list) -> None:
        if parts:
            self.root("IfcRelAggregates", RelatingObject=whole, RelatedObjects=tuple(parts))


def write_plan_ifc(plan: SamplePlan, path: Path | str, *, schema: str = "IFC4",
                   name: str = "Municipal office building") -> Path:
    """Write ``plan`` as an IFC file.

    Parameters
    ----------
    plan : SamplePlan
        Layout and equipment (``plan_layout`` then ``plan_equipment``).
    path : Path or str
        Output ``.ifc`` file.
    schema : {"IFC4", "IFC4X3", "IFC2X3"}
        Schema to write.
    name : str
        The building's name.

    Returns
    -------
    Path
    """
    model = new_model(schema=schema, project_name="Sample government office",
                      site_name="Government campus", building_name=name)
    storeys = {}
    for s in plan.storeys:
        storey = add_storey(model, name=s.name, elevation=s.elevation)
        storey.GlobalId = s.global_id
        storey.LongName = "Basement plant level" if s.index < 0 else f"Storey {s.name}"
        storeys[s.index] = storey
    body = next(c for c in model.by_type("IfcGeometricRepresentationSubContext")
                if c.ContextIdentifier == "Body")
    types = {role: _type_object(model, body, role, EQUIPMENT_ROLES[role])
             for role in dict.fromkeys(item.role for item in plan.equipment)}
    w = _Writer(model)  # from here on, entities go to STEP text only
    spaces = _write_spaces(w, plan, storeys)
    contained: dict = defaultdict(list)
    _write_building_elements(w, plan, storeys, spaces, contained)
    _write_equipment(w, plan, storeys, spaces, types, contained)
    for structure, products in contained.items():
        w.contain(structure, products)
    return w.text.write(path)


def _write_spaces(w: _Writer, plan: SamplePlan, storeys: dict) -> dict:
    spaces, parts, zones = {}, defaultdict(list), defaultdict(list)
    elevation = {s.index: s.elevation for s in plan.storeys}
    extra = {} if w.ifc2x3 else {"PredefinedType": "INTERNAL"}
    if w.ifc2x3:
        extra["InteriorOrExteriorSpace"] = "INTERNAL"
    for room in plan.rooms:
        x0, y0, x1, y1 = room.rect
        space = w.root("IfcSpace", room.global_id, Name=room.number, LongName=room.long_name,
                       ObjectType=room.use, CompositionType="ELEMENT",
                       ObjectPlacement=w.placement(x0, y0, elevation[room.storey]),
                       Representation=w.shape(w.box(0, 0, 0, x1 - x0, y1 - y0, room.height)),
                       **extra)
        gross = (x1 - x0 + WALL) * (y1 - y0 + WALL)
        w.space_quantities(space, room.qto_area, gross, room.height)
        common = {"Reference": room.number, "IsExternal": False}
        w.pset(space, "Pset_SpaceCommon", common)
        if room.grades:
            w.pset(space, "Pset_SpaceOccupancyRequirements", {"OccupancyNumber": len(room.grades)})
        spaces[room.number] = space
        parts[room.storey].append(space)
        if room.side != "corridor":
            zones[f"Zone {room.number.split('-')[0]}-{room.side}"].append(space)
    for index, members in parts.items():
        w.aggregate(storeys[index], members)
    for zone_name, members in zones.items():
        zone = w.root("IfcZone", Name=zone_name)
        w.root("IfcRelAssignsToGroup", RelatedObjects=members, RelatingGroup=zone)
    return spaces


def _write_building_elements(w: _Writer, plan: SamplePlan, storeys: dict, spaces: dict,
                             contained: dict) -> None:
    length = plan.length
    depth = max(r.rect[3] for r in plan.rooms)
    for s in plan.storeys:
        z, height = s.elevation, s.room_height
        storey = storeys[s.index]
        slab = w.root("IfcSlab", Name=f"Slab {s.name}", PredefinedType="FLOOR",
                      ObjectPlacement=w.placement(-WALL, -WALL, z - WALL),
                      Representation=w.shape(w.box(0, 0, 0, length + 2 * WALL,
                                                   depth + 2 * WALL, WALL)))
        contained[storey].append(slab)
        walls = [(-WALL, -WALL, length + 2 * WALL, WALL), (-WALL, depth, length + 2 * WALL, WALL),
                 (-WALL, 0, WALL, depth), (length, 0, WALL, depth)]
        rooms = [r for r in plan.rooms if r.storey == s.index]
        corridor = next(r for r in rooms if r.side == "corridor")
        walls += [(0, corridor.rect[1] - WALL, length, WALL), (0, corridor.rect[3], length, WALL)]
        for room in rooms:
            x1 = room.rect[2]
            if room.side != "corridor" and x1 < length - 1e-6:
                walls.append((x1, room.rect[1], WALL, room.rect[3] - room.rect[1]))
        for n, (x, y, dx, dy) in enumerate(walls, start=1):
            wall = w.root("IfcWall", Name=f"W-{s.name}-{n:03d}",
                          ObjectPlacement=w.placement(x, y, z),
                          Representation=w.shape(w.box(0, 0, 0, dx, dy, height)))
            contained[storey].append(wall)
    elevation = {s.index: s.elevation for s in plan.storeys}
    for door in plan.doors:
        along_x = door.axis == "x"
        dx, dy = (door.width, WALL) if along_x else (WALL, door.width)
        item = w.root("IfcDoor", door.global_id, Name=door.name, OverallHeight=DOOR_HEIGHT,
                      OverallWidth=door.width,
                      ObjectPlacement=w.placement(door.x, door.y, elevation[door.storey]),
                      Representation=w.shape(w.box(-dx / 2, -dy / 2, 0, dx, dy, DOOR_HEIGHT)))
        contained[storeys[door.storey]].append(item)
        for number in door.rooms:
            w.root("IfcRelSpaceBoundary", Name="1stLevel", RelatingSpace=spaces[number],
                   RelatedBuildingElement=item, PhysicalOrVirtualBoundary="PHYSICAL",
                   InternalOrExternalBoundary="INTERNAL" if len(door.rooms) > 1
                   else "EXTERNAL")
    top = max(elevation)
    for stair in plan.stairs:
        x0, y0, x1, y1 = stair.rect
        z0 = elevation[stair.bottom]
        if stair.kind == "lift":
            z1 = elevation[top] + plan.storey(top).room_height
            attrs = {"OperationType": "ELEVATOR"} if w.ifc2x3 else {"PredefinedType": "ELEVATOR"}
            ifc_class = "IfcTransportElement"
        else:
            z1 = elevation[stair.top]
            attrs = {"ShapeType": "STRAIGHT_RUN_STAIR"} if w.ifc2x3 else \
                {"PredefinedType": "STRAIGHT_RUN_STAIR"}
            ifc_class = "IfcStair"
        item = w.root(ifc_class, stair.global_id, Name=stair.name,
                      ObjectPlacement=w.placement(x0, y0, z0),
                      Representation=w.shape(w.box(0, 0, 0, x1 - x0, y1 - y0, z1 - z0)),
                      **attrs)
        contained[storeys[stair.bottom]].append(item)


def _type_object(model: ifcopenshell.file, body, role_name: str, role: EquipmentRole):
    """The type object of a role, with its box as a representation map and its manufacturer."""
    ifc2x3 = model.schema == "IFC2X3"
    type_class = _IFC2X3_TYPES.get(role.type_class, role.type_class) if ifc2x3 \
        else role.type_class
    typ = root_api.create_entity(model, ifc_class=type_class, name=f"{role.model} ({role_name})")
    if ifc2x3:  # IFC2X3 occurrences have no predefined type: the type object carries it
        try:
            typ.PredefinedType = role.predefined_type
        except (ValueError, RuntimeError, TypeError):  # not in this schema's enumeration
            typ.PredefinedType = "USERDEFINED"
            typ.ElementType = role.predefined_type
    sx, sy, sz = role.size
    builder = ShapeBuilder(model)
    solid = builder.extrude(builder.rectangle(size=(sx, sy), position=(-sx / 2, -sy / 2)),
                            magnitude=sz, position=(0.0, 0.0, -sz / 2))
    representation = builder.get_representation(body, solid)
    origin = model.createIfcAxis2Placement3D(model.createIfcCartesianPoint((0.0, 0.0, 0.0)))
    typ.RepresentationMaps = [model.createIfcRepresentationMap(origin, representation)]
    pset = pset_api.add_pset(model, product=typ, name="Pset_ManufacturerTypeInformation")
    pset_api.edit_pset(model, pset=pset, properties={"Manufacturer": role.manufacturer,
                                                       "ModelLabel": role.model})
    return typ


def _write_equipment(w: _Writer, plan: SamplePlan, storeys: dict, spaces: dict, types: dict,
                     contained: dict) -> None:
    model = w.m
    typed, products = defaultdict(list), {}
    add = w.text.add
    operator = add("IfcCartesianTransformationOperator3D", LocalOrigin=add(
        "IfcCartesianPoint", Coordinates=(0.0, 0.0, 0.0)))
    for item in plan.equipment:
        role = EQUIPMENT_ROLES[item.role]
        typ = types[item.role]
        ifc_class = role.ifc2x3_class if w.ifc2x3 else role.ifc4_class
        if not w.ifc2x3:
            attrs = {"PredefinedType": role.predefined_type}
        elif ifc_class == "IfcElectricDistributionPoint":
            attrs = {"DistributionPointFunction": role.predefined_type}
        else:
            attrs = {}
        mapped = add("IfcMappedItem", MappingSource=typ.RepresentationMaps[0],
                     MappingTarget=operator)
        shape = w.shape(add("IfcShapeRepresentation", ContextOfItems=w.body,
                            RepresentationIdentifier="Body",
                            RepresentationType="MappedRepresentation", Items=(mapped,)))
        product = w.root(ifc_class, item.global_id, Name=item.name, Tag=item.serial,
                         ObjectPlacement=w.placement(*item.position), Representation=shape,
                         **attrs)
        w.pset(product, "Pset_ManufacturerOccurrence", {"SerialNumber": item.serial})
        typed[item.role].append(product)
        products[item.name] = product
        structure = spaces[item.room] if item.in_file_space else storeys[item.storey]
        contained[structure].append(product)
    for role_name, occurrences in typed.items():
        w.root("IfcRelDefinesByType", RelatedObjects=occurrences,
               RelatingType=types[role_name])
    _write_ports(w, plan, products)
    for system_name, members in plan.systems.items():
        if w.ifc2x3:
            system = w.root("IfcSystem", Name=system_name)
        else:
            prefix = next((k for k in SYSTEM_TYPES if system_name.startswith(k)), None)
            system = w.root("IfcDistributionSystem", Name=system_name,
                            PredefinedType=SYSTEM_TYPES.get(prefix, "NOTDEFINED"))
        w.root("IfcRelAssignsToGroup", RelatedObjects=tuple(products[n] for n in members),
               RelatingGroup=system)
        w.root("IfcRelServicesBuildings", RelatingSystem=system,
               RelatedBuildings=(model.by_type("IfcBuilding")[0],))


def _write_ports(w: _Writer, plan: SamplePlan, products: dict) -> None:
    ports = defaultdict(list)
    roles = {item.name: item.role for item in plan.equipment}

    def port(owner: str, direction: str, number: int):
        attrs = {"FlowDirection": direction}
        if not w.ifc2x3:
            kind = _PORT_SYSTEM.get(roles[owner], "ELECTRICAL")
            attrs["SystemType"] = kind
            attrs["PredefinedType"] = "CABLE" if kind == "ELECTRICAL" else \
                "PIPE" if kind == "CHILLEDWATER" else "DUCT"
        new = w.root("IfcDistributionPort", Name=f"{direction.lower()}-{number}", **attrs)
        ports[owner].append(new)
        return new

    for item in plan.equipment:
        for n, downstream in enumerate(item.feeds, start=1):
            source = port(item.name, "SOURCE", n)
            sink = port(downstream, "SINK", len(ports[downstream]) + 1)
            w.root("IfcRelConnectsPorts", RelatingPort=source, RelatedPort=sink)
    for owner, owned in ports.items():
        if w.ifc2x3:
            for p in owned:
                w.root("IfcRelConnectsPortToElement", RelatingPort=p,
                       RelatedElement=products[owner])
        else:
            w.root("IfcRelNests", RelatingObject=products[owner], RelatedObjects=owned)
