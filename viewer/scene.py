"""The building as a glTF 2.0 binary (.glb) scene, built with trimesh.

Contract of the file (what the web viewer relies on; bump :data:`SCENE_VERSION` on a change):

* **One node per element** (every product with a body, spaces included), named by its
  GlobalId, flat under the scene root (no grouping nodes). Nodes are *not* merged per storey
  and class: merging would cut draw calls but lose picking, per-element colours and the
  GlobalId of each node; the browser can batch on its side if it needs to.
* Node ``extras`` (three.js: ``object.userData``): ``global_id``, ``class``, ``name``,
  ``storey`` (GlobalId), ``storey_name``, ``storey_elevation`` (m), ``space`` (GlobalId of the
  room the element is in; a space's own id for a space), ``long_name`` and ``number`` (spaces
  only: LongName, and Name = the room number; ``null`` otherwise). trimesh writes node extras
  from the scene graph's node metadata; :func:`read_glb_json` reads them back.
* **Y up** as glTF requires: glTF ``(x, y, z)`` = IFC world ``(x, z, -y)``, metres
  (:data:`GLTF_FROM_IFC`). The rotation is folded into the shared meshes (vertices stored as
  ``R v``) and each node gets ``R T R^-1``, which for the usual unrotated placement is a plain
  ``translation`` (3 numbers, rounded to the micrometre) instead of a 16-number ``matrix``:
  on the 5,000-room building the node list is most of the file. :func:`scene_meta` gives
  coordinates in IFC world (Z up) and in the glTF frame.
* **Instancing**: elements with the same geometry (type geometry) and colour family reference
  one glTF mesh. Materials are one per colour family (:func:`viewer.colours.class_colour`),
  except glass: an element whose own surface style in the file is transparent (a window's
  glazing) gets a ``glass`` material of the file's colour and alpha (``BLEND``, double-sided);
  spaces use their own translucent (alpha 0.25, ``BLEND``), double-sided ``space`` material.
  No normals are written (three.js then shades flat, right for buildings, and the file is
  smaller); mesh ``extras`` are dropped.
* ``simplify=True`` decimates detailed geometry (more than :data:`SIMPLIFY_MIN_TRIANGLES`
  triangles: furniture, railings, curved parts) by vertex clustering on a
  :data:`SIMPLIFY_CELL` m grid (Rossignac-Borrel): vertices in one cell merge, collapsed
  triangles go. Boxes and spaces stay exact; on the shared models it removes 35-50 % of the
  triangles. Node count and names do not change.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import trimesh
from trimesh.visual import TextureVisuals
from trimesh.visual.material import PBRMaterial

from viewer.colours import class_family, family_colour
from viewer.errors import SceneError

if TYPE_CHECKING:
    from bim_models.meshes import ElementMesh, MeshSet

__all__ = [
    "EXTRAS_KEYS",
    "GLASS_ALPHA",
    "GLTF_FROM_IFC",
    "SCENE_VERSION",
    "SIMPLIFY_CELL",
    "SIMPLIFY_MIN_TRIANGLES",
    "build_scene",
    "cached_scene",
    "empty_reason",
    "export_glb",
    "node_extras",
    "read_glb_json",
    "scene_meta",
    "scene_version_tag",
    "simplify_geometry",
    "write_glb",
]

#: Bumped whenever the .glb contract or content changes; part of every scene cache key.
SCENE_VERSION = "2"  # 2: glass from the file's styles

#: Elements whose own surface style (:attr:`bim_models.meshes.ElementMesh.surface`) is more
#: transparent than this alpha get a ``glass`` material of the file's colour (``BLEND``).
GLASS_ALPHA = 0.95

#: Grid cell (m) of the vertex clustering of ``simplify=True``.
SIMPLIFY_CELL = 0.02
#: Geometries with at most this many triangles are left alone by ``simplify=True``.
SIMPLIFY_MIN_TRIANGLES = 64

#: IFC world (Z up) -> glTF (Y up): (x, y, z) -> (x, z, -y). (4, 4) float64.
GLTF_FROM_IFC = np.array([[1.0, 0.0, 0.0, 0.0],
                          [0.0, 0.0, 1.0, 0.0],
                          [0.0, -1.0, 0.0, 0.0],
                          [0.0, 0.0, 0.0, 1.0]])

#: Keys of every node's ``extras``, in order.
EXTRAS_KEYS = ("global_id", "class", "name", "storey", "storey_name", "storey_elevation",
               "space", "long_name", "number")


def node_extras(element: ElementMesh, meshes: MeshSet) -> dict:
    """The ``extras`` of ``element``'s node (keys :data:`EXTRAS_KEYS`; JSON-ready)."""
    storey = meshes.storeys.get(element.storey) if element.storey else None
    return {
        "global_id": element.global_id,
        "class": element.ifc_class,
        "name": element.name,
        "storey": element.storey,
        "storey_name": storey.name if storey else None,
        "storey_elevation": round(storey.elevation, 4) if storey else None,
        "space": element.space,
        "long_name": element.long_name if element.is_space else None,
        "number": element.name if element.is_space else None,
    }


def _material(family: str, rgba: tuple | None = None) -> PBRMaterial:
    rgba = rgba or family_colour(family)
    translucent = rgba[3] < 1.0
    return PBRMaterial(name=family, baseColorFactor=[round(c * 255) for c in rgba],
                       metallicFactor=0.0, roughnessFactor=0.9,
                       alphaMode="BLEND" if translucent else "OPAQUE",
                       doubleSided=translucent)


def simplify_geometry(vertices: np.ndarray, faces: np.ndarray,
                      cell: float = SIMPLIFY_CELL) -> tuple[np.ndarray, np.ndarray]:
    """Vertex clustering: merge the vertices in each ``cell``-sized grid cube, drop the
    triangles that collapse and duplicates.

    Parameters
    ----------
    vertices : (n, 3) float ndarray
    faces : (m, 3) int ndarray
    cell : float
        Grid size, metres.

    Returns
    -------
    vertices : (k, 3) float32 ndarray
        Cluster means.
    faces : (j, 3) uint32 ndarray
    """
    keys = np.round(np.asarray(vertices, dtype=np.float64) / cell).astype(np.int64)
    cells, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    remapped = inverse[np.asarray(faces, dtype=np.int64)]
    a, b, c = remapped.T
    remapped = remapped[(a != b) & (b != c) & (a != c)]
    _, first = np.unique(np.sort(remapped, axis=1), axis=0, return_index=True)
    remapped = remapped[np.sort(first)]
    sums = np.zeros((len(cells), 3))
    counts = np.zeros(len(cells))
    np.add.at(sums, inverse, vertices)
    np.add.at(counts, inverse, 1.0)
    used, compact = np.unique(remapped, return_inverse=True)
    means = sums[used] / counts[used, None]
    return means.astype(np.float32), compact.reshape(-1, 3).astype(np.uint32)


def empty_reason(meshes: MeshSet, *, spaces: bool = True, storey: str | None = None) -> str:
    """One line saying why ``meshes`` (or one storey of it) gives nothing to draw.

    Parameters
    ----------
    meshes : MeshSet
    spaces : bool
        Whether rooms were to be drawn.
    storey : str, optional
        The storey's name, where one storey was asked for.
    """
    where = f"{Path(meshes.source).name}" + (f", storey {storey!r}" if storey else "")
    if meshes.failed:
        return (f"nothing to draw in {where}: {len(meshes.failed)} products have a 3D body but "
                f"the geometry kernel made no triangles of it (e.g. {meshes.failed[0]})")
    if not spaces and any(e.is_space for e in meshes.elements):
        return f"nothing to draw in {where}: only rooms have geometry, and rooms are left out"
    if storey and meshes.elements:
        return f"nothing to draw in {where}: no element of this storey has a 3D body"
    return (f"nothing to draw in {where}: no product has a 3D body representation (the file "
            "holds no geometry, or only plans, axes, footprints and annotations)")


def build_scene(meshes: MeshSet, *, spaces: bool = True, simplify: bool = False) -> trimesh.Scene:
    """The scene of ``meshes``: one node per element, meshes shared between instances.

    Parameters
    ----------
    meshes : MeshSet
        From :func:`bim_models.meshes.load_meshes`.
    spaces : bool, default True
        Include the spaces (translucent rooms).
    simplify : bool, default False
        Decimate detailed geometry (see :func:`simplify_geometry`).

    Returns
    -------
    trimesh.Scene
        Y up (see :data:`GLTF_FROM_IFC`); node names are GlobalIds.

    Raises
    ------
    SceneError
        Nothing to draw (:func:`empty_reason` says why): never an empty file.
    """
    scene = trimesh.Scene(base_frame="world")
    materials: dict[str, PBRMaterial] = {}
    added: set[str] = set()
    for element in meshes.elements:
        if element.is_space and not spaces:
            continue
        family, look = class_family(element.ifc_class), None
        if not element.is_space and element.surface is not None and \
                element.surface[3] < GLASS_ALPHA:  # the file's glass: its colour, see-through
            family, look = "glass", (*element.surface[:3], max(element.surface[3], 0.15))
        simpler = (simplify and not element.is_space
                   and len(element.faces) > SIMPLIFY_MIN_TRIANGLES)
        geom_name = f"{family}:{element.geometry_key}" if look is None else \
            f"{family}:{element.geometry_key}:{look}"
        matrix = GLTF_FROM_IFC @ element.transform @ GLTF_FROM_IFC.T
        extras = node_extras(element, meshes)
        if geom_name in added:
            scene.graph.update(frame_to=element.global_id, frame_from=scene.graph.base_frame,
                               matrix=matrix, geometry=geom_name, metadata=extras)
            continue
        vertices, faces = element.vertices, element.faces
        if simpler:
            fewer = simplify_geometry(vertices, faces)
            if len(fewer[1]):  # a body that collapses whole keeps its detail
                vertices, faces = fewer
        mesh = trimesh.Trimesh(vertices=vertices @ GLTF_FROM_IFC[:3, :3].T, faces=faces,
                               process=False, validate=False)
        if (family, look) not in materials:
            materials[family, look] = _material(family, look)
        mesh.visual = TextureVisuals(material=materials[family, look])
        scene.add_geometry(mesh, geom_name=geom_name, node_name=element.global_id,
                           transform=matrix, metadata=extras)
        added.add(geom_name)
    if not added:
        raise SceneError(empty_reason(meshes, spaces=spaces))
    return scene


def _compact_tree(tree: dict) -> None:
    """trimesh's ``tree_postprocessor``: node matrices that only translate become
    ``translation`` (rounded to 1e-6 m), other matrices are rounded to 1e-9; mesh extras are
    dropped; the generator is named."""
    for node in tree.get("nodes", ()):
        matrix = node.get("matrix")
        if matrix is None:
            continue
        columns = np.asarray(matrix, dtype=np.float64).reshape(4, 4)  # column-major
        if np.allclose(columns[:3, :3], np.eye(3), atol=1e-12) and \
                np.allclose(columns[:3, 3], 0.0, atol=1e-12):
            del node["matrix"]
            node["translation"] = [_short(v, 6) for v in columns[3, :3]]
        else:
            node["matrix"] = [_short(v, 9) for v in matrix]
    for mesh in tree.get("meshes", ()):
        mesh.pop("extras", None)
    tree.setdefault("asset", {})["generator"] = f"facility-twin scene {SCENE_VERSION} (trimesh)"


def _short(value: float, digits: int) -> float | int:
    rounded = round(float(value), digits)
    return int(rounded) if rounded.is_integer() else rounded


def export_glb(meshes: MeshSet, *, spaces: bool = True, simplify: bool = False) -> bytes:
    """The .glb bytes of ``meshes`` (see the module's contract).

    Parameters
    ----------
    meshes : MeshSet
        From :func:`bim_models.meshes.load_meshes`.
    spaces, simplify : bool
        See :func:`build_scene`.

    Returns
    -------
    bytes
        A glTF 2.0 binary file.
    """
    scene = build_scene(meshes, spaces=spaces, simplify=simplify)
    return trimesh.exchange.gltf.export_glb(scene, include_normals=False,
                                            tree_postprocessor=_compact_tree)


def write_glb(meshes: MeshSet, out: Path | str, *, spaces: bool = True,
              simplify: bool = False) -> Path:
    """Write the .glb of ``meshes`` to ``out`` atomically (temporary file, then rename).

    Returns
    -------
    Path
        ``out``.
    """
    out = Path(out)
    _write_atomic(out, export_glb(meshes, spaces=spaces, simplify=simplify))
    return out


def _write_atomic(out: Path, data: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_glb_json(data: bytes) -> dict:
    """The JSON chunk of a .glb file (nodes, meshes, materials, ...).

    Raises
    ------
    ValueError
        If ``data`` is not a glTF 2.0 binary.
    """
    if len(data) < 20 or data[:4] != b"glTF":
        raise ValueError("not a glTF binary (no 'glTF' magic)")
    version, _total = struct.unpack_from("<II", data, 4)
    length, kind = struct.unpack_from("<II", data, 12)
    if version != 2 or kind != 0x4E4F534A:  # "JSON"
        raise ValueError("not a glTF 2.0 binary with a JSON chunk first")
    return json.loads(data[20:20 + length])


def _to_gltf(points: np.ndarray) -> np.ndarray:
    return points @ GLTF_FROM_IFC[:3, :3].T


def scene_meta(meshes: MeshSet) -> dict:
    """What the browser needs beside the .glb: storeys, classes, bounds, spaces for search.

    Returns
    -------
    dict
        ``scene_version``, ``sha256``, ``units`` ("m"), ``up_axis`` ("y"), ``gltf_from_ifc``
        (4x4, row-major), ``element_count``, ``geometry_count``, ``storeys`` [{global_id, name,
        elevation}] by elevation, ``classes`` {ifc class: count}, ``bbox`` [[min], [max]] in
        IFC world (Z up), ``bbox_gltf`` the same box in the glTF frame, ``spaces``
        [{global_id, number, long_name, storey, centroid [x, y, z] (IFC world; the centre of
        the room's box), centroid_gltf}].
    """
    bbox = meshes.bounds() if len(meshes) else np.zeros((2, 3))
    corners = _to_gltf(bbox)
    spaces = []
    for element in meshes.elements:
        if element.is_space:
            low, high = element.bounds
            centre = (low + high) / 2.0
            spaces.append({"global_id": element.global_id, "number": element.name,
                           "long_name": element.long_name, "storey": element.storey,
                           "centroid": [round(float(v), 3) for v in centre],
                           "centroid_gltf": [round(float(v), 3) for v in _to_gltf(centre)]})
    storeys = sorted(meshes.storeys.values(), key=lambda s: s.elevation)
    return {
        "scene_version": SCENE_VERSION,
        "sha256": meshes.sha256,
        "units": "m",
        "up_axis": "y",
        "gltf_from_ifc": GLTF_FROM_IFC.tolist(),
        "element_count": len(meshes),
        "geometry_count": meshes.geometry_count(),
        "storeys": [{"global_id": s.global_id, "name": s.name,
                     "elevation": round(s.elevation, 4)} for s in storeys],
        "classes": dict(sorted(Counter(e.ifc_class for e in meshes.elements).items())),
        "bbox": [[round(float(v), 4) for v in row] for row in bbox],
        "bbox_gltf": [[round(float(v), 4) for v in np.minimum(*corners)],
                      [round(float(v), 4) for v in np.maximum(*corners)]],
        "spaces": spaces,
    }


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def scene_version_tag() -> str:
    """The version part of scene cache keys and ETags: scene, mesh and parser versions."""
    from bim_models import PARSER_VERSION
    from bim_models.meshes import MESH_VERSION

    return f"s{SCENE_VERSION}-m{MESH_VERSION}-p{PARSER_VERSION}"


def cached_scene(ifc_path: Path | str, *, cache_dir: Path | str, sha256: str | None = None,
                 progress=None) -> tuple[Path, Path]:
    """The .glb and its :func:`scene_meta` JSON for an IFC file, built once and kept on disk.

    Files are ``<cache_dir>/scenes/<sha256>-<version tag>.glb`` and ``.json`` (see
    :func:`scene_version_tag`); a second call returns them without opening the IFC file.
    Concurrent calls in one process build once (a lock per file).

    Parameters
    ----------
    ifc_path : Path or str
        The IFC file.
    cache_dir : Path or str
        The model cache folder (meshes are cached there too).
    sha256 : str, optional
        The file's hash if known (the server knows it from the revision).
    progress : callable, optional
        ``progress(done, total)`` while geometry runs.

    Returns
    -------
    (Path, Path)
        The .glb file and the meta JSON file.

    Raises
    ------
    ModelLoadError
        The IFC file is missing or cannot be read.
    """
    from bim_models import file_sha256
    from bim_models.meshes import load_meshes

    cache_dir = Path(cache_dir)
    digest = sha256 or file_sha256(ifc_path)
    stem = cache_dir / "scenes" / f"{digest}-{scene_version_tag()}"
    glb, meta = stem.with_suffix(".glb"), stem.with_suffix(".json")
    if glb.is_file() and meta.is_file():
        return glb, meta
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(str(stem), threading.Lock())
    with lock:
        if not (glb.is_file() and meta.is_file()):
            meshes = load_meshes(ifc_path, cache_dir=cache_dir, progress=progress)
            _write_atomic(meta, json.dumps(scene_meta(meshes), ensure_ascii=False).encode())
            _write_atomic(glb, export_glb(meshes))
    return glb, meta
