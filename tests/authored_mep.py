"""Small models of issue 21's real-building traits, written with bim_models.authoring.

* :func:`write_heating_loop`: a closed heating loop, boiler -> header -> two pump branches ->
  radiators -> return line -> boiler, ports with ``FlowDirection``, supply and return systems.
* :func:`write_circuits`: IFC2X3, a distribution board without ports feeding lights and sockets
  through ``IfcElectricalCircuit`` groups only.
* :func:`write_model_view_context`: IFC2X3, every body in a context named ``'model view'``.
* :func:`write_storey_without_rooms`: a plant storey with walls, a slab and equipment, no spaces.
"""

from __future__ import annotations

from pathlib import Path

import ifcopenshell.guid

from bim_models import authoring

__all__ = ["write_circuits", "write_heating_loop", "write_model_view_context",
           "write_storey_without_rooms"]


def _pipe(model, storey, name: str, x: float, y: float, *, ifc_class: str = "IfcPipeSegment"):
    return authoring.add_element(model, ifc_class=ifc_class, name=name, storey=storey,
                                 x=x, y=y, z=0.5, size=(0.2, 0.2, 0.2))


def _chain(model, items) -> None:
    """Connect ``items`` in order: a SOURCE port on each, a SINK port on the next."""
    for upstream, downstream in zip(items, items[1:], strict=False):
        out = authoring.add_port(model, element=upstream, flow_direction="SOURCE")
        into = authoring.add_port(model, element=downstream, flow_direction="SINK")
        authoring.connect_ports(model, source=out, sink=into)


def write_heating_loop(folder: Path, schema: str = "IFC4") -> Path:
    """A closed heating loop; rooms R1 and R2 each hold one radiator of one pump branch.

    Boiler ``B-1`` -> flow pipe -> header ``H-1`` -> pumps ``P-1`` / ``P-2`` -> pipes ->
    radiators ``RAD-1`` (room R1) / ``RAD-2`` (room R2) -> return pipes -> return header
    ``H-2`` -> return pipe ``RL-0`` -> ``B-1``. Systems: "Heizung Vorlauf" (flow, HEATING) and
    "Heizung Rücklauf" (return).
    """
    model = authoring.new_model(schema=schema)
    storey = authoring.add_storey(model, name="EG", elevation=0.0)
    plant = authoring.add_space(model, storey=storey, name="P0", long_name="Heizraum",
                                x=0, y=0, width=4, depth=4)
    rooms = [authoring.add_space(model, storey=storey, name=f"R{i}", long_name="Office",
                                 x=4 * i, y=0, width=4, depth=4) for i in (1, 2)]
    boiler = authoring.add_element(model, ifc_class="IfcBoiler", name="B-1", space=plant,
                                   type_name="Kessel", x=1, y=1, z=0.5, size=(0.8, 0.8, 1.0))
    flow = _pipe(model, storey, "VL-0", 2, 1)
    header = _pipe(model, storey, "H-1", 3, 1, ifc_class="IfcPipeFitting")
    back = _pipe(model, storey, "RL-0", 2, 3)
    return_header = _pipe(model, storey, "H-2", 3, 3, ifc_class="IfcPipeFitting")
    supply, returns = [boiler, flow, header], [return_header, back, boiler]
    _chain(model, [boiler, flow, header])
    for i, room in enumerate(rooms, start=1):
        pump = authoring.add_element(model, ifc_class="IfcPump", name=f"P-{i}", space=plant,
                                     type_name="Umwaelzpumpe",
                                     x=3.5, y=0.5 + i, z=0.5, size=(0.3, 0.3, 0.3))
        pipe = _pipe(model, storey, f"VL-{i}", 4 * i + 1, 1)
        radiator = authoring.add_element(model, ifc_class="IfcSpaceHeater", name=f"RAD-{i}",
                                         space=room, type_name="Heizkoerper", x=4 * i + 2,
                                         y=0.3, z=0.5, size=(1.0, 0.1, 0.6))
        pipe_back = _pipe(model, storey, f"RL-{i}", 4 * i + 3, 3)
        _chain(model, [header, pump, pipe, radiator, pipe_back, return_header])
        supply += [pump, pipe, radiator]
        returns.append(pipe_back)
    _chain(model, [return_header, back, boiler])
    authoring.add_system(model, name="Heizung Vorlauf", members=supply)
    authoring.add_system(model, name="Heizung Rücklauf", members=returns)
    for group in model.by_type("IfcDistributionSystem") if schema != "IFC2X3" else ():
        group.PredefinedType = "HEATING"
    path = folder / f"heating-loop-{schema}.ifc"
    model.write(str(path))
    return path


def write_circuits(folder: Path) -> Path:
    """IFC2X3: board ``UV-1`` (no ports) and two ``IfcElectricalCircuit`` groups.

    Circuit ``UV-1.1`` holds the board, a cable and two lights in room E01; circuit ``UV-1.2``
    the board and a socket in room E02. A light ``L-9`` in E02 is in no circuit.
    """
    model = authoring.new_model(schema="IFC2X3")
    storey = authoring.add_storey(model, name="EG", elevation=0.0)
    e01, e02 = (authoring.add_space(model, storey=storey, name=n, long_name="Buero",
                                    x=5 * i, y=0, width=5, depth=4)
                for i, n in enumerate(("E01", "E02")))
    board = authoring.add_element(model, ifc_class="IfcElectricDistributionPoint", name="UV-1",
                                  storey=storey, x=0.3, y=3.8, z=1.5, size=(0.5, 0.2, 0.8))
    board.DistributionPointFunction = "DISTRIBUTIONBOARD"
    cable = authoring.add_element(model, ifc_class="IfcFlowSegment", name="K-1",
                                  type_class="IfcCableSegmentType", type_name="NYM",
                                  storey=storey, x=2.0, y=3.8, z=2.8, size=(3.0, 0.05, 0.05))

    def light(name, space, x):
        return authoring.add_element(model, ifc_class="IfcFlowTerminal", name=name,
                                     type_class="IfcLightFixtureType", type_name="Leuchte",
                                     space=space, x=x, y=2.0, z=2.9, size=(0.6, 0.6, 0.1))

    lights = [light("L-1", e01, 1.5), light("L-2", e01, 3.5)]
    socket = authoring.add_element(model, ifc_class="IfcFlowTerminal", name="S-1",
                                   type_class="IfcOutletType", type_name="Steckdose",
                                   space=e02, x=7.0, y=0.1, z=0.3, size=(0.1, 0.05, 0.1))
    light("L-9", e02, 8.0)
    authoring.add_system(model, name="UV-1.1", members=[board, cable, *lights],
                         ifc_class="IfcElectricalCircuit")
    authoring.add_system(model, name="UV-1.2", members=[board, socket],
                         ifc_class="IfcElectricalCircuit")
    path = folder / "circuits-IFC2X3.ifc"
    model.write(str(path))
    return path


def write_model_view_context(folder: Path, schema: str = "IFC2X3") -> Path:
    """Every body representation in a context ``IfcGeometricRepresentationContext('model
    view', 'model view', ...)`` (no Model/Body sub-context): a wall, a slab and a room."""
    model = authoring.new_model(schema=schema)
    storey = authoring.add_storey(model, name="Level 0", elevation=0.0)
    authoring.add_space(model, storey=storey, name="001", long_name="Hall", x=0, y=0,
                        width=6, depth=5)
    authoring.add_wall(model, storey=storey, start=(0, 0), end=(6, 0), name="W-1")
    authoring.add_element(model, ifc_class="IfcSlab", name="Slab-1", storey=storey,
                          x=3, y=2.5, z=-0.1, size=(6, 5, 0.2))
    old = model.by_type("IfcGeometricRepresentationContext")
    parent = next(c for c in old if not c.is_a("IfcGeometricRepresentationSubContext"))
    view = model.create_entity(
        "IfcGeometricRepresentationContext", ContextIdentifier="model view",
        ContextType="model view", CoordinateSpaceDimension=3, Precision=1e-5,
        WorldCoordinateSystem=parent.WorldCoordinateSystem)
    for rep in model.by_type("IfcShapeRepresentation"):
        rep.ContextOfItems = view
        rep.RepresentationIdentifier = None
    projects = model.by_type("IfcProject")
    projects[0].RepresentationContexts = [view]
    for sub in model.by_type("IfcGeometricRepresentationSubContext"):
        model.remove(sub)
    model.remove(parent)
    path = folder / f"model-view-{schema}.ifc"
    model.write(str(path))
    return path


def write_storey_without_rooms(folder: Path, schema: str = "IFC4") -> Path:
    """Storey "Technik" (z 0) with four walls of a 12 x 8 m plant room at x 20..32, a slab, a
    boiler, a pump and a tank, and no spaces; storey "OG" (z 4) with one room."""
    model = authoring.new_model(schema=schema)
    plant = authoring.add_storey(model, name="Technik", elevation=0.0)
    upper = authoring.add_storey(model, name="OG", elevation=4.0)
    authoring.add_space(model, storey=upper, name="101", long_name="Office", x=20, y=10,
                        width=5, depth=4)
    corners = [(20, 10), (32, 10), (32, 18), (20, 18)]
    for i, (start, end) in enumerate(zip(corners, corners[1:] + corners[:1], strict=True)):
        authoring.add_wall(model, storey=plant, start=start, end=end, name=f"W-{i + 1}")
    authoring.add_element(model, ifc_class="IfcSlab", name="Bodenplatte", storey=plant,
                          x=26, y=14, z=-0.1, size=(12, 8, 0.2))
    for name, ifc_class, x in (("K-1", "IfcBoiler", 23), ("P-1", "IfcPump", 26),
                               ("T-1", "IfcTank", 29)):
        authoring.add_element(model, ifc_class=ifc_class, name=name, storey=plant, x=x,
                              y=14, z=0.6, size=(1.0, 1.0, 1.2))
    path = folder / f"no-rooms-{schema}.ifc"
    model.write(str(path))
    return path


def new_guid() -> str:
    """A fresh IFC GlobalId (for tests that edit the authored files)."""
    return ifcopenshell.guid.new()
