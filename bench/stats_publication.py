"""Benchmark: the statistics publication's figures (12 months) beside a straightforward pandas peer.

    make bench-statistics                                  # 1M and 10M people, 12 months, SQLite
    .venv/bin/python bench/stats_publication.py --sizes 200000    # a quick run
    .venv/bin/python bench/stats_publication.py --database postgresql --sizes 1000000

A scratch SQLite registry (the real schema, made by the migrations) is filled with synthetic people
and choice events: 8% of people have a history of one to three choices since May 2018, 1.5% have died,
0.1% of numbers are superseded. With `--database postgresql` the same rows are copied into a scratch
PostgreSQL database (made by the migrations). Each step runs in its own process so its peak RSS is its
own, and each records its wall and CPU time and the load average before and after (the machine is shared):
- `ours`: `DjangoRegistryColumns.read()` (Arrow batches over ADBC, ADR 74; on PostgreSQL two connections
  in one exported snapshot, ADR 86) + the numpy `Engine`, 12
  months; also run with 1 and 24 months, to show that memory does not grow with the number of months;
- `pandas`: the fastest plain pandas a competent user would write: `pd.read_sql` over the same ADBC
  driver (pandas' own fast path: Arrow, no Python object per value), then the same rules with pandas
  idioms, the conversions done once (to_datetime with its format, categorical codes, the people's
  positions of the events by `Index.get_indexer`), and per month: the latest choice before the date
  by `drop_duplicates(keep="last")` on the sorted events, masks, and `groupby` counts.
Both count the test range (the synthetic numbers start with 9). The run checks that the peer's figures
equal ours (England, every age-band and gender cell, every practice and LSOA) and prints the ratios.
Raw results: bench/out/statistics.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from itertools import repeat
from pathlib import Path

# This file's name is also the standard library's `statistics`: keep its folder off the import path,
# so that `import statistics` anywhere below still means the standard library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
REPORT_MONTH = "2026-11"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """This process and its finished children (ours reads SQLite in a child process, ADR 74)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _child_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _load() -> float:
    return os.getloadavg()[0]


PG_URL = os.environ.get("NDOP_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/ndop_stats_bench")


def database_url(database: str, db: Path, size: int) -> str:
    return f"sqlite:///{db}" if database == "sqlite" else f"{PG_URL}_{size}"


def build_postgres(db: Path, url: str) -> None:
    """The SQLite scratch registry copied into PostgreSQL (made by the migrations), by COPY in CSV."""
    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", server, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", server, "-qc", f"CREATE DATABASE {name}"], check=True)
    subprocess.run([sys.executable, "-c", "from ndop import container; container.setup_django(); container.migrate()"],
                   check=True, cwd=ROOT, env={**os.environ, "DATABASE_URL": url})
    tables = {
        "patient": ("nhs_number, given_name, family_name, date_of_birth, gender, postcode, lsoa_code, "
                    "gp_practice_code, mobile, email, date_of_death, superseded_by, sensitive", "date_of_death"),
        "choice_event": ("sequence, nhs_number, choice, made_at, recorded_at, channel, proxy_role, proxy_name, "
                         "proxy_evidence_type, proxy_evidence_reference, case_reference, recorded_by", ""),
    }
    for table, (columns, nullable) in tables.items():
        not_null = ", ".join(c.strip() for c in columns.split(",") if c.strip() != nullable)
        dump = subprocess.Popen(["sqlite3", "-csv", str(db), f"SELECT {columns} FROM {table}"], stdout=subprocess.PIPE)
        subprocess.run(["psql", url, "-qc", f"\\copy {table} ({columns}) FROM STDIN WITH (FORMAT csv, "
                        f"FORCE_NOT_NULL ({not_null}))"], stdin=dump.stdout, check=True,
                       env={**os.environ, "PGOPTIONS": "-c timezone=UTC"})
        if dump.wait() != 0:
            raise SystemExit(f"reading {table} from {db} failed")
    subprocess.run(["psql", url, "-qc", "ANALYZE"], check=True)


# ---- the scratch registry ---------------------------------------------------------------------------


def build(db: Path, people: int, seed: int = 7) -> None:
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from tests.synthetic import valid_numbers

    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    from ndop import container

    container.setup_django()
    container.migrate()
    from django.db import connections

    connections.close_all()
    rng = np.random.default_rng(seed)
    keys = rng.permutation(np.unique(valid_numbers(int(people * 1.1) + 100, seed=seed))[:people])
    people = keys.size  # the generator may repeat a number; a few fewer people rather than a duplicate
    born = np.datetime64("1925-01-01") + rng.integers(0, 36500, people).astype("timedelta64[D]")
    dead = rng.random(people) < 0.015
    died = np.datetime64("2018-01-01") + rng.integers(0, 3300, people).astype("timedelta64[D]")
    died = np.where(dead & (died > born), died, np.datetime64("NaT"))
    gender = rng.choice(np.array([0, 1, 2, 9]), people, p=[0.005, 0.49, 0.50, 0.005])
    practices = max(1, people // 10_000)
    lsoas = max(1, people // 1_700)
    practice = np.array([f"P{i:05d}" for i in range(practices)])[rng.integers(0, practices, people)]
    practice[rng.random(people) < 0.01] = ""
    lsoa = np.array([f"E01{i:06d}" for i in range(lsoas)])[rng.integers(0, lsoas, people)]
    lsoa[rng.random(people) < 0.002] = ""
    superseded = np.full(people, "", dtype=object)
    old = np.nonzero(rng.random(people) < 0.001)[0]
    superseded[old] = [str(k) for k in keys[rng.integers(0, people, old.size)]]
    superseded[old[keys[old] == np.array([int(s) for s in superseded[old]])]] = ""
    con = sqlite3.connect(db)
    # A scratch file: no journal, and a page cache that holds the primary key's index (random numbers
    # inserted into a 2 MB cache rewrote the same pages over and over: 10M people took over 20 minutes).
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-2000000")
    died_text = [None if d == "NaT" else d for d in died.astype(str).tolist()]
    rows = zip(keys.astype(str).tolist(), repeat("B"), repeat("P"), born.astype(str).tolist(), gender.tolist(),
               repeat(""), lsoa.tolist(), practice.tolist(), repeat(""), repeat(""), died_text, superseded.tolist(),
               repeat(0))
    con.executemany("INSERT INTO patient (nhs_number, given_name, family_name, date_of_birth, gender, postcode, "
                    "lsoa_code, gp_practice_code, mobile, email, date_of_death, superseded_by, sensitive) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    chosen = np.nonzero(rng.random(people) < 0.08)[0]
    counts = rng.choice(np.array([1, 2, 3]), chosen.size, p=[0.8, 0.15, 0.05])
    who = np.repeat(chosen, counts)
    start = np.datetime64("2018-05-25T00:00:00")
    made = start + rng.integers(0, 8 * 365 * 86400, who.size).astype("timedelta64[s]")
    order = np.lexsort((made, who))
    who, made = who[order], made[order]
    first = np.ones(who.size, dtype=bool)
    first[1:] = who[1:] != who[:-1]
    opted = first | (rng.random(who.size) < 0.5)  # a first choice is an opt-out; later ones either way
    made_text = np.char.replace(made.astype(str), "T", " ")
    recorded = (rng.permutation(who.size) + 1).astype(np.int64)  # recorded in another order than made
    choice = np.where(opted, "opted_out", "not_opted_out").tolist()
    made_list = made_text.tolist()
    events = zip(recorded.tolist(), keys[who].astype(str).tolist(), choice, made_list, made_list, repeat("OP"),
                 repeat(""), repeat(""), repeat(""), repeat(""), repeat(""), repeat("bench"))
    con.executemany("INSERT INTO choice_event (sequence, nhs_number, choice, made_at, recorded_at, channel, "
                    "proxy_role, proxy_name, proxy_evidence_type, proxy_evidence_reference, case_reference, "
                    "recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", events)
    con.commit()
    con.close()


# ---- the figures both sides report, for the comparison ------------------------------------------------


def figures_of_ours(figures) -> dict:
    out = {}
    for month in figures.months:
        when = month.ach_date.isoformat()
        pc, lc = figures.practice_codes, figures.lsoa_codes
        out[when] = {
            "cells": {f"{b},{g}": [int(month.opt_out[b, g]), int(month.list_size[b, g])]
                      for b in range(month.opt_out.shape[0]) for g in range(3)
                      if month.list_size[b, g] or month.opt_out[b, g]},
            "deceased": int(month.deceased_opt_out),
            "practices": {pc[i]: [int(month.practice_opt_out[i]), int(month.practice_list_size[i])]
                          for i in range(len(pc)) if month.practice_list_size[i] or month.practice_opt_out[i]},
            "lsoas": {lc[i]: int(month.lsoa_opt_out[i]) for i in range(len(lc)) if month.lsoa_opt_out[i]},
        }
    return out


def _timed(t0: float, c0: float, t1: float, c1: float, load0: float, baseline: float, figures: dict) -> dict:
    t2, c2 = time.perf_counter(), _cpu_s()
    return {"load_s": t1 - t0, "compute_s": t2 - t1, "total_s": t2 - t0, "load_cpu_s": c1 - c0,
            "compute_cpu_s": c2 - c1, "cpu_s": c2 - c0, "loadavg_before": load0, "loadavg_after": _load(),
            "peak_mib": _peak_mib(), "reader_peak_mib": _child_peak_mib(), "baseline_mib": baseline,
            "figures": figures}


def _libraries() -> None:
    """Both sides import the Arrow and ADBC libraries before the clock starts (pandas is imported before it too)."""
    import adbc_driver_postgresql.dbapi  # noqa: F401
    import adbc_driver_sqlite.dbapi  # noqa: F401
    import pyarrow.compute  # noqa: F401


def child_ours(url: str, months: int, result: Path) -> None:
    os.environ["DATABASE_URL"] = url
    from ndop import container

    container.setup_django()
    from ndop.adapters.db.statistics import DjangoRegistryColumns
    from ndop.domain.statistics.engine import Engine
    from ndop.domain.statistics.rules import ReportingPeriod

    _libraries()
    baseline, load0 = _peak_mib(), _load()
    period = ReportingPeriod.parse(REPORT_MONTH, months)
    t0, c0 = time.perf_counter(), _cpu_s()
    patients, choices = DjangoRegistryColumns().read()
    t1, c1 = time.perf_counter(), _cpu_s()
    engine = Engine(patients, choices, include_test_range=True)
    del patients, choices
    figures = engine.figures(period.dates)
    result.write_text(json.dumps(_timed(t0, c0, t1, c1, load0, baseline, figures_of_ours(figures))))


def _adbc(url: str):  # type: ignore[no-untyped-def]
    if url.startswith("sqlite:///"):
        import adbc_driver_sqlite.dbapi

        return adbc_driver_sqlite.dbapi.connect(url.removeprefix("sqlite:///"))
    import adbc_driver_postgresql.dbapi

    return adbc_driver_postgresql.dbapi.connect(url)


def _driver(url: str):  # type: ignore[no-untyped-def]
    if url.startswith("sqlite:///"):
        return contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///")))
    import psycopg

    return psycopg.connect(url)


PEER_READ = os.environ.get("NDOP_BENCH_PEER_READ", "adbc")


def child_pandas(url: str, months: int, result: Path) -> None:
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(ROOT / "src"))
    from ndop.domain.statistics.rules import ENGLAND, ReportingPeriod

    _libraries()
    baseline, load0 = _peak_mib(), _load()
    period = ReportingPeriod.parse(REPORT_MONTH, months)
    t0, c0 = time.perf_counter(), _cpu_s()
    # pandas reads an ADBC connection as Arrow, its fastest way out of a database (the default peer); with
    # --peer-read driver, the plain DB-API driver (sqlite3, psycopg), row by row, as most examples show.
    with (_adbc(url) if PEER_READ == "adbc" else _driver(url)) as con:
        patients = pd.read_sql("SELECT nhs_number, date_of_birth, date_of_death, gender, gp_practice_code, lsoa_code, "
                               "superseded_by FROM patient", con)
        events = pd.read_sql("SELECT nhs_number, made_at, sequence, choice FROM choice_event", con)
    t1, c1 = time.perf_counter(), _cpu_s()

    # Who is counted: a valid check digit, not repeated digits, not superseded (test range counted here).
    ok = patients["nhs_number"].str.fullmatch(r"[0-9]{10}").fillna(False).astype(bool)
    nums = pd.to_numeric(patients["nhs_number"].where(ok, "0")).astype("int64")
    total = sum((nums // 10 ** (9 - i)) % 10 * w for i, w in enumerate([10, 9, 8, 7, 6, 5, 4, 3, 2]))
    check = (11 - total % 11).replace(11, 0)
    ok &= (check != 10) & (check == nums % 10) & (nums % 1_111_111_111 != 0)
    links = patients.loc[patients["superseded_by"] != "", ["nhs_number", "superseded_by"]]
    follow = pd.Series(links["superseded_by"].to_numpy(), index=links["nhs_number"].to_numpy())
    people = patients[ok & (patients["superseded_by"] == "")].reset_index(drop=True)
    born_at = pd.to_datetime(people["date_of_birth"])
    dob_year, dob_md = born_at.dt.year, born_at.dt.month * 100 + born_at.dt.day
    died_at = pd.to_datetime(people["date_of_death"])
    gender = people["gender"].map({1: 1, 2: 0}).fillna(2).astype("int8")  # Female 0, Male 1, Unknown 2
    practice = people["gp_practice_code"].fillna("").astype("category")
    lsoa = people["lsoa_code"].fillna("").astype("category")

    # Each event to its person: along the supersession chains, then to the person's row.
    person = events["nhs_number"]
    for _ in range(64):
        moved = person.map(follow)
        if moved.isna().all():
            break
        person = moved.fillna(person)
    events["pos"] = pd.Index(people["nhs_number"]).get_indexer(person)
    events = events[events["pos"] >= 0]
    events["made_at"] = pd.to_datetime(events["made_at"], utc=True, format="ISO8601")
    events = events.sort_values(["pos", "made_at", "sequence"])

    out = {}
    for day in period.dates:
        start = pd.Timestamp(day.isoformat(), tz=ENGLAND).tz_convert("UTC")
        latest = events[events["made_at"] < start].drop_duplicates("pos", keep="last")
        opted = pd.Series(False, index=people.index)
        opted.iloc[latest.loc[latest["choice"] == "opted_out", "pos"].to_numpy()] = True
        ts = pd.Timestamp(day)
        born = born_at <= ts
        dead = died_at.notna() & (died_at <= ts)
        living = born & ~dead
        age = day.year - dob_year - (dob_md > day.month * 100 + day.day).astype("int64")
        frame = pd.DataFrame({"band": (age // 10).clip(upper=9), "g": gender, "opted": opted,
                              "practice": practice, "lsoa": lsoa})[living]
        cells = frame.groupby(["band", "g"])["opted"].agg(["sum", "size"])
        practices = frame.groupby("practice", observed=True)["opted"].agg(["sum", "size"])
        lsoas = frame[frame["opted"]].groupby("lsoa", observed=True).size()
        out[day.isoformat()] = {
            "cells": {f"{int(b)},{int(g)}": [int(o), int(n)] for (b, g), o, n
                      in zip(cells.index, cells["sum"], cells["size"], strict=True) if n},
            "deceased": int((opted & born & dead).sum()),
            "practices": {str(k): [int(o), int(n)] for k, o, n
                          in zip(practices.index, practices["sum"], practices["size"], strict=True)},
            "lsoas": {str(k): int(v) for k, v in lsoas.items() if v},
        }
    del np
    result.write_text(json.dumps(_timed(t0, c0, t1, c1, load0, baseline, out)))


def child_engine(people: int, months: int, result: Path) -> None:
    """The engine alone on columns made in memory (no database): the computing part at any size."""
    import numpy as np

    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    from ndop.domain.statistics.engine import ChoiceColumns, Engine, PatientColumns
    from ndop.domain.statistics.rules import ReportingPeriod
    from tests.synthetic import valid_numbers

    rng = np.random.default_rng(7)
    keys = rng.permutation(np.unique(valid_numbers(int(people * 1.1) + 100, seed=7))[:people])
    people = keys.size
    born = (rng.integers(1925, 2026, people) * 10000 + rng.integers(1, 13, people) * 100
            + rng.integers(1, 29, people)).astype(np.int32)
    died = np.where(rng.random(people) < 0.015, rng.integers(20180101, 20261101, people), 0).astype(np.int32)
    patients = PatientColumns(keys, born, died, rng.choice(np.array([0, 1, 2, 9], dtype=np.int8), people),
                              rng.integers(0, max(1, people // 10_000), people).astype(np.int32),
                              rng.integers(0, max(1, people // 1_700), people).astype(np.int32),
                              np.zeros(people, dtype=np.int64),
                              tuple(f"P{i:05d}" for i in range(max(1, people // 10_000))),
                              tuple(f"E01{i:06d}" for i in range(max(1, people // 1_700))))
    chosen = np.nonzero(rng.random(people) < 0.08)[0]
    who = np.repeat(chosen, rng.choice(np.array([1, 2, 3]), chosen.size, p=[0.8, 0.15, 0.05]))
    events = who.size
    choices = ChoiceColumns(keys[who], rng.integers(1527206400, 1793577600, events), np.arange(1, events + 1),
                            rng.random(events) < 0.8)
    baseline, load0 = _peak_mib(), _load()
    period = ReportingPeriod.parse(REPORT_MONTH, months)
    t0, c0 = time.perf_counter(), _cpu_s()
    engine = Engine(patients, choices, include_test_range=True)
    del patients, choices
    engine.figures(period.dates)
    result.write_text(json.dumps({"compute_s": time.perf_counter() - t0, "compute_cpu_s": _cpu_s() - c0,
                                  "loadavg_before": load0, "loadavg_after": _load(), "peak_mib": _peak_mib(),
                                  "baseline_mib": baseline, "events": events}))


# ---- the parent: build, run the children, compare, print --------------------------------------------


def _pg_ready(url: str, db: Path) -> bool:
    """The scratch PostgreSQL database holds as many people as the SQLite file it is copied from."""
    def count(args: list[str]) -> str:
        found = subprocess.run(args, capture_output=True, text=True, check=False)
        return found.stdout.strip() if found.returncode == 0 else "?"

    query = "SELECT COUNT(*) FROM patient"
    there = count(["psql", url, "-tAc", query])
    return there != "?" and there == count(["sqlite3", str(db), query])


def run_child(kind: str, url: str, months: int) -> dict:
    result = OUT / f"statistics-{kind}-{months}.json"
    subprocess.run([sys.executable, __file__, "--child", kind, "--url", url, "--months", str(months),
                    "--result", str(result)], check=True, cwd=ROOT)
    return json.loads(result.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--peer-read", choices=("adbc", "driver"), default="adbc",
                        help="How the pandas peer reads: pd.read_sql over ADBC (fastest), or over sqlite3/psycopg.")
    parser.add_argument("--peer-max", type=int, default=10_000_000, help="Skip the pandas peer above this size.")
    parser.add_argument("--child", choices=("ours", "pandas", "build", "engine"))
    parser.add_argument("--engine-only", type=int, help="Only the engine on in-memory columns of this many people.")
    parser.add_argument("--people", type=int)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--url", help="(children) the database, as DATABASE_URL")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="Where the registry lives (PostgreSQL: a scratch database per size, NDOP_BENCH_PG_URL).")
    parser.add_argument("--result", type=Path)
    args = parser.parse_args()
    os.environ["NDOP_BENCH_PEER_READ"] = PEER_READ if args.child else args.peer_read  # the children inherit it
    if args.child == "build":
        build(args.db, args.people)
        return
    if args.child == "engine":
        child_engine(args.people, args.months, args.result)
        return
    if args.engine_only:
        OUT.mkdir(parents=True, exist_ok=True)
        for months in (1, args.months):
            result = OUT / f"statistics-engine-{args.engine_only}-{months}.json"
            subprocess.run([sys.executable, __file__, "--child", "engine", "--people", str(args.engine_only),
                            "--months", str(months), "--result", str(result)], check=True, cwd=ROOT)
            print(f"engine only, {args.engine_only:,} people, {months} months: {result.read_text()}")
        return
    if args.child:
        (child_ours if args.child == "ours" else child_pandas)(args.url, args.months, args.result)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}, "database": args.database,
              "runs": []}
    for size in (int(s) for s in args.sizes.split(",")):
        db = OUT / f"statistics-{size}.sqlite3"
        if not db.exists():
            t = time.perf_counter()
            part = db.with_suffix(".part")
            part.unlink(missing_ok=True)
            subprocess.run([sys.executable, __file__, "--child", "build", "--db", str(part), "--people", str(size)],
                           check=True, cwd=ROOT)
            part.rename(db)
            print(f"built a registry of {size:,} people in {time.perf_counter() - t:.0f} s")
        url = database_url(args.database, db, size)
        if args.database == "postgresql" and not _pg_ready(url, db):
            t = time.perf_counter()
            build_postgres(db, url)
            print(f"copied the registry of {size:,} people into PostgreSQL in {time.perf_counter() - t:.0f} s")
        ours = run_child("ours", url, args.months)
        row = {"people": size, "months": args.months, "database": args.database,
               "ours": {k: v for k, v in ours.items() if k != "figures"}}
        for months in (1, 24):
            other = run_child("ours", url, months)
            row[f"ours_{months}_months_peak_mib"] = other["peak_mib"]
            row[f"ours_{months}_months_total_s"] = other["total_s"]
        if size <= args.peer_max:
            peer = run_child("pandas", url, args.months)
            row["peer_read"] = args.peer_read
            row["pandas"] = {k: v for k, v in peer.items() if k != "figures"}
            row["figures_equal"] = peer["figures"] == ours["figures"]
            row["speed_ratio"] = peer["total_s"] / ours["total_s"]
            row["cpu_ratio"] = peer["cpu_s"] / ours["cpu_s"]  # client processes only: the server's CPU is in neither
            row["memory_ratio"] = peer["peak_mib"] / ours["peak_mib"]
        report["runs"].append(row)
        print(json.dumps(row, indent=1))
    (OUT / f"statistics-{args.database}.json").write_text(json.dumps(report, indent=1))
    print(f"\n{'people':>11} {'ours s':>8} {'(load':>7} {'calc)':>6} {'MiB':>6} {'1mo':>6} {'24mo':>6} "
          f"{'pandas s':>9} {'MiB':>6} {'x faster':>8} {'x CPU':>6} {'same':>5} {'load':>9}")
    for r in report["runs"]:
        p = r.get("pandas", {})
        print(f"{r['people']:>11,} {r['ours']['total_s']:>8.1f} {r['ours']['load_s']:>7.1f} "
              f"{r['ours']['compute_s']:>6.1f} {r['ours']['peak_mib']:>6.0f} {r['ours_1_months_peak_mib']:>6.0f} "
              f"{r['ours_24_months_peak_mib']:>6.0f} {p.get('total_s', float('nan')):>9.1f} "
              f"{p.get('peak_mib', float('nan')):>6.0f} {r.get('speed_ratio', float('nan')):>8.1f} "
              f"{r.get('cpu_ratio', float('nan')):>6.1f} {str(r.get('figures_equal', '-')):>5} "
              f"{r['ours']['loadavg_before']:>4.1f}-{p.get('loadavg_after', float('nan')):.1f}")


if __name__ == "__main__":
    main()
