"""Model quality against an IDS file (buildingSMART IDS 1.0, checked with ``ifctester``).

The report is plain JSON-ready data: one entry per requirement with its status, whether it is
blocking, and the elements that fail it. IDS cannot say "every GlobalId is unique and
non-empty", so the twin checks those itself (``globalid-present``, ``globalid-unique``) and
reports them in the same format beside the IDS specifications. The bundled IDS states
``equipment-system`` and ``equipment-space`` separately (IDS has no "or" between
requirements); the report merges them into ``equipment-system-or-space``: an item fails only
when it has neither.

A specification's requirement name is its IDS ``identifier`` attribute (else its name).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

import ifcopenshell

from bim_models.load import open_ifc

__all__ = ["DEFAULT_BLOCKING", "DEFAULT_IDS", "REQUIREMENT_NAMES", "check_ifc", "check_model",
           "parse_blocking"]

#: The IDS file bundled with the twin: what it needs from a model for FM.
DEFAULT_IDS = Path(__file__).with_name("twin-fm.ids")
#: Requirements that refuse an upload unless ``TWIN_IDS_BLOCKING`` says otherwise.
DEFAULT_BLOCKING = ("globalid-present", "globalid-unique")
#: The requirement names of the bundled IDS plus the twin's own checks, in report order.
REQUIREMENT_NAMES = ("globalid-present", "globalid-unique", "space-named", "space-on-storey",
                     "space-classified", "storey-elevation", "door-in-wall",
                     "equipment-system-or-space", "units-declared")

_IDS_NS = "{http://standards.buildingsmart.org/IDS}"
_MERGED = {"equipment-system": "equipment-system-or-space",
           "equipment-space": "equipment-system-or-space"}
_MAX_ELEMENTS = 500


def parse_blocking(value: str | None) -> tuple[str, ...]:
    """Requirement names from a comma-separated setting (``None`` or blank: the defaults)."""
    if value is None or not value.strip():
        return DEFAULT_BLOCKING
    if value.strip().lower() == "none":
        return ()
    return tuple(name.strip() for name in value.split(",") if name.strip())


def _element(entity: ifcopenshell.entity_instance, reason: str) -> dict[str, Any]:
    return {"global_id": getattr(entity, "GlobalId", None) or "", "step_id": entity.id(),
            "ifc_class": entity.is_a(), "name": getattr(entity, "Name", None),
            "reason": reason}


def _requirement(name: str, title: str, source: str, applicable: int,
                 failed: list[dict[str, Any]]) -> dict[str, Any]:
    status = "not_applicable" if applicable == 0 else ("failed" if failed else "passed")
    return {"name": name, "title": title, "source": source, "status": status,
            "applicable": applicable, "failed": len(failed),
            "elements": failed[:_MAX_ELEMENTS]}


def _global_id_checks(model: ifcopenshell.file) -> list[dict[str, Any]]:
    rooted = list(model.by_type("IfcRoot"))
    empty = [_element(e, "no GlobalId") for e in rooted
             if not str(getattr(e, "GlobalId", None) or "").strip()]
    by_id: dict[str, list[ifcopenshell.entity_instance]] = defaultdict(list)
    for entity in rooted:
        global_id = str(getattr(entity, "GlobalId", None) or "").strip()
        if global_id:
            by_id[global_id].append(entity)
    duplicates = [_element(e, f"GlobalId {gid} is used by {len(group)} elements")
                  for gid, group in sorted(by_id.items()) if len(group) > 1 for e in group]
    return [_requirement("globalid-present", "Every element has a GlobalId", "twin",
                         len(rooted), empty),
            _requirement("globalid-unique", "No two elements share a GlobalId", "twin",
                         len(rooted), duplicates)]


def _identifiers(ids_path: Path) -> list[str | None]:
    """The ``identifier`` attribute of each specification, in order (ifctester drops it)."""
    root = ET.parse(ids_path).getroot()
    return [spec.get("identifier") for spec in root.iter(f"{_IDS_NS}specification")]


def _ids_checks(model: ifcopenshell.file, ids_path: Path) -> tuple[str, list[dict[str, Any]]]:
    from ifctester import ids as ifctester_ids

    document = ifctester_ids.open(str(ids_path))
    document.validate(model)
    identifiers = _identifiers(ids_path)
    merged: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for index, spec in enumerate(document.specifications):
        name = (identifiers[index] if index < len(identifiers) else None) or spec.name
        failed: dict[int, dict[str, Any]] = {}
        for requirement in spec.requirements:
            for failure in requirement.failures:
                element = failure["element"]
                failed.setdefault(element.id(), _element(element, str(failure["reason"])))
        applicable = {e.id(): e for e in spec.applicable_entities}
        if name in _MERGED:
            entry = merged.setdefault(_MERGED[name], {"applicable": {}, "failed": []})
            entry["applicable"].update(applicable)
            entry["failed"].append(failed)
            continue
        results.append(_requirement(name, spec.name, "ids", len(applicable),
                                    list(failed.values())))
    for name, entry in merged.items():
        # failing every merged specification that applies = failing the merged requirement
        failing = [e for step_id, e in entry["failed"][0].items()
                   if all(step_id in f for f in entry["failed"][1:])]
        results.append(_requirement(name, "Equipment belongs to a system or is in a space",
                                    "ids", len(entry["applicable"]), failing))
    title = document.info.get("title", ids_path.name) if isinstance(document.info, dict) \
        else ids_path.name
    return title, results


def check_ifc(model: ifcopenshell.file, *, ids_path: Path | str | None = None,
              blocking: tuple[str, ...] | list[str] = DEFAULT_BLOCKING,
              filename: str = "") -> dict[str, Any]:
    """Check an open IFC file against an IDS file and the twin's own GlobalId checks.

    Parameters
    ----------
    model : ifcopenshell.file
        The model.
    ids_path : Path or str, optional
        The IDS file (default :data:`DEFAULT_IDS`).
    blocking : sequence of str
        Requirement names whose failure makes the report ``passed: false``.
    filename : str
        The model's name as the report shows it.

    Returns
    -------
    dict
        ``{"ids", "ids_file", "file", "schema", "passed", "blocking_failures",
        "requirements": [{"name", "title", "source", "status", "blocking", "applicable",
        "failed", "elements": [{"global_id", "step_id", "ifc_class", "name", "reason"}]}]}``;
        ``elements`` lists at most 500 per requirement, ``failed`` counts them all.
    """
    ids_path = Path(ids_path) if ids_path else DEFAULT_IDS
    title, from_ids = _ids_checks(model, ids_path)
    order = {name: index for index, name in enumerate(REQUIREMENT_NAMES)}
    requirements = sorted(_global_id_checks(model) + from_ids,
                          key=lambda r: order.get(r["name"], len(order)))
    blocking_set = set(blocking)
    for requirement in requirements:
        requirement["blocking"] = requirement["name"] in blocking_set
    failures = [r["name"] for r in requirements if r["blocking"] and r["status"] == "failed"]
    return {"ids": title, "ids_file": ids_path.name, "file": filename, "schema": model.schema,
            "passed": not failures, "blocking_failures": failures,
            "requirements": requirements}


def check_model(path: Path | str, *, ids_path: Path | str | None = None,
                blocking: tuple[str, ...] | list[str] = DEFAULT_BLOCKING) -> dict[str, Any]:
    """Open an ``.ifc``/``.ifczip`` file and check it (see :func:`check_ifc`).

    Raises
    ------
    bim_models.ModelLoadError
        The file cannot be read as IFC.
    """
    path = Path(path)
    return check_ifc(open_ifc(path), ids_path=ids_path, blocking=blocking, filename=path.name)
