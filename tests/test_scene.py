"""The glTF scene: meshes from IfcOpenShell, the .glb written by trimesh, its API endpoints and
``twin export-gltf``, on both shared models and the generated sample building."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import trimesh
from conftest import SHARED_IFC
from fastapi.testclient import TestClient
from http_helpers import bearer, sign_in_all

from bim_models import load_model
from bim_models.meshes import MESH_VERSION, body_product_ids, load_meshes
from bim_models.sample import generate_sample
from twin.api import create_app
from twin.core.settings import Settings
from twin.demo import DEMO_USERS, prepare_demo
from viewer.scene import (
    EXTRAS_KEYS,
    GLTF_FROM_IFC,
    cached_scene,
    export_glb,
    read_glb_json,
    scene_meta,
)

MODELS = ["AC20-FZK-Haus.ifc", "duplex.ifc", "sample"]
KEEP = {"IfcSpace", "IfcWall", "IfcDoor", "IfcSlab", "IfcStair"}  # the same in every schema


@pytest.fixture(scope="module")
def sample_ifc(tmp_path_factory):
    _, files = generate_sample(tmp_path_factory.mktemp("sample") / "office.ifc",
                               with_people=False)
    return files.ifc


@pytest.fixture(scope="module")
def mesh_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("mesh-cache")


@pytest.fixture(scope="module")
def scenes(sample_ifc, shared_models, mesh_cache):
    """``{name: (ifc path, MeshSet, BuildingModel, glb bytes, glTF JSON)}``, built once."""
    cache = mesh_cache
    result = {}
    for name in MODELS:
        path = sample_ifc if name == "sample" else SHARED_IFC / name
        model = load_model(path, cache_dir=cache) if name == "sample" else shared_models[name]
        meshes = load_meshes(path, cache_dir=cache)
        data = export_glb(meshes)
        result[name] = (path, meshes, model, data, read_glb_json(data))
    return result


def _nodes(tree: dict) -> dict[str, dict]:
    return {node["name"]: node for node in tree["nodes"]}


@pytest.mark.parametrize("name", MODELS)
def test_one_node_per_body_product_named_by_global_id(scenes, name):
    path, meshes, model, _, tree = scenes[name]
    names = [node["name"] for node in tree["nodes"]]
    assert len(names) == len(set(names))
    # An independent count: products whose representations hold a body, read without the
    # geometry kernel. Every one of them became exactly one node.
    assert set(names) == body_product_ids(path)
    assert not meshes.failed
    assert tree["scenes"][0]["nodes"] == list(range(len(names)))  # flat, no wrapper nodes
    # The records of bim_models (a separate world-coordinate pass) agree on what is there.
    # (Stairs are left out: a stair without a body of its own takes its flights' geometry.)
    for table in (model.spaces, model.doors, model.equipment):
        with_geometry = {gid for gid, rec in table.items() if rec.geometry is not None}
        assert with_geometry <= set(names)
    assert sum(e.is_space for e in meshes) == len(model.spaces)


@pytest.mark.parametrize("name", MODELS)
def test_bounding_box_matches_the_model(scenes, name):
    _, meshes, model, data, _ = scenes[name]
    loaded = trimesh.load(io.BytesIO(data), file_type="glb")
    low, high = meshes.bounds()
    corners = np.array([[x, y, z] for x in (low[0], high[0]) for y in (low[1], high[1])
                        for z in (low[2], high[2])]) @ GLTF_FROM_IFC[:3, :3].T
    assert loaded.bounds == pytest.approx(np.array([corners.min(0), corners.max(0)]), abs=1e-3)
    # The rooms of the scene sit exactly where the parsed model's space records say.
    records = [s.geometry for s in model.spaces.values() if s.geometry is not None]
    space_low = np.min([g.bounds_min for g in records], axis=0)
    space_high = np.max([g.bounds_max for g in records], axis=0)
    assert meshes.bounds(spaces=True) is not None
    scene_spaces = np.stack([e.bounds for e in meshes if e.is_space])
    assert scene_spaces[:, 0].min(axis=0) == pytest.approx(space_low, abs=2e-3)
    assert scene_spaces[:, 1].max(axis=0) == pytest.approx(space_high, abs=2e-3)
    assert np.all(low <= space_low + 1e-6) and np.all(high >= space_high - 1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_extras_carry_class_storey_and_space(scenes, name):
    _, meshes, model, _, tree = scenes[name]
    nodes = _nodes(tree)
    for node in nodes.values():
        assert tuple(node["extras"]) == EXTRAS_KEYS
        assert node["extras"]["global_id"] == node["name"]
    for gid, space in model.spaces.items():
        extras = nodes[gid]["extras"]
        assert extras["class"] == "IfcSpace" and extras["space"] == gid
        assert extras["number"] == space.name and extras["long_name"] == space.long_name
        assert extras["storey"] == space.storey
        if space.storey:
            storey = model.storeys[space.storey]
            assert extras["storey_name"] == storey.name
            assert extras["storey_elevation"] == pytest.approx(storey.elevation, abs=1e-3)
    for gid, door in model.doors.items():
        if gid in nodes:
            assert nodes[gid]["extras"]["class"] == door.ifc_class
            assert nodes[gid]["extras"]["storey"] == door.storey
    for gid, item in model.equipment.items():
        if gid in nodes:
            assert nodes[gid]["extras"]["class"] == item.ifc_class
            assert nodes[gid]["extras"]["space"] == item.space
    assert any(n["extras"]["class"].startswith("IfcWall") for n in nodes.values())


def test_equipment_in_rooms_names_its_room(scenes):
    _, _, model, _, tree = scenes["sample"]
    nodes = _nodes(tree)
    placed = [gid for gid, item in model.equipment.items() if item.space]
    assert len(placed) > 300
    assert all(nodes[gid]["extras"]["space"] == model.equipment[gid].space for gid in placed)


@pytest.mark.parametrize("name", MODELS)
def test_repeated_geometry_is_instanced(scenes, name):
    _, meshes, _, data, tree = scenes[name]
    uses: dict[int, list[str]] = {}
    for node in tree["nodes"]:
        uses.setdefault(node["mesh"], []).append(node["extras"]["class"])
    assert len(tree["meshes"]) == len(uses) < len(tree["nodes"])
    assert max(len(v) for v in uses.values()) > 1
    assert len({e.geometry_key for e in meshes}) <= len(tree["meshes"])
    # Shared meshes survive a reader: trimesh sees one geometry for many nodes.
    loaded = trimesh.load(io.BytesIO(data), file_type="glb")
    assert len(loaded.geometry) == len(tree["meshes"])
    assert len(loaded.graph.nodes_geometry) == len(tree["nodes"])


def test_sample_sensors_share_one_mesh_per_type(scenes):
    _, _, model, _, tree = scenes["sample"]
    sensor_meshes = {n["mesh"] for n in tree["nodes"] if n["extras"]["class"] == "IfcSensor"}
    sensors = sum(n["extras"]["class"] == "IfcSensor" for n in tree["nodes"])
    types = {e.type_name for e in model.equipment.values() if e.ifc_class == "IfcSensor"}
    assert sensors > 300 and len(sensor_meshes) == len(types) < 10


@pytest.mark.parametrize("name", MODELS)
def test_spaces_are_translucent_double_sided_with_their_own_material(scenes, name):
    tree = scenes[name][4]
    materials = {m["name"]: m for m in tree["materials"]}
    space = materials["space"]
    assert space["alphaMode"] == "BLEND" and space["doubleSided"] is True
    assert space["pbrMetallicRoughness"]["baseColorFactor"][3] == pytest.approx(0.25, abs=0.01)
    space_index = tree["materials"].index(space)
    for node in tree["nodes"]:
        material = tree["meshes"][node["mesh"]]["primitives"][0]["material"]
        assert (material == space_index) == (node["extras"]["class"] == "IfcSpace")
    wall = materials["wall"]["pbrMetallicRoughness"]["baseColorFactor"]
    door = materials["door"]["pbrMetallicRoughness"]["baseColorFactor"]
    assert min(wall[:3]) > 0.8 and door[0] > door[2]  # light grey walls, brown doors


def _triangles(tree: dict) -> int:
    return sum(tree["accessors"][p["indices"]]["count"] // 3
               for node in tree["nodes"]
               for p in tree["meshes"][node["mesh"]]["primitives"])


def test_without_spaces(scenes):
    _, meshes, model, _, tree = scenes["sample"]
    bare = read_glb_json(export_glb(meshes, spaces=False))
    assert len(bare["nodes"]) == len(tree["nodes"]) - len(model.spaces)
    assert not any(n["extras"]["class"] == "IfcSpace" for n in bare["nodes"])


@pytest.mark.parametrize("name", ["AC20-FZK-Haus.ifc", "duplex.ifc"])
def test_simplified_keeps_every_node_and_the_bounds_with_fewer_triangles(scenes, name):
    _, meshes, _, data, tree = scenes[name]
    simpler = export_glb(meshes, simplify=True)
    simple = read_glb_json(simpler)
    assert [n["name"] for n in simple["nodes"]] == [n["name"] for n in tree["nodes"]]
    assert _triangles(simple) < 0.8 * _triangles(tree)
    assert len(simpler) < len(data)
    before = trimesh.load(io.BytesIO(data), file_type="glb").bounds
    after = trimesh.load(io.BytesIO(simpler), file_type="glb").bounds
    assert after == pytest.approx(before, abs=0.02)


def test_meshes_are_cached_by_content_hash(sample_ifc, tmp_path):
    calls = []
    first = load_meshes(sample_ifc, cache_dir=tmp_path, progress=lambda d, t: calls.append(d))
    assert calls and list(tmp_path.glob(f"{first.sha256}-meshes-m{MESH_VERSION}-*.pickle"))
    calls.clear()
    second = load_meshes(sample_ifc, cache_dir=tmp_path, progress=lambda d, t: calls.append(d))
    assert not calls  # no geometry ran
    assert len(second) == len(first) and second.sha256 == first.sha256
    a, b = first.get(first.elements[0].global_id), second.elements[0]
    assert np.array_equal(a.vertices, b.vertices) and np.array_equal(a.transform, b.transform)
    # Instances still share their arrays after the round trip through the cache.
    by_key: dict[str, list] = {}
    for element in second:
        by_key.setdefault(element.geometry_key, []).append(element)
    shared = next(group for group in by_key.values() if len(group) > 1)
    assert shared[0].vertices is shared[1].vertices


def test_cached_scene_builds_once(sample_ifc, tmp_path):
    glb, meta = cached_scene(sample_ifc, cache_dir=tmp_path)
    stamp = glb.stat().st_mtime_ns
    again, _ = cached_scene(sample_ifc, cache_dir=tmp_path)
    assert again == glb and again.stat().st_mtime_ns == stamp
    body = json.loads(meta.read_text())
    assert body["element_count"] == len(read_glb_json(glb.read_bytes())["nodes"])


def test_scene_meta_lists_storeys_classes_and_spaces(scenes):
    _, meshes, model, _, tree = scenes["sample"]
    meta = scene_meta(meshes)
    assert [s["name"] for s in meta["storeys"]] == \
        [s.name for s in sorted(model.storeys.values(), key=lambda s: s.elevation)]
    assert meta["classes"]["IfcSpace"] == len(model.spaces)
    assert sum(meta["classes"].values()) == len(tree["nodes"])
    spaces = {s["global_id"]: s for s in meta["spaces"]}
    assert set(spaces) == set(model.spaces)
    for gid, space in spaces.items():
        record = model.spaces[gid]
        assert space["number"] == record.name and space["storey"] == record.storey
        assert record.geometry.footprint.buffer(0.01).contains(
            __import__("shapely").Point(space["centroid"][:2]))
        x, y, z = space["centroid"]
        assert space["centroid_gltf"] == pytest.approx([x, z, -y], abs=1e-3)


# --- API -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def api(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("scene-api"), parse_timeout_s=120)
    prepare_demo(settings)
    with TestClient(create_app(settings)) as client:
        tokens = {user: bearer(token) for user, token in sign_in_all(client).items()}
        yield client, tokens, settings


def test_scene_endpoint_returns_a_glb_of_the_latest_revision(api):
    client, tokens, settings = api
    response = client.get("/buildings/1/scene.glb", headers=tokens["viewer"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "model/gltf-binary"
    assert response.headers["etag"] and "no-cache" in response.headers["cache-control"]
    scene = trimesh.load(io.BytesIO(response.content), file_type="glb")
    tree = read_glb_json(response.content)
    meta = client.get("/buildings/1/scene/meta", headers=tokens["viewer"]).json()
    assert len(scene.graph.nodes_geometry) == len(tree["nodes"]) == meta["element_count"]
    assert meta["classes"]["IfcSpace"] == 133 and meta["building_id"] == 1
    assert scene.bounds == pytest.approx(np.array(meta["bbox_gltf"]), abs=1e-3)
    assert list((settings.data_dir / "cache" / "scenes").glob("*.glb"))


@pytest.mark.parametrize("user", list(DEMO_USERS))
def test_every_role_reads_the_scene(api, user):
    client, tokens, _ = api
    assert client.get("/buildings/1/scene.glb", headers=tokens[user]).status_code == 200
    assert client.get("/buildings/1/scene/meta", headers=tokens[user]).status_code == 200


def test_scene_needs_a_token_and_a_known_building(api):
    client, tokens, _ = api
    for route in ("/buildings/1/scene.glb", "/buildings/1/scene/meta"):
        response = client.get(route)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    for route in ("/buildings/999/scene.glb", "/buildings/999/scene/meta"):
        response = client.get(route, headers=tokens["admin"])
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_second_request_is_served_from_the_cache(api):
    client, tokens, settings = api
    first = client.get("/buildings/1/scene.glb", headers=tokens["manager"])
    files = sorted((settings.data_dir / "cache" / "scenes").glob("*.glb"))
    stamps = [f.stat().st_mtime_ns for f in files]
    second = client.get("/buildings/1/scene.glb", headers=tokens["manager"])
    assert second.headers["etag"] == first.headers["etag"]
    assert second.content == first.content
    assert [f.stat().st_mtime_ns for f in files] == stamps  # not rebuilt
    again = client.get("/buildings/1/scene.glb",
                       headers={**tokens["manager"], "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    meta = client.get("/buildings/1/scene/meta", headers=tokens["manager"])
    assert client.get("/buildings/1/scene/meta", headers={
        **tokens["manager"], "If-None-Match": meta.headers["etag"]}).status_code == 304


# --- CLI -----------------------------------------------------------------------------------

def _twin(*args: str, cache_dir) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TWIN_DEBUG"}
    env["TWIN_CACHE_DIR"] = str(cache_dir)
    return subprocess.run([sys.executable, "-m", "twin.cli", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def test_export_gltf_writes_the_scene(scenes, sample_ifc, mesh_cache, tmp_path):
    out = tmp_path / "sample.glb"
    result = _twin("export-gltf", str(sample_ifc), "--out", str(out), "--no-spaces",
                   cache_dir=mesh_cache)  # the meshes of the sample are in this cache
    assert result.returncode == 0, result.stderr
    tree = read_glb_json(out.read_bytes())
    model = scenes["sample"][2]
    assert len(tree["nodes"]) == len(body_product_ids(sample_ifc)) - len(model.spaces)
    assert "wrote" in result.stderr and str(len(tree["nodes"])) in result.stderr


@pytest.mark.parametrize("content", [b"ISO-10303-21;\nHEADER;\nnot really\n",
                                     b"ISO-10303-21;\nDATA;\n#1=IFCWALL(;\nENDSEC;\n"
                                     b"END-ISO-10303-21;\n",
                                     b"\x00\x01binary"])
def test_export_gltf_of_a_corrupt_file_is_one_line_and_exit_2(tmp_path, content):
    bad = tmp_path / "bad.ifc"
    bad.write_bytes(content)
    result = _twin("export-gltf", str(bad), "--out", str(tmp_path / "x.glb"), cache_dir=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.ifc" in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "x.glb").exists()


def test_export_gltf_of_a_missing_file(tmp_path):
    result = _twin("export-gltf", str(tmp_path / "nope.ifc"), "--out", str(tmp_path / "x.glb"),
                   cache_dir=tmp_path)
    assert result.returncode == 2 and "no such file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("schema", ["IFC2X3", "IFC4", "IFC4X3"])
def test_the_sample_in_every_schema_gives_the_same_scene(schema, scenes, tmp_path):
    _, files = generate_sample(tmp_path / "office.ifc", schema=schema, with_people=False)
    tree = read_glb_json(export_glb(load_meshes(files.ifc, cache_dir=tmp_path)))
    reference = scenes["sample"][4]
    assert {n["name"] for n in tree["nodes"]} == body_product_ids(files.ifc)
    # Equipment classes differ by schema (IFC2X3 has no IfcSensor); rooms, storeys do not.
    def rooms(nodes):
        return sorted((n["extras"]["storey_name"] or "", n["extras"]["number"] or "",
                       n["extras"]["class"] if n["extras"]["class"] in KEEP else "")
                      for n in nodes)

    assert rooms(tree["nodes"]) == rooms(reference["nodes"])
