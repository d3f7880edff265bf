"""Benchmark: the open-standards exports on the sample building (and its 5,000-room variant).

Per file, in this process, after one parse that fills the cache:

- **IDS**: ``bim_models.standards.ids.check_model`` (open + ifctester + GlobalId checks) against
  the baseline ``ifctester`` alone (open + ``ids.validate``), the same IDS file;
- **Brick**: ``spaces.brick.brick_graph`` from the cached graph with the sample's devices,
  serialised as Turtle (no baseline: nothing else turns IFC into Brick);
- **COBie**: ``bim_models.standards.cobie.write_cobie`` (ifcfm + the twin's extras: one zone
  per storey, a serial attribute per device, 50 issues) against the baseline ``ifcfm`` alone
  (cobie24 parse + XLSX write);
- **BCF**: ``bim_models.standards.bcf.write_bcf`` of 100 topics with a viewpoint each, then
  ``read_bcf``.

Prints one JSON document, then a table. Usage::

    python bench/standards.py [--big] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, round(time.perf_counter() - start, 3)


def _devices(folder: Path) -> list[dict]:
    with open(folder / "devices.csv", encoding="utf-8-sig") as stream:
        return [{"key": r["device_id"], "kind": r["kind"], "unit": r["unit"],
                 "equipment": r["equipment_global_id"] or None,
                 "space": r["space_global_id"] or None} for r in csv.DictReader(stream)]


def _ifctester_alone(path: Path) -> int:
    import ifcopenshell
    from ifctester import ids as ifctester_ids

    from bim_models.standards.ids import DEFAULT_IDS

    document = ifctester_ids.open(str(DEFAULT_IDS))
    document.validate(ifcopenshell.open(str(path)))
    return sum(len(r.failures) for s in document.specifications for r in s.requirements)


def _ifcfm_alone(path: Path, out: Path) -> None:
    import ifcopenshell

    from bim_models.standards.cobie import _parser

    parser = _parser()  # the preset with its Coordinate query fixed, nothing added
    parser.parse(ifcopenshell.open(str(path)))
    import ifcfm

    writer = ifcfm.Writer(parser)
    writer.config = parser.config
    writer.write()
    writer.write_xlsx(str(out))


def measure(path: Path, label: str) -> dict:
    import bcf.v3.bcfxml  # noqa: F401 - imports out of the timings
    import ifcfm  # noqa: F401
    import ifctester.ids  # noqa: F401

    from bim_models.standards.bcf import BcfTopic, read_bcf, write_bcf
    from bim_models.standards.cobie import CobieExtras, write_cobie
    from bim_models.standards.ids import check_model
    from spaces import open_building
    from spaces.brick import brick_graph

    folder = path.parent
    (model, graph), parse_s = _timed(open_building, path)
    devices = _devices(folder)
    row = {"file": label, "spaces": model.counts()["spaces"],
           "equipment": model.counts()["equipment"], "devices": len(devices),
           "parse_s": parse_s}
    check_model(path)  # warm: the first open of a file pays for loading the schema
    _ifctester_alone(path)
    report, row["ids_s"] = _timed(check_model, path)
    row["ids_failed"] = sum(r["failed"] for r in report["requirements"])
    _, row["ids_baseline_s"] = _timed(_ifctester_alone, path)
    brick, row["brick_graph_s"] = _timed(brick_graph, graph, devices=devices,
                                         model_id=model.sha256, model_location=path.name)
    turtle, row["brick_turtle_s"] = _timed(brick.serialize, format="turtle")
    row["brick_triples"], row["brick_mb"] = len(brick), round(len(turtle) / 1e6, 2)
    storeys = {}
    for node, data in graph.nodes(data=True):
        if data["kind"] == "space":
            storeys.setdefault(data.get("storey"), []).append(node)
    equipment = [n for n, d in graph.nodes(data=True)
                 if d["kind"] == "equipment" and d.get("is_asset")]
    extras = CobieExtras(
        zones=[{"name": f"Storey zone {i}", "category": "Occupancy", "spaces": spaces}
               for i, spaces in enumerate(storeys.values())],
        attributes=[{"global_id": d["equipment"] or d["space"], "name": f"Device {d['key']}",
                     "value": d["key"]} for d in devices],
        issues=[{"name": f"WO-{i}", "type": "manual", "risk": "normal", "global_ids": [g]}
                for i, g in enumerate(equipment[:50])])
    with tempfile.TemporaryDirectory() as tmp:
        rows, row["cobie_s"] = _timed(write_cobie, path, Path(tmp) / "ours.xlsx",
                                      extras=extras)
        row["cobie_rows"] = sum(rows.values())
        _, row["cobie_baseline_s"] = _timed(_ifcfm_alone, path, Path(tmp) / "base.xlsx")
        topics = [BcfTopic(f"topic {i}", global_ids=[g],
                           position=tuple(graph.nodes[g]["centroid"]))
                  for i, g in enumerate(equipment[:100]) if graph.nodes[g].get("centroid")]
        _, row["bcf_write_s"] = _timed(write_bcf, topics, Path(tmp) / "t.bcf")
        read, row["bcf_read_s"] = _timed(read_bcf, Path(tmp) / "t.bcf")
        row["bcf_topics"] = len(read)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true",
                        help="Add the 5,000-room, 40-storey sample (minutes).")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    from bim_models.sample import generate_sample

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        variants = [("sample 6 storeys x 20 rooms", 6, 20)]
        if args.big:
            variants.append(("sample 40 storeys x 125 rooms", 40, 125))
        for label, storeys, rooms in variants:
            out = Path(tmp) / f"s{storeys}" / "office.ifc"
            out.parent.mkdir()
            generate_sample(out, storeys=storeys, rooms_per_storey=rooms)
            rows.append(measure(out, label))
    document = json.dumps(rows, indent=1)
    print(document)
    if args.json_out:
        args.json_out.write_text(document)
    columns = ["file", "spaces", "devices", "ids_s", "ids_baseline_s", "brick_graph_s",
               "brick_turtle_s", "brick_triples", "cobie_s", "cobie_baseline_s", "bcf_write_s",
               "bcf_read_s"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
