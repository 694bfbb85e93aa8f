"""Check service channels: MESH end to end, and the JSON API under 16 concurrent clients.

    make bench-channels                      # 10M numbers through MESH, 10 s per API scenario
    make bench-channels BENCH_ARGS="--numbers 200000 --api-seconds 3"   # a quick run

MESH: `ndop mesh-sandbox` and `ndop mesh-worker` run as their own processes (as `make run` starts
them); this script is the organisation: it sends a .dat of N numbers from the demo organisation's
mailbox (chunked at 20 MiB, as a MESH client does) and waits for the cleaned file. End to end is from
the start of the send to the last byte of the response read; the check's share is the CheckJob's
own start-to-finish. Peer: the same file through `ndop check` (what MESH adds on top of the check).

API: `ndop serve` (its default workers x threads, or `--workers`/`--threads`), 16 client threads for a
fixed time per scenario: a 1-number and a 1,000-number JSON check, with `GET /api/v1/health` as the floor
(HTTP, auth-free, no database). `--database postgres` runs the whole benchmark on a scratch PostgreSQL
database made from `--pg-url` (dropped afterwards); the default is the embedded SQLite file.
Raw results go to bench/out/channels.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent
# The synthetic NHS numbers the tests use (9xx test range), rather than a second copy of the generator.
sys.path.insert(0, str(ROOT.parent))
from tests.synthetic import valid_numbers  # noqa: E402

OUT = ROOT / "out"
NDOP = Path(sys.executable).with_name("ndop")
DEMO_MAILBOX = "ZZ001OT001"
REGISTRY_MAILBOX = "X26HC065"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_dat(path: Path, numbers: np.ndarray) -> None:
    with path.open("wb") as f:
        for start in range(0, numbers.size, 1_000_000):
            part = numbers[start:start + 1_000_000]
            rows = np.empty((part.size, 13), dtype=np.uint8)
            rows[:, :10] = (part[:, None] // 10 ** np.arange(9, -1, -1, dtype=np.int64)) % 10 + ord("0")
            rows[:, 10:] = np.frombuffer(b",\r\n", dtype=np.uint8)
            f.write(rows.tobytes())


def run(env: dict[str, str], *args: str) -> str:
    return subprocess.run([str(NDOP), *args], env=env, check=True, capture_output=True, text=True).stdout


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.1)


def demo_api_key(env: dict[str, str]) -> str:
    for line in run(env, "demo").splitlines():
        if line.strip().startswith("ndop_"):
            return line.strip()
    raise RuntimeError("ndop demo printed no API key")


def job_seconds(env: dict[str, str], reference: str) -> dict[str, float]:
    code = (
        "import json,sys; from ndop import container; container.setup_django();"
        "from ndop.adapters.db import models as m;"
        f"j=m.CheckJob.objects.get(reference={reference!r});"
        f"r=m.MeshRequest.objects.get(message_id={reference!r});"
        "print(json.dumps({'check_s': (j.finished_at-j.started_at).total_seconds(),"
        " 'received_to_answered_s': (r.answered_at-r.received_at).total_seconds(), 'rows_in': j.rows_in}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def bench_mesh(env: dict[str, str], request: Path, count: int) -> dict[str, object]:
    from mesh_client import MeshClient

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    menv = {**env, "NDOP_MESH_URL": url, "NDOP_MESH_POLL_SECONDS": "0.2"}
    logs = OUT / "channels-mesh.log"
    with logs.open("wb") as log:
        sandbox = subprocess.Popen([str(NDOP), "mesh-sandbox", "--port", str(port)], env=menv, stdout=log, stderr=log)
        try:
            wait_http(f"{url}/health", sandbox)
            worker = subprocess.Popen([str(NDOP), "mesh-worker", "--worker-id", "bench"], env=menv, stdout=log,
                                      stderr=log)
            try:
                time.sleep(3)  # let the worker start and handshake before the clock starts
                with MeshClient(url, mailbox=DEMO_MAILBOX, password="password", max_retries=0,
                                max_chunk_size=20 * 1024 * 1024) as org:
                    org._session.headers["Accept-Encoding"] = "identity"
                    started = time.perf_counter()
                    with request.open("rb") as body:
                        message_id = org.send_message(REGISTRY_MAILBOX, body, workflow_id="SPINE_NTT_UPHOLDING",
                                                      filename=f"{DEMO_MAILBOX}-231126-0001.dat", local_id="bench")
                    sent = time.perf_counter()
                    response = None
                    while response is None:
                        for mid in org.list_messages():
                            message = org.retrieve_message(mid)
                            if message.filename.endswith("_RESPONSE.dat"):
                                response = message
                                break
                            message.close()
                            org.acknowledge_message(mid)
                        if response is None:
                            if time.perf_counter() - started > 1800:
                                raise RuntimeError("no response within 30 minutes")
                            time.sleep(0.05)
                    answered = time.perf_counter()
                    received = 0
                    while block := response.read(8 << 20):
                        received += len(block)
                    done = time.perf_counter()
                    response.close()
                    org.acknowledge_message(response.id())
            finally:
                worker.terminate()
                worker.wait(30)
        finally:
            sandbox.terminate()
            sandbox.wait(30)
    timings = job_seconds(env, message_id)
    return {
        "numbers": count, "request_bytes": request.stat().st_size, "response_bytes": received,
        "send_s": sent - started, "until_response_listed_s": answered - started, "end_to_end_s": done - started,
        **timings,
    }


def bench_direct(env: dict[str, str], request: Path) -> tuple[float, float]:
    """(wall seconds of `ndop check`, seconds of its CheckJob)."""
    target = OUT / "channels-direct-response.dat"
    run(env, "check", str(request), "-o", str(target))  # warm: snapshot built and saved
    started = time.perf_counter()
    subprocess.run([str(NDOP), "check", str(request), "-o", str(target)], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    code = ("from ndop import container; container.setup_django(); from ndop.adapters.db import models as m;"
            "j=m.CheckJob.objects.filter(channel='cli').latest('started_at');"
            "print((j.finished_at-j.started_at).total_seconds())")
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return wall, float(out.strip().splitlines()[-1])


def _client_process(url: str, seconds: float, threads: int, method: str, body: bytes | None,
                    headers: dict[str, str], out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """`threads` keep-alive clients (http.client: a few tens of microseconds a request, where `requests`
    costs several hundred) in one process; puts (latencies, errors)."""
    parts = urlsplit(url)
    latencies: list[float] = []
    errors = [0]
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while time.perf_counter() < stop_at:
            t = time.perf_counter()
            conn.request(method, parts.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - t)
            if response.status != 200:
                errors[0] += 1
        conn.close()

    pool = [threading.Thread(target=client) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    out.put((latencies, errors[0], cpu))


_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the live processes `pids` have used so far, from /proc (Linux)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone: its time is lost to this count (gunicorn workers live through a run)
        total += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of stat)
    return total


def process_tree(root: int) -> list[int]:
    """`root` and every process below it (the gunicorn master and its workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


class CpuMeter:
    """CPU seconds of the server's processes and of this database's PostgreSQL backends over a scenario
    (the load generator's own CPU comes back from its processes). PostgreSQL's shared background
    processes (WAL writer, checkpointer) are left out: other users of the server share them."""

    def __init__(self, server: int, env: dict[str, str]) -> None:
        self.server, self.database_url = server, env.get("DATABASE_URL", "")

    def backends(self) -> list[int]:
        if not self.database_url:
            return []
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            me = conn.info.backend_pid
            rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").fetchall()
        return [pid for (pid,) in rows if pid != me]

    def read(self) -> tuple[float, float]:
        return process_cpu(process_tree(self.server)), process_cpu(self.backends())


def api_records(env: dict[str, str]) -> tuple[int, int]:
    """(API CheckJobs, check.completed audit events) in the registry now."""
    code = ("from ndop import container; container.setup_django(); from ndop.adapters.db import models as m;"
            "print(m.CheckJob.objects.filter(channel='api').count(),"
            " m.AuditEvent.objects.filter(action='check.completed').count())")
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    jobs, events = out.split()[-2:]
    return int(jobs), int(events)


def load(url: str, seconds: float, clients: int, *, method: str = "GET", body: bytes | None = None,
         headers: dict[str, str] | None = None, processes: int = 2, meter: CpuMeter | None = None) -> dict[str, float]:
    """`clients` concurrent keep-alive clients for `seconds`, spread over `processes` client processes
    (so that the load generator is not held to one core by its own GIL). With a `meter`, also the CPU
    milliseconds a request of the server, of PostgreSQL's backends and of the load generator."""
    out: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    before = meter.read() if meter else (0.0, 0.0)
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    started = time.perf_counter()
    procs = [multiprocessing.Process(target=_client_process, args=(url, seconds, n, method, body, headers or {}, out))
             for n in shares if n]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    after = meter.read() if meter else (0.0, 0.0)
    flat = sorted(x for latencies, _, _ in results for x in latencies)
    per_request = 1000 / max(len(flat), 1)
    return {
        "requests": len(flat), "errors": sum(e for _, e, _ in results), "rps": len(flat) / elapsed,
        "p50_ms": 1000 * statistics.median(flat), "p95_ms": 1000 * flat[int(0.95 * (len(flat) - 1))],
        "server_cpu_ms": (after[0] - before[0]) * per_request, "database_cpu_ms": (after[1] - before[1]) * per_request,
        "client_cpu_ms": sum(c for _, _, c in results) * per_request,
        "load_average": os.getloadavg()[0],
    }


def bench_api(env: dict[str, str], key: str, seconds: float, clients: int,
              serve_args: list[str]) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    run(env, "org", "limits", "ZZ001", "--per-minute", "10000000")
    jobs_before, events_before = api_records(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (OUT / "channels-serve.log").open("wb") as log:
        server = subprocess.Popen([str(NDOP), "serve", "--port", str(port), *serve_args], env=env, stdout=log,
                                  stderr=log)
        try:
            wait_http(f"{base}/api/v1/health", server)
            meter = CpuMeter(server.pid, env)
            numbers = [str(n) for n in valid_numbers(1000, seed=3)]
            auth = {"X-API-Key": key, "Content-Type": "application/json"}
            # Warm every worker and thread (imports, connections, the snapshot) before the clock starts.
            warm = load(f"{base}/api/v1/checks", min(seconds, 3), clients, method="POST", headers=auth,
                 body=json.dumps({"nhs_numbers": numbers[:1]}).encode())
            results = {
                "health (floor)": load(f"{base}/api/v1/health", seconds, clients, meter=meter),
                "check, 1 number": load(f"{base}/api/v1/checks", seconds, clients, method="POST", headers=auth,
                                        body=json.dumps({"nhs_numbers": numbers[:1]}).encode(), meter=meter),
                "check, 1,000 numbers": load(f"{base}/api/v1/checks", seconds, clients, method="POST", headers=auth,
                                             body=json.dumps({"nhs_numbers": numbers}).encode(), meter=meter),
            }
        finally:
            server.terminate()
            server.wait(30)
    # Every answered call is a CheckJob with its audit event, and the chain still verifies: checked in the run.
    jobs, events = api_records(env)
    calls = warm["requests"] + results["check, 1 number"]["requests"] + results["check, 1,000 numbers"]["requests"]
    verified = subprocess.run([str(NDOP), "audit", "verify"], env=env, capture_output=True, text=True)
    print(f"API calls {calls:,.0f}: {jobs - jobs_before:,} new CheckJobs, {events - events_before:,} new "
          f"check.completed audit events; `ndop audit verify` exit {verified.returncode}")
    if not (jobs - jobs_before == events - events_before == calls and verified.returncode == 0):
        raise SystemExit("the API's calls, CheckJobs and audit events do not agree, or the chain does not verify")
    return results, {"calls": int(calls), "check_jobs": jobs - jobs_before, "audit_events": events - events_before,
                     "audit_verify_exit": verified.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--numbers", type=int, default=10_000_000)
    parser.add_argument("--api-seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--skip-mesh", action="store_true")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("NDOP_BENCH_PG_URL",
                                                           "postgres://postgres@127.0.0.1:5432/postgres"),
                        help="an administrative URL: a scratch database is made beside it and dropped")
    parser.add_argument("--workers", type=int, help="ndop serve --workers (default: its own)")
    parser.add_argument("--threads", type=int, help="ndop serve --threads (default: its own)")
    args = parser.parse_args()

    OUT.mkdir(exist_ok=True)
    var = OUT / "channels-var"
    shutil.rmtree(var, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["NDOP_VAR_DIR"] = str(var)
    scratch = ""
    if args.database == "postgres":
        import psycopg

        scratch = f"ndop_bench_channels_{os.getpid()}"
        parts = urlsplit(args.pg_url)
        env["DATABASE_URL"] = urlunsplit((parts.scheme, parts.netloc, f"/{scratch}", parts.query, parts.fragment))
        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        run_all(args, env, var)
    finally:
        if scratch:
            with psycopg.connect(args.pg_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def io_pressure() -> str:
    """The kernel's I/O pressure (`some avg10`): how much of the time something waited for the disk. Every
    commit waits for a WAL flush, so on a shared machine this moves the API figures as much as the CPU load."""
    try:
        return Path("/proc/pressure/io").read_text().splitlines()[0].split()[1]
    except (OSError, IndexError):
        return "n/a"


def run_all(args: argparse.Namespace, env: dict[str, str], var: Path) -> None:
    key = demo_api_key(env)
    serve_args = [*(["--workers", str(args.workers)] if args.workers else []),
                  *(["--threads", str(args.threads)] if args.threads else [])]
    results: dict[str, object] = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "numbers": args.numbers, "database": args.database, "serve_args": serve_args,
        "load_average_before": os.getloadavg(), "io_pressure_before": io_pressure(),
    }

    if not args.skip_mesh:
        request = OUT / "channels-request.dat"
        write_dat(request, valid_numbers(args.numbers))
        direct, direct_job = bench_direct(env, request)
        mesh = bench_mesh(env, request, args.numbers)
        results["mesh"] = mesh
        results["direct_ndop_check_s"] = direct
        results["direct_ndop_check_job_s"] = direct_job
        print(f"\nMESH, {args.numbers:,} numbers ({mesh['request_bytes'] / 1e6:.0f} MB), via mesh-sandbox")
        print(f"{'step':<46}{'seconds':>10}{'share':>9}")
        e2e = float(mesh["end_to_end_s"])  # type: ignore[arg-type]
        for label, name in (("send (20 MiB chunks)", "send_s"),
                            ("send start -> response listed", "until_response_listed_s"),
                            ("  of which the check itself (CheckJob)", "check_s"),
                            ("  worker: first seen -> answered", "received_to_answered_s"),
                            ("end to end (last response byte read)", "end_to_end_s")):
            value = float(mesh[name])  # type: ignore[arg-type]
            print(f"{label:<46}{value:>10.2f}{value / e2e:>9.0%}")
        print(f"{'peer: ndop check on the same file (wall)':<46}{direct:>10.2f}")
        print(f"{'  of which its CheckJob':<46}{direct_job:>10.2f}")
        print(f"{'ratio MESH end to end / ndop check (wall)':<46}{e2e / direct:>10.1f}x")

    if not args.skip_api:
        api, results["api_records"] = bench_api(env, key, args.api_seconds, args.clients, serve_args)
        results["api"] = api
        results["load_average_after"] = os.getloadavg()
        results["io_pressure_after"] = io_pressure()
        floor = api["health (floor)"]
        print(f"\nAPI on {args.database}, {args.clients} concurrent clients, {args.api_seconds:g} s each, "
              f"ndop serve {' '.join(serve_args) or '(its defaults)'}; load average before "
              f"{results['load_average_before']}, after {results['load_average_after']}; I/O pressure "
              f"{results['io_pressure_before']} before, {results['io_pressure_after']} after")
        print("CPU ms a request: the server's processes, this database's PostgreSQL backends, the load generator; "
              "load: the 1-minute load average at the end of the scenario")
        print(f"{'scenario':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}{'vs floor':>10}"
              f"{'server':>8}{'pg':>7}{'client':>8}{'load':>6}")
        for name, r in api.items():
            print(f"{name:<24}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['errors']:>8.0f}"
                  f"{r['rps'] / floor['rps']:>9.2f}x{r['server_cpu_ms']:>8.2f}{r['database_cpu_ms']:>7.2f}"
                  f"{r['client_cpu_ms']:>8.2f}{r['load_average']:>6.1f}")

    (OUT / "channels.json").write_text(json.dumps(results, indent=2))
    print(f"\nRaw results: {OUT / 'channels.json'}")


if __name__ == "__main__":
    main()
