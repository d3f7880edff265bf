"""IFC in, plain records out: the only package that imports ``ifcopenshell``.

Use :func:`load_model` to read an ``.ifc``/``.ifczip`` file (IFC2X3, IFC4, IFC4X3) into a frozen
:class:`BuildingModel` in SI units, cached on disk by content hash.
"""

from bim_models.errors import ModelError, ModelLoadError, UnsupportedSchemaError
from bim_models.load import file_sha256, load_model, open_ifc, parse_model
from bim_models.meshes import MESH_VERSION, ElementMesh, MeshSet, load_meshes
from bim_models.records import (
    PARSER_VERSION,
    BuildingModel,
    ElementGeometry,
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
    ZoneRecord,
)

__all__ = [
    "MESH_VERSION",
    "PARSER_VERSION",
    "BuildingModel",
    "ElementGeometry",
    "ElementMesh",
    "EquipmentRecord",
    "MeshSet",
    "ModelError",
    "ModelLoadError",
    "OpeningRecord",
    "PortConnection",
    "PortRecord",
    "SpaceBoundary",
    "SpaceRecord",
    "SpatialRecord",
    "StoreyRecord",
    "SystemRecord",
    "UnsupportedSchemaError",
    "VerticalRecord",
    "ZoneRecord",
    "file_sha256",
    "load_meshes",
    "load_model",
    "open_ifc",
    "parse_model",
]
