"""Benchmark: parsing IFC models into the building graph, against bare IfcOpenShell.

For each file, in fresh subprocesses (so that peak memory is each mode's own):

(a) ``baseline``  ``ifcopenshell.open`` + the multi-core ``ifcopenshell.geom.iterator`` over the
    same elements with the same settings, reading every mesh into numpy (what a user would
    write by hand);
(b) ``parse``     ``spaces.open_building(use_cache=False)``: parse and build the graph;
(c) ``cached``    ``spaces.open_building`` from a warm cache (model and graph).

Targets: (b) <= 1.5 x (a) in time; (c) at least 20 x faster than (b); peak memory of (b)
<= 2 x that of (a). Prints one JSON document, then a table.

With ``--sample``, the generated sample buildings are added: the default 6-storey building and
the 5,000-room, 40-storey variant (generation time reported too; the big one is run once).

Usage::

    python bench/parse.py [FILES ...] [--sample] [--repeat N] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_IFC = REPO.parent / "shared" / "ifc"
TARGETS = {"parse_vs_baseline_time": 1.5, "cache_speedup": 20.0, "parse_vs_baseline_memory": 2.0}


def _baseline(path: str) -> dict:
    import ifcopenshell
    import ifcopenshell.geom
    import ifcopenshell.util.element
    import numpy as np

    from bim_models.geometry import geometry_settings

    start = time.perf_counter()
    model = ifcopenshell.open(path)
    elements = []
    for ifc_class in ("IfcSpace", "IfcDoor", "IfcDistributionElement", "IfcFurnishingElement"):
        elements += model.by_type(ifc_class)
    for ifc_class in ("IfcStair", "IfcRamp", "IfcTransportElement"):
        for vertical in model.by_type(ifc_class):
            elements.append(vertical)
            elements += ifcopenshell.util.element.get_decomposition(vertical)
    elements = [e for e in elements if e.Representation is not None]
    iterator = ifcopenshell.geom.iterator(geometry_settings(), model,
                                          multiprocessing.cpu_count(), include=elements)
    shapes = 0
    if elements and iterator.initialize():
        while True:
            shape = iterator.get()
            np.asarray(shape.geometry.verts).reshape(-1, 3)
            np.asarray(shape.geometry.faces).reshape(-1, 3)
            shapes += 1
            if not iterator.next():
                break
    return {"seconds": time.perf_counter() - start, "shapes": shapes}


def _ours(path: str, cache_dir: str, use_cache: bool) -> dict:
    from spaces import open_building

    start = time.perf_counter()
    _, graph = open_building(path, use_cache=use_cache, cache_dir=cache_dir)
    return {"seconds": time.perf_counter() - start, "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges()}


def _child(mode: str, path: str, cache_dir: str) -> None:
    if mode == "baseline":
        result = _baseline(path)
    else:
        result = _ours(path, cache_dir, use_cache=(mode != "parse"))
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(result))


def _run(mode: str, path: Path, cache_dir: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path), cache_dir],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"bench: {mode} on {path} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _generate(path: Path, storeys: int, rooms: int) -> float:
    """Generate a sample building with ``twin sample`` (all files); return its wall time."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "twin.cli", "sample", "--out", str(path),
                    "--storeys", str(storeys), "--rooms-per-storey", str(rooms)],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def bench_file(path: Path, repeat: int) -> dict:
    """Measure the three modes on one file, ``repeat`` times each; report medians."""
    with tempfile.TemporaryDirectory() as cache_dir:
        _run("warm", path, cache_dir)  # fills the cache for "cached"
        runs = {mode: [_run(mode, path, cache_dir) for _ in range(repeat)]
                for mode in ("baseline", "parse", "cached")}
    result = {"file": path.name, "bytes": path.stat().st_size}
    for mode, rows in runs.items():
        result[mode] = {
            "seconds": statistics.median(r["seconds"] for r in rows),
            "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in rows),
        }
    result["shapes"] = runs["baseline"][0]["shapes"]
    result["graph_nodes"] = runs["parse"][0]["nodes"]
    a, b, c = (result[m] for m in ("baseline", "parse", "cached"))
    result["ratios"] = {
        "parse_vs_baseline_time": b["seconds"] / a["seconds"],
        "cache_speedup": b["seconds"] / c["seconds"],
        "parse_vs_baseline_memory": b["peak_rss_mib"] / a["peak_rss_mib"],
    }
    r = result["ratios"]
    result["meets_targets"] = {
        "parse_vs_baseline_time": r["parse_vs_baseline_time"] <= TARGETS["parse_vs_baseline_time"],
        "cache_speedup": r["cache_speedup"] >= TARGETS["cache_speedup"],
        "parse_vs_baseline_memory":
            r["parse_vs_baseline_memory"] <= TARGETS["parse_vs_baseline_memory"],
    }
    return result


def _table(results: list[dict]) -> str:
    head = (f"{'file':<22} {'(a) base s':>10} {'(b) ours s':>10} {'(c) cache s':>11} "
            f"{'b/a':>5} {'b/c':>7} {'mem a MiB':>9} {'mem b MiB':>9} {'memb/a':>6}  ok")
    lines = [head, "-" * len(head)]
    for r in results:
        a, b, c, q = r["baseline"], r["parse"], r["cached"], r["ratios"]
        ok = "yes" if all(r["meets_targets"].values()) else "NO"
        lines.append(
            f"{r['file']:<22} {a['seconds']:>10.3f} {b['seconds']:>10.3f} {c['seconds']:>11.4f} "
            f"{q['parse_vs_baseline_time']:>5.2f} {q['cache_speedup']:>7.1f} "
            f"{a['peak_rss_mib']:>9.1f} {b['peak_rss_mib']:>9.1f} "
            f"{q['parse_vs_baseline_memory']:>6.2f}  {ok}")
    lines.append(f"targets: b/a <= {TARGETS['parse_vs_baseline_time']}, "
                 f"b/c >= {TARGETS['cache_speedup']}, "
                 f"mem b/a <= {TARGETS['parse_vs_baseline_memory']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 (figures are reported, not asserted)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(*argv[1:4])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", action="store_true",
                        help="also generate and measure the sample buildings")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    files = args.files or sorted(SHARED_IFC.glob("*.ifc"))
    if not files:
        parser.error(f"no files given and none in {SHARED_IFC}")
    results = [bench_file(f, args.repeat) for f in files]
    if args.sample:
        with tempfile.TemporaryDirectory() as folder:
            for storeys, rooms, repeat in ((6, 20, args.repeat), (40, 125, 1)):
                path = Path(folder) / f"sample-{storeys}x{rooms}.ifc"
                seconds = _generate(path, storeys, rooms)
                result = bench_file(path, repeat)
                result["generation_seconds"] = seconds
                results.append(result)
    document = {"benchmark": "parse", "cpus": multiprocessing.cpu_count(),
                "python": sys.version.split()[0], "targets": TARGETS, "results": results}
    text = json.dumps(document, indent=1)
    print(text)
    if args.json_out:
        args.json_out.write_text(text)
    print()
    print(_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
