"""The bundled sample building: a city-level government office, generated on demand.

:func:`generate_sample` plans the building (:mod:`bim_models.sample.plan`,
:mod:`bim_models.sample.equipment`), writes the IFC file (:mod:`bim_models.sample.ifc_writer`) and,
beside it, the people and their room allocations, the device list with behaviour profiles, a
set of injectable faults, and ``sample-truth.json``: what the generator knows, for tests and
benchmarks to compare the parser with.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bim_models.authoring import SCHEMAS
from bim_models.errors import ModelError
from bim_models.sample.catalogue import EQUIPMENT_ROLES
from bim_models.sample.equipment import plan_equipment
from bim_models.sample.ifc_writer import write_plan_ifc
from bim_models.sample.plan import SamplePlan, plan_layout

__all__ = ["SampleFiles", "generate_sample", "plan_sample", "sample_truth"]


@dataclass(frozen=True, slots=True)
class SampleFiles:
    """Paths written by :func:`generate_sample` (``None`` where not written)."""

    ifc: Path
    truth: Path
    allocations_csv: Path | None = None
    allocations_xlsx: Path | None = None
    devices: Path | None = None
    faults: Path | None = None


def plan_sample(*, storeys: int = 6, rooms_per_storey: int = 20, seed: int = 1) -> SamplePlan:
    """Plan the sample building: layout, then equipment. Deterministic for a seed.

    Raises
    ------
    ModelError
        For sizes the layout cannot make (fewer than 1 storey or 12 rooms per storey).
    """
    try:
        return plan_equipment(plan_layout(storeys=storeys, rooms_per_storey=rooms_per_storey,
                                          seed=seed))
    except ValueError as exc:
        raise ModelError(f"cannot plan the sample building: {exc}") from exc


def sample_truth(plan: SamplePlan) -> dict:
    """What the generator knows about the building, in the shape ``twin inspect`` reports.

    Returns
    -------
    dict
        ``counts`` (by the manifest's counting rules), ``spaces`` {GlobalId: {``name``,
        ``storey``, ``use``, ``area``, ``area_qto``, ``qto_wrong``}}, ``equipment`` {GlobalId:
        {``name``, ``role``, ``space`` (GlobalId), ``in_file_space``}}, ``feeds`` [[upstream,
        downstream] names], ``systems`` {name: [member names]}.
    """
    storey_names = {s.index: s.name for s in plan.storeys}
    rooms = {r.number: r for r in plan.rooms}
    zones = {(r.storey, r.side) for r in plan.rooms if r.side != "corridor"}
    feeds = [[e.name, d] for e in plan.equipment for d in e.feeds]
    return {
        "seed": plan.seed,
        "counts": {
            "storeys": len(plan.storeys),
            "spaces": len(plan.rooms),
            "doors": len(plan.doors),
            "stairs": sum(1 for s in plan.stairs if s.kind == "stair"),
            "transport": sum(1 for s in plan.stairs if s.kind == "lift"),
            "equipment": sum(1 for e in plan.equipment if EQUIPMENT_ROLES[e.role].is_asset),
            "systems": len(plan.systems),
            "zones": len(zones),
            "ports": 2 * len(feeds),
        },
        "spaces": {
            r.global_id: {"name": r.number, "storey": storey_names[r.storey], "use": r.use,
                          "area": round(r.area, 4), "area_qto": r.qto_area,
                          "qto_wrong": r.qto_wrong}
            for r in plan.rooms
        },
        "equipment": {
            e.global_id: {"name": e.name, "role": e.role,
                          "space": rooms[e.room].global_id if e.room else None,
                          "in_file_space": e.in_file_space}
            for e in plan.equipment
        },
        "feeds": feeds,
        "systems": plan.systems,
    }


def generate_sample(out: Path | str, *, storeys: int = 6, rooms_per_storey: int = 20,
                    schema: str = "IFC4", seed: int = 1, with_people: bool = True,
                    progress: Callable[[str], None] | None = None
                    ) -> tuple[SamplePlan, SampleFiles]:
    """Generate the sample building and the files that go with it.

    Parameters
    ----------
    out : Path or str
        The ``.ifc`` file to write; the other files go beside it.
    storeys, rooms_per_storey, seed : int
        See :func:`bim_models.sample.plan.plan_layout`.
    schema : {"IFC4", "IFC4X3", "IFC2X3"}
        Schema of the IFC file.
    with_people : bool, default True
        Also write allocations (CSV, XLSX), devices and faults.
    progress : callable, optional
        Called with a short description as each step starts.

    Returns
    -------
    (SamplePlan, SampleFiles)

    Raises
    ------
    ModelError
        For an unknown schema or an impossible size.
    """
    schema = schema.upper()
    if schema not in SCHEMAS:
        raise ModelError(f"unknown schema {schema!r}; choose one of {', '.join(SCHEMAS)}")
    out = Path(out)
    step = progress or (lambda _message: None)
    step("planning the building")
    plan = plan_sample(storeys=storeys, rooms_per_storey=rooms_per_storey, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    step(f"writing {out.name} ({len(plan.rooms)} rooms, {len(plan.equipment)} equipment)")
    write_plan_ifc(plan, out, schema=schema)
    truth_path = out.with_name("sample-truth.json")
    truth_path.write_text(json.dumps(sample_truth(plan), ensure_ascii=False, indent=1),
                          encoding="utf-8")
    files = SampleFiles(ifc=out, truth=truth_path)
    if with_people:
        step("writing allocations, devices and faults")
        files = _write_people_and_devices(plan, out.parent, files)
    return plan, files


def _write_people_and_devices(plan: SamplePlan, folder: Path, files: SampleFiles
                              ) -> SampleFiles:
    from bim_models.sample import people as sample_people
    from bim_models.sample import profiles as sample_profiles

    assignments = sample_people.plan_people(plan)
    csv_path, xlsx_path = sample_people.write_allocations(assignments, folder)
    devices = sample_people.plan_devices(plan, assignments=assignments)
    devices_path = sample_people.write_devices(devices, folder)
    faults_path = sample_profiles.write_faults(sample_profiles.sample_faults(plan, devices),
                                               folder)
    return SampleFiles(ifc=files.ifc, truth=files.truth, allocations_csv=csv_path,
                       allocations_xlsx=xlsx_path, devices=devices_path, faults=faults_path)

