"""The inspection report of a building: counts, storeys, spaces, equipment and warnings.

:func:`summarise` returns plain JSON-ready data; the CLI prints it as tables or as JSON, and the
API (later) serves the same dictionary.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bim_models.cache import ModelCache, file_sha256
from spaces.space_use import classify_space
from spaces.versions import GRAPH_VERSION

if TYPE_CHECKING:
    import networkx as nx

    from bim_models import BuildingModel
    from bim_models.geometry import ProgressCallback

__all__ = ["AREA_DISCREPANCY_THRESHOLD", "MIN_ROOM_AREA", "SUMMARY_VERSION", "cached_summary",
           "element_index", "open_summary", "property_area", "space_height", "summarise",
           "summary_json"]

#: Relative difference between Qto and geometry areas above which a space is flagged.
AREA_DISCREPANCY_THRESHOLD = 0.05
#: Spaces smaller than this (m²) are warned about: a beam or a shaft exported as a room.
MIN_ROOM_AREA = 1.0
#: Bumped whenever :func:`summarise` changes what it reports; part of the cached summary's key,
#: with the file's hash, the parser version and :data:`spaces.versions.GRAPH_VERSION`.
SUMMARY_VERSION = "3"  # 2: each space's use; 3: spaces too small for a room warned
_CACHE_KIND = f"summary-s{SUMMARY_VERSION}-g{GRAPH_VERSION}"


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def property_area(space: Any) -> float | None:
    """The area the authoring tool wrote as a property (m²), e.g. Revit's ``Area`` in
    ``PSet_Revit_Dimensions`` (or a ``Dimensions`` set); ``None`` where there is none.

    A third area source beside the Qto and the geometry: Revit exports often carry no Qto.
    Property values are in the file's area unit; Revit writes m² in metric projects.
    """
    for name, props in (space.psets or {}).items():
        folded = str(name).casefold()
        value = props.get("Area") if ("revit" in folded or folded == "dimensions") else None
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
    return None


def space_height(space: Any) -> float | None:
    """A space's height: its Qto ``Height``, else the height of its geometry (one rule for
    ``twin inspect`` and the API's rooms)."""
    if space.height_qto is not None:
        return space.height_qto
    geo = space.geometry
    return None if geo is None else geo.z_range[1] - geo.z_range[0]


def summarise(model: BuildingModel, graph: nx.MultiDiGraph) -> dict[str, Any]:
    """Summarise a parsed model and its graph.

    Parameters
    ----------
    model : BuildingModel
        The parsed model.
    graph : networkx.MultiDiGraph
        ``spaces.build_graph(model)``.

    Returns
    -------
    dict
        ``file``, ``schema``, ``counts``, ``storeys`` [{``global_id``, ``name``,
        ``elevation``, ``spaces``, ``area_qto``, ``area_geometry``}], ``spaces``
        [{``global_id``, ``name``, ``long_name``, ``storey``, ``area_qto``, ``area_geometry``,
        ``area_difference``, ``height``}], ``equipment`` [{``global_id``, ``ifc_class``,
        ``name``, ``storey``, ``space``, ``provenance``, ``confidence``}] (assets only) and
        ``warnings`` (list of str).
    """
    storey_names = {gid: s.name for gid, s in model.storeys.items()}
    spaces = []
    elevation = {gid: s.elevation for gid, s in model.storeys.items()}
    for gid, s in sorted(model.spaces.items(),
                         key=lambda kv: (elevation.get(kv[1].storey, float("inf")),
                                         kv[1].name or "", kv[0])):
        height = space_height(s)
        spaces.append({
            "global_id": gid,
            "name": s.name,
            "long_name": s.long_name,
            "storey": storey_names.get(s.storey),
            "storey_id": s.storey,
            "area_qto": _round(s.area_qto_net),
            "area_geometry": _round(s.area_geometry),
            "area_difference": _round(s.area_difference),
            "area_property": _round(property_area(s)),
            "height": _round(height),
            "use": classify_space(name=s.name, long_name=s.long_name,
                                  object_type=s.object_type, psets=s.psets,
                                  classifications=s.classifications).use,
        })
    storeys = []
    for gid, st in sorted(model.storeys.items(), key=lambda kv: kv[1].elevation):
        mine = [s for s in spaces if s["storey_id"] == gid]
        storeys.append({
            "global_id": gid,
            "name": st.name,
            "elevation": _round(st.elevation),
            "spaces": len(mine),
            "area_qto": _round(sum(s["area_qto"] or 0.0 for s in mine)),
            "area_geometry": _round(sum(s["area_geometry"] or 0.0 for s in mine)),
        })
    equipment = []
    for gid, e in sorted(model.assets.items(), key=lambda kv: (kv[1].name or "", kv[0])):
        node = graph.nodes[gid]
        space = node.get("space")
        equipment.append({
            "global_id": gid,
            "ifc_class": e.ifc_class,
            "name": e.name,
            "predefined_type": e.predefined_type,
            "storey": storey_names.get(e.storey),
            "space": space,
            "space_name": model.spaces[space].name if space in model.spaces else None,
            "provenance": node.get("provenance"),
            "confidence": node.get("confidence"),
        })
    return {
        "file": model.source,
        "sha256": model.sha256,
        "schema": model.schema,
        "schema_identifier": model.schema_identifier,
        "counts": model.counts(),
        "storeys": storeys,
        "spaces": spaces,
        "equipment": equipment,
        "warnings": _warnings(model, spaces, equipment),
    }


def cached_summary(path: Path | str, *, cache_dir: Path | str | None = None
                   ) -> dict[str, Any] | None:
    """The summary of a model file from the cache, without loading the model or its graph.

    Parameters
    ----------
    path : Path or str
        An ``.ifc`` or ``.ifczip`` file.
    cache_dir : Path or str, optional
        See :func:`bim_models.load_model`.

    Returns
    -------
    dict or None
        What :func:`open_summary` returned for a file with the same bytes (``file`` set to
        ``path``), or ``None`` when there is no such entry or ``path`` is not a file.
    """
    path = Path(path)
    if not path.is_file():
        return None
    summary = ModelCache(cache_dir).get(file_sha256(path), kind=_CACHE_KIND, expected=dict)
    if summary is not None:
        summary["file"] = str(path)
    return summary


def open_summary(path: Path | str, *, use_cache: bool = True,
                 cache_dir: Path | str | None = None,
                 progress: ProgressCallback | None = None) -> dict[str, Any]:
    """:func:`summarise` a model file, cached beside its model and graph.

    Parameters
    ----------
    path : Path or str
        An ``.ifc`` or ``.ifczip`` file.
    use_cache : bool, default True
        ``False`` parses and builds from scratch, without reading or writing the cache.
    cache_dir : Path or str, optional
        See :func:`bim_models.load_model`.
    progress : callable, optional
        ``progress(done, total)`` while geometry runs.

    Returns
    -------
    dict
        ``summarise(*spaces.open_building(path))``; equal whether or not it came from the
        cache (keyed by the file's SHA-256, the parser, graph and summary versions).

    Raises
    ------
    bim_models.ModelLoadError
        The file is missing, not IFC, truncated, refused or of an unsupported schema.
    """
    if use_cache:
        summary = cached_summary(path, cache_dir=cache_dir)
        if summary is not None:
            return summary
    from spaces.building import open_building

    model, graph = open_building(path, use_cache=use_cache, cache_dir=cache_dir,
                                 progress=progress)
    summary = summarise(model, graph)
    if use_cache:
        ModelCache(cache_dir).put(model, summary, kind=_CACHE_KIND)
    return summary


def _warnings(model: BuildingModel, spaces: list[dict], equipment: list[dict]) -> list[str]:
    warnings = list(model.warnings)
    for s in spaces:
        qto, geo = s["area_qto"], s["area_geometry"]
        if qto and geo is not None and abs(geo - qto) / qto > AREA_DISCREPANCY_THRESHOLD:
            warnings.append(
                f"space {s['name']} ({s['global_id']}): geometry area {geo:.2f} m² differs from "
                f"Qto area {qto:.2f} m² by {100 * (geo - qto) / qto:+.1f} %")
    for s in spaces:
        area = s["area_geometry"] if s["area_geometry"] is not None else s["area_qto"]
        if area is not None and area < MIN_ROOM_AREA:
            warnings.append(
                f"space {s['name']} ({s['global_id']}): {area:.2f} m² is too small for a room "
                f"(under {MIN_ROOM_AREA:g} m²): an element exported as a space?")
    inferred = [e for e in equipment if e["provenance"] == "geometric"]
    if inferred:
        warnings.append(f"{len(inferred)} equipment items placed in a space by geometry, "
                        f"not by the file (see provenance and confidence)")
    unplaced = [e for e in equipment if e["space"] is None]
    if unplaced and model.spaces:
        warnings.append(f"{len(unplaced)} equipment items could not be placed in any space "
                        f"and sit in their storey")
    return warnings


def _point(value) -> list[float] | None:
    return None if value is None else [round(float(v), 3) for v in value]


def element_index(model: BuildingModel, graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """One plain row per storey, space, door, stair, equipment, system and zone.

    What a server stores per model revision, for filters and for the diff between revisions
    (by GlobalId). Each row: ``global_id``, ``kind``, ``ifc_class``, ``name``, ``storey``,
    ``space`` and ``data`` (kind-specific values: areas, elevation, centroid, provenance ...).
    """
    rows: list[dict[str, Any]] = []

    def add(gid, kind, ifc_class, name, storey=None, space=None, **data):
        rows.append({"global_id": gid, "kind": kind, "ifc_class": ifc_class, "name": name,
                     "storey": storey, "space": space, "data": data})

    for gid, s in model.storeys.items():
        add(gid, "storey", "IfcBuildingStorey", s.name, gid, elevation=_round(s.elevation),
            long_name=s.long_name)
    for gid, s in model.spaces.items():
        geo = s.geometry
        use = classify_space(name=s.name, long_name=s.long_name, object_type=s.object_type,
                             psets=s.psets, classifications=s.classifications)
        add(gid, "space", "IfcSpace", s.name, s.storey, gid, long_name=s.long_name,
            object_type=s.object_type, area_qto=_round(s.area_qto_net),
            area_geometry=_round(s.area_geometry), height=_round(space_height(s)),
            area_property=_round(property_area(s)),
            centroid=_point(geo.centroid if geo else None), use=use.use,
            use_confidence=use.confidence, use_source=use.source, use_evidence=use.evidence)
    for gid, d in model.doors.items():
        node = graph.nodes[gid]
        add(gid, "door", d.ifc_class, d.name, d.storey, None, width=_round(d.width),
            centroid=_point(d.geometry.centroid if d.geometry else None),
            exterior=node.get("exterior"))
    for gid, v in model.verticals.items():
        add(gid, "stair", v.ifc_class, v.name, v.storey, None, vertical_kind=v.kind,
            predefined_type=v.predefined_type,
            centroid=_point(v.geometry.centroid if v.geometry else None))
    for gid, e in model.equipment.items():
        node = graph.nodes[gid]
        add(gid, "equipment", e.ifc_class, e.name, e.storey, node.get("space"),
            predefined_type=e.predefined_type, is_asset=e.is_asset, type_name=e.type_name,
            manufacturer=e.manufacturer, model_label=e.model_label,
            serial_number=e.serial_number, provenance=node.get("provenance"),
            confidence=node.get("confidence"),
            systems=sorted(v for _, v, k in graph.out_edges(gid, keys=True)
                           if k == "member_of"),
            centroid=_point(e.geometry.centroid if e.geometry else None))
    for gid, s in model.systems.items():
        add(gid, "system", s.ifc_class, s.name, predefined_type=s.predefined_type,
            members=len(s.members))
    for gid, z in model.zones.items():
        add(gid, "zone", "IfcZone", z.name, members=len(z.members))
    return rows


def summary_json(summary: dict[str, Any]) -> str:
    """The text of ``twin inspect --json``: one indented JSON object, Chinese kept as is, and a
    newline (the one writer, whether the summary came from the cache or a parse)."""
    import json

    return json.dumps(summary, ensure_ascii=False, indent=1) + "\n"
