"""Benchmark: the cost of trust (issue 11).

    make bench-trust                                   # 1M patients / ~70k events; 20 writers x 100 choices
    .venv/bin/python bench/trust.py --patients 100000 --writers 4 --each 20 --before /tmp/ndop-main   # quick

1. `ndop audit verify` (chain, sealed history, projection rebuilt from the history, every persisted snapshot)
   on a registry of `--patients` people and about 70k choice events (a generated population whose choices
   are sealed by one import record, plus `--recorded` choices each sealed by its own `choice.recorded`
   record), on SQLite and PostgreSQL, each in its own process.
2. `record_choice` throughput with `--writers` processes on PostgreSQL, before and after the chained history:
   "before" runs bench/trust_writers.py with the Python of a checkout of main without it (`--before DIR`,
   a git worktree at 233c915 with its own .venv), "after" with this checkout's. Same server, same run,
   fresh databases. Prints the ratio. Raw results: bench/out/trust.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG = os.environ.get("NDOP_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]


def child_verify(url: str, patients: int, recorded: int, work: str) -> dict:
    os.environ["DATABASE_URL"] = url
    os.environ["NDOP_VAR_DIR"] = work
    from ndop import container

    container.setup_django()
    container.migrate()
    import csv
    from datetime import UTC, date, datetime

    from ndop.demo.population.generator import PopulationSpec
    from ndop.demo.population.writer import generate_population
    from ndop.domain.common.actors import Actor
    from ndop.domain.common.nhs_number import NhsNumber
    from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
    from ndop.services.check.verify_snapshots import verify_snapshots
    from ndop.services.population.import_population import import_population
    from ndop.services.registry.record_choice import record_choice
    from ndop.services.registry.verify_audit import verify_registry

    directory = Path(work) / "population"
    directory.mkdir(parents=True, exist_ok=True)
    spec = PopulationSpec(patients, 0.054, 1, date(2026, 11, 1), not_after=datetime.now(UTC))
    with open(directory / "patients.csv", "wb") as p, open(directory / "choices.csv", "wb") as c:
        generate_population(spec, p, c)
    registry = container.registry()
    with open(directory / "patients.csv", "rb") as p, open(directory / "choices.csv", "rb") as c:
        imported = import_population(registry, container.population_store, p, c, imported_by=Actor.system_job("bench"),
                                     source="population:bench")
    with open(directory / "patients.csv", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        # Living people with a current number, so that every choice is accepted.
        numbers = [row[0] for row in rows if not row[10] and not row[11] and row[3] < "2000-01-01"][:recorded]
    for i, digits in enumerate(numbers):
        choice = Choice.OPTED_OUT if i % 2 else Choice.NOT_OPTED_OUT
        record_choice(registry, ChoiceRequest(NhsNumber(digits), choice, Channel.ONLINE),
                      recorded_by=Actor.system_job("bench"))
    container.check_service().snapshots.current()  # a persisted snapshot for verify to check
    start = time.perf_counter()
    verdict = verify_registry(container.registry(), container.history_reader())
    chain_s = time.perf_counter() - start
    start = time.perf_counter()
    snapshots = verify_snapshots(container.opt_out_source(), container.snapshot_store())
    snapshot_s = time.perf_counter() - start
    assert verdict.problem is None and snapshots.problem is None, (verdict.problem, snapshots.problem)
    return {"patients": patients, "events": verdict.events, "audit_records": verdict.records,
            "imported_events": imported.choice_events, "chain_history_projection_s": chain_s,
            "snapshots_s": snapshot_s, "snapshots": snapshots.checked, "total_s": chain_s + snapshot_s}


def _scratch(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{PG}/{name}"


def _drop(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")


def _run_child(args: list[str], python: str = sys.executable, env: dict | None = None) -> dict:
    out = subprocess.run([python, *args], check=True, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--recorded", type=int, default=10_000, help="choices recorded one by one on top")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--each", type=int, default=100)
    parser.add_argument("--before", type=Path, help="a checkout of main (233c915) with a .venv")
    parser.add_argument("--child", nargs="*")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_verify(args.child[0], int(args.child[1]), int(args.child[2]), args.child[3])))
        return
    if args.before is None or not (args.before / ".venv" / "bin" / "python").exists():
        sys.exit("--before must name a checkout of main at 233c915 with a .venv (see the Makefile)")
    results: dict = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
    with tempfile.TemporaryDirectory() as work:
        sqlite = f"sqlite:///{work}/verify.sqlite3"
        results["verify_sqlite"] = _run_child([__file__, "--child", sqlite, str(args.patients), str(args.recorded),
                                               f"{work}/sqlite"])
        url = _scratch("ndop_bench_trust_verify")
        try:
            results["verify_postgresql"] = _run_child([__file__, "--child", url, str(args.patients),
                                                       str(args.recorded), f"{work}/pg"])
        finally:
            _drop("ndop_bench_trust_verify")
        for label, python in (("before", str(args.before / ".venv" / "bin" / "python")), ("after", sys.executable)):
            name = f"ndop_bench_trust_{label}"
            url = _scratch(name)
            try:
                results[f"writers_{label}"] = _run_child(
                    [str(ROOT / "bench" / "trust_writers.py"), url, str(args.writers), str(args.each)], python,
                    env={"NDOP_VAR_DIR": f"{work}/{label}"})
            finally:
                _drop(name)
    OUT.mkdir(exist_ok=True)
    (OUT / "trust.json").write_text(json.dumps(results, indent=2))
    for db in ("sqlite", "postgresql"):
        r = results[f"verify_{db}"]
        print(f"audit verify, {db}: {r['patients']:,} patients, {r['events']:,} events, {r['audit_records']:,} audit "
              f"records: chain+history+projection {r['chain_history_projection_s']:.2f} s, "
              f"snapshots {r['snapshots_s']:.2f} s, total {r['total_s']:.2f} s")
    before, after = results["writers_before"], results["writers_after"]
    print(f"record_choice, {args.writers} writers on PostgreSQL: before {before['per_second']:.0f}/s, "
          f"after {after['per_second']:.0f}/s, after/before {after['per_second'] / before['per_second']:.2f}")


if __name__ == "__main__":
    main()
