"""Benchmark: the statistics publication's figures (12 months) beside a straightforward pandas peer.

    make bench-statistics                                  # 1M and 10M people, 12 months, SQLite
    .venv/bin/python bench/stats_publication.py --sizes 200000    # a quick run

A scratch SQLite registry (the real schema, made by the migrations) is filled with synthetic people
and choice events: 8% of people have a history of one to three choices since May 2018, 1.5% have died,
0.1% of numbers are superseded. Each step runs in its own process so its peak RSS is its own:
- `ours`: `DjangoRegistryColumns.read()` (streamed out of the database) + the numpy `Engine`, 12 months;
  also run with 1 and 24 months, to show that memory does not grow with the number of months;
- `pandas`: `pd.read_sql` of the same two tables, then the same rules with pandas idioms (the way a
  competent pandas user would write them: to_datetime, a supersession map, sort + groupby().tail(1)
  for the latest choice before each date, pd.cut for age bands, groupby().size() for the counts).
Both count the test range (the synthetic numbers start with 9). The run checks that the peer's figures
equal ours (England, every age-band and gender cell, every practice and LSOA) and prints the ratios.
Raw results: bench/out/statistics.json.
"""

from __future__ import annotations

import argparse
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
    con.execute("PRAGMA synchronous=OFF")
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


def child_ours(db: Path, months: int, result: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    from ndop import container

    container.setup_django()
    from ndop.adapters.db.statistics import DjangoRegistryColumns
    from ndop.domain.statistics.engine import Engine
    from ndop.domain.statistics.rules import ReportingPeriod

    baseline = _peak_mib()
    period = ReportingPeriod.parse(REPORT_MONTH, months)
    t0 = time.perf_counter()
    patients, choices = DjangoRegistryColumns().read()
    t1 = time.perf_counter()
    engine = Engine(patients, choices, include_test_range=True)
    del patients, choices
    figures = engine.figures(period.dates)
    t2 = time.perf_counter()
    result.write_text(json.dumps({"load_s": t1 - t0, "compute_s": t2 - t1, "total_s": t2 - t0,
                                  "peak_mib": _peak_mib(), "baseline_mib": baseline,
                                  "figures": figures_of_ours(figures)}))


def child_pandas(db: Path, months: int, result: Path) -> None:
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(ROOT / "src"))
    from ndop.domain.statistics.rules import ENGLAND, ReportingPeriod

    baseline = _peak_mib()
    period = ReportingPeriod.parse(REPORT_MONTH, months)
    t0 = time.perf_counter()
    con = sqlite3.connect(db)
    patients = pd.read_sql("SELECT nhs_number, date_of_birth, date_of_death, gender, gp_practice_code, lsoa_code, "
                           "superseded_by FROM patient", con)
    events = pd.read_sql("SELECT nhs_number, made_at, sequence, choice FROM choice_event", con)
    con.close()
    t1 = time.perf_counter()

    # Who is counted: a valid check digit, not repeated digits, not superseded (test range counted here).
    digits = patients["nhs_number"].str.extract(r"^(\d{10})$")[0]
    ok = digits.notna()
    nums = digits.fillna("0").astype("int64")
    weights = [10, 9, 8, 7, 6, 5, 4, 3, 2]
    total = sum((nums // 10 ** (9 - i)) % 10 * w for i, w in enumerate(weights))
    check = (11 - total % 11).replace(11, 0)
    ok &= (check != 10) & (check == nums % 10) & (nums % 1_111_111_111 != 0)
    links = patients.loc[patients["superseded_by"] != "", ["nhs_number", "superseded_by"]]
    follow = dict(zip(links["nhs_number"], links["superseded_by"], strict=True))
    people = patients[ok & (patients["superseded_by"] == "")].copy()
    people["date_of_birth"] = pd.to_datetime(people["date_of_birth"])
    people["date_of_death"] = pd.to_datetime(people["date_of_death"])
    people["gender"] = people["gender"].map({1: "Male", 2: "Female"}).fillna("Unknown")
    people = people.set_index("nhs_number")

    def end_of_chain(number: str) -> str:
        for _ in range(64):
            if number not in follow:
                break
            number = follow[number]
        return number

    events["person"] = events["nhs_number"].map(end_of_chain) if follow else events["nhs_number"]
    events = events[events["person"].isin(people.index)]
    events["made_at"] = pd.to_datetime(events["made_at"], utc=True)
    events = events.sort_values(["person", "made_at", "sequence"])

    out = {}
    bands = list(range(0, 100, 10)) + [1000]
    for day in period.dates:
        start = pd.Timestamp(day.isoformat(), tz=ENGLAND).tz_convert("UTC")
        latest = events[events["made_at"] < start].groupby("person").tail(1)
        opted = latest.loc[latest["choice"] == "opted_out", "person"]
        ts = pd.Timestamp(day)
        frame = people[people["date_of_birth"] <= ts].copy()
        frame["opted"] = frame.index.isin(opted)
        dead = frame["date_of_death"].notna() & (frame["date_of_death"] <= ts)
        living = frame[~dead].copy()
        before_birthday = (living["date_of_birth"].dt.month > day.month) | (
            (living["date_of_birth"].dt.month == day.month) & (living["date_of_birth"].dt.day > day.day))
        age = day.year - living["date_of_birth"].dt.year - before_birthday.astype(int)
        living["band"] = pd.cut(age, bands, right=False, labels=False)
        living["g"] = living["gender"].map({"Female": 0, "Male": 1, "Unknown": 2})
        cells = living.groupby(["band", "g"]).agg(opt=("opted", "sum"), n=("opted", "size"))
        practices = living.groupby("gp_practice_code").agg(opt=("opted", "sum"), n=("opted", "size"))
        lsoas = living[living["opted"]].groupby("lsoa_code").size()
        out[day.isoformat()] = {
            "cells": {f"{int(b)},{int(g)}": [int(r.opt), int(r.n)] for (b, g), r in cells.iterrows() if r.n},
            "deceased": int((frame["opted"] & dead).sum()),
            "practices": {k: [int(r.opt), int(r.n)] for k, r in practices.iterrows()},
            "lsoas": {k: int(v) for k, v in lsoas.items() if v},
        }
    t2 = time.perf_counter()
    del np
    result.write_text(json.dumps({"load_s": t1 - t0, "compute_s": t2 - t1, "total_s": t2 - t0,
                                  "peak_mib": _peak_mib(), "baseline_mib": baseline, "figures": out}))


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
    baseline = _peak_mib()
    period = ReportingPeriod.parse(REPORT_MONTH, months)
    t0 = time.perf_counter()
    engine = Engine(patients, choices, include_test_range=True)
    del patients, choices
    engine.figures(period.dates)
    result.write_text(json.dumps({"compute_s": time.perf_counter() - t0, "peak_mib": _peak_mib(),
                                  "baseline_mib": baseline, "events": events}))


# ---- the parent: build, run the children, compare, print --------------------------------------------


def run_child(kind: str, db: Path, months: int) -> dict:
    result = OUT / f"statistics-{kind}-{months}.json"
    subprocess.run([sys.executable, __file__, "--child", kind, "--db", str(db), "--months", str(months),
                    "--result", str(result)], check=True, cwd=ROOT)
    return json.loads(result.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--peer-max", type=int, default=10_000_000, help="Skip the pandas peer above this size.")
    parser.add_argument("--child", choices=("ours", "pandas", "build", "engine"))
    parser.add_argument("--engine-only", type=int, help="Only the engine on in-memory columns of this many people.")
    parser.add_argument("--people", type=int)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--result", type=Path)
    args = parser.parse_args()
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
        (child_ours if args.child == "ours" else child_pandas)(args.db, args.months, args.result)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}, "runs": []}
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
        ours = run_child("ours", db, args.months)
        row = {"people": size, "months": args.months, "ours": {k: v for k, v in ours.items() if k != "figures"}}
        for months in (1, 24):
            other = run_child("ours", db, months)
            row[f"ours_{months}_months_peak_mib"] = other["peak_mib"]
        if size <= args.peer_max:
            peer = run_child("pandas", db, args.months)
            row["pandas"] = {k: v for k, v in peer.items() if k != "figures"}
            row["figures_equal"] = peer["figures"] == ours["figures"]
            row["speed_ratio"] = peer["total_s"] / ours["total_s"]
            row["memory_ratio"] = peer["peak_mib"] / ours["peak_mib"]
        report["runs"].append(row)
        print(json.dumps(row, indent=1))
    (OUT / "statistics.json").write_text(json.dumps(report, indent=1))
    print(f"\n{'people':>11} {'ours s':>8} {'(load':>7} {'calc)':>6} {'MiB':>6} {'1mo':>6} {'24mo':>6} "
          f"{'pandas s':>9} {'MiB':>6} {'x faster':>8} {'same':>5}")
    for r in report["runs"]:
        p = r.get("pandas", {})
        print(f"{r['people']:>11,} {r['ours']['total_s']:>8.1f} {r['ours']['load_s']:>7.1f} "
              f"{r['ours']['compute_s']:>6.1f} {r['ours']['peak_mib']:>6.0f} {r['ours_1_months_peak_mib']:>6.0f} "
              f"{r['ours_24_months_peak_mib']:>6.0f} {p.get('total_s', float('nan')):>9.1f} "
              f"{p.get('peak_mib', float('nan')):>6.0f} {r.get('speed_ratio', float('nan')):>8.1f} "
              f"{str(r.get('figures_equal', '-')):>5}")


if __name__ == "__main__":
    main()
