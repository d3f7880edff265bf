"""Pictures of the building: floor plans (matplotlib), the glTF scene (trimesh), off-screen
images and walkthrough videos (pyvista, imported only when drawing). See DESIGN.md.

Use :func:`render_storey_plan` to draw one storey of a :class:`bim_models.BuildingModel` and its
:func:`spaces.build_graph` graph as a PNG floor plan; :func:`export_glb` / :func:`cached_scene`
for the .glb of a :class:`bim_models.meshes.MeshSet`; :func:`render_snapshot` and
:func:`render_tour` for PNG images and MP4 fly-throughs. The scene, snapshot and tour functions
are imported on first use, so that ``import viewer`` stays light.
"""

from importlib import import_module

from viewer.colours import (
    SEVERITY_COLOURS,
    VERDICT_COLOURS,
    SequentialScale,
    class_colour,
    sequential_scale,
)
from viewer.errors import (
    RenderError,
    SceneError,
    UnknownRoomError,
    UnknownStoreyError,
    ValuesFileError,
    ViewerError,
)
from viewer.floorplan import PIXEL_MAP_KEY, render_storey_plan, world_to_pixel

__all__ = [
    "PIXEL_MAP_KEY",
    "SCENE_VERSION",
    "SEVERITY_COLOURS",
    "VERDICT_COLOURS",
    "RenderError",
    "SceneError",
    "SequentialScale",
    "UnknownRoomError",
    "UnknownStoreyError",
    "ValuesFileError",
    "ViewerError",
    "cached_scene",
    "class_colour",
    "export_glb",
    "render_snapshot",
    "render_storey_plan",
    "render_tour",
    "scene_meta",
    "sequential_scale",
    "world_to_pixel",
    "write_glb",
]

_LAZY = {"SCENE_VERSION": "viewer.scene", "cached_scene": "viewer.scene",
         "export_glb": "viewer.scene", "scene_meta": "viewer.scene", "write_glb": "viewer.scene",
         "render_snapshot": "viewer.snapshot", "render_tour": "viewer.tour"}


def __getattr__(name: str):
    """Import the scene, snapshot and tour functions on first use (trimesh, pyvista)."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'viewer' has no attribute {name!r}")
