"""Small models written with bim_models.authoring for the edge-case tests."""

from __future__ import annotations

from pathlib import Path

from bim_models import authoring

SCHEMAS = ("IFC2X3", "IFC4", "IFC4X3")
UNITS = ("m", "mm")


def _written(model, folder: Path, name: str) -> Path:
    """Write ``model`` to ``folder / name``; return the path."""
    path = folder / name
    model.write(str(path))
    return path


def write_two_room(folder: Path, schema: str, unit: str) -> Path:
    """Write the two-room model in ``schema`` and length ``unit``; return its path."""
    return _written(authoring.build_two_room_model(schema=schema, length_unit=unit), folder,
                    f"two-room-{schema}-{unit}.ifc")


def write_without_spaces(folder: Path, schema: str) -> Path:
    """A storey with one air terminal and no spaces at all."""
    model = authoring.new_model(schema=schema)
    storey = authoring.add_storey(model, name="Plant", elevation=0.0)
    authoring.add_element(model, ifc_class="IfcAirTerminal", name="T-1", storey=storey,
                          x=1.0, y=1.0, z=2.5)
    return _written(model, folder, f"no-spaces-{schema}.ifc")


def write_space_without_geometry(folder: Path, schema: str) -> Path:
    """One space with Qto quantities but no body representation."""
    model = authoring.new_model(schema=schema)
    storey = authoring.add_storey(model, name="Ground", elevation=0.0)
    space = authoring.add_space(model, storey=storey, name="S1", x=0, y=0, width=4, depth=3,
                                net_area=11.5)
    space.Representation = None
    return _written(model, folder, f"no-geometry-{schema}.ifc")


def write_with_lift(folder: Path, schema: str) -> Path:
    """Two storeys, a lobby on each, and a lift shaft element spanning both."""
    model = authoring.new_model(schema=schema)
    ground = authoring.add_storey(model, name="G", elevation=0.0)
    first = authoring.add_storey(model, name="1", elevation=4.0)
    for storey, name in ((ground, "Lobby G"), (first, "Lobby 1")):
        authoring.add_space(model, storey=storey, name=name, x=0, y=0, width=6, depth=4)
    authoring.add_element(model, ifc_class="IfcTransportElement", name="Lift-1", storey=ground,
                          x=5.0, y=2.0, z=3.5, size=(1.6, 1.6, 7.0))
    return _written(model, folder, f"lift-{schema}.ifc")
