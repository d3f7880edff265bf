"""IFC in, plain records out: the only package that imports ``ifcopenshell``.

Use :func:`load_model` to read an ``.ifc``/``.ifczip`` file (IFC2X3, IFC4, IFC4X3) into a frozen
:class:`BuildingModel` in SI units, cached on disk by content hash.

The public names are imported from their submodules on first use (PEP 562), so that
``import bim_models`` (or ``from bim_models import PARSER_VERSION``) does not load
``ifcopenshell``, numpy or shapely.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bim_models.lazy import lazy_exports, submodule_of

if TYPE_CHECKING:
    from bim_models.cache import file_sha256
    from bim_models.errors import ModelError, ModelLoadError, UnsupportedSchemaError
    from bim_models.load import load_model, open_ifc, parse_model
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

#: The public names of each submodule.
_EXPORTS = {
    "bim_models.cache": ("file_sha256",),
    "bim_models.errors": ("ModelError", "ModelLoadError", "UnsupportedSchemaError"),
    "bim_models.load": ("load_model", "open_ifc", "parse_model"),
    "bim_models.meshes": ("MESH_VERSION", "ElementMesh", "MeshSet", "load_meshes"),
    "bim_models.records": (
        "PARSER_VERSION", "BuildingModel", "ElementGeometry", "EquipmentRecord", "OpeningRecord",
        "PortConnection", "PortRecord", "SpaceBoundary", "SpaceRecord", "SpatialRecord",
        "StoreyRecord", "SystemRecord", "VerticalRecord", "ZoneRecord",
    ),
}
_SUBMODULE_OF = submodule_of(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _SUBMODULE_OF, globals())
