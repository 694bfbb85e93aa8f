"""Benchmark of a small `ndop check`: the whole process for one row, beside its peers, same run.

    make bench-check-startup                       # 15 rounds
    .venv/bin/python bench/check_startup.py --rounds 5

Builds, under bench/out/check_startup/: a SQLite registry (its own var dir) with 10,000 opt-outs written
straight into `choice_event` and `current_choice` (as bench/check.py does), its snapshot persisted and
sealed by two `ndop check` runs 2.5 s apart (ADR 78's racy window), and a one-row `.dat` request (a number
not opted out) and a 5,000-row one. Then, round after round so that every command sees the same load:

- `python -c pass`: the interpreter alone, the floor of any Python command;
- `python -c "import click, numpy, pydantic_settings, django.db.models"`: the libraries a check could not do
  without before ADR 95 (the command line, the bitmap, the validated configuration, the ORM), imported and
  nothing run; and the same without Django, the floor of a check on a current snapshot since (ADR 95);
- the polars peer (bench/peers/check_polars.py) on the same one-row request;
- `ndop check` of the one row and of the 5,000 rows (warm, sealed snapshot: a CheckJob and its audit event
  each time).

Each process's wall time and CPU time (user + system, from wait4) are reported as medians with the load
average beside them; ndop's response is compared with the polars peer's byte for byte. Last, the crossover
of ADR 88: per-row time of the plain-Python scan (`dat_scan`) and of the compiled one (`kernels`) in this
process, and the CPU a process spends importing numba and loading the cached kernel; the row count where
they meet is printed beside `engine.SMALL_DAT`. Raw results: bench/out/check_startup/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "check_startup"
VAR = OUT / "var"
BIN = Path(sys.executable).parent

sys.path.insert(0, str(ROOT / "bench"))
from check import LAUNCHER, build_registry, check_digits, dat_bytes, valid_first_nine  # noqa: E402 - bench/check.py's

os.environ["NDOP_VAR_DIR"] = str(VAR)  # after bench/check.py's import, which sets its own
os.environ.pop("DATABASE_URL", None)

# What a process pays for the compiled scan: importing numba and loading the kernel from numba's cache.
NUMBA_LOAD = """
import time
import numpy as np
started = time.process_time()
from ndop.domain.check import kernels
buf = np.frombuffer(b"9434765919,\\n", np.uint8).copy()
bitmap = np.zeros(125_000_000, np.uint8)
out = np.empty(12, np.uint8)
inv = np.empty(1, np.int64)
kernels.scan_dat(buf, 0, 12, True, bitmap, out, 0, True, inv, inv.astype(np.int8), 0, 0, 1024)
print(time.process_time() - started)
"""


def launch(argv: list[str]) -> dict[str, float]:
    done = subprocess.run(["/usr/bin/python3", "-c", LAUNCHER, *argv], capture_output=True, check=True)
    errors = done.stderr.decode(errors="replace")
    wall, cpu, rss, rc = errors.rsplit("LAUNCHER ", 1)[1].split()
    if int(rc) not in (0, 3):
        raise SystemExit(f"{argv[1]} exited {rc}: {errors[-400:]}")
    return {"wall_s": float(wall), "cpu_s": float(cpu), "rss_mb": int(rss) / 1024, "load_1min": os.getloadavg()[0]}


def setup(rng: np.random.Generator) -> tuple[Path, Path, Path]:
    from ndop import container

    OUT.mkdir(parents=True, exist_ok=True)
    VAR.mkdir(parents=True, exist_ok=True)
    if not (VAR / "ndop.sqlite3").exists():
        container.setup_django()
        optouts = valid_first_nine(10_000, rng)
        build_registry(optouts)
        export = OUT / "optouts.parquet"
        import polars as pl

        pl.DataFrame({"nhs_number": optouts * 10 + check_digits(optouts)}).write_parquet(export)
    one = OUT / "one.dat"
    one.write_bytes(b"9434765870,\n")  # valid, not opted out
    many = OUT / "many.dat"
    many.write_bytes(dat_bytes(valid_first_nine(5_000, rng)))
    ndop = str(BIN / "ndop")
    launch([ndop, "check", str(one), "-o", str(OUT / "warm.dat")])  # builds and persists the snapshot
    time.sleep(2.5)  # past the racy window: the next load verifies the MAC in full and seals it
    launch([ndop, "check", str(one), "-o", str(OUT / "warm.dat")])
    return one, many, OUT / "optouts.parquet"


def crossover() -> dict[str, float]:
    from ndop.domain.check import dat_scan, engine, kernels

    rng = np.random.default_rng(7)
    rows = 5_000
    buf = np.frombuffer(dat_bytes(valid_first_nine(rows, rng)), np.uint8).copy()
    bitmap = np.zeros(125_000_000, np.uint8)
    out = np.empty(len(buf), np.uint8)
    inv = np.empty(1, np.int64)
    code = np.empty(1, np.int8)
    per_row = {}
    results = {}
    for name, scan in (("plain", dat_scan.scan_dat), ("compiled", kernels.scan_dat)):
        scan(buf, 0, len(buf), True, bitmap, out, 0, True, inv, code, 0, 0, 1024)  # compiled: loaded once
        times = []
        for _ in range(5):
            started = time.process_time()
            results[name] = scan(buf, 0, len(buf), True, bitmap, out, 0, True, inv, code, 0, 0, 1024)
            times.append(time.process_time() - started)
        per_row[name] = statistics.median(times) / rows
    assert results["plain"] == results["compiled"]
    loads = [
        float(subprocess.run([sys.executable, "-c", NUMBA_LOAD], capture_output=True, check=True, text=True).stdout)
        for _ in range(5)
    ]
    numba_s = statistics.median(loads)
    rows_at = numba_s / (per_row["plain"] - per_row["compiled"])
    return {"plain_us_per_row": per_row["plain"] * 1e6, "compiled_us_per_row": per_row["compiled"] * 1e6,
            "numba_load_cpu_s": numba_s, "crossover_rows": rows_at, "crossover_bytes": rows_at * 12,
            "small_dat_bytes": engine.SMALL_DAT, "load_1min": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    one, many, optouts = setup(rng)
    python = sys.executable
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "imports (click, numpy, pydantic_settings, django.db.models)": [
            python, "-c", "import click, numpy, pydantic_settings, django.db.models"],
        "imports without Django (click, numpy, pydantic_settings)": [
            python, "-c", "import click, numpy, pydantic_settings"],
        "polars peer, one row": [python, str(ROOT / "bench" / "peers" / "check_polars.py"), str(one), str(optouts),
                                 str(OUT / "polars-one.dat")],
        "ndop check, one row": [str(BIN / "ndop"), "check", str(one), "-o", str(OUT / "ndop-one.dat")],
        "ndop check, 5,000 rows": [str(BIN / "ndop"), "check", str(many), "-o", str(OUT / "ndop-many.dat")],
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
    print(f"load average before: {os.getloadavg()}", flush=True)
    for _ in range(args.rounds):
        for name, argv in commands.items():
            runs[name].append(launch(argv))
    same = (OUT / "ndop-one.dat").read_bytes() == (OUT / "polars-one.dat").read_bytes()
    table = {}
    for name, measured in runs.items():
        table[name] = {
            "wall_s": statistics.median(r["wall_s"] for r in measured),
            "cpu_s": statistics.median(r["cpu_s"] for r in measured),
            "rss_mb": max(r["rss_mb"] for r in measured),
            "loads_1min": [round(r["load_1min"], 2) for r in measured],
        }
    ndop = table["ndop check, one row"]
    print(f"{'command':62} {'wall s':>7} {'CPU s':>7} {'RSS MB':>7} {'ndop/it CPU':>11}  load (1 min)")
    for name, row in table.items():
        loads = row["loads_1min"]
        print(f"{name:62} {row['wall_s']:7.3f} {row['cpu_s']:7.3f} {row['rss_mb']:7.0f} "
              f"{ndop['cpu_s'] / row['cpu_s']:10.2f}x  {min(loads):.1f}-{max(loads):.1f}")
    print(f"one row: ndop's response {'is' if same else 'is NOT'} byte-identical to the polars peer's")
    cross = crossover()
    print(f"crossover: plain scan {cross['plain_us_per_row']:.2f} us/row, compiled {cross['compiled_us_per_row']:.3f} "
          f"us/row, numba import + cache load {cross['numba_load_cpu_s']:.3f} s of CPU: they meet at "
          f"{cross['crossover_rows']:,.0f} rows ({cross['crossover_bytes'] / 1024:,.0f} KiB); "
          f"engine.SMALL_DAT = {cross['small_dat_bytes'] // 1024} KiB (load {cross['load_1min']:.1f})")
    results = {"table": table, "same_response": same, "crossover": cross, "rounds": args.rounds,
               "uname": os.uname().release}
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print(f"raw results: {OUT / 'results.json'}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
