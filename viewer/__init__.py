"""Pictures of the building: floor plans (matplotlib, imported only when drawing). See DESIGN.md.

Use :func:`render_storey_plan` to draw one storey of a :class:`bim_models.BuildingModel` and its
:func:`spaces.build_graph` graph as a PNG floor plan.
"""

from viewer.errors import UnknownStoreyError, ViewerError
from viewer.floorplan import PIXEL_MAP_KEY, render_storey_plan, world_to_pixel

__all__ = [
    "PIXEL_MAP_KEY",
    "UnknownStoreyError",
    "ViewerError",
    "render_storey_plan",
    "world_to_pixel",
]
