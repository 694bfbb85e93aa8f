"""Benchmark: generate and import a synthetic population on SQLite and PostgreSQL, beside a plain peer.

    make bench-population                         # 1M and 10M patients, both databases, peer on 1M
    .venv/bin/python bench/population.py --sizes 100000 --peer-size 100000   # a quick run

Each step runs in its own process so that its peak RSS (getrusage ru_maxrss) is its own. Steps:
`generate` (ndop population generate), `import` (ndop population import: row checks, staging with
COPY / executemany, set-based merge, audit) and the peer `bulk_create`: the plain Django way (csv reader,
model instances, `bulk_create` in batches of 10,000, the projection with `bulk_create(update_conflicts=True)`),
which checks nothing; and on PostgreSQL at every size the peer `copy`: the fastest plain way, `COPY` of each CSV
file as it is through psycopg, then the events numbered and each person's latest taken in SQL. It checks
nothing either. At sizes up to --peer-size the tables each peer loaded are compared with the import's, row for
row (sha256 in key order); a difference stops the run. The import reports its time split per store step.
PostgreSQL runs in a scratch database (`ndop_bench` by default) created and dropped here. Raw results go to
bench/out/population.json; a table with rows/s, peak RSS, load average and ratios to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_PG = os.environ.get("NDOP_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/ndop_bench")
AS_OF = "2026-11-01"
PEER_BATCH = 10_000


# ---- child steps (each in a fresh process) ----------------------------------------------------------


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_generate(patients: int, out: Path) -> dict:
    from ndop.demo.population.generator import PopulationSpec
    from ndop.demo.population.writer import generate_population

    out.mkdir(parents=True, exist_ok=True)
    spec = PopulationSpec(patients, 0.054, 1, date.fromisoformat(AS_OF))
    start = time.perf_counter()
    with open(out / "patients.csv", "wb") as p, open(out / "choices.csv", "wb") as c:
        summary = generate_population(spec, p, c)
    return {"seconds": time.perf_counter() - start, "choices": summary.choice_rows}


def _server_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine: /proc); 0 on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(start_cpu: float, start_server: float) -> dict[str, float]:
    return {"cpu_s": round(time.process_time() - start_cpu, 2), "server_cpu_s": round(_server_cpu() - start_server, 2)}


def _django() -> None:
    from ndop import container

    container.setup_django()
    container.migrate()


def child_import(directory: Path) -> dict:
    _django()
    from ndop import container
    from ndop.domain.common.actors import Actor
    from ndop.services.population.import_population import import_population

    split = _timed_store_steps()
    cpu, server = time.process_time(), _server_cpu()
    start = time.perf_counter()
    with open(directory / "patients.csv", "rb") as p, open(directory / "choices.csv", "rb") as c:
        summary = import_population(
            container.registry(), container.population_store, p, c, imported_by=Actor.system_job("bench"),
            source="population:bench",
        )
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "choices": summary.choice_events, "split": split, **_cpu(cpu, server),
            **(_digests() if os.environ.get("BENCH_DIGEST") else {})}


def _timed_store_steps() -> dict[str, float]:
    """Time each step of the bulk store (reading and checking the files happens inside the two stage steps,
    overlapped with the COPY): the time split the docs report."""
    from ndop.adapters.db.population import DjangoPopulationStore

    split: dict[str, float] = {}
    for name in ("stage_patients", "stage_patients_csv", "stage_choices", "failing_lines", "merge_patients",
                 "merge_choices", "events_digest"):
        original = getattr(DjangoPopulationStore, name)

        def timed(self, *args, _original=original, _name=name, **kwargs):
            began = time.perf_counter()
            try:
                return _original(self, *args, **kwargs)
            finally:
                split[_name] = round(split.get(_name, 0.0) + time.perf_counter() - began, 2)

        setattr(DjangoPopulationStore, name, timed)
    return split


def child_peer(directory: Path) -> dict:
    """The plain way: csv + model instances + bulk_create in batches, in one transaction. No checks."""
    _django()
    import csv

    from django.db import transaction

    from ndop.adapters.db import models as m
    from ndop.adapters.db.registry import reserve_sequences

    cpu, server = time.process_time(), _server_cpu()
    start = time.perf_counter()
    with transaction.atomic():
        with open(directory / "patients.csv", newline="") as f:
            batch: list[m.Patient] = []
            for r in csv.DictReader(f):
                batch.append(m.Patient(
                    nhs_number=r["nhs_number"], given_name=r["given_name"], family_name=r["family_name"],
                    date_of_birth=r["date_of_birth"], gender=int(r["gender"]), postcode=r["postcode"],
                    lsoa_code=r["lsoa_code"], gp_practice_code=r["gp_practice_code"], mobile=r["mobile"],
                    email=r["email"], date_of_death=r["date_of_death"] or None, superseded_by=r["superseded_by"],
                    sensitive=r["sensitive"] == "true", address_line_1=r["address_line_1"],
                    address_line_2=r["address_line_2"], address_line_3=r["address_line_3"], town=r["town"],
                ))
                if len(batch) == PEER_BATCH:
                    m.Patient.objects.bulk_create(batch)
                    batch = []
            m.Patient.objects.bulk_create(batch)
        with open(directory / "choices.csv", newline="") as f:
            count = sum(1 for _ in f) - 1
        sequence = reserve_sequences(count) if count else 1
        with open(directory / "choices.csv", newline="") as f:
            events: list[m.ChoiceEvent] = []

            def flush(events: list[m.ChoiceEvent]) -> None:
                m.ChoiceEvent.objects.bulk_create(events)
                latest = {e.nhs_number: e for e in events}
                m.CurrentChoice.objects.bulk_create(
                    [m.CurrentChoice(nhs_number=e.nhs_number, choice=e.choice, sequence=e.sequence,
                                     made_at=e.made_at, recorded_at=e.recorded_at, channel=e.channel)
                     for e in latest.values()],
                    update_conflicts=True, unique_fields=["nhs_number"],
                    update_fields=["choice", "sequence", "made_at", "recorded_at", "channel"],
                )

            for r in csv.DictReader(f):
                events.append(m.ChoiceEvent(
                    sequence=sequence, nhs_number=r["nhs_number"], choice=r["choice"], made_at=r["recorded_at"],
                    recorded_at=r["recorded_at"],
                    channel=r["channel"], proxy_role=r["proxy_role"], case_reference=r["case_reference"],
                    recorded_by="bench-peer",
                ))
                sequence += 1
                if len(events) == PEER_BATCH:
                    flush(events)
                    events = []
            flush(events)
    return {"seconds": time.perf_counter() - start, "choices": count, **_cpu(cpu, server),
            **(_digests() if os.environ.get("BENCH_DIGEST") else {})}


_TEXT_COLUMNS = ("nhs_number", "given_name", "family_name", "postcode", "lsoa_code", "gp_practice_code", "mobile",
                 "email", "superseded_by", "address_line_1", "address_line_2", "address_line_3", "town")


def child_copy(directory: Path) -> dict:
    """The plain PostgreSQL way: COPY each CSV file as it is, then number the events and take each person's
    latest in SQL, in one transaction. It checks nothing (no NHS number, date or code is looked at, and a
    repeated number fails the whole load with a constraint error rather than a line number)."""
    _django()
    from django.db import connection, transaction

    from ndop.adapters.db.registry import reserve_sequences

    cpu, server = time.process_time(), _server_cpu()
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        with open(directory / "patients.csv", "rb") as f:
            header = f.readline().decode().strip()
            with raw.copy(f"COPY patient ({header}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL "
                          f"({', '.join(c for c in _TEXT_COLUMNS if c in header.split(','))}))") as copy:
                while data := f.read(1 << 20):
                    copy.write(data)
        cursor.execute("CREATE TEMP TABLE peer_choice (nhs_number text, choice text, recorded_at timestamptz, "
                       "channel text, proxy_role text, case_reference text, line bigserial)")
        with open(directory / "choices.csv", "rb") as f:
            f.readline()
            with raw.copy("COPY peer_choice (nhs_number, choice, recorded_at, channel, proxy_role, case_reference) "
                          "FROM STDIN (FORMAT csv, FORCE_NOT_NULL (proxy_role, case_reference))") as copy:
                while data := f.read(1 << 20):
                    copy.write(data)
        cursor.execute("SELECT count(*) FROM peer_choice")
        count = int(cursor.fetchone()[0])
        first = reserve_sequences(count) if count else 1
        cursor.execute(
            "INSERT INTO choice_event (sequence, nhs_number, choice, made_at, recorded_at, channel, proxy_role, "
            "proxy_name, proxy_evidence_type, proxy_evidence_reference, case_reference, recorded_by) "
            "SELECT %s - 1 + ROW_NUMBER() OVER (ORDER BY recorded_at, line), nhs_number, choice, recorded_at, "
            "recorded_at, channel, proxy_role, '', '', '', case_reference, 'bench-peer' FROM peer_choice", [first])
        cursor.execute(
            "INSERT INTO current_choice (nhs_number, choice, sequence, made_at, recorded_at, channel) "
            "SELECT DISTINCT ON (nhs_number) nhs_number, choice, sequence, made_at, recorded_at, channel "
            "FROM choice_event ORDER BY nhs_number, made_at DESC, sequence DESC")
    return {"seconds": time.perf_counter() - start, "choices": count, **_cpu(cpu, server),
            **(_digests() if os.environ.get("BENCH_DIGEST") else {})}


def _digests() -> dict[str, str]:
    """sha256 of each loaded table in key order, over the columns both ways load (not `sequence` or
    `recorded_by`), so that a peer's rows and ndop's can be compared row for row in the run."""
    import hashlib

    from django.db import connection

    queries = {
        "patient": "SELECT * FROM patient ORDER BY nhs_number",
        "choice_event": "SELECT nhs_number, choice, made_at, recorded_at, channel, proxy_role, case_reference "
                        "FROM choice_event ORDER BY nhs_number, recorded_at, choice, channel, case_reference",
        "current_choice": "SELECT nhs_number, choice, made_at, recorded_at, channel FROM current_choice "
                          "ORDER BY nhs_number",
    }
    digests = {}
    for table, sql in queries.items():
        digest = hashlib.sha256()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            while batch := cursor.fetchmany(50_000):
                for row in batch:
                    digest.update(repr(row).encode())
        digests[f"{table}_sha256"] = digest.hexdigest()
    return digests


# ---- the parent: databases, processes, the table -------------------------------------------------


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _fresh_database(kind: str, pg_url: str, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if kind == "sqlite":
        var = work / "var-sqlite"
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
        env["NDOP_VAR_DIR"] = str(var)
    else:
        name = pg_url.rsplit("/", 1)[1]
        _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(pg_url, f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = pg_url
        env["NDOP_VAR_DIR"] = str(work / "var-pg")
    return env


def _drop(kind: str, pg_url: str, work: Path) -> None:
    if kind == "sqlite":
        shutil.rmtree(work / "var-sqlite", ignore_errors=True)
    else:
        _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{pg_url.rsplit("/", 1)[1]}"')


def _compare(outcomes: dict[str, dict]) -> None:
    """The peers loaded the same rows as ndop. The bulk_create peer's projection is the last row per person
    in each batch (the plain way), so only its tables are compared; the COPY peer's projection too."""
    mine = outcomes["import"]
    compared = {"copy": ("patient", "choice_event", "current_choice"), "peer": ("patient", "choice_event")}
    for step, tables in compared.items():
        if step in outcomes:
            differ = [t for t in tables if outcomes[step][f"{t}_sha256"] != mine[f"{t}_sha256"]]
            verdict = "the same rows" if not differ else "different rows in " + ", ".join(differ)
            print(f"    {step} and import loaded {verdict} ({', '.join(tables)})", flush=True)
            if differ:
                raise SystemExit(f"{step} and import differ in {', '.join(differ)}")


def _run_child(step: str, *args: str, env: dict[str, str] | None = None) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", step, *args]
    done = subprocess.run(command, env=env or dict(os.environ), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _machine() -> str:
    cpus = os.cpu_count()
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = 0.0
    load = os.getloadavg()[0]
    return f"{platform.machine()} {cpus} CPUs {memory:.0f} GiB, Python {platform.python_version()}, load {load:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000", help="patients per run, comma separated")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--peer-size", type=int, default=1_000_000, help="run the bulk_create peer at this size")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="scratch PostgreSQL database (created and dropped)")
    parser.add_argument("--keep-files", action="store_true", help="keep the generated CSV files")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    databases = options.databases.split(",")
    work = OUT / "population"
    work.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    print(f"machine: {_machine()}", flush=True)
    for size in sizes:
        files = work / f"files-{size}"
        gen = _run_child("generate", str(size), str(files))
        size_mib = sum(p.stat().st_size for p in files.iterdir()) / 2**20
        results.append({"patients": size, "database": "-", "step": "generate", **gen, "file_mib": size_mib})
        print(f"{size:>11,} generate        {gen['seconds']:8.1f} s  {gen['peak_mib']:7.0f} MiB", flush=True)
        for kind in databases:
            compare = size <= options.peer_size
            steps = ["import"] + (["copy"] if kind == "postgresql" else []) + (["peer"] if compare else [])
            outcomes = {}
            for step in steps:
                env = _fresh_database(kind, options.pg_url, work)
                if compare:
                    env["BENCH_DIGEST"] = "1"
                load = os.getloadavg()[0]
                outcome = _run_child(step, str(files), env=env)
                outcome["load"] = f"{load:.1f}-{os.getloadavg()[0]:.1f}"
                _drop(kind, options.pg_url, work)
                outcomes[step] = outcome
                results.append({"patients": size, "database": kind, "step": step, **outcome})
                print(f"{size:>11,} {kind:10s} {step:6s} {outcome['seconds']:8.1f} s  "
                      f"cpu {outcome.get('cpu_s', 0):.1f} + server {outcome.get('server_cpu_s', 0):.1f} s  "
                      f"{outcome['peak_mib']:7.0f} MiB  load {outcome['load']}  {outcome.get('split', '')}",
                      flush=True)
            if compare:
                _compare(outcomes)
        if not options.keep_files:
            shutil.rmtree(files, ignore_errors=True)
    (OUT / "population.json").write_text(json.dumps({"machine": _machine(), "results": results}, indent=2))
    print_table(results)


def print_table(results: list[dict]) -> None:
    by = {(r["patients"], r["database"], r["step"]): r for r in results}
    print()
    print("| patients | database | step | seconds | patients/s | rows/s (all) | CPU s (client + server) | peak RSS MiB "
          "| load | import / COPY peer | import vs bulk_create |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for r in results:
        n, seconds = r["patients"], r["seconds"]
        rows = n + r.get("choices", 0)
        copy, peer = by.get((n, r["database"], "copy")), by.get((n, r["database"], "peer"))
        mine = r["step"] == "import"
        to_copy = f"{seconds / copy['seconds']:.2f}x the time" if copy and mine else ""
        to_peer = f"{peer['seconds'] / seconds:.1f}x faster" if peer and mine else ""
        load = r.get("load", "")
        cpu = f"{r['cpu_s']:.1f} + {r['server_cpu_s']:.1f}" if "cpu_s" in r else ""
        print(f"| {n:,} | {r['database']} | {r['step']} | {seconds:.1f} | {n / seconds:,.0f} | {rows / seconds:,.0f} "
              f"| {cpu} | {r['peak_mib']:.0f} | {load} | {to_copy} | {to_peer} |")


def child_main(step: str, args: list[str]) -> None:
    if step == "generate":
        outcome = child_generate(int(args[0]), Path(args[1]))
    elif step == "import":
        outcome = child_import(Path(args[0]))
    elif step == "peer":
        outcome = child_peer(Path(args[0]))
    elif step == "copy":
        outcome = child_copy(Path(args[0]))
    else:
        raise SystemExit(f"unknown step {step}")
    outcome["peak_mib"] = _peak_mib()
    print(json.dumps(outcome))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT / "src"))
        child_main(sys.argv[2], sys.argv[3:])
    else:
        main()
