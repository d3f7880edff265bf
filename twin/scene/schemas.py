"""Response bodies of the 3D scene."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["SceneMetaPublic", "SceneSpacePublic", "SceneStoreyPublic"]


class SceneStoreyPublic(BaseModel):
    """A storey of the scene."""

    global_id: str
    name: str | None
    elevation: float


class SceneSpacePublic(BaseModel):
    """A room of the scene, for search, fly-to and labels."""

    global_id: str
    number: str | None
    long_name: str | None
    storey: str | None
    centroid: list[float] = Field(description="IFC world (Z up), centre of the room's box")
    centroid_gltf: list[float]


class SceneMetaPublic(BaseModel):
    """What the browser needs beside the .glb (:func:`viewer.scene.scene_meta`)."""

    scene_version: str
    sha256: str
    units: str
    up_axis: str
    gltf_from_ifc: list[list[float]] = Field(description="4x4, row-major")
    element_count: int
    geometry_count: int
    storeys: list[SceneStoreyPublic]
    classes: dict[str, int]
    bbox: list[list[float]] = Field(description="[[min], [max]], IFC world (Z up)")
    bbox_gltf: list[list[float]]
    spaces: list[SceneSpacePublic]
    building_id: int
    revision: int
