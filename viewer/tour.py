"""A walkthrough video: the camera flies through a list of rooms at eye height (pyvista
off-screen, frames encoded to MP4 by imageio-ffmpeg).

Waypoints are the centres of the rooms' boxes at :data:`EYE_HEIGHT` above their storey's
elevation. Each leg lasts ``seconds_per_leg``; the camera moves in a straight line (through
walls: this is a fly-through, not a route) and looks ahead along the leg, turning towards the
next leg over its last quarter. One room gives a slow turn on the spot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from viewer.colours import class_family, family_colour
from viewer.errors import RenderError, UnknownRoomError
from viewer.snapshot import element_polydata, offscreen_pyvista

if TYPE_CHECKING:
    from bim_models.meshes import ElementMesh, MeshSet

__all__ = ["EYE_HEIGHT", "Tour", "render_tour", "resolve_rooms", "tour_waypoints"]

#: Eye height above the storey's elevation, metres.
EYE_HEIGHT = 1.6
_HIDDEN = ("sensor", "light", "air", "electrical")  # small ceiling items: clutter at eye level
#: Walls see-through, so that the rooms ahead and the path show; rooms a faint tint.
_OPACITY = {"wall": 0.35, "space": 0.1, "window": 0.3}


@dataclass(frozen=True)
class Tour:
    """What :func:`render_tour` wrote: the file, its frame count and size, the waypoints."""

    path: Path
    frames: int
    fps: int
    size: tuple[int, int]
    waypoints: tuple[tuple[float, float, float], ...]


def resolve_rooms(meshes: MeshSet, rooms: Sequence[str]) -> list[ElementMesh]:
    """The spaces named by room number (space Name) or GlobalId, in order.

    Raises
    ------
    UnknownRoomError
        A room the model does not have.
    """
    spaces = [e for e in meshes.elements if e.is_space]
    by_id = {e.global_id: e for e in spaces}
    by_number: dict[str, ElementMesh] = {}
    for element in spaces:
        if element.name:
            by_number.setdefault(element.name.casefold(), element)
    found = []
    for room in rooms:
        element = by_id.get(room) or by_number.get(room.strip().casefold())
        if element is None:
            raise UnknownRoomError(room, sorted(e.name for e in spaces if e.name))
        found.append(element)
    return found


def tour_waypoints(meshes: MeshSet, rooms: Sequence[ElementMesh],
                   eye_height: float = EYE_HEIGHT) -> np.ndarray:
    """Eye positions (k, 3) float64: each room's centre at eye height above its storey."""
    points = []
    for room in rooms:
        low, high = room.bounds
        storey = meshes.storeys.get(room.storey) if room.storey else None
        floor = storey.elevation if storey is not None else float(low[2])
        points.append([(low[0] + high[0]) / 2.0, (low[1] + high[1]) / 2.0, floor + eye_height])
    return np.array(points, dtype=np.float64)


def _camera_path(waypoints: np.ndarray, frames_per_leg: int) -> list[tuple[np.ndarray, ...]]:
    """(eye, target) per frame."""
    if len(waypoints) == 1:
        eye = waypoints[0]
        return [(eye, eye + np.array([math.cos(a), math.sin(a), 0.0]))
                for a in np.linspace(0.0, 2.0 * math.pi, 2 * frames_per_leg + 1)]
    path = []
    legs = len(waypoints) - 1
    for leg in range(legs):
        start, end = waypoints[leg], waypoints[leg + 1]
        ahead = _direction(start, end)
        after = _direction(end, waypoints[leg + 2]) if leg + 1 < legs else ahead
        for step in range(frames_per_leg + (1 if leg == legs - 1 else 0)):
            t = step / frames_per_leg
            eye = start + (end - start) * t
            turn = max(0.0, (t - 0.75) / 0.25)  # turn towards the next leg at the end
            look = ahead * (1.0 - turn) + after * turn
            path.append((eye, eye + look))
    return path


def _direction(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    vector = end - start
    vector[2] *= 0.3  # keep the gaze near level on stairs between storeys
    length = float(np.linalg.norm(vector))
    return vector / length if length > 1e-9 else np.array([1.0, 0.0, 0.0])


def render_tour(meshes: MeshSet, out: Path | str, *, rooms: Sequence[str], fps: int = 24,
                seconds_per_leg: float = 2.0, size: tuple[int, int] = (960, 540),
                eye_height: float = EYE_HEIGHT, progress=None) -> Tour:
    """Render a fly-through of ``rooms`` to an MP4 file (H.264).

    Parameters
    ----------
    meshes : MeshSet
        From :func:`bim_models.meshes.load_meshes`.
    out : Path or str
        The .mp4 to write.
    rooms : sequence of str
        Room numbers (space names) or space GlobalIds, in visiting order.
    fps : int
        Frames per second.
    seconds_per_leg : float
        Duration of the flight between two rooms.
    size : (int, int)
        Width and height (even numbers; rounded up if not).
    eye_height : float
        Metres above each room's storey elevation.
    progress : callable, optional
        ``progress(done, total)`` after each frame.

    Returns
    -------
    Tour

    Raises
    ------
    UnknownRoomError, RenderError
        An unknown room; no rooms, bad timing, or the renderer or encoder failed.
    """
    if not rooms:
        raise RenderError("a tour needs at least one room (--rooms R1,R2,...)")
    if fps < 1 or seconds_per_leg <= 0:
        raise RenderError("fps must be at least 1 and seconds per leg above 0")
    spaces = resolve_rooms(meshes, rooms)
    waypoints = tour_waypoints(meshes, spaces, eye_height)
    frames_per_leg = max(1, round(fps * seconds_per_leg))
    path = _camera_path(waypoints, frames_per_leg)
    width, height = (size[0] + size[0] % 2, size[1] + size[1] % 2)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pv = offscreen_pyvista()
    plotter = pv.Plotter(off_screen=True, window_size=[width, height])
    try:
        _add_building(plotter, meshes)
        plotter.camera.view_angle = 75.0
        written = _encode(plotter, path, out, fps, progress)
    finally:
        plotter.close()
    return Tour(path=out, frames=written, fps=fps, size=(width, height),
                waypoints=tuple(tuple(float(v) for v in p) for p in waypoints))


def _add_building(plotter, meshes: MeshSet) -> None:
    plotter.set_background("#dfe8f0")
    families: dict[str, list[ElementMesh]] = {}
    for element in meshes.elements:
        family = class_family(element.ifc_class)
        if family not in _HIDDEN:
            families.setdefault(family, []).append(element)
    for family, members in families.items():
        colour = family_colour(family)
        opacity = _OPACITY.get(family, colour[3])
        plotter.add_mesh(element_polydata(members), color=colour[:3], opacity=opacity,
                         smooth_shading=False)


def _encode(plotter, path, out: Path, fps: int, progress) -> int:
    import imageio.v2 as imageio

    plotter.camera.up = (0.0, 0.0, 1.0)
    try:
        writer = imageio.get_writer(str(out), fps=fps, codec="libx264", quality=7,
                                    macro_block_size=2, pixelformat="yuv420p",
                                    ffmpeg_log_level="error")
    except (OSError, RuntimeError, ValueError) as exc:
        raise RenderError(f"{out}: cannot start the video encoder ({exc})") from exc
    written = 0
    try:
        with writer:
            for eye, target in path:
                plotter.camera.position = tuple(eye)
                plotter.camera.focal_point = tuple(target)
                plotter.camera.up = (0.0, 0.0, 1.0)
                plotter.camera.clipping_range = (0.05, 2000.0)
                plotter.render()
                frame = plotter.screenshot(return_img=True)
                if written == 0 and float(np.asarray(frame).std()) < 1.0:
                    raise RenderError("off-screen rendering produced a blank frame; check the "
                                      "EGL/OSMesa libraries (scripts/ensure-render.sh)")
                writer.append_data(np.ascontiguousarray(frame))
                written += 1
                if progress is not None:
                    progress(written, len(path))
    except OSError as exc:
        raise RenderError(f"{out}: the video could not be written ({exc})") from exc
    return written
