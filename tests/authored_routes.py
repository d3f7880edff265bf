"""Minimal IFC models for the routing tests of real-building traits (issue 21), written with
bim_models.authoring plus the few ifcopenshell.api calls it has no helper for (virtual space
boundaries, wall openings without a filling, Pset_DoorCommon.IsExternal).

``write_split_corridor``: one storey, plan (metres)::

      y=9  +--------+
           | Pantry |                      (opening in the wall, no door)
    y=6.2  +--------+--------------------+
           |   O1   D1        O2       D2 |  +-------+
    y=2.2  +---------+-------------------+  | Plant |  DP: exterior door (IsExternal)
    E1 ->  |   C1    :    C2              |  |       |
      y=0  +---------:--------------------+  +-------+
          x=0      x=10                x=20 x=20.2  x=24

C1 and C2 are one corridor split by a room-separation line (a VIRTUAL boundary with no element,
written by each side with its own connection geometry, as Revit does). O1, O2 open onto the
corridor through doors; the Pantry through an IfcOpeningElement voiding the wall, unfilled; the
Plant room only through its own exterior door: it shares nothing but walls with O2 and C2.

``write_pit_storey``: a storey without slabs whose rooms stand at 0.0, with a lift pit room
down to -1.22 m, a door and a stair up to a first storey (rooms at 3.5 m).

``write_plant_upstairs``: a ground storey with rooms and a stair, and a plant storey above it
with no rooms at all and a boiler.

``write_no_boundaries``: rooms drawn to wall centre lines, with no space boundary at all: R1
and R2 touch along a wall (it has an ``Axis`` representation), R1 and R3 touch with nothing
between them (an open plan); an exterior door into R1 and one into R2.
"""

from __future__ import annotations

from pathlib import Path

import ifcopenshell.api.attribute
import ifcopenshell.api.feature
import ifcopenshell.api.geometry
import ifcopenshell.api.pset
import ifcopenshell.api.root
import ifcopenshell.util.placement

from bim_models import authoring

__all__ = ["write_no_boundaries", "write_pit_storey", "write_plant_upstairs",
           "write_split_corridor"]


def _external(model, door, value: bool = True) -> None:
    pset = ifcopenshell.api.pset.add_pset(model, product=door, name="Pset_DoorCommon")
    ifcopenshell.api.pset.edit_pset(model, pset=pset, properties={"IsExternal": value})


def _virtual_boundary(model, space, start, end, height: float = 3.0):
    """A VIRTUAL IfcRelSpaceBoundary of ``space`` along world ``start``-``end`` (no element),
    its geometry a vertical extrusion of a line given in the space's own coordinates."""
    matrix = ifcopenshell.util.placement.get_local_placement(space.ObjectPlacement)
    ox, oy = float(matrix[0][3]), float(matrix[1][3])
    points = [model.createIfcCartesianPoint((float(x - ox), float(y - oy)))
              for x, y in (start, end)]
    profile = model.createIfcArbitraryOpenProfileDef("CURVE", None,
                                                     model.createIfcPolyline(points))
    position = model.createIfcAxis2Placement3D(model.createIfcCartesianPoint((0.0, 0.0, 0.0)),
                                               None, None)
    surface = model.createIfcSurfaceOfLinearExtrusion(
        profile, position, model.createIfcDirection((0.0, 0.0, 1.0)), height)
    boundary = ifcopenshell.api.root.create_entity(model, ifc_class="IfcRelSpaceBoundary",
                                                   name="1stLevel")
    ifcopenshell.api.attribute.edit_attributes(model, product=boundary, attributes={
        "RelatingSpace": space,
        "ConnectionGeometry": model.createIfcConnectionSurfaceGeometry(surface, None),
        "PhysicalOrVirtualBoundary": "VIRTUAL", "InternalOrExternalBoundary": "INTERNAL"})
    return boundary


def _opening(model, storey, wall, *, x: float, y: float, width: float = 1.2,
             height: float = 2.1, thickness: float = 0.2):
    """An IfcOpeningElement voiding ``wall`` (along x), with no filling."""
    opening = authoring._new_product(  # the kit's box placement, reused
        model, "IfcOpeningElement", storey, name="Opening-Pantry", x=x, y=y, z=None,
        corner=(-width / 2, -thickness / 2 - 0.05), size=(width, thickness + 0.1),
        height=height)
    ifcopenshell.api.feature.add_feature(model, feature=opening, element=wall)
    return opening


def write_split_corridor(folder: Path) -> Path:
    """The split-corridor office (see the module notes); returns its path."""
    model = authoring.new_model(schema="IFC4", building_name="Split corridor")
    storey = authoring.add_storey(model, name="Ground", elevation=0.0)
    add = authoring.add_space
    c1 = add(model, storey=storey, name="C1", long_name="Corridor", x=0, y=0, width=10, depth=2)
    c2 = add(model, storey=storey, name="C2", long_name="Corridor", x=10, y=0, width=10, depth=2)
    o1 = add(model, storey=storey, name="O1", long_name="Office", x=0, y=2.2, width=10, depth=4)
    o2 = add(model, storey=storey, name="O2", long_name="Office", x=10, y=2.2, width=10,
             depth=4)
    add(model, storey=storey, name="Pantry", x=0, y=6.4, width=4, depth=2.6)
    add(model, storey=storey, name="Plant", long_name="Mechanical", x=20.2, y=0, width=3.8,
        depth=6.2)
    wall = authoring.add_wall
    wall(model, storey=storey, start=(0, 2.1), end=(20, 2.1), name="W-corridor")
    wall(model, storey=storey, start=(10, 2.2), end=(10, 6.2), thickness=0.1, name="W-O1-O2")
    pantry_wall = wall(model, storey=storey, start=(0, 6.3), end=(10, 6.3), name="W-pantry")
    wall(model, storey=storey, start=(20.1, 0), end=(20.1, 6.2), name="W-plant")
    for space, (start, end) in ((c1, ((10, 0), (10, 2))), (c2, ((10, 2), (10, 0)))):
        _virtual_boundary(model, space, start, end)  # the room-separation line, both sides
    door = authoring.add_door
    door(model, storey=storey, name="D1", x=5, y=2.1, axis="x", between=(c1, o1))
    door(model, storey=storey, name="D2", x=15, y=2.1, axis="x", between=(c2, o2))
    _external(model, door(model, storey=storey, name="Main entrance", x=-0.1, y=1.0, axis="y",
                          width=1.2))
    _external(model, door(model, storey=storey, name="DP", x=24.1, y=3.0, axis="y"))
    _opening(model, storey, pantry_wall, x=2.0, y=6.3)
    path = folder / "split-corridor.ifc"
    model.write(str(path))
    return path


def write_pit_storey(folder: Path) -> Path:
    """A storey without slabs with a lift pit room below its floor (see the module notes)."""
    model = authoring.new_model(schema="IFC4", building_name="Pit")
    ground = authoring.add_storey(model, name="Ground", elevation=0.0)
    first = authoring.add_storey(model, name="First", elevation=3.5)
    authoring.add_space(model, storey=ground, name="Hall", x=0, y=0, width=8, depth=4)
    authoring.add_space(model, storey=ground, name="Office", x=0, y=4.2, width=8, depth=4)
    pit = authoring.add_space(model, storey=ground, name="Lift pit", x=8.2, y=0, width=2,
                              depth=2, height=4.2)
    # the pit's floor lies 1.22 m below the storey: move the space down
    matrix = ifcopenshell.util.placement.get_local_placement(pit.ObjectPlacement)
    matrix[2][3] = -1.22
    ifcopenshell.api.geometry.edit_object_placement(model, product=pit, matrix=matrix)
    authoring.add_door(model, storey=ground, name="D-office", x=4, y=4.1, axis="x")
    _external(model, authoring.add_door(model, storey=ground, name="Entrance", x=-0.1, y=2,
                                        axis="y"))
    authoring.add_stair(model, storey=ground, name="Stair", x=5, y=0.5, width=1.2, length=2.5,
                        rise=3.5)
    authoring.add_space(model, storey=first, name="Upper", x=0, y=0, width=8, depth=4)
    path = folder / "pit-storey.ifc"
    model.write(str(path))
    return path


def write_plant_upstairs(folder: Path) -> Path:
    """Rooms and a stair on the ground storey; a plant storey without rooms above with a boiler."""
    model = authoring.new_model(schema="IFC4", building_name="Plant upstairs")
    ground = authoring.add_storey(model, name="Ground", elevation=0.0)
    plant = authoring.add_storey(model, name="Plant level", elevation=3.5)
    authoring.add_space(model, storey=ground, name="Lobby", x=0, y=0, width=8, depth=4)
    _external(model, authoring.add_door(model, storey=ground, name="Entrance", x=-0.1, y=2,
                                        axis="y"))
    authoring.add_stair(model, storey=ground, name="Stair", x=5, y=0.5, width=1.2, length=2.5,
                        rise=3.5)
    authoring.add_element(model, ifc_class="IfcBoiler", name="Boiler-1", storey=plant,
                          x=12.0, y=6.0, z=4.2, size=(1.2, 0.8, 1.4))
    authoring.add_element(model, ifc_class="IfcPump", name="Pump-1", storey=plant,
                          x=2.0, y=8.0, z=3.8, size=(0.4, 0.4, 0.6))
    path = folder / "plant-upstairs.ifc"
    model.write(str(path))
    return path


def _with_axis(model, wall, length: float):
    """Give ``wall`` (placed at its start, local x along it) an ``Axis`` polyline."""
    context = model.by_type("IfcGeometricRepresentationContext")[0]
    line = model.createIfcPolyline([model.createIfcCartesianPoint((0.0, 0.0)),
                                    model.createIfcCartesianPoint((float(length), 0.0))])
    axis = model.createIfcShapeRepresentation(context, "Axis", "Curve2D", [line])
    shape = wall.Representation
    shape.Representations = (*shape.Representations, axis)
    return wall


def write_no_boundaries(folder: Path) -> Path:
    """Rooms to wall centre lines, no space boundaries (see the module notes)."""
    model = authoring.new_model(schema="IFC4", building_name="No boundaries")
    storey = authoring.add_storey(model, name="Ground", elevation=0.0)
    for name, x, y in (("R1", 0, 0), ("R2", 5, 0), ("R3", 0, 4)):
        authoring.add_space(model, storey=storey, name=name, x=x, y=y, width=5, depth=4)
    _with_axis(model, authoring.add_wall(model, storey=storey, start=(5, 0), end=(5, 4),
                                         name="W-R1-R2"), 4.0)
    _external(model, authoring.add_door(model, storey=storey, name="Door R1", x=-0.1, y=2,
                                        axis="y"))
    _external(model, authoring.add_door(model, storey=storey, name="Door R2", x=10.1, y=2,
                                        axis="y"))
    path = folder / "no-boundaries.ifc"
    model.write(str(path))
    return path
