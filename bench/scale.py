"""Benchmark: the API on 1, 2 and 4 workers (``twin serve --workers N``) on PostgreSQL.

For each worker count, against a real PostgreSQL server (tests/pg_server.py) holding the demo
portfolio (the sample building; ``--buildings`` copies of it as further buildings are not
made here, see the note printed):

(a) ``ingest``  ``--clients`` client threads post batches of ``--batch`` readings on
    ``POST /ingest`` (gateway token, keep-alive connections spread over the workers by the
    kernel) for ``--seconds``; readings/s acknowledged, p95 of a batch, and **lost**:
    acknowledged readings not found in the database afterwards.
(b) ``reads``   the same clients read the main endpoints (portfolio list, live state by
    space, alarms, work orders, spaces) for ``--seconds``; requests/s and p95 per endpoint.

The baseline is the single worker of the same run. Target (issue 20): >= 2x the single-worker
ingest with 4 workers, 0 lost. The client threads run on the same machine as the workers and
PostgreSQL: on a 2-core machine they all compete for the same cores.

Usage::

    python -P bench/scale.py [--workers 1,2,4] [--seconds 10] [--clients 8] [--batch 500]
                             [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO / "tests"))
READS = ("/buildings", "/buildings/{b}/state/spaces?kind=temperature", "/buildings/{b}/alarms",
         "/buildings/{b}/work-orders", "/buildings/{b}/spaces?limit=50")


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20)[18]


def _prepare(url: str) -> tuple[Path, int, str, list[str]]:
    """The demo on ``url``; the data folder, building id, a gateway token, device keys."""
    from sqlalchemy import select

    from twin.core import accounts
    from twin.core.database import Database
    from twin.core.settings import Settings
    from twin.demo import prepare_demo
    from twin.iot.tables import DeviceRow

    folder = OUT / "scale-data"
    template = OUT / "ingest-template"  # bench/ingest.py's: reuse its sample and cache
    shutil.rmtree(folder, ignore_errors=True)
    if template.is_dir():
        shutil.copytree(template, folder, ignore=shutil.ignore_patterns("twin.db*"))
    settings = Settings(data_dir=folder, database_url=url, cache_dir=folder / "cache")
    state = prepare_demo(settings)
    database = Database(url)
    with database.session() as session:
        token = accounts.issue_device_token(session, device="bench-gateway",
                                            building_id=state.building_id, kind="gateway")
        keys = sorted(session.scalars(select(DeviceRow.key).where(
            DeviceRow.building_id == state.building_id, DeviceRow.kind.in_(
                ["temperature", "co2", "humidity", "power"]))))
    database.dispose()
    return folder, state.building_id, token, keys


def _workers_connected(url: str) -> int:
    import psycopg

    from twin.core.cluster import libpq_url

    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        return connection.execute("SELECT count(*) FROM pg_stat_activity WHERE "
                                  "application_name LIKE 'twin-worker-%%'").fetchone()[0]


@contextlib.contextmanager
def _server(folder: Path, url: str, workers: int, naive: bool = False):
    from http_helpers import wait_until_healthy
    from ports import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
    env.update(TWIN_DATA_DIR=str(folder), TWIN_DATABASE_URL=url,
               TWIN_CACHE_DIR=str(folder / "cache"))
    log = (OUT / f"scale-server-{workers}.log").open("wb")
    command = [sys.executable, "-m", "twin.cli", "serve", "--workers", str(workers),
               "--port", str(port)]
    if naive:  # independent processes: no cluster (rules in each, pushes stay local)
        command = [sys.executable, "-m", "uvicorn", "twin.api.workers:worker_app",
                   "--factory", "--workers", str(workers), "--port", str(port),
                   "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(f"{base}/health", server, timeout=300, exit_output=lambda: "")
        deadline = time.monotonic() + 300
        while workers > 1 and not naive and _workers_connected(url) < workers:
            assert time.monotonic() < deadline, "the workers did not all start"
            time.sleep(0.5)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _run_clients(clients: int, seconds: float, work) -> list:
    stop = threading.Event()
    results: list[list] = [[] for _ in range(clients)]
    threads = [threading.Thread(target=work, args=(i, stop, results[i]), daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(60)
    return [r for part in results for r in part]


def bench_ingest(base: str, token: str, keys: list[str], *, clients: int, seconds: float,
                 batch: int, t0: float) -> dict:
    import httpx

    def work(index: int, stop: threading.Event, out: list) -> None:
        n = 0
        with httpx.Client(base_url=base, timeout=60, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"}) as c:
            while not stop.is_set():
                # one device per client thread per batch, unique times: no duplicates
                rows = [{"device": keys[(index * 7 + n + i) % len(keys)],
                         "ts": t0 + index * 1000 + (n + i) / 1000, "value": 20 + i % 50 / 10}
                        for i in range(batch)]
                n += batch
                started = time.perf_counter()
                answer = c.post("/ingest", content=json.dumps(rows))
                if answer.status_code == 200:
                    out.append((time.perf_counter() - started, answer.json()["stored"],
                                [(r["device"], round(r["ts"] * 1000)) for r in rows]))

    started = time.perf_counter()
    done = _run_clients(clients, seconds, work)
    elapsed = time.perf_counter() - started
    acked = [k for _latency, _stored, ks in done for k in ks]
    return {"readings": len(acked), "readings_per_s": len(acked) / elapsed,
            "batch_p95_ms": 1000 * _p95([d[0] for d in done]), "acked": acked}


def _lost(url: str, acked: list[tuple[str, int]], since_ms: int) -> int:
    import psycopg

    from twin.core.cluster import libpq_url

    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        stored = set(connection.execute(
            "SELECT d.key, r.ts FROM readings r JOIN devices d ON d.id = r.device_id "
            "WHERE r.ts >= %s", (since_ms,)).fetchall())
    return len(set(acked) - stored)


def bench_reads(base: str, building: int, *, clients: int, seconds: float) -> dict:
    import httpx
    from http_helpers import http_sign_in

    token = http_sign_in(base, "admin")
    paths = [p.format(b=building) for p in READS]

    def work(index: int, stop: threading.Event, out: list) -> None:
        n = index
        with httpx.Client(base_url=base, timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as c:
            while not stop.is_set():
                path = paths[n % len(paths)]
                n += 1
                started = time.perf_counter()
                answer = c.get(path)
                out.append((path, time.perf_counter() - started, answer.status_code))

    started = time.perf_counter()
    done = _run_clients(clients, seconds, work)
    elapsed = time.perf_counter() - started
    errors = sum(1 for d in done if d[2] != 200)
    per_path = {READS[i]: round(1000 * _p95([d[1] for d in done if d[0] == p]), 1)
                for i, p in enumerate(paths)}
    return {"requests": len(done), "requests_per_s": len(done) / elapsed, "errors": errors,
            "p95_ms": round(1000 * _p95([d[1] for d in done]), 1), "p95_ms_by_path": per_path}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--naive", default="",
                        help="also these worker counts as independent processes, without "
                             "the cluster (what the cluster costs), e.g. 2")
    args = parser.parse_args()
    from pg_server import running_postgres

    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    with running_postgres() as url:
        folder, building, token, keys = _prepare(url)
        plan = [(int(w), False) for w in args.workers.split(",")] + \
            [(int(w), True) for w in args.naive.split(",") if w]
        for round_, (workers, naive) in enumerate(plan):
            t0 = time.time() - 86400 + round_ * 20000  # each round its own span of times
            with _server(folder, url, workers, naive) as base:
                ingest = bench_ingest(base, token, keys, clients=args.clients,
                                      seconds=args.seconds, batch=args.batch, t0=t0)
                lost = _lost(url, ingest.pop("acked"), round(t0 * 1000))
                reads = bench_reads(base, building, clients=args.clients,
                                    seconds=args.seconds)
            rows.append({"workers": f"{workers} (no cluster)" if naive else workers, **ingest,
                         "lost": lost, "reads": reads})
    base_rate = rows[0]["readings_per_s"]
    for row in rows:
        row["ingest_vs_1_worker"] = round(row["readings_per_s"] / base_rate, 2)
    result = {"cores": os.cpu_count(), "devices": len(keys), "buildings": 1,
              "clients": args.clients, "batch": args.batch, "seconds": args.seconds,
              "load_average": os.getloadavg(), "rows": rows}
    (OUT / "scale.json").write_text(json.dumps(result, indent=1))
    if args.json:
        print(json.dumps(result, indent=1))
    print(f"\n{len(keys)} devices, 1 building, {args.clients} client threads, batches of "
          f"{args.batch}, {args.seconds:g} s per phase, {os.cpu_count()} cores "
          f"(load average at the end {os.getloadavg()[0]:.1f})")
    print("| workers | ingest readings/s | × 1 worker | batch p95 ms | lost | reads req/s "
          "| read p95 ms | read errors |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['workers']} | {row['readings_per_s']:,.0f} | {row['ingest_vs_1_worker']}"
              f" | {row['batch_p95_ms']:.0f} | {row['lost']} | "
              f"{row['reads']['requests_per_s']:.0f} | {row['reads']['p95_ms']} | "
              f"{row['reads']['errors']} |")
    print("\nread p95 ms by endpoint:")
    for row in rows:
        print(f"  {row['workers']} workers: {row['reads']['p95_ms_by_path']}")


if __name__ == "__main__":
    main()
