"""The ``twin`` CLI as a user runs it: a real subprocess, its stdout, stderr and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import SHARED_IFC, TRUTH

TWIN = [sys.executable, "-m", "twin.cli"]


def run_twin(*args: str, cache_dir: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if cache_dir is not None:
        env["TWIN_CACHE_DIR"] = str(cache_dir)
    env.pop("TWIN_DEBUG", None)
    return subprocess.run([*TWIN, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_inspect_json_matches_manifest(name, tmp_path):
    result = run_twin("inspect", str(SHARED_IFC / name), "--json", cache_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    truth = TRUTH[name]
    assert report["schema"] == truth["schema"]
    assert {k: report["counts"][k] for k in truth["counts"]} == truth["counts"]
    spaces = {s["global_id"]: s for s in report["spaces"]}
    assert set(spaces) == set(truth["spaces"])
    for gid, expected in truth["spaces"].items():
        assert spaces[gid]["name"] == expected["name"]
        assert spaces[gid]["area_geometry"] == pytest.approx(expected["footprint"], rel=0.02)
        if expected["qto"] is not None:
            assert spaces[gid]["area_qto"] == pytest.approx(expected["qto"], abs=1e-3)
        assert {"long_name", "storey", "area_qto"} <= set(spaces[gid])
    for item in report["equipment"]:
        assert {"global_id", "ifc_class", "name", "space", "provenance", "confidence"} <= set(item)
    assert len(report["equipment"]) == truth["counts"]["equipment"]


def test_inspect_table_names_storeys_and_warns_about_area_discrepancy(tmp_path):
    result = run_twin("inspect", str(SHARED_IFC / "AC20-FZK-Haus.ifc"), cache_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Erdgeschoss" in result.stdout and "Dachgeschoss" in result.stdout
    # Space 7 (the roof gallery): footprint 107.16 m² against a Qto of 74.51 m².
    assert "warning: space 7" in result.stdout


def test_inspect_reads_ifczip(tmp_path):
    archive = tmp_path / "house.ifczip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(SHARED_IFC / "AC20-FZK-Haus.ifc", "AC20-FZK-Haus.ifc")
    result = run_twin("inspect", str(archive), "--json", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["spaces"] == 7


def test_graph_writes_json_and_graphml(tmp_path):
    source = str(SHARED_IFC / "duplex.ifc")
    for suffix in (".json", ".graphml"):
        out = tmp_path / f"duplex{suffix}"
        result = run_twin("graph", source, "--out", str(out), cache_dir=tmp_path)
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 1000
    data = json.loads((tmp_path / "duplex.json").read_text())
    kinds = {n["kind"] for n in data["nodes"]}
    assert {"building", "storey", "space", "door", "stair", "equipment"} <= kinds
    assert {e["kind"] for e in data["edges"]} >= {"contains", "adjacent", "door_connects",
                                                 "stair_connects", "located_in"}
    import networkx as nx

    graphml = nx.read_graphml(tmp_path / "duplex.graphml")
    assert graphml.number_of_nodes() == len(data["nodes"])


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    real = (SHARED_IFC / "duplex.ifc").read_bytes()
    files = {
        "not-ifc": (b"hello, this is a text file\n", "not an IFC file"),
        "truncated": (real[: len(real) // 3], "truncated"),
        "unknown-schema": (real.replace(b"FILE_SCHEMA(('IFC2X3'))", b"FILE_SCHEMA(('IFC2X2'))"),
                           "unsupported IFC schema"),
        "refused": (b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\n"
                    b"FILE_NAME('','',(''),(''),'','','');\nFILE_SCHEMA(('IFC4'));\nENDSEC;\n"
                    b"DATA;\n#1=IFCWALL(garbage;\nENDSEC;\nEND-ISO-10303-21;\n",
                    "no IfcProject"),
        "empty": (b"", "empty file"),
        "bad-zip": (b"PK\x03\x04 not really a zip", "corrupt .ifczip"),
    }
    result = {}
    for label, (content, message) in files.items():
        path = tmp_path / f"{label}.ifc"
        path.write_bytes(content)
        result[label] = (path, message)
    result["missing"] = (tmp_path / "does-not-exist.ifc", "no such file")
    return result


@pytest.mark.parametrize("label", ["not-ifc", "truncated", "unknown-schema", "refused", "empty",
                                   "bad-zip", "missing"])
def test_bad_input_gives_one_clear_line_and_exit_2(label, tmp_path):
    path, message = _bad_inputs(tmp_path)[label]
    result = run_twin("inspect", str(path), "--no-cache")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and message in lines[0]
    assert "Traceback" not in result.stderr


def test_unknown_graph_format_is_refused(tmp_path):
    result = run_twin("graph", str(SHARED_IFC / "AC20-FZK-Haus.ifc"), "--out",
                      str(tmp_path / "g.xyz"), cache_dir=tmp_path)
    assert result.returncode == 2
    assert "unknown graph format .xyz" in result.stderr and "Traceback" not in result.stderr


def test_demo_prepares_the_sample_building_and_its_users(tmp_path):
    env = dict(os.environ, TWIN_DATA_DIR=str(tmp_path / "data"),
               TWIN_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("TWIN_DATABASE_URL", None)
    timings = []
    for _ in range(2):  # the second run reuses what the first made
        start = time.monotonic()
        result = subprocess.run([*TWIN, "demo", "--no-serve"], capture_output=True,
                                text=True, env=env, timeout=600, check=False)
        timings.append(time.monotonic() - start)
        assert result.returncode == 0, result.stderr
        assert "building 1" in result.stdout
        assert "admin-demo-2026" in result.stdout and "/docs" in result.stdout
    folder = tmp_path / "data"
    assert (folder / "twin.db").is_file()
    assert (folder / "sample" / "sample-truth.json").is_file()
    assert (folder / "sample" / "allocations.csv").is_file()
    assert timings[1] < timings[0]  # no generation or parsing the second time
    stored = subprocess.run([*TWIN, "compliance", "1", "--date", "2026-11-01", "--format",
                             "csv"], capture_output=True, text=True, env=env, timeout=300,
                            check=False)
    assert stored.returncode == 0, stored.stderr
    import csv

    verdicts = [row["verdict"] for row in csv.DictReader(stored.stdout.splitlines())]
    assert "over" in verdicts and "vacant" in verdicts
    missing = subprocess.run([*TWIN, "compliance", "7"], capture_output=True, text=True,
                             env=env, timeout=300, check=False)
    assert missing.returncode == 2 and "no building 7" in missing.stderr


def test_sample_command_writes_the_model_and_refuses_impossible_sizes(tmp_path):
    out = tmp_path / "small.ifc"
    result = run_twin("sample", "--out", str(out), "--storeys", "2", "--rooms-per-storey",
                      "13", "--schema", "IFC2X3", "--no-people")
    assert result.returncode == 0, result.stderr
    assert out.is_file() and (tmp_path / "sample-truth.json").is_file()
    truth = json.loads((tmp_path / "sample-truth.json").read_text())
    inspected = run_twin("inspect", str(out), "--json", cache_dir=tmp_path / "cache")
    report = json.loads(inspected.stdout)
    assert report["schema"] == "IFC2X3"
    assert {k: report["counts"][k] for k in truth["counts"]} == truth["counts"]
    bad = run_twin("sample", "--out", str(out), "--rooms-per-storey", "5")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    bad_schema = run_twin("sample", "--out", str(out), "--schema", "IFC5")
    assert bad_schema.returncode == 2 and "unknown schema 'IFC5'" in bad_schema.stderr


def test_plan_draws_a_storey_and_names_the_storeys_when_asked_for_a_wrong_one(tmp_path):
    source = str(SHARED_IFC / "AC20-FZK-Haus.ifc")
    out = tmp_path / "plans" / "eg.png"
    result = run_twin("plan", source, "--storey", "Erdgeschoss", "--out", str(out),
                      "--dpi", "60", cache_dir=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wrong = run_twin("plan", source, "--storey", "Keller", "--out", str(out),
                     cache_dir=tmp_path / "cache")
    assert wrong.returncode == 2
    assert "Erdgeschoss" in wrong.stderr and "Traceback" not in wrong.stderr


def test_users_commands(tmp_path):
    env = dict(os.environ, TWIN_DATA_DIR=str(tmp_path / "data"))
    env.pop("TWIN_DATABASE_URL", None)

    def twin(*args):
        return subprocess.run([*TWIN, "users", *args], capture_output=True, text=True,
                              env=env, timeout=120, check=False)

    added = twin("add", "chen", "--role", "maintenance", "--password", "long-enough-pw")
    assert added.returncode == 0, added.stderr
    listed = twin("list")
    assert "chen" in listed.stdout and "maintenance" in listed.stdout
    again = twin("add", "chen", "--role", "viewer", "--password", "long-enough-pw")
    assert again.returncode == 2 and "exists already" in again.stderr
    bad = twin("add", "x", "--role", "king", "--password", "long-enough-pw")
    assert bad.returncode == 2 and "unknown role" in bad.stderr
    assert twin("remove", "chen").returncode == 0
    assert "chen" not in twin("list").stdout


# Start-up: commands import what they use when they run (bench/cli.py measures the time; these
# tests check the imports, never timings).

#: Libraries no command should pay for before it needs them. pydantic is not among them for a
#: command that runs: typer itself imports it to convert every command's arguments.
HEAVY_MODULES = ("ifcopenshell", "fastapi", "sqlalchemy", "numpy", "networkx", "shapely",
                 "trimesh", "pyvista", "matplotlib", "pydantic", "pydantic_settings",
                 "uvicorn", "openpyxl", "rich.console")
RUN_IN_PROCESS = """
import json, sys
from twin.cli.app import app
try:
    app(sys.argv[1:], prog_name="twin")
except SystemExit as done:
    assert not done.code, done.code
heavy = {heavy!r}
print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def _heavy_modules_after(*args: str, cache_dir: Path) -> tuple[list[str], str]:
    """Run ``twin ARGS`` in a fresh interpreter: (heavy modules it imported, its stdout)."""
    code = RUN_IN_PROCESS.format(heavy=tuple(m for m in HEAVY_MODULES if m != "pydantic"))
    env = dict(os.environ, TWIN_CACHE_DIR=str(cache_dir))
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


def test_importing_the_cli_imports_no_heavy_library():
    code = ("import sys, twin.cli.app; "
            f"print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_version_imports_no_heavy_library(tmp_path):
    heavy, out = _heavy_modules_after("version", cache_dir=tmp_path)
    assert heavy == []
    assert out.startswith("facility-twin ") and "(parser " in out


def test_cached_inspect_json_equals_uncached_and_reads_only_the_summary(tmp_path):
    source = str(SHARED_IFC / "AC20-FZK-Haus.ifc")
    uncached = run_twin("inspect", source, "--json", "--no-cache", cache_dir=tmp_path)
    assert uncached.returncode == 0, uncached.stderr
    assert list(tmp_path.iterdir()) == []  # --no-cache neither reads nor writes
    first = run_twin("inspect", source, "--json", cache_dir=tmp_path)  # parses, fills the cache
    assert first.returncode == 0, first.stderr
    assert any("-summary-" in p.name for p in tmp_path.iterdir())
    heavy, cached = _heavy_modules_after("inspect", source, "--json", cache_dir=tmp_path)
    assert heavy == []  # no model, no graph: the summary alone was read
    assert json.loads(cached) == json.loads(first.stdout) == json.loads(uncached.stdout)
    assert cached == uncached.stdout


def test_cached_summary_follows_the_path_and_the_bytes(tmp_path):
    cache = tmp_path / "cache"
    copy = tmp_path / "copy of house.ifc"
    copy.write_bytes((SHARED_IFC / "AC20-FZK-Haus.ifc").read_bytes())
    first = run_twin("inspect", str(SHARED_IFC / "AC20-FZK-Haus.ifc"), "--json", cache_dir=cache)
    again = run_twin("inspect", str(copy), "--json", cache_dir=cache)  # same bytes: a hit
    assert first.returncode == again.returncode == 0, first.stderr + again.stderr
    first_report, copy_report = json.loads(first.stdout), json.loads(again.stdout)
    assert copy_report["file"] == str(copy)
    assert {**copy_report, "file": first_report["file"]} == first_report
    from spaces.summary import cached_summary

    assert cached_summary(copy, cache_dir=cache)["sha256"] == first_report["sha256"]
    copy.write_bytes(copy.read_bytes() + b"\n")  # other bytes: another key, no stale summary
    assert cached_summary(copy, cache_dir=cache) is None
    assert cached_summary(tmp_path / "missing.ifc", cache_dir=cache) is None


LAZY_PACKAGES = ("bim_models", "spaces", "maintenance", "viewer")


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_domain_package_is_lazy_and_exports_every_public_name(package):
    code = f"""
import importlib, json, sys
package = importlib.import_module({package!r})
light = sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)
listed = set(package.__all__) <= set(dir(package))
wrong = []
for name in package.__all__:
    value = getattr(package, name)
    home = importlib.import_module(package._SUBMODULE_OF[name])
    if value is not getattr(home, name):
        wrong.append(name)
for module in set(package._SUBMODULE_OF.values()):  # every submodule loaded now
    importlib.import_module(module)
wrong += [n for n in package.__all__
          if getattr(package, n) is not getattr(sys.modules[package._SUBMODULE_OF[n]], n)]
print(json.dumps({{"light": light, "listed": listed, "wrong": wrong,
                  "mapped": sorted(package._SUBMODULE_OF) == sorted(package.__all__)}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"light": [], "listed": True, "wrong": [], "mapped": True}


def test_maintenance_impact_stays_the_function_when_its_submodule_is_imported_first():
    code = ("import maintenance.impact as first; from maintenance import impact; "
            "import maintenance; "
            "print(callable(first), impact is maintenance.impact, type(impact).__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "function"]


def test_unknown_name_of_a_lazy_package_is_an_attribute_error():
    import spaces

    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        spaces.no_such_thing  # noqa: B018 - the access is the test
    with pytest.raises(ImportError, match="no_such_thing"):
        from viewer import no_such_thing  # noqa: F401


def test_graph_version_has_one_source():
    import spaces
    import spaces.building
    import spaces.versions

    assert spaces.building.GRAPH_VERSION is spaces.versions.GRAPH_VERSION is spaces.GRAPH_VERSION


def test_a_cached_inspect_json_is_answered_before_typer_loads(tmp_path):
    source = str(SHARED_IFC / "AC20-FZK-Haus.ifc")
    code = ("import sys; from twin.cli.launch import cached_inspect_json; "
            "out = cached_inspect_json(sys.argv[1:]); "
            "print(out is not None, 'typer' in sys.modules, file=sys.stderr); "
            "sys.stdout.write(out or '')")
    env = dict(os.environ, TWIN_CACHE_DIR=str(tmp_path))

    def launch(*args):
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                              text=True, env=env, timeout=120, check=True)

    assert launch("inspect", source, "--json").stderr.split() == ["False", "False"]  # a miss
    full = run_twin("inspect", source, "--json", cache_dir=tmp_path)  # fills the cache
    assert full.returncode == 0, full.stderr
    hit = launch("inspect", "--json", source)
    assert hit.stderr.split() == ["True", "False"] and hit.stdout == full.stdout
    # anything else is the full command line's: other options, other commands, no file
    for args in (("inspect", source), ("inspect", source, "--json", "--no-cache"),
                 ("graph", source, "--json"), ("inspect", str(tmp_path / "none.ifc"), "--json")):
        assert launch(*args).stderr.split()[0] == "False", args


def test_version_is_answered_before_typer_loads_and_says_the_same():
    code = ("import sys; from twin.cli.launch import main; sys.argv = ['twin', 'version']; "
            "main(); print('typer' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stderr.split() == ["False"]
    assert done.stdout == run_twin("version").stdout
    assert done.stdout.startswith("facility-twin ") and "(parser " in done.stdout
