"""Where one API check's time goes: queries and a cProfile of N in-process calls (no HTTP server).

    make bench-api-cost                                   # SQLite in a scratch var directory
    make bench-api-cost BENCH_ARGS="--database postgres"  # a scratch PostgreSQL database

The calls go through Django's test client (the whole middleware stack and the Ninja view), one after
another in one thread: this is cost per call, not throughput (bench/channels.py measures that).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
from tests.synthetic import valid_numbers  # noqa: E402

OUT = ROOT / "out"
NDOP = Path(sys.executable).with_name("ndop")


def measure(calls: int, numbers: int, top: int) -> None:
    from ndop import container

    container.setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    key = next(line.strip() for line in os.environ["BENCH_DEMO_OUTPUT"].splitlines()
               if line.strip().startswith("ndop_"))
    body = json.dumps({"nhs_numbers": [str(n) for n in valid_numbers(numbers, seed=3)]})
    client = Client(headers={"X-API-Key": key})

    def call() -> None:
        r = client.post("/api/v1/checks", data=body, content_type="application/json")
        assert r.status_code == 200, r.content[:200]

    for _ in range(20):
        call()
    with CaptureQueriesContext(connection) as queries:
        call()
    print(f"{len(queries.captured_queries)} queries in one call:")
    for q in queries.captured_queries:
        print(f"  {q['time']:>6}s  {q['sql'][:150]}")
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        call()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\n{calls} calls of {numbers} number(s): {1000 * wall / calls:.2f} ms a call, one thread, "
          f"of which {1000 * cpu / calls:.2f} ms CPU in this process (the rest: the database, the wait for it)")
    profile = cProfile.Profile(time.process_time) if os.environ.get("BENCH_CPU") else cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        call()
    profile.disable()
    if os.environ.get("BENCH_PROFILE_OUT"):
        profile.dump_stats(os.environ["BENCH_PROFILE_OUT"])
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(top)
    print(text.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--numbers", type=int, default=1)
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("NDOP_BENCH_PG_URL",
                                                           "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.measure:
        measure(args.calls, args.numbers, args.top)
        return
    OUT.mkdir(exist_ok=True)
    var = OUT / "api-cost-var"
    shutil.rmtree(var, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["NDOP_VAR_DIR"] = str(var)
    scratch = ""
    if args.database == "postgres":
        import psycopg

        scratch = f"ndop_bench_api_cost_{os.getpid()}"
        parts = urlsplit(args.pg_url)
        env["DATABASE_URL"] = urlunsplit((parts.scheme, parts.netloc, f"/{scratch}", parts.query, parts.fragment))
        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        demo = subprocess.run([str(NDOP), "demo"], env=env, check=True, capture_output=True, text=True).stdout
        subprocess.run([str(NDOP), "org", "limits", "ZZ001", "--per-minute", "10000000"], env=env, check=True,
                       capture_output=True)
        env["BENCH_DEMO_OUTPUT"] = demo
        print(f"{args.database}, load average {os.getloadavg()}", flush=True)
        subprocess.run([sys.executable, __file__, "--measure", "--calls", str(args.calls), "--numbers",
                        str(args.numbers), "--top", str(args.top)], env=env, check=True)
    finally:
        if scratch:
            with psycopg.connect(args.pg_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


if __name__ == "__main__":
    main()
