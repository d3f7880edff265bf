"""Benchmark: how long ``twin`` commands take end to end, process start included.

Every measure is a fresh process (``subprocess``), run ``--repeat`` times (median kept; the
cheap commands round-robin, so that a burst of load on a shared machine hits them all alike):

- ``python -c pass``: the interpreter's floor;
- ``python -c "import ifcopenshell"``: what any bare-IfcOpenShell script pays before work;
- ``python -c "import typer"``: the command-line library alone (typer 0.29 imports pydantic
  when it converts a command's arguments, so a command with arguments pays that too);
- ``twin version`` and ``twin --help``;
- ``twin inspect --json`` of the largest shared model: the first parse (``--no-cache``,
  ``--parse-repeat`` times) against a warm cache (a private ``TWIN_CACHE_DIR``). The cached
  and uncached JSON must be equal, or the bench fails.

Python's bytecode cache is on, in a private ``PYTHONPYCACHEPREFIX`` (warmed by one untimed run
of everything), as for an installed ``twin``: the development environment sets
``PYTHONDONTWRITEBYTECODE=1``, which would add compiling the project's modules to every run
(``--as-is`` keeps the environment as it is).

Targets: ``twin version`` under 0.3 s; cached ``inspect --json`` at least 20 x faster than
the first parse. Prints one JSON document (with ``--json`` only that), then a table.

``--checkout DIR`` runs ``python -m twin.cli`` from another checkout of the project (e.g. the
previous commit, ``git archive HEAD | tar -x -C DIR``) instead of this one, for before/after
figures in the same conditions.

Usage::

    python -P bench/cli.py [--file MODEL.ifc] [--repeat 7] [--parse-repeat 3]
                           [--checkout DIR] [--as-is] [--json] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_IFC = REPO.parent / "shared" / "ifc"
TARGETS = {"version_s": 0.3, "inspect_cache_speedup": 20.0}


def largest_model(folder: Path = SHARED_IFC) -> Path:
    """The largest ``.ifc`` file (by size) under ``folder``, sub-folders included."""
    models = sorted(folder.rglob("*.ifc"), key=lambda p: (p.stat().st_size, p.name))
    if not models:
        raise SystemExit(f"bench: no .ifc file under {folder}")
    return models[-1]


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    """Wall seconds of one run of ``command`` and its stdout; exits if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd,
                          check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed ({done.returncode}):\n"
                         f"{done.stderr}")
    return seconds, done.stdout


def _summary(runs: list[float]) -> dict:
    return {"median_s": statistics.median(runs), "min_s": min(runs), "max_s": max(runs),
            "runs": len(runs)}


def bench(model: Path, repeat: int, parse_repeat: int, checkout: Path | None,
          bytecode: bool = True) -> dict:
    """Measure every command; return medians, the two target checks and the figures' context."""
    python = sys.executable
    if checkout is None:
        script = Path(python).parent / "twin"
        twin = [str(script)] if script.is_file() else [python, "-m", "twin.cli"]
        cwd = REPO
    else:
        twin, cwd = [python, "-m", "twin.cli"], checkout.resolve()
    cheap = {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import ifcopenshell'": [python, "-c", "import ifcopenshell"],
        "python -c 'import typer'": [python, "-c", "import typer"],
        "twin version": [*twin, "version"],
        "twin --help": [*twin, "--help"],
    }
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        env = {**os.environ, "TWIN_CACHE_DIR": str(Path(folder) / "models"), "COLUMNS": "100"}
        env.pop("TWIN_DEBUG", None)
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "bytecode")
        inspect = [*twin, "inspect", "--json", str(model)]
        runs: dict[str, list[float]] = {name: [] for name in cheap}
        runs["twin inspect --json (cached)"] = []
        for command in (inspect, *cheap.values()):  # fills the model cache, compiles bytecode
            _timed(command, env, cwd)
        cached_out = ""
        for _ in range(repeat):
            for name, command in cheap.items():
                runs[name].append(_timed(command, env, cwd)[0])
            seconds, cached_out = _timed(inspect, env, cwd)
            runs["twin inspect --json (cached)"].append(seconds)
        first = [_timed([*inspect, "--no-cache"], env, cwd) for _ in range(parse_repeat)]
        runs["twin inspect --json --no-cache (first parse)"] = [s for s, _ in first]
    if json.loads(first[0][1]) != json.loads(cached_out):
        raise SystemExit("bench: cached and uncached `twin inspect --json` differ")
    medians = {name: _summary(values) for name, values in runs.items()}
    version_s = medians["twin version"]["median_s"]
    speedup = (medians["twin inspect --json --no-cache (first parse)"]["median_s"]
               / medians["twin inspect --json (cached)"]["median_s"])
    return {
        "benchmark": "cli", "python": sys.version.split()[0], "cpus": os.cpu_count(),
        "load_average": os.getloadavg(), "checkout": str(checkout or REPO),
        "bytecode_cache": bytecode,
        "model": {"file": str(model), "bytes": model.stat().st_size},
        "commands": medians, "targets": TARGETS,
        "checks": {
            "version_s": {"value": version_s, "met": version_s < TARGETS["version_s"]},
            "inspect_cache_speedup": {"value": speedup,
                                      "met": speedup >= TARGETS["inspect_cache_speedup"]},
        },
    }


def table(result: dict) -> str:
    """The readable table of :func:`bench`'s result."""
    floor = result["commands"]["python -c pass"]["median_s"]
    rows = [f"model: {result['model']['file']} ({result['model']['bytes'] / 1e6:.2f} MB); "
            f"checkout: {result['checkout']}; bytecode cache: "
            f"{'on' if result['bytecode_cache'] else 'as the environment says'}",
            f"{'command':<46} {'median s':>9} {'min s':>7} {'max s':>7} {'- floor s':>9} "
            f"{'runs':>4}"]
    rows.append("-" * len(rows[-1]))
    for name, r in result["commands"].items():
        rows.append(f"{name:<46} {r['median_s']:>9.3f} {r['min_s']:>7.3f} {r['max_s']:>7.3f} "
                    f"{r['median_s'] - floor:>9.3f} {r['runs']:>4}")
    checks = result["checks"]
    version, speedup = checks["version_s"], checks["inspect_cache_speedup"]
    rows.append(f"target twin version < {TARGETS['version_s']} s: {version['value']:.3f} s "
                f"-> {'met' if version['met'] else 'MISSED'}")
    rows.append(f"target cached inspect >= {TARGETS['inspect_cache_speedup']:g} x faster than "
                f"the first parse: {speedup['value']:.1f} x -> "
                f"{'met' if speedup['met'] else 'MISSED'}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 (figures are reported, not asserted)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="model for inspect (default: the largest "
                                                   f"under {SHARED_IFC})")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each cheap command")
    parser.add_argument("--parse-repeat", type=int, default=3, help="runs of the first parse")
    parser.add_argument("--checkout", type=Path, help="measure the twin of this checkout")
    parser.add_argument("--as-is", action="store_true",
                        help="keep the environment's bytecode settings (no private cache)")
    parser.add_argument("--json", action="store_true", help="print only the JSON document")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    result = bench(args.file or largest_model(), args.repeat, args.parse_repeat, args.checkout,
                   bytecode=not args.as_is)
    text = json.dumps(result, indent=1)
    print(text)
    if args.json_out:
        args.json_out.write_text(text)
    if not args.json:
        print()
        print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
