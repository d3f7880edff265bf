"""Benchmark: our glTF scene (.glb) against IfcOpenShell's own glTF serializer.

For each file, in fresh subprocesses:

(a) ``ifcopenshell``  ``ifcopenshell.geom.serializers.gltf`` fed by the multi-core iterator
    over the same products (every product with a body, spaces included; what ``IfcConvert
    model.ifc model.glb`` does): time and file size;
(b) ``ours``          ``bim_models.meshes.load_meshes(use_cache=False)`` + ``viewer.scene``
    export: time (geometry and export apart) and size; with node extras (class, storey,
    space, room number) that (a) does not write;
(c) ``cached``        the same from the warm mesh cache (what the server does once per model
    revision; after that it sends the cached .glb file);
plus the size with ``--simplify``.

Target: (b)'s file no larger than (a)'s. Prints one JSON document, then a table.

With ``--sample``, the 5,000-room, 40-storey sample building is added (run once; minutes).

Usage::

    python bench/gltf.py [FILES ...] [--sample] [--json] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_IFC = REPO.parent / "shared" / "ifc"
DEFAULT_FILES = ("AC20-FZK-Haus.ifc", "duplex.ifc")


def _glb_counts(path: str) -> dict:
    from viewer.scene import read_glb_json

    tree = read_glb_json(Path(path).read_bytes())
    return {"nodes": len(tree.get("nodes", [])), "meshes": len(tree.get("meshes", []))}


def _ifcopenshell(path: str, out: str) -> dict:
    import ifcopenshell
    import ifcopenshell.geom

    from bim_models.meshes import _drawn_products

    start = time.perf_counter()
    model = ifcopenshell.open(path)
    products = _drawn_products(model)
    settings = ifcopenshell.geom.settings()
    serializer = ifcopenshell.geom.serializers.gltf(out, settings)
    serializer.setFile(model)
    serializer.setUnitNameAndMagnitude("METER", 1.0)
    serializer.writeHeader()
    iterator = ifcopenshell.geom.iterator(settings, model, multiprocessing.cpu_count(),
                                          include=products)
    if products and iterator.initialize():
        while True:
            serializer.write(iterator.get())
            if not iterator.next():
                break
    serializer.finalize()
    del serializer  # closes the file
    return {"seconds": time.perf_counter() - start, "bytes": Path(out).stat().st_size,
            **_glb_counts(out)}


def _ours(path: str, out: str, cache_dir: str, use_cache: bool, simplify: bool) -> dict:
    from bim_models.meshes import load_meshes
    from viewer.scene import write_glb

    start = time.perf_counter()
    meshes = load_meshes(path, use_cache=use_cache, cache_dir=cache_dir)
    geometry = time.perf_counter() - start
    write_glb(meshes, out, simplify=simplify)
    total = time.perf_counter() - start
    return {"seconds": total, "geometry_seconds": geometry, "export_seconds": total - geometry,
            "bytes": Path(out).stat().st_size, **_glb_counts(out)}


def _child(mode: str, path: str, out: str, cache_dir: str) -> None:
    if mode == "ifcopenshell":
        result = _ifcopenshell(path, out)
    else:
        result = _ours(path, out, cache_dir, use_cache=mode != "ours",
                       simplify=mode == "simplify")
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(result))


def _run(mode: str, path: Path, out: Path, cache_dir: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(path), str(out),
                           cache_dir], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: {mode} on {path} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_file(path: Path, label: str | None = None) -> dict:
    """Measure (a), (b), (c) and the simplified size on one file."""
    with tempfile.TemporaryDirectory() as folder:
        cache_dir = str(Path(folder) / "cache")
        runs = {mode: _run(mode, path, Path(folder) / f"{mode}.glb", cache_dir)
                for mode in ("ifcopenshell", "ours")}
        _run("cached", path, Path(folder) / "warm.glb", cache_dir)  # fills the mesh cache
        runs.update({mode: _run(mode, path, Path(folder) / f"{mode}.glb", cache_dir)
                     for mode in ("cached", "simplify")})
    a, b = runs["ifcopenshell"], runs["ours"]
    return {
        "file": label or path.name, "ifc_bytes": path.stat().st_size, **runs,
        "size_ratio": b["bytes"] / a["bytes"],
        "time_ratio": b["seconds"] / a["seconds"],
        "meets_target": b["bytes"] <= a["bytes"] and b["nodes"] == a["nodes"],
    }


def _sample(folder: Path, storeys: int, rooms: int) -> Path:
    from bim_models.sample import generate_sample

    _, files = generate_sample(folder / f"sample-{storeys}x{rooms}.ifc", storeys=storeys,
                               rooms_per_storey=rooms, with_people=False)
    return files.ifc


def _mb(value: int) -> str:
    return f"{value / 1e6:.2f}"


def _table(results: list[dict]) -> str:
    head = (f"{'file':<24} {'nodes':>6} {'(a) IOS MB':>10} {'(b) ours MB':>11} {'b/a':>5} "
            f"{'simpl MB':>8} {'(a) s':>7} {'(b) s':>7} {'geom s':>7} {'exp s':>6} "
            f"{'(c) s':>6}  ok")
    lines = [head, "-" * len(head)]
    for r in results:
        a, b, c, s = r["ifcopenshell"], r["ours"], r["cached"], r["simplify"]
        lines.append(
            f"{r['file']:<24} {b['nodes']:>6} {_mb(a['bytes']):>10} {_mb(b['bytes']):>11} "
            f"{r['size_ratio']:>5.2f} {_mb(s['bytes']):>8} {a['seconds']:>7.2f} "
            f"{b['seconds']:>7.2f} {b['geometry_seconds']:>7.2f} {b['export_seconds']:>6.2f} "
            f"{c['seconds']:>6.2f}  {'yes' if r['meets_target'] else 'NO'}")
    lines.append("target: (b) file no larger than (a), same node count; (a) IfcOpenShell's glTF "
                 "serializer, (b) ours from scratch, (c) ours from the mesh cache")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print JSON then a table (only JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--sample", action="store_true", help="add the 5,000-room building")
    parser.add_argument("--json", action="store_true", help="print only the JSON")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    files = args.files or [SHARED_IFC / name for name in DEFAULT_FILES]
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for path in files:
            results.append(bench_file(path))
        results.append(bench_file(_sample(Path(folder), 6, 20), "sample 6x20"))
        if args.sample:
            results.append(bench_file(_sample(Path(folder), 40, 125), "sample 40x125"))
    document = {"results": results, "cpus": multiprocessing.cpu_count()}
    text = json.dumps(document, indent=2)
    print(text)
    if args.json_out:
        args.json_out.write_text(text)
    if not args.json:
        print()
        print(_table(results))
    return 0 if all(r["meets_target"] for r in results) else 1


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        sys.path.insert(0, str(REPO))
        _child(*sys.argv[2:])
    else:
        sys.exit(main())
