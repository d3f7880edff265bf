"""Floor plans drawn by viewer.render_storey_plan, checked on the pixels of the PNG."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from authored import write_space_without_geometry, write_two_room
from PIL import Image

from bim_models import parse_model
from spaces import build_graph
from viewer import UnknownStoreyError, ViewerError, render_storey_plan, world_to_pixel

DOOR_RGB = (0xD3, 0x54, 0x00)


@pytest.fixture(scope="module")
def two_room(tmp_path_factory):
    """The authored two-room model (IFC4, metres) and its graph."""
    model = parse_model(write_two_room(tmp_path_factory.mktemp("two-room"), "IFC4", "m"))
    return model, build_graph(model)


def _pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=int)


def _by_name(records, name):
    return next(r for r in records.values() if r.name == name)


def _samples(path, polygon, inset=0.3, n=12) -> np.ndarray:
    """RGB of an n x n grid of world points inside ``polygon`` shrunk by ``inset`` metres."""
    x0, y0, x1, y1 = polygon.buffer(-inset).bounds
    x, y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    col, row = world_to_pixel(path, x.ravel(), y.ravel())
    return _pixels(path)[np.rint(row).astype(int), np.rint(col).astype(int)]


def _is_red(rgb: np.ndarray) -> np.ndarray:
    return (rgb[:, 0] > 200) & (rgb[:, 1] < 60) & (rgb[:, 2] < 60)


def _assert_looks_drawn(rgb: np.ndarray) -> None:
    non_white = (rgb < 245).any(axis=2).mean()
    colours = len(np.unique(rgb.reshape(-1, 3)[::7], axis=0))
    assert non_white > 0.25, f"only {non_white:.0%} of the plan is not white"
    assert colours > 100, f"only {colours} distinct colours: a blank or flat picture"


def _assert_door_drawn_at(path, door) -> None:
    col, row = world_to_pixel(path, *door.geometry.centroid[:2])
    rgb = _pixels(path)[round(row) - 1:round(row) + 2, round(col) - 1:round(col) + 2]
    assert (np.abs(rgb - DOOR_RGB).sum(axis=2) < 60).all(), f"{door.name}: no door colour there"


def test_two_room_ground_floor_is_a_landscape_plan_with_doors(two_room, tmp_path):
    model, graph = two_room
    out = render_storey_plan(model, graph, "Ground floor", tmp_path / "plans" / "gf.png")
    assert out == tmp_path / "plans" / "gf.png" and out.is_file()
    rgb = _pixels(out)
    assert rgb.shape[1] > rgb.shape[0]  # the floor is 10 m x 6 m
    _assert_looks_drawn(rgb)
    for name in ("D1", "D2"):  # D1 between the offices, D2 on the corridor wall
        _assert_door_drawn_at(out, _by_name(model.doors, name))


def test_colour_by_paints_only_the_chosen_room(two_room, tmp_path):
    model, graph = two_room
    office, other = _by_name(model.spaces, "101"), _by_name(model.spaces, "102")
    out = render_storey_plan(model, graph, "Ground floor", tmp_path / "red.png",
                             colour_by={office.global_id: "#ff0000"},
                             legend={"over the area standard": "#ff0000"})
    red = _is_red(_samples(out, office.geometry.footprint))
    assert red.mean() > 0.8, f"only {red.mean():.0%} of office 101 is red"
    assert _is_red(_samples(out, other.geometry.footprint)).mean() == 0
    default = render_storey_plan(model, graph, "Ground floor", tmp_path / "default.png")
    assert _is_red(_samples(default, office.geometry.footprint)).mean() == 0


def test_storey_by_global_id_or_case_insensitive_name(two_room, tmp_path):
    model, graph = two_room
    first = _by_name(model.storeys, "First floor")
    by_id = _pixels(render_storey_plan(model, graph, first.global_id, tmp_path / "a.png",
                                       title="First floor"))
    by_name = _pixels(render_storey_plan(model, graph, "first FLOOR", tmp_path / "b.png",
                                         title="First floor"))
    assert np.array_equal(by_id, by_name)
    _assert_door_drawn_at(tmp_path / "a.png", _by_name(model.doors, "D3"))


def test_unknown_storey_names_the_available_ones(two_room, tmp_path):
    model, graph = two_room
    with pytest.raises(UnknownStoreyError) as caught:
        render_storey_plan(model, graph, "Roof garden", tmp_path / "x.png")
    assert isinstance(caught.value, ViewerError)
    assert "'Roof garden'" in str(caught.value)
    assert "'Ground floor', 'First floor'" in str(caught.value)
    assert not (tmp_path / "x.png").exists()


def test_space_without_geometry_is_skipped(tmp_path):
    model = parse_model(write_space_without_geometry(tmp_path, "IFC4"))
    # the only thing on the storey has no geometry: an error naming why, not an empty frame
    with pytest.raises(ViewerError, match=r"nothing to draw .* \(1 space\(s\) without geometry"):
        render_storey_plan(model, build_graph(model), "Ground", tmp_path / "empty.png")
    assert not (tmp_path / "empty.png").exists()


@pytest.mark.slow
def test_duplex_level_1_is_a_portrait_plan_with_its_doors(shared_models, shared_graphs,
                                                          tmp_path):
    model, graph = shared_models["duplex.ifc"], shared_graphs["duplex.ifc"]
    out = render_storey_plan(model, graph, "Level 1", tmp_path / "duplex-l1.png")
    rgb = _pixels(out)
    assert rgb.shape[0] > rgb.shape[1]  # the duplex is 8 m wide and 17 m long
    _assert_looks_drawn(rgb)
    level_1 = _by_name(model.storeys, "Level 1").global_id
    inner = [d for d in model.doors.values() if d.storey == level_1 and d.width < 0.8]
    assert len(inner) == 2  # the two bathroom doors
    for door in inner:
        _assert_door_drawn_at(out, door)
    render_storey_plan(model, graph, "T/FDN", tmp_path / "foundation.png")  # no spaces


def test_importing_viewer_does_not_import_matplotlib():
    code = "import sys, viewer; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
