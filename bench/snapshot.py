"""Benchmark of the opt-out snapshot: a full rebuild and a catch-up, beside a plain SQL peer, same run.

    make bench-snapshot                                   # PostgreSQL at 10M and 60M people, SQLite at 10M
    .venv/bin/python bench/snapshot.py --sizes 1000000 --kinds postgres   # a quick run

For each database kind and registry size, a child process builds a scratch registry (PostgreSQL: the
database `ndop_snapshot_bench_<size>`; SQLite: a file in its own var dir) straight in SQL with
`INSERT ... SELECT` over a generated series, because `ndop population import` of 60M is being rewritten
(issue 16, item 4): `size` patients with valid NHS numbers (first nine digits 400000000 + i, the check
digit computed in SQL, numbers whose check digit would be 10 skipped), 0.1% of them superseded by a new
number (which is a patient too, half of those with a later `not_opted_out`), and choice events for 6% of
people (5.7% opted out; 0.3% `not_opted_out`; 0.2% with a second, back-dated event that must not win).
At 60M that is 3.4M opt-outs. Demographic columns are constants: the snapshot never reads them.

Then, in that child, on the same database:
- the peer: one SQL statement a competent user would write for "the numbers to remove now" (latest made
  event per person, a superseded number following its replacement one level deep, as in this data),
  streamed out with `COPY ... TO STDOUT` (PostgreSQL; text, parsed by numpy in one call) or fetched with
  the sqlite3 cursor (SQLite), into a sorted numpy array;
- `SnapshotKeeper.rebuild()`: what ndop does on a first start or a link change (reads the history, builds
  the bitmap, persists it with its MAC), and the same steps timed apart;
- the two compared: the peer's numbers set into a bitmap must equal the snapshot's, byte for byte;
- catch-up: 1,000 `record_choice` calls (the real service, audited), then `current()`: reads the
  changes, applies them and persists the delta; three rounds, each compared with the peer again;
- a fresh keeper loading the persisted base and delta (a new process's first check).

Prints a table with ratios; raw results in bench/out/snapshot/results-<kind>-<size>.json. Scratch databases are dropped
at the end unless `--keep`; `--reuse` measures again on what a `--keep` run left (the fill is skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "snapshot"
PG_URL = "postgres://postgres@127.0.0.1:5432/ndop_snapshot_bench"
ROUNDS = 3
NEW_EVENTS = 1000


# ---- the registry, in SQL ---------------------------------------------------------------------------------

def _number(key: str) -> str:
    """SQL for the ten-digit NHS number (text) of the nine-digit `key`, and its check digit (10: invalid)."""
    total = " + ".join(f"(({key}) / {10 ** (8 - j)} % 10) * {10 - j}" for j in range(9))
    return f"(11 - ({total}) % 11) % 11"


def fill_sql(vendor: str, size: int) -> list[str]:
    candidates = size * 11 // 10 + 1000
    if vendor == "postgresql":
        series = f"SELECT CAST(400000000 AS BIGINT) + i AS k FROM generate_series(0, {candidates}) AS i"
        made = "TIMESTAMPTZ '2019-01-01 00:00:00+00' + make_interval(secs => {s})"
        today = "DATE '1980-01-01'"
    else:
        series = (
            "WITH RECURSIVE s(k) AS (SELECT 400000000 UNION ALL "
            f"SELECT k + 1 FROM s WHERE k < {400000000 + candidates}) SELECT k FROM s"
        )
        made = "datetime('2019-01-01', ({s}) || ' seconds')"
        today = "'1980-01-01'"
    keys = (
        f"SELECT k, {_number('k')} AS cd, {_number('k + 200000000')} AS cd2 FROM ({series}) AS g"
    )
    valid = f"SELECT k, cd, cd2 FROM ({keys}) AS c WHERE cd <> 10 LIMIT {size}"  # the series is in order
    superseded = "k % 1000 = 7 AND cd2 <> 10"
    number = "CAST(k * 10 + cd AS TEXT)"
    replacement = "CAST((k + 200000000) * 10 + cd2 AS TEXT)"
    columns = (
        "nhs_number, given_name, family_name, date_of_birth, gender, postcode, lsoa_code, gp_practice_code, "
        "mobile, email, superseded_by, sensitive, address_line_1, address_line_2, address_line_3, town"
    )
    constants = f"'Bench', 'Person', {today}, 9, '', '', '', '', ''"
    event_columns = (
        "sequence, nhs_number, choice, made_at, recorded_at, channel, proxy_role, proxy_name, proxy_evidence_type, "
        "proxy_evidence_reference, case_reference, recorded_by"
    )
    at = made.format(s="k % 1000000")
    earlier = made.format(s="k % 1000 - 100")  # before `at` for these keys: back-dated, must not win
    later = made.format(s="2000000")
    return [
        f"CREATE TABLE bench_key AS {valid}",
        f"INSERT INTO patient ({columns}) SELECT {number}, {constants}, "
        f"CASE WHEN {superseded} THEN {replacement} ELSE '' END, FALSE, '', '', '', '' FROM bench_key",
        f"INSERT INTO patient ({columns}) SELECT {replacement}, {constants}, '', FALSE, '', '', '', '' "
        f"FROM bench_key WHERE {superseded}",
        f"INSERT INTO choice_event ({event_columns}) SELECT ROW_NUMBER() OVER (ORDER BY k), {number}, "
        f"CASE WHEN k % 1000 < 3 THEN 'not_opted_out' ELSE 'opted_out' END, {at}, {at}, 'OP', '', '', '', '', '', "
        f"'bench' FROM bench_key WHERE k % 1000 < 60",
        f"INSERT INTO choice_event ({event_columns}) SELECT (SELECT MAX(sequence) FROM choice_event) + "
        f"ROW_NUMBER() OVER (ORDER BY k), {number}, 'not_opted_out', {earlier}, {later}, 'OP', '', '', '', '', '', "
        f"'bench' FROM bench_key WHERE k % 1000 IN (10, 11)",
        f"INSERT INTO choice_event ({event_columns}) SELECT (SELECT MAX(sequence) FROM choice_event) + "
        f"ROW_NUMBER() OVER (ORDER BY k), {replacement}, 'not_opted_out', {later}, {later}, 'OP', '', '', '', '', "
        f"'', 'bench' FROM bench_key WHERE {superseded} AND k % 2000 = 7",
        "UPDATE registry_counter SET value = (SELECT MAX(sequence) FROM choice_event) WHERE name = 'choice_sequence'",
        "DROP TABLE bench_key",
    ]


# ---- the peer ---------------------------------------------------------------------------------------------

# The numbers to remove now: each person's latest made event (a superseded number counts as its
# replacement's person), opted out; then every number of those people. One statement, planned by the
# database; the data has one-level chains only (a deeper chain would need a recursive CTE).
PEER_SQL = """
WITH link AS (SELECT nhs_number, superseded_by FROM patient WHERE superseded_by <> ''),
ranked AS (
  SELECT COALESCE(link.superseded_by, e.nhs_number) AS person, e.choice,
         ROW_NUMBER() OVER (PARTITION BY COALESCE(link.superseded_by, e.nhs_number)
                            ORDER BY e.made_at DESC, e.sequence DESC) AS latest
  FROM choice_event AS e LEFT JOIN link ON link.nhs_number = e.nhs_number),
removed AS (SELECT person FROM ranked WHERE latest = 1 AND choice = 'opted_out')
SELECT CAST(SUBSTR(person, 1, 9) AS BIGINT) FROM removed
UNION ALL
SELECT CAST(SUBSTR(link.nhs_number, 1, 9) AS BIGINT) FROM link JOIN removed ON removed.person = link.superseded_by
"""


def peer_keys(vendor: str):
    """The peer's answer as a sorted int64 array of first-nine-digit keys.

    PostgreSQL: `COPY (query) TO STDOUT` streams the integers as text without a Python object per row,
    and numpy parses the whole text in one call: faster than `cursor.fetchall()` (a tuple per row) and
    plainer than a binary protocol. SQLite: the cursor is the only plain way out; `np.fromiter` over it."""
    import numpy as np
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            raw = cursor.connection  # the psycopg connection under Django's
            with raw.cursor().copy(f"COPY ({PEER_SQL}) TO STDOUT") as copy:
                text = b"".join(bytes(chunk) for chunk in copy)
            keys = np.array(text.split(), np.int64) if text else np.empty(0, np.int64)
        else:
            cursor.execute(PEER_SQL)
            keys = np.fromiter((row[0] for row in cursor), np.int64)
    keys.sort()
    return keys


# ---- the child: one database kind, one size ---------------------------------------------------------------

def child(vendor: str, size: int, reuse: bool) -> dict:
    import numpy as np

    sys.path.insert(0, str(ROOT / "src"))
    from ndop import container

    container.setup_django()
    from django.db import connection, transaction

    from ndop.adapters.db.check import DjangoOptOutSource
    from ndop.domain.check import kernels
    from ndop.domain.check.snapshot import OptOutSnapshot, empty_bitmap
    from ndop.services.check.snapshot import SnapshotKeeper

    result: dict = {"kind": vendor, "size": size, "load_start": os.getloadavg()}
    container.migrate()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM (SELECT 1 FROM patient LIMIT 1) AS p")
        reuse = reuse and cursor.fetchone()[0] > 0
    result["reused"] = reuse
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in [] if reuse else fill_sql(vendor, size):
            cursor.execute(sql)
    if vendor == "postgresql" and not reuse:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE patient")
            cursor.execute("VACUUM ANALYZE choice_event")
    result["fill_s"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM patient")
        result["patients"] = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*), COUNT(DISTINCT nhs_number) FROM choice_event")
        result["events"], result["people_with_events"] = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM patient WHERE superseded_by <> ''")
        result["superseded"] = cursor.fetchone()[0]
    print(f"{vendor} {size:,}: filled in {result['fill_s']:.0f} s: {result['patients']:,} patients, "
          f"{result['events']:,} events", file=sys.stderr, flush=True)

    def same(snapshot: OptOutSnapshot, keys: np.ndarray) -> bool:
        bits = empty_bitmap()
        kernels.set_bits(bits, keys, True)
        return bool(np.array_equal(bits, snapshot.bitmap))

    source = DjangoOptOutSource()
    keeper = SnapshotKeeper(source, container.snapshot_store())
    peer_runs, ndop_runs = [], []
    for _ in range(ROUNDS):  # alternate, so that both see the same cache and load
        started = time.perf_counter()
        keys = peer_keys(vendor)
        peer_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        snapshot = keeper.rebuild()
        ndop_runs.append(time.perf_counter() - started)
    result.update(peer_rebuild_s=peer_runs, ndop_rebuild_s=ndop_runs, load_rebuild=os.getloadavg())
    result["optouts"] = int(len(keys))
    result["rebuild_identical"] = same(snapshot, keys)
    # The rebuild's steps, timed apart (one more pass).
    version, links_version = source.versions()
    steps: dict[str, float] = {}
    started = time.perf_counter()
    chunks = list(source.opted_out_keys(version))
    steps["opted_out_keys"] = time.perf_counter() - started
    started = time.perf_counter()
    links = source.links()
    steps["links"] = time.perf_counter() - started
    started = time.perf_counter()
    linked = source.linked_currents(version)
    steps["linked_currents"] = time.perf_counter() - started
    started = time.perf_counter()
    built = OptOutSnapshot.build(chunks, links, version=version, links_version=links_version, linked=linked)
    steps["build"] = time.perf_counter() - started
    started = time.perf_counter()
    container.snapshot_store().save(source.identity(), built)
    steps["save"] = time.perf_counter() - started
    result["rebuild_steps"] = steps
    keeper = SnapshotKeeper(source, container.snapshot_store())
    keeper.current()

    result.update(catch_up(vendor, size, keeper, same))
    started = time.perf_counter()
    fresh = SnapshotKeeper(source, container.snapshot_store())
    loaded = fresh.current()
    result["fresh_load_s"] = time.perf_counter() - started
    result["fresh_load_action"] = fresh.last_sync.action
    result["fresh_load_identical"] = bool(np.array_equal(loaded.bitmap, keeper.current().bitmap))
    result["load_end"] = os.getloadavg()
    return result


def catch_up(vendor: str, size: int, keeper, same) -> dict:
    from django.db import connection

    from ndop import container
    from ndop.domain.common.actors import Actor
    from ndop.domain.common.nhs_number import NhsNumber
    from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
    from ndop.services.registry.record_choice import record_choice

    registry = container.registry()
    bench = Actor.system_job("bench")
    rounds = []
    for round_ in range(ROUNDS):
        with connection.cursor() as cursor:  # people without a choice yet, a different slice each round
            cursor.execute(
                "SELECT nhs_number FROM patient WHERE superseded_by = '' AND nhs_number > %s ORDER BY nhs_number "
                "LIMIT %s",
                [str((400_000_000 + round_ * size // 4) * 10), NEW_EVENTS * 20],
            )
            numbers = [row[0] for row in cursor.fetchall() if int(row[0][:9]) % 1000 >= 60][:NEW_EVENTS]
        for number in numbers:
            request = ChoiceRequest(NhsNumber(number), Choice.OPTED_OUT, Channel.ONLINE)
            record_choice(registry, request, recorded_by=bench)
        started = time.perf_counter()
        snapshot, sync = keeper.current_with_sync()
        seconds = time.perf_counter() - started
        assert sync.action == "caught_up" and sync.events == NEW_EVENTS, sync
        rounds.append({"catch_up_s": seconds, "load": os.getloadavg(), "identical": same(snapshot, peer_keys(vendor))})
    return {"catch_up": rounds}


# ---- the parent ------------------------------------------------------------------------------------------

def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _label(size: int) -> str:
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else str(size)


def run(kind: str, size: int, keep: bool, reuse: bool) -> dict:
    env = dict(os.environ)
    var = OUT / f"var-{kind}-{_label(size)}"
    if not reuse:
        shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True, exist_ok=True)
    env["NDOP_VAR_DIR"] = str(var)
    env.pop("DATABASE_URL", None)
    name = f"ndop_snapshot_bench_{_label(size)}"
    if kind == "postgres" and not reuse:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(f'CREATE DATABASE "{name}"')
    if kind == "postgres":
        env["DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(size), "reuse" if reuse else "new"],
            env=env, stdout=subprocess.PIPE, text=True, check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{kind} {size:,} failed (exit {done.returncode})")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if not keep:
            shutil.rmtree(var, ignore_errors=True)
            if kind == "postgres":
                _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def print_table(results: list[dict]) -> None:
    print()
    print("| database | people | opt-outs | peer rebuild s | ndop rebuild s | ndop/peer speed | identical | "
          "catch-up s (3 rounds of 1,000) | fresh load s | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        peer, ndop = _median(r["peer_rebuild_s"]), _median(r["ndop_rebuild_s"])
        rounds = r["catch_up"]
        catch_ups = ", ".join(f"{x['catch_up_s']:.3f}" for x in rounds)
        identical = r["rebuild_identical"] and all(x["identical"] for x in rounds) and r["fresh_load_identical"]
        print(
            f"| {r['kind']} | {r['patients']:,} | {r['optouts']:,} | {peer:.2f} | {ndop:.2f} | {peer / ndop:.2f}x | "
            f"{'yes' if identical else 'NO'} | {catch_ups} | "
            f"{r['fresh_load_s']:.3f} | {r['load_rebuild'][0]:.1f} |"
        )
    for r in results:
        steps = ", ".join(f"{k} {v:.2f}" for k, v in r["rebuild_steps"].items())
        print(f"{r['kind']} {r['patients']:,}: fill {r['fill_s']:.0f} s; rebuild steps (s): {steps}; "
              f"every run peer {r['peer_rebuild_s']} ndop {r['ndop_rebuild_s']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000000,60000000", help="registry sizes (people) on PostgreSQL")
    parser.add_argument("--sqlite-sizes", default="10000000", help="registry sizes on SQLite ('' for none)")
    parser.add_argument("--kinds", default="postgres,sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases and var dirs")
    parser.add_argument("--reuse", action="store_true", help="measure on the registry a --keep run left")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, size, reuse = args.child
        print(json.dumps(child("postgresql" if kind == "postgres" else "sqlite", int(size), reuse == "reuse")))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for kind in args.kinds.split(","):
        sizes = args.sizes if kind == "postgres" else args.sqlite_sizes
        for size in [int(s) for s in sizes.split(",") if s]:
            print(f"{kind} {size:,} ... (load {os.getloadavg()[0]:.1f})", flush=True)
            results.append(run(kind, size, args.keep or args.reuse, args.reuse))
            (OUT / f"results-{kind}-{_label(size)}.json").write_text(json.dumps(results[-1], indent=1))
            print_table(results[-1:])
    print_table(results)
    print(f"raw results: {OUT}/results-<kind>-<size>.json")


if __name__ == "__main__":
    main()
