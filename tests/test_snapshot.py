"""Off-screen images and videos (pyvista through EGL/Mesa, imageio-ffmpeg) of the sample
building: ``twin snapshot`` and ``twin tour``. Rendering must work here: a failure to render
is a failure, never a skip (scripts/ensure-render.sh installs what VTK needs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import imageio.v2 as imageio
import numpy as np
import pytest

from bim_models.meshes import load_meshes
from bim_models.sample import generate_sample
from viewer.colours import VERDICT_COLOURS, to_rgb255
from viewer.errors import RenderError, UnknownRoomError, UnknownStoreyError, ValuesFileError
from viewer.snapshot import render_snapshot
from viewer.tour import render_tour

STOREY = "2F"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snapshot")
    _, files = generate_sample(folder / "office.ifc", with_people=False)
    meshes = load_meshes(files.ifc, cache_dir=folder / "cache")
    storey = next(g for g, s in meshes.storeys.items() if s.name == STOREY)
    rooms = sorted((e for e in meshes if e.is_space and e.storey == storey),
                   key=lambda e: e.name)
    return {"ifc": files.ifc, "meshes": meshes, "rooms": rooms, "cache": folder / "cache"}


def _twin(*args: str, cache_dir) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TWIN_DEBUG"}
    env["TWIN_CACHE_DIR"] = str(cache_dir)
    return subprocess.run([sys.executable, "-m", "twin.cli", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def _near(image: np.ndarray, pixel: tuple[int, int], colour, tolerance: int = 3) -> bool:
    column, row = pixel
    return bool(np.all(np.abs(image[row, column, :3].astype(int) - np.array(colour)) <= tolerance))


def test_plan_coloured_by_values_paints_each_room_its_colour(sample, tmp_path):
    rooms = sample["rooms"]
    values = {room.global_id: 18.0 + 0.5 * i for i, room in enumerate(rooms)}
    shot = render_snapshot(sample["meshes"], tmp_path / "plan.png", storey=STOREY,
                           view="plan", colour_by="value", values=values, unit="°C")
    image = imageio.imread(shot.path)
    assert image.shape[:2] == (1200, 1600) and image[..., :3].std() > 20
    assert shot.legend["kind"] == "scale" and shot.legend["unit"] == "°C"
    assert (shot.legend["min"], shot.legend["max"]) == (18.0, 18.0 + 0.5 * (len(rooms) - 1))
    assert set(shot.pixels) == {r.global_id for r in rooms}
    for room in rooms:  # the room's centre has exactly the colour of its value
        expected = to_rgb255(tuple(int(shot.colours[room.global_id][i:i + 2], 16) / 255
                                   for i in (1, 3, 5)))
        assert _near(image, shot.pixels[room.global_id], expected), room.name
    coldest, warmest = shot.colours[rooms[0].global_id], shot.colours[rooms[-1].global_id]
    assert coldest == "#440154" and warmest == "#fde725"  # the ends of the scale


def test_plan_coloured_by_compliance_shows_the_verdict_colours(sample, tmp_path):
    rooms = sample["rooms"]
    verdicts = ["over", "compliant", "vacant", "shared_over"]  # spaces.choices.VERDICTS
    values = {room.name: verdicts[i % 4] for i, room in enumerate(rooms)}  # by room number
    shot = render_snapshot(sample["meshes"], tmp_path / "verdicts.png", storey=STOREY,
                           view="plan", colour_by="compliance", values=values)
    image = imageio.imread(shot.path)
    for i, room in enumerate(rooms):
        assert _near(image, shot.pixels[room.global_id],
                     to_rgb255(VERDICT_COLOURS[verdicts[i % 4]])), room.name
    assert set(shot.legend["items"]) == set(verdicts)


def test_3d_view_of_the_building_shows_it_framed(sample, tmp_path):
    shot = render_snapshot(sample["meshes"], tmp_path / "3d.png", view="3d")
    image = imageio.imread(shot.path)[..., :3]
    background = np.all(image == 255, axis=-1)
    assert 0.15 < 1.0 - background.mean() < 0.9  # the building fills a good part, not all
    rows, columns = np.nonzero(~background[40:])  # below the title
    assert rows.min() > 0 and columns.min() > 0 and columns.max() < image.shape[1] - 1
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 50
    assert len(shot.pixels) == sum(e.is_space for e in sample["meshes"])


def test_snapshot_refuses_what_it_cannot_draw(sample, tmp_path):
    meshes = sample["meshes"]
    with pytest.raises(UnknownStoreyError, match="available storeys"):
        render_snapshot(meshes, tmp_path / "x.png", storey="99F")
    with pytest.raises(RenderError, match="needs values"):
        render_snapshot(meshes, tmp_path / "x.png", colour_by="value")
    with pytest.raises(ValuesFileError, match="name no space"):
        render_snapshot(meshes, tmp_path / "x.png", colour_by="value", values={"nope": 1})
    assert not (tmp_path / "x.png").exists()


def test_cli_snapshot_writes_a_png_and_reports_bad_values_in_one_line(sample, tmp_path):
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"unit": "ppm", "values": {
        r.name: 400 + 50 * i for i, r in enumerate(sample["rooms"])}}))
    out = tmp_path / "co2.png"
    result = _twin("snapshot", str(sample["ifc"]), "--out", str(out), "--storey", STOREY,
                   "--view", "plan", "--colour-by", "value", "--values", str(values),
                   "--labels", cache_dir=sample["cache"])
    assert result.returncode == 0, result.stderr
    assert imageio.imread(out)[..., :3].std() > 20
    values.write_text("{not json")
    result = _twin("snapshot", str(sample["ifc"]), "--out", str(tmp_path / "y.png"),
                   "--colour-by", "value", "--values", str(values), cache_dir=sample["cache"])
    assert result.returncode == 2 and "not a JSON file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_tour_writes_a_readable_video(sample, tmp_path):
    rooms = [r.name for r in sample["rooms"][:2]] + ["3F-010"]
    tour = render_tour(sample["meshes"], tmp_path / "tour.mp4", rooms=rooms, fps=4,
                       seconds_per_leg=0.5, size=(320, 240))
    assert tour.frames == 2 * 2 + 1
    with imageio.get_reader(tour.path) as reader:  # its len() is inf: iterate, no list()
        frames = [frame for frame in reader]
    assert len(frames) == tour.frames and frames[0].shape == (240, 320, 3)
    assert all(frame.std() > 5 for frame in frames)
    assert not np.array_equal(frames[0], frames[-1])  # the camera moved
    eye = np.array(tour.waypoints)
    elevation = {s.name: s.elevation for s in sample["meshes"].storeys.values()}
    assert eye[0][2] == pytest.approx(elevation[STOREY] + 1.6)
    assert eye[-1][2] == pytest.approx(elevation["3F"] + 1.6)


def test_tour_refuses_an_unknown_room(sample, tmp_path):
    with pytest.raises(UnknownRoomError, match="no room 'X-999'"):
        render_tour(sample["meshes"], tmp_path / "t.mp4", rooms=["X-999"])
    result = _twin("tour", str(sample["ifc"]), "--out", str(tmp_path / "t.mp4"),
                   "--rooms", "2F-001,X-999", cache_dir=sample["cache"])
    assert result.returncode == 2 and "X-999" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
