"""Benchmark: GP codes on SQLite and PostgreSQL: import the GP extract of a population, convert its Type 2 codes,
send the letters, beside the plain one-at-a-time way.

    make bench-gp                                               # 1M patients, both databases
    .venv/bin/python bench/gp_codes.py --patients 100000        # a quick run

Setup (not timed): `ndop population generate` (with gp_codes.csv) and `ndop population import` into a fresh
database. Then, timed, in one process per database:
- `peer convert`: the plain way for the first `--peer` people due a conversion: per person, in its own
  transaction, `record_choice` (validation, one event, the projection, one audit record) and a letter queued
  with its own audit record, as the contact centre queues them;
- `peer letters`: those letters rendered, dispatched and marked one at a time, a commit for each (the letters
  service before batching);
- `peer import`: csv.DictReader + bulk_create of the known codes, no checks, rolled back;
- `import`: `ndop gp import` (row checks, numbers looked up in the index, batched inserts, the Type 1 register);
- `convert`: `ndop gp convert-type2` (every decision, bulk events sealed in one audit record, letters queued);
- `letters`: `ndop letters send` (rendered in batches of 500, one commit a batch) for the converted people.
The peers' per-person rates give the ratios (they run on `--peer` people, not all: say so when quoting them).
PostgreSQL runs in a scratch database (`ndop_bench_gp` by default) created and dropped here. Raw results go
to bench/out/gp_codes.json.
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
DEFAULT_PG = os.environ.get("NDOP_BENCH_GP_PG_URL", "postgres://postgres@127.0.0.1:5432/ndop_bench_gp")
AS_OF = "2026-11-01"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_generate(patients: int, out: Path) -> dict:
    from ndop.demo.population.generator import PopulationSpec
    from ndop.demo.population.writer import generate_population

    out.mkdir(parents=True, exist_ok=True)
    spec = PopulationSpec(patients, 0.054, 1, date.fromisoformat(AS_OF))
    start = time.perf_counter()
    with open(out / "patients.csv", "wb") as p, open(out / "choices.csv", "wb") as c, \
            open(out / "gp_codes.csv", "wb") as g:
        summary = generate_population(spec, p, c, gp_codes_out=g)
    return {"seconds": time.perf_counter() - start, "gp_code_rows": summary.gp_code_rows}


def _timed(results: dict, step: str, work, rows: int | None = None) -> object:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = work()
    results[step] = {"seconds": time.perf_counter() - start, **({"rows": rows} if rows is not None else {})}
    return value


def _peer_convert(unit, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The plain way, person by person (the living: the service refuses the dead): a choice recorded through
    the service and a letter queued, each in its own transaction (commit). Returns the letter ids."""
    from ndop.domain.common.actors import Actor
    from ndop.domain.common.audit import AuditEntry
    from ndop.domain.common.audit_actions import AuditAction
    from ndop.domain.common.nhs_number import NhsNumber
    from ndop.domain.gp_codes.codes import OptOutType
    from ndop.domain.gp_codes.rules import Current, conversion, made_at, type2_decision
    from ndop.domain.letters.letters import Letter, LetterKind, Recipient
    from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
    from ndop.services.registry.record_choice import record_choice

    by = Actor.system_job("bench-peer")
    people: dict[str, list] = {}
    for number, code in unit.gp.codes(OptOutType.TYPE2):
        people.setdefault(number, []).append(code)
    letters = []
    done = 0
    as_of = date.fromisoformat(AS_OF)
    for number in sorted(people):
        if done == count:
            break
        decision = type2_decision(people[number])
        if decision.convert is None:
            continue
        code = decision.convert
        nhs = NhsNumber(number)
        patient = unit.patients.get(nhs)
        if patient is None or patient.date_of_death is not None:
            continue  # record_choice refuses the dead (the bulk conversion converts them)
        with unit.transaction():
            event = unit.choices.current(nhs)
            current = None if event is None else Current(event.choice, event.effective_made_at, event.sequence)
            outcome = conversion(code, current, date_of_birth=patient.date_of_birth,
                                 date_of_death=patient.date_of_death, as_of=as_of)
            record_choice(unit, ChoiceRequest(nhs, Choice.OPTED_OUT, Channel.TYPE2_CONVERSION, made_at=made_at(code)),
                          recorded_by=by)
            if outcome.letter:
                letter = unit.letters.add(Letter(
                    id="", kind=LetterKind.TYPE2_CONVERSION, nhs_number=nhs,
                    recipient=Recipient(patient.full_name, patient.address_lines, patient.postcode),
                    about_name=patient.full_name, reference="T2-peer", created_at=unit.clock.now(),
                    choice=Choice.OPTED_OUT, made_on=code.recorded_on))
                unit.audit.append(AuditEntry(action=AuditAction.LETTER_QUEUED, actor=Actor.system(), subject=number,
                                             details={"letter": letter.id, "kind": letter.kind.value}))
                letters.append(letter.id)
        done += 1
    return letters


def _peer_letters(unit, letter_ids: list[str]) -> int:  # type: ignore[no-untyped-def]
    from ndop import container

    renderer, dispatcher = container.letter_renderer(), container.letter_dispatcher()
    for letter_id in letter_ids:
        letter = unit.letters.get(letter_id)
        pdf = renderer.render(letter)
        status, path, provider = dispatcher.dispatch(letter, pdf)
        unit.letters.mark(letter_id, status, path=path, provider_id=provider)  # autocommit: one commit each
    return len(letter_ids)


def _peer_import(path: Path) -> int:
    """csv.DictReader and bulk_create of the opt-out codes: no checks, no register; rolled back."""
    import csv

    from django.db import transaction

    from ndop.adapters.db import models as m
    from ndop.domain.gp_codes.codes import CodeSystem, meaning_of

    count = 0
    with transaction.atomic():
        batch = []
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                meaning = meaning_of(CodeSystem(r["code_system"]), r["code"])
                if meaning is None:
                    continue
                batch.append(m.GpCode(gp_import=0, line=0, nhs_number=r["nhs_number"], practice_code=r["practice_code"],
                                      code_system=r["code_system"], code=r["code"], meaning=meaning.value,
                                      recorded_on=r["recorded_date"]))
                count += 1
                if len(batch) == 5000:
                    m.GpCode.objects.bulk_create(batch)
                    batch = []
        m.GpCode.objects.bulk_create(batch)
        transaction.set_rollback(True)
    return count


def child_run(files: Path, peer: int) -> dict:
    from ndop import container

    container.setup_django()
    container.migrate()
    from ndop.adapters.db import models as m
    from ndop.domain.common.actors import Actor
    from ndop.services.gp_codes.convert_type2 import convert_type2
    from ndop.services.gp_codes.import_codes import import_codes
    from ndop.services.population.import_population import import_population

    by = Actor.system_job("bench")
    results: dict = {}
    with open(files / "patients.csv", "rb") as p, open(files / "choices.csv", "rb") as c:
        _timed(results, "setup: population import", lambda: import_population(
            container.registry(), container.population_store, p, c, imported_by=by, source="population:bench"))
    unit = container.gp_codes()
    with open(files / "gp_codes.csv", "rb") as g:
        imported = _timed(results, "import", lambda: import_codes(unit, g, imported_by=by, source="gp:bench"))
    results["import"]["rows"] = imported.rows  # type: ignore[attr-defined]
    peer_rows = _timed(results, "peer import", lambda: _peer_import(files / "gp_codes.csv"))
    results["peer import"]["rows"] = peer_rows
    letter_ids = _timed(results, "peer convert", lambda: _peer_convert(unit, peer))
    results["peer convert"]["rows"] = peer
    results["peer convert"]["letters"] = len(letter_ids)  # type: ignore[arg-type]
    _timed(results, "peer letters", lambda: _peer_letters(unit, letter_ids), rows=len(letter_ids))  # type: ignore[arg-type]
    summary = _timed(results, "convert", lambda: convert_type2(unit, converted_by=by, as_of=date.fromisoformat(AS_OF)))
    results["convert"].update(rows=summary.converted, letters=summary.letters,  # type: ignore[attr-defined]
                              already=summary.already_converted)  # type: ignore[attr-defined]
    sent = _timed(results, "letters", lambda: container.send_letters(limit=10**9))
    results["letters"]["rows"] = sent
    results["type1_objectors"] = imported.type1_objectors  # type: ignore[attr-defined]
    results["opted_out_after"] = m.CurrentChoice.objects.filter(choice="opted_out").count()
    results["peak_mib"] = _peak_mib()
    return results


# ---- the parent -----------------------------------------------------------------------------------


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _env(kind: str, pg_url: str, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    var = work / f"var-{kind}"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env["NDOP_VAR_DIR"] = str(var)
    env.pop("NDOP_NOTIFY_API_KEY", None)  # letters to the outbox on disk
    if kind == "postgresql":
        name = pg_url.rsplit("/", 1)[1]
        _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(pg_url, f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = pg_url
    return env


def _run_child(step: str, *args: str, env: dict[str, str] | None = None) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", step, *args]
    done = subprocess.run(command, env=env or dict(os.environ), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.machine()} {os.cpu_count()} CPUs {memory:.0f} GiB, Python {platform.python_version()}, "
            f"load {os.getloadavg()[0]:.1f}")


def print_table(patients: int, kind: str, r: dict) -> None:
    print(f"\n{patients:,} patients, {kind}: {r['type1_objectors']:,} Type 1 objectors, "
          f"{r['opted_out_after']:,} opted out after the conversion, peak RSS {r['peak_mib']:.0f} MiB")
    print("| step | seconds | rows | rows/s | vs the plain way |")
    print("|---|---:|---:|---:|---:|")
    pairs = {"import": "peer import", "convert": "peer convert", "letters": "peer letters"}
    for step in ("setup: population import", "import", "peer import", "convert", "peer convert", "letters",
                 "peer letters"):
        s = r[step]
        rows = s.get("rows", 0)
        rate = rows / s["seconds"] if s["seconds"] and rows else 0
        ratio = ""
        if step in pairs:
            peer = r[pairs[step]]
            if peer.get("rows") and rows:
                ratio = f"{(peer['seconds'] / peer['rows']) / (s['seconds'] / rows):.1f}x per row"
        print(f"| {step} | {s['seconds']:.2f} | {rows:,} | {rate:,.0f} | {ratio} |")
    total = r["import"]["seconds"] + r["convert"]["seconds"]
    print(f"import + conversion: {total:.1f} s (target < 30 s); letters: {r['letters']['seconds']:.1f} s for "
          f"{r['letters']['rows']:,} (target < 120 s for about 23,000)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--peer", type=int, default=200, help="people the one-at-a-time peer converts")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="scratch PostgreSQL database (created and dropped)")
    options = parser.parse_args()
    work = OUT / "gp_codes"
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {_machine()}", flush=True)
    files = work / f"files-{options.patients}"
    gen = _run_child("generate", str(options.patients), str(files))
    print(f"generated {options.patients:,} patients and {gen['gp_code_rows']:,} GP codes in {gen['seconds']:.1f} s",
          flush=True)
    everything = {"machine": _machine(), "patients": options.patients, "generate": gen, "runs": {}}
    for kind in options.databases.split(","):
        env = _env(kind, options.pg_url, work)
        outcome = _run_child("run", str(files), str(options.peer), env=env)
        if kind == "postgresql":
            _pg_admin(options.pg_url, f'DROP DATABASE IF EXISTS "{options.pg_url.rsplit("/", 1)[1]}"')
        shutil.rmtree(work / f"var-{kind}", ignore_errors=True)
        everything["runs"][kind] = outcome
        print_table(options.patients, kind, outcome)
    shutil.rmtree(files, ignore_errors=True)
    (OUT / "gp_codes.json").write_text(json.dumps(everything, indent=2))


def child_main(step: str, args: list[str]) -> None:
    if step == "generate":
        outcome = child_generate(int(args[0]), Path(args[1]))
    elif step == "run":
        outcome = child_run(Path(args[0]), int(args[1]))
    else:
        raise SystemExit(f"unknown step {step}")
    print(json.dumps(outcome))


if __name__ == "__main__":
    # bench/statistics.py would shadow the standard library's `statistics` (Django's SQLite backend uses it).
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT / "src"))
        child_main(sys.argv[2], sys.argv[3:])
    else:
        main()
