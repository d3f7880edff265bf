"""Fuzz the API with schemathesis (coverage, fuzzing and stateful phases) against a real
server on a copy of the demo data: every answer must be declared in ``/openapi.json`` and
valid against its schema, and none may be a 500.

Usage::

    python bench/fuzz_api.py                       # a fresh demo, 5 minutes
    python bench/fuzz_api.py --max-time 60 --data DIR --json

``--data`` takes a data folder prepared by ``twin demo`` (it is copied, never changed).
Prints a JSON summary (``--json``) or a table: operations, test cases, failures by check.
The short run is part of the test command (``tests/test_hardening_schemathesis.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Operations left out: signing out, and changing or deleting accounts (schemathesis takes
#: ``admin`` from ``GET /users``: a new password revokes the fuzzer's own token, and every
#: later answer would be a 401).
EXCLUDED_PATHS = ("/auth/sign-out", "/users/{username}")
#: Reports rendered on demand (PDF): minutes on a busy machine; their own tests cover them.
EXCLUDED_REGEX = r"\.pdf$"
#: Checks run on every answer.
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sign_in(base: str) -> str:
    sys.path.insert(0, str(ROOT))
    from twin.demo import DEMO_USERS

    body = json.dumps({"username": "admin", "password": DEMO_USERS["admin"][1]}).encode()
    request = urllib.request.Request(f"{base}/auth/token", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["access_token"]


def _wait(base: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not answer in time")


def _summary(report: Path) -> dict:
    """Counts from schemathesis' NDJSON event stream."""
    failures: dict[str, int] = {}
    cases = operations = 0
    examples: list[str] = []
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        for name, data in event.items():
            if name == "ScenarioFinished":
                operations += 1
                recorder = data.get("recorder") or {}
                cases += len(recorder.get("cases") or {})
                for checks in (recorder.get("checks") or {}).values():
                    for check in checks:
                        if str(check.get("status", "")).lower() == "failure":
                            failures[check["name"]] = failures.get(check["name"], 0) + 1
                            if len(examples) < 10:
                                failure = check.get("failure_info") or {}
                                examples.append(str(failure)[:400])
    return {"operations": operations, "test_cases": cases,
            "failures": sum(failures.values()), "failures_by_check": failures,
            "examples": examples}


def fuzz(data: Path, *, max_time: int, max_examples: int, phases: str,
         workers: int = 1, seed: int | None = None, keep: Path | None = None) -> dict:
    """Serve a copy of ``data`` and run schemathesis against it; the summary and exit code
    (``keep``: a folder for schemathesis' reports, kept after the run)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "data"
        shutil.copytree(data, copy)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, TWIN_DATA_DIR=str(copy), TWIN_PORT=str(port),
                   TWIN_SIMULATE="0", TWIN_CACHE_DIR=str(Path(folder) / "cache"))
        env.pop("TWIN_DATABASE_URL", None)
        server = subprocess.Popen([sys.executable, "-m", "twin.cli", "serve", "--port",
                                   str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        try:
            _wait(base, server)
            token = _sign_in(base)
            reports = Path(keep) if keep else Path(folder)
            reports.mkdir(parents=True, exist_ok=True)
            report = reports / "events.ndjson"
            schema = reports / "openapi.json"  # fetched here: a busy server takes > 10 s
            with urllib.request.urlopen(f"{base}/openapi.json", timeout=300) as answer:
                schema.write_bytes(answer.read())
            command = [str(Path(sys.executable).with_name("st")), "run", str(schema),
                       "--url", base,
                       "--phases", phases, "--checks", CHECKS, "--max-examples",
                       str(max_examples), "--max-time", str(max_time), "--workers",
                       str(workers), "--header", f"Authorization: Bearer {token}",
                       "--request-timeout", "60", "--report", "ndjson",
                       "--report-ndjson-path", str(report), "--report-dir", str(reports),
                       "--suppress-health-check", "all",
                       "--no-shrink"]
            for path in EXCLUDED_PATHS:
                command += ["--exclude-path", path]
            command += ["--exclude-path-regex", EXCLUDED_REGEX]
            if seed is not None:
                command += ["--seed", str(seed)]
            started = time.monotonic()
            run = subprocess.run(command, cwd=folder, capture_output=True, text=True,
                                 timeout=max_time + 300, check=False)
            summary = _summary(report) if report.is_file() else {"failures": None}
            summary.update(exit_code=run.returncode, seconds=round(time.monotonic() - started),
                           phases=phases, output_tail=run.stdout[-3000:] + run.stderr[-1000:])
            return summary
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def _demo_data(folder: Path) -> Path:
    from twin.core.settings import Settings
    from twin.demo import prepare_demo

    prepare_demo(Settings(data_dir=folder))
    return folder


def main() -> None:
    """Command line: see the module's docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a demo data folder (copied)")
    parser.add_argument("--max-time", type=int, default=300)
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--phases", default="coverage,fuzzing,stateful")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--keep", type=Path, help="keep schemathesis' reports here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = args.data or _demo_data(Path(folder) / "demo")
        summary = fuzz(data, max_time=args.max_time, max_examples=args.max_examples,
                       phases=args.phases, workers=args.workers, seed=args.seed,
                       keep=args.keep)
    if args.json:
        print(json.dumps(summary, indent=1, ensure_ascii=False))
    else:
        print(json.dumps({k: v for k, v in summary.items() if k != "output_tail"}, indent=1))
        print(f"\n{'operations':>12} {'test cases':>12} {'failures':>10} {'seconds':>8}")
        print(f"{summary.get('operations', 0):>12} {summary.get('test_cases', 0):>12} "
              f"{summary.get('failures')!s:>10} {summary['seconds']:>8}")
        print(summary["output_tail"][-1500:])
    sys.exit(0 if summary.get("failures") == 0 and summary["exit_code"] == 0 else 1)


if __name__ == "__main__":
    main()
