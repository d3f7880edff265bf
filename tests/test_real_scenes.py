"""Issue 21, defect 4 and the snapshot item of 8: geometry from every body context, never a
silently empty scene, snapshot or plan; ``snapshot --view plan`` without ``--storey``."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from authored_mep import write_model_view_context, write_storey_without_rooms
from PIL import Image

from bim_models import authoring, load_model
from bim_models.meshes import body_product_ids, load_meshes
from viewer.errors import RenderError, SceneError
from viewer.scene import export_glb, read_glb_json
from viewer.snapshot import ground_storey, render_snapshot


def _twin(*args: str, cache_dir) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TWIN_DEBUG"}
    env["TWIN_CACHE_DIR"] = str(cache_dir)
    return subprocess.run([sys.executable, "-m", "twin.cli", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real-scenes")
    model = authoring.new_model(schema="IFC2X3")
    storey = authoring.add_storey(model, name="Level 0", elevation=0.0)
    element = authoring.add_element(model, ifc_class="IfcPump", name="P-1", storey=storey,
                                    x=1, y=1, z=0.5)
    element.Representation = None  # a product, no geometry at all
    empty = folder / "no-geometry.ifc"
    model.write(str(empty))
    return {"model_view": write_model_view_context(folder), "empty": empty,
            "no_rooms": write_storey_without_rooms(folder), "cache": folder / "cache"}


def test_bodies_in_a_model_view_context_are_drawn(files):
    path = files["model_view"]
    meshes = load_meshes(path, use_cache=False)
    assert {e.ifc_class for e in meshes} == {"IfcSpace", "IfcWallStandardCase", "IfcSlab"} or \
        {e.ifc_class for e in meshes} == {"IfcSpace", "IfcWall", "IfcSlab"}
    assert body_product_ids(path) == {e.global_id for e in meshes}
    tree = read_glb_json(export_glb(meshes))
    assert len(tree["nodes"]) == 3 and len(tree["meshes"]) == 3
    # the graph's geometry pass reads the same context
    model = load_model(path, use_cache=False)
    assert all(s.geometry is not None for s in model.spaces.values())


def test_cli_export_of_the_model_view_file_has_meshes(files, tmp_path):
    out = tmp_path / "view.glb"
    run = _twin("export-gltf", str(files["model_view"]), "--out", str(out),
                cache_dir=files["cache"])
    assert run.returncode == 0, run.stderr
    assert "3 elements, 3 meshes" in " ".join(run.stderr.split())
    assert len(read_glb_json(out.read_bytes())["meshes"]) == 3


def test_a_scene_with_nothing_to_draw_is_an_error_naming_why(files, tmp_path):
    meshes = load_meshes(files["empty"], use_cache=False)
    with pytest.raises(SceneError, match="nothing to draw in no-geometry.ifc: no product has "
                                         "a 3D body"):
        export_glb(meshes)
    out = tmp_path / "empty.glb"
    run = _twin("export-gltf", str(files["empty"]), "--out", str(out), cache_dir=files["cache"])
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "nothing to draw" in run.stderr
    assert not out.exists()


def test_rooms_left_out_of_a_rooms_only_scene_is_named(files):
    meshes = load_meshes(files["model_view"], use_cache=False)
    only_rooms = type(meshes)(meshes.sha256, meshes.source, meshes.schema,
                              tuple(e for e in meshes if e.is_space), meshes.storeys)
    with pytest.raises(SceneError, match="only rooms have geometry"):
        export_glb(only_rooms, spaces=False)


def test_a_snapshot_with_nothing_to_draw_exits_2(files, tmp_path):
    out = tmp_path / "empty.png"
    run = _twin("snapshot", str(files["empty"]), "--out", str(out), cache_dir=files["cache"])
    assert run.returncode == 2 and "nothing to draw" in run.stderr
    assert not out.exists()
    with pytest.raises(RenderError, match="nothing to draw"):
        render_snapshot(load_meshes(files["empty"], use_cache=False), out, view="plan")


def test_plan_snapshot_without_a_storey_shows_the_ground_floor(files, tmp_path):
    meshes = load_meshes(files["no_rooms"], use_cache=False)
    ground = ground_storey(meshes)
    assert meshes.storeys[ground].name == "Technik"
    run = _twin("snapshot", str(files["no_rooms"]), "--out", str(tmp_path / "cli.png"),
                "--view", "plan", "--width", "400", "--height", "300", cache_dir=files["cache"])
    assert run.returncode == 0, run.stderr  # the README's `--storey` is optional
    image = np.asarray(Image.open(tmp_path / "cli.png"))[..., :3]
    assert (np.any(image < 200, axis=-1)).mean() > 0.01  # walls drawn, not a blank canvas


def test_glass_from_the_files_styles_is_transparent_in_the_scene(tmp_path):
    import ifcopenshell.api.style as style

    model = authoring.new_model(schema="IFC4")
    storey = authoring.add_storey(model, name="G", elevation=0.0)
    authoring.add_wall(model, storey=storey, start=(0, 0), end=(5, 0), name="W-1")
    window = authoring.add_element(model, ifc_class="IfcWindow", name="Win-1", storey=storey,
                                   x=2, y=0, z=1.5, size=(1.2, 0.1, 1.2))
    glass = style.add_style(model, name="Glass")
    style.add_surface_style(model, style=glass, ifc_class="IfcSurfaceStyleShading", attributes={
        "SurfaceColour": {"Name": None, "Red": 0.6, "Green": 0.8, "Blue": 0.9},
        "Transparency": 0.7})
    style.assign_representation_styles(
        model, shape_representation=window.Representation.Representations[0], styles=[glass])
    path = tmp_path / "glass.ifc"
    model.write(str(path))
    meshes = load_meshes(path, use_cache=False)
    assert meshes.get(window.GlobalId).surface == pytest.approx((0.6, 0.8, 0.9, 0.3))
    tree = read_glb_json(export_glb(meshes))
    materials = {m["name"]: m for m in tree["materials"]}
    assert materials["glass"]["alphaMode"] == "BLEND"
    assert materials["glass"]["pbrMetallicRoughness"]["baseColorFactor"][3] == \
        pytest.approx(0.3, abs=0.01)
    assert materials["wall"]["alphaMode"] == "OPAQUE"  # unstyled: the class colour


def test_the_api_answers_nothing_to_draw_with_422_not_500(files):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from twin.core.http_errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/scene.glb")
    def scene():
        return export_glb(load_meshes(files["empty"], use_cache=False))

    response = TestClient(app).get("/scene.glb")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert "nothing to draw" in response.json()["error"]["message"]
