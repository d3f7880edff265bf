"""Triangulated meshes of every product with a body, for the 3D scene (glTF) and snapshots.

:func:`load_meshes` runs ``ifcopenshell.geom.iterator`` once over a model (all CPUs), keeps one
:class:`ElementMesh` per product with body geometry (spaces included; openings, annotations and
grids left out) and caches the result beside the parsed model, keyed by the file's SHA-256,
:data:`~bim_models.records.PARSER_VERSION` and :data:`MESH_VERSION`.

Instancing
----------
The iterator runs with *local* coordinates: each shape comes as a triangulated geometry in the
element's object frame plus a 4x4 placement. Elements whose bodies map the same representation
(type geometry through ``IfcMappedItem``: sensors, lights, air terminals, doors of one type) get
the same geometry id from the iterator, and their records share one pair of arrays
(:attr:`ElementMesh.geometry_key`, the same ``vertices`` and ``faces`` objects). On the sample
building 1,079 elements use 450 distinct geometries; glTF writers reference one mesh from many
nodes, which keeps files small. :meth:`ElementMesh.world_vertices` applies the placement.

Units and axes: metres (the iterator converts to SI), Z up, the model's world coordinates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ifcopenshell
import ifcopenshell.util.placement as placement_util
import numpy as np

from bim_models import cache as model_cache
from bim_models.extract import get_unit_scales
from bim_models.geometry import ProgressCallback, geometry_settings, iterate_shapes
from bim_models.load import file_sha256, open_ifc
from bim_models.relations import RelationIndex
from bim_models.schema import by_type, normalise_schema

__all__ = [
    "BODY_IDENTIFIERS",
    "MESH_VERSION",
    "ElementMesh",
    "MeshSet",
    "StoreyInfo",
    "body_product_ids",
    "is_body_representation",
    "load_meshes",
    "read_meshes",
]

#: Bumped whenever the mesh records or the way they are derived change; part of the cache key.
MESH_VERSION = "3"  # 2: bodies from every 3D context; 3: surface styles (glass)

#: Representation identifiers that hold a product's 3D body. ``None``: exporters that leave the
#: identifier out of a 3D representation (the iterator triangulates those too).
BODY_IDENTIFIERS = ("Body", "Facetation", "Mesh", None)

#: Products never drawn: voids, annotations, grids, virtual boundaries.
_NOT_DRAWN = ("IfcFeatureElementSubtraction", "IfcAnnotation", "IfcGrid", "IfcVirtualElement",
              "IfcBuildingStorey", "IfcBuilding", "IfcProject")
#: Representation identifiers and types that never hold a 3D body (case-folded).
_NOT_BODY_IDENTIFIERS = frozenset({"axis", "footprint", "box", "annotation", "profile",
                                   "reference", "clearance", "lighting", "surface", "survey",
                                   "cog", "outline", "plan"})
_NOT_BODY_TYPES = frozenset({"curve", "curve2d", "curve3d", "geometriccurveset",
                             "geometricset", "annotation2d", "boundingbox", "point",
                             "pointcloud", "segment", "lightsource"})
#: Context types that hold 2D or annotation views only (case-folded); any other context that
#: holds a solid representation counts: "Model", "model view", "Design", "Body", none at all.
_NOT_3D_CONTEXTS = frozenset({"plan", "sketch", "outline", "annotation"})


@dataclass(frozen=True, slots=True)
class StoreyInfo:
    """A storey as the scene needs it: GlobalId, name, elevation (metres)."""

    global_id: str
    name: str | None
    elevation: float


@dataclass(frozen=True, slots=True, eq=False)
class ElementMesh:
    """The triangulated body of one product.

    Attributes
    ----------
    global_id, ifc_class, name : str
        Identity of the product (``name`` may be ``None``).
    long_name : str, optional
        ``LongName`` of spaces (the room's use, e.g. "Office"); ``None`` for other elements.
    storey : str, optional
        GlobalId of the storey containing the product, directly or through its parents.
    space : str, optional
        The product itself for an ``IfcSpace``; the containing space for an element placed
        in one; else ``None``.
    geometry_key : str
        The iterator's geometry id: equal keys mean shared ``vertices``/``faces`` arrays.
    vertices : (n, 3) float32 ndarray
        Vertices in the element's local frame, metres (shared between instances; read-only).
    faces : (m, 3) uint32 ndarray
        Triangles as indices into ``vertices``, counter-clockwise seen from outside.
    transform : (4, 4) float64 ndarray
        Local frame -> world (row-major, translation in the last column).
    surface : (r, g, b, a) tuple of float, optional
        The file's own surface style (``IfcSurfaceStyle`` on the item or its material) covering
        most of the body, a translucent one (glass) first where it covers a third or more;
        ``a`` = 1 - transparency. ``None`` where the file styles nothing.
    """

    global_id: str
    ifc_class: str
    name: str | None
    long_name: str | None
    storey: str | None
    space: str | None
    geometry_key: str
    vertices: np.ndarray
    faces: np.ndarray
    transform: np.ndarray
    surface: tuple[float, float, float, float] | None = None

    def world_vertices(self) -> np.ndarray:
        """Vertices in world coordinates, (n, 3) float64."""
        return self.vertices.astype(np.float64) @ self.transform[:3, :3].T + self.transform[:3, 3]

    @property
    def bounds(self) -> np.ndarray:
        """World bounding box ``[[minx, miny, minz], [maxx, maxy, maxz]]``, (2, 3) float64."""
        world = self.world_vertices()
        return np.array([world.min(axis=0), world.max(axis=0)])

    @property
    def is_space(self) -> bool:
        """Whether this is an ``IfcSpace`` (drawn translucent in the scene)."""
        return self.ifc_class == "IfcSpace"


@dataclass(frozen=True, eq=False)
class MeshSet:
    """Every element mesh of one IFC file.

    Attributes
    ----------
    sha256 : str
        SHA-256 of the IFC file (the cache key, with :data:`MESH_VERSION`).
    source : str
        The file as it was opened.
    schema : str
        ``"IFC2X3"``, ``"IFC4"`` or ``"IFC4X3"``.
    elements : tuple of ElementMesh
        Sorted by GlobalId (the iterator's order varies with its threads).
    storeys : dict of str to StoreyInfo
        Every storey of the model, by GlobalId, in file order.
    failed : tuple of str
        GlobalIds of products with a body that produced no triangles.
    """

    sha256: str
    source: str
    schema: str
    elements: tuple[ElementMesh, ...]
    storeys: dict[str, StoreyInfo]
    failed: tuple[str, ...] = ()
    mesh_version: str = MESH_VERSION
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({e.global_id: i for i, e in enumerate(self.elements)})

    def __len__(self) -> int:
        return len(self.elements)

    def __iter__(self) -> Iterator[ElementMesh]:
        return iter(self.elements)

    def get(self, global_id: str) -> ElementMesh | None:
        """The mesh of ``global_id``, or ``None``."""
        index = self._index.get(global_id)
        return None if index is None else self.elements[index]

    def bounds(self, *, spaces: bool = True) -> np.ndarray:
        """World bounding box of all elements (or all but spaces), (2, 3) float64.

        Raises
        ------
        ValueError
            If there is no element to bound.
        """
        boxes = [e.bounds for e in self.elements if spaces or not e.is_space]
        if not boxes:
            raise ValueError("no element meshes to bound")
        stacked = np.stack(boxes)
        return np.array([stacked[:, 0].min(axis=0), stacked[:, 1].max(axis=0)])

    def geometry_count(self) -> int:
        """Number of distinct geometries (fewer than elements where instancing applies)."""
        return len({e.geometry_key for e in self.elements})


def is_body_representation(rep: ifcopenshell.entity_instance) -> bool:
    """Whether a shape representation holds a 3D body, whatever its context is called.

    Not the identifier alone: files put bodies in contexts named ``'model view'``, ``'Design'``
    or nothing, and leave the identifier out. A representation is a body unless its
    identifier or type says it is an axis, a footprint, a box, an annotation or a curve, or
    its context is a plan or sketch view.
    """
    if not rep.Items:
        return False
    identifier = (rep.RepresentationIdentifier or "").casefold()
    kind = (rep.RepresentationType or "").casefold()
    if identifier in _NOT_BODY_IDENTIFIERS or kind in _NOT_BODY_TYPES:
        return False
    context = rep.ContextOfItems
    types = {(getattr(context, "ContextType", None) or "").casefold()}
    if context is not None and context.is_a("IfcGeometricRepresentationSubContext"):
        types.add((context.ParentContext.ContextType or "").casefold())
    return not types & _NOT_3D_CONTEXTS


def _has_body(product: ifcopenshell.entity_instance) -> bool:
    shape = product.Representation
    return any(is_body_representation(rep)
               for rep in (shape.Representations if shape is not None else ()) or ())


def _drawn_products(model: ifcopenshell.file) -> list[ifcopenshell.entity_instance]:
    return [p for p in by_type(model, "IfcProduct")
            if not any(p.is_a(c) for c in _NOT_DRAWN) and _has_body(p)]


def body_product_ids(path: Path | str) -> set[str]:
    """GlobalIds of the products whose body :func:`load_meshes` triangulates.

    Read from the representations themselves, without the geometry kernel: an independent
    count to check a scene against.

    Parameters
    ----------
    path : Path or str
        An ``.ifc`` or ``.ifczip`` file.

    Returns
    -------
    set of str
    """
    return {p.GlobalId for p in _drawn_products(open_ifc(path))}


def _storey_infos(model: ifcopenshell.file) -> dict[str, StoreyInfo]:
    scale = get_unit_scales(model).length
    result = {}
    for storey in by_type(model, "IfcBuildingStorey"):
        if storey.Elevation is not None:
            elevation = float(storey.Elevation) * scale
        elif storey.ObjectPlacement is not None:
            matrix = placement_util.get_local_placement(storey.ObjectPlacement)
            elevation = float(matrix[2][3]) * scale
        else:
            elevation = 0.0
        result[storey.GlobalId] = StoreyInfo(storey.GlobalId, storey.Name, elevation)
    return result


def _space_of(relations: RelationIndex, entity: ifcopenshell.entity_instance) -> str | None:
    if entity.is_a("IfcSpace"):
        return entity.GlobalId
    current = entity
    for _ in range(32):  # bounded: a malformed file may hold a cycle
        current = relations.parent(current)
        if current is None or current.is_a("IfcBuildingStorey"):
            return None
        if current.is_a("IfcSpace"):
            return current.GlobalId
    return None


def read_meshes(path: Path | str, *, sha256: str | None = None, threads: int | None = None,
                progress: ProgressCallback | None = None) -> MeshSet:
    """Triangulate every drawn product of ``path`` without touching the cache.

    Parameters
    ----------
    path : Path or str
        An ``.ifc`` or ``.ifczip`` file.
    sha256 : str, optional
        The file's hash if already known.
    threads : int, optional
        Iterator threads (default: all CPUs).
    progress : callable, optional
        ``progress(done, total)`` as shapes come out of the iterator.

    Returns
    -------
    MeshSet

    Raises
    ------
    ModelLoadError
        The file is missing, not IFC, truncated, refused or of an unsupported schema.
    """
    model = open_ifc(path)
    products = _drawn_products(model)
    relations = RelationIndex(model)
    by_id = {p.id(): p for p in products}
    geometries: dict[str, tuple] = {}
    elements: list[ElementMesh] = []
    # Local frames + placements: mapped (type) geometry comes once, shared by its instances.
    settings = geometry_settings(world_coords=False, weld_vertices=True)
    for shape in iterate_shapes(model, products, settings, threads=threads, progress=progress):
        product = by_id.get(shape.id) or model.by_id(shape.id)
        record = _element(shape, product, relations, geometries)
        if record is not None:
            elements.append(record)
    made = {e.global_id for e in elements}
    failed = tuple(sorted(p.GlobalId for p in products if p.GlobalId not in made))
    return MeshSet(sha256=sha256 or file_sha256(path), source=str(path),
                   schema=normalise_schema(model) or model.schema_identifier,
                   elements=tuple(sorted(elements, key=lambda e: e.global_id)),
                   storeys=_storey_infos(model), failed=failed)


def _surface(geometry, vertices: np.ndarray, faces: np.ndarray
             ) -> tuple[float, float, float, float] | None:
    """The file's style covering most of a body (a translucent one first, from a third)."""
    styles = list(geometry.materials or ())
    ids = np.asarray(geometry.material_ids, dtype=np.int64)
    if not styles or len(ids) != len(faces) or len(faces) == 0:
        return None
    triangles = vertices[faces].astype(np.float64)
    area = np.linalg.norm(np.cross(triangles[:, 1] - triangles[:, 0],
                                   triangles[:, 2] - triangles[:, 0]), axis=1)
    total, best, glass = float(area.sum()) or 1.0, None, None
    for index, style in enumerate(styles):
        if getattr(style, "instance", None) is None:  # the kernel's default, not the file's
            continue
        share = float(area[ids == index].sum()) / total
        clear = float(style.transparency) if np.isfinite(style.transparency) else 0.0
        colour = (*(round(float(c), 4) for c in (style.diffuse.r(), style.diffuse.g(),
                                                 style.diffuse.b())), round(1.0 - clear, 4))
        if clear > 0.2 and share >= 1 / 3 and (glass is None or share > glass[0]):
            glass = (share, colour)
        if best is None or share > best[0]:
            best = (share, colour)
    chosen = glass or best
    return None if chosen is None else chosen[1]


def _element(shape, product, relations: RelationIndex,
             geometries: dict[str, tuple]) -> ElementMesh | None:
    key = str(shape.geometry.id)
    if key not in geometries:
        vertices = np.asarray(shape.geometry.verts, dtype=np.float32).reshape(-1, 3)
        faces = np.asarray(shape.geometry.faces, dtype=np.uint32).reshape(-1, 3)
        vertices.flags.writeable = False
        faces.flags.writeable = False
        geometries[key] = (vertices, faces, _surface(shape.geometry, vertices, faces))
    vertices, faces, surface = geometries[key]
    if len(faces) == 0:
        return None
    # The iterator's matrix is column-major (4 columns of 4); transpose to row-major.
    transform = np.asarray(shape.transformation.matrix, dtype=np.float64).reshape(4, 4).T
    return ElementMesh(
        global_id=product.GlobalId,
        ifc_class=product.is_a(),
        name=product.Name,
        long_name=getattr(product, "LongName", None) if product.is_a("IfcSpace") else None,
        storey=relations.storey_of(product),
        space=_space_of(relations, product),
        geometry_key=key,
        vertices=vertices,
        faces=faces,
        transform=transform,
        surface=surface,
    )


def load_meshes(path: Path | str, *, cache_dir: Path | str | None = None,
                use_cache: bool = True, threads: int | None = None,
                progress: ProgressCallback | None = None) -> MeshSet:
    """The element meshes of an IFC file, from the on-disk cache when computed before.

    Parameters
    ----------
    path : Path or str
        An ``.ifc`` or ``.ifczip`` file.
    cache_dir : Path or str, optional
        Defaults to :func:`bim_models.cache.default_cache_dir` (``TWIN_CACHE_DIR``).
    use_cache : bool, default True
        ``False`` triangulates from scratch and neither reads nor writes the cache.
    threads : int, optional
        Iterator threads (default: all CPUs).
    progress : callable, optional
        ``progress(done, total)`` while the iterator runs (not called on a cache hit).

    Returns
    -------
    MeshSet
        The cached set when one of this file's SHA-256 and :data:`MESH_VERSION` is stored,
        else :func:`read_meshes`' (then stored).

    Raises
    ------
    ModelLoadError
        As :func:`read_meshes`.

    Examples
    --------
    >>> meshes = load_meshes("AC20-FZK-Haus.ifc")  # doctest: +SKIP
    >>> meshes.bounds().round(1)  # doctest: +SKIP
    """
    path = Path(path)
    if not use_cache:
        return read_meshes(path, threads=threads, progress=progress)
    if not path.is_file():
        open_ifc(path)  # raises the precise error
    digest = file_sha256(path)
    store = model_cache.ModelCache(cache_dir)
    kind = f"meshes-m{MESH_VERSION}"
    cached = store.get(digest, kind=kind, expected=MeshSet)
    if cached is not None and cached.mesh_version == MESH_VERSION:
        return cached
    meshes = read_meshes(path, sha256=digest, threads=threads, progress=progress)
    store.put(meshes, kind=kind)  # the cache only reads ``.sha256`` of what it stores
    return meshes
