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
