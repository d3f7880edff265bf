"""Pictures of the building: floor plans (matplotlib), the glTF scene (trimesh), off-screen
images and walkthrough videos (pyvista, imported only when drawing). See DESIGN.md.

Use :func:`render_storey_plan` to draw one storey of a :class:`bim_models.BuildingModel` and its
:func:`spaces.build_graph` graph as a PNG floor plan; :func:`export_glb` / :func:`cached_scene`
for the .glb of a :class:`bim_models.meshes.MeshSet`; :func:`render_snapshot` and
:func:`render_tour` for PNG images and MP4 fly-throughs. Every public name is imported from its
submodule on first use (PEP 562), so that ``import viewer`` (or its errors) stays light: no
matplotlib, trimesh or pyvista until something is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bim_models.lazy import lazy_exports, submodule_of

if TYPE_CHECKING:
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
    from viewer.scene import SCENE_VERSION, cached_scene, export_glb, scene_meta, write_glb
    from viewer.snapshot import render_snapshot
    from viewer.tour import render_tour

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

#: The public names of each submodule.
_EXPORTS = {
    "viewer.colours": ("SEVERITY_COLOURS", "VERDICT_COLOURS", "SequentialScale", "class_colour",
                       "sequential_scale"),
    "viewer.errors": ("RenderError", "SceneError", "UnknownRoomError", "UnknownStoreyError",
                      "ValuesFileError", "ViewerError"),
    "viewer.floorplan": ("PIXEL_MAP_KEY", "render_storey_plan", "world_to_pixel"),
    "viewer.scene": ("SCENE_VERSION", "cached_scene", "export_glb", "scene_meta", "write_glb"),
    "viewer.snapshot": ("render_snapshot",),
    "viewer.tour": ("render_tour",),
}
_SUBMODULE_OF = submodule_of(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _SUBMODULE_OF, globals())
