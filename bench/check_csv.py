"""Benchmark of the CSV check: `ndop check` on a 5-column CSV against polars and DuckDB, same files, same run.

    make bench-check-csv                                  # requests of 2M and 10M rows, 3 runs each
    .venv/bin/python bench/check_csv.py --sizes 200000 --repeat 1   # a quick run

Builds, under bench/out/check_csv/: a registry (SQLite, its own var dir) with --optouts opt-outs,
bulk-inserted as bench/check.py does; its snapshot; and CSV requests of 5 columns
(`record_id,NHS_NUMBER,name,postcode,date_of_birth`, the name quoted with a comma inside it), their
numbers drawn from a population of --population valid NHS numbers. Then per size, --repeat times, in
turn on the same file: `ndop check` as a whole process (warm snapshot), the check alone inside this
process (wall and CPU seconds: the machine is shared, CPU time is the fairer measure of the scan),
and the peers (bench/peers/check_csv_*.py), each process's peak RSS from wait4. Every peer's response
is compared with ndop's byte for byte. Medians are printed with the ratios and the load average.
Raw results: bench/out/check_csv/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import check as dat_bench  # noqa: E402 - the registry, the launcher and the number helpers are shared

OUT = ROOT / "bench" / "out" / "check_csv"
VAR = OUT / "var"
BIN = Path(sys.executable).parent
os.environ["NDOP_VAR_DIR"] = str(VAR)

HEADER = "record_id,NHS_NUMBER,name,postcode,date_of_birth\n"
NAMES = ['"Smith, Anne"', '"Jones, David"', '"Taylor, Mary-Jane"', '"Brown, Li"', '"Williams, Mohammed"']
POSTCODES = ["LS1 4AP", "M13 9PL", "SW1A 1AA", "B15 2TT", "NE1 7RU", "CF10 3AT"]


def csv_bytes(first_id: int, keys: np.ndarray, rng: np.random.Generator) -> bytes:
    numbers = (keys * 10 + dat_bench.check_digits(keys)).tolist()
    names = rng.integers(0, len(NAMES), len(keys)).tolist()
    places = rng.integers(0, len(POSTCODES), len(keys)).tolist()
    days = rng.integers(0, 28, len(keys)).tolist()
    rows = [
        f"{first_id + k},{n:010d},{NAMES[a]},{POSTCODES[p]},19{50 + d}-0{1 + d % 9}-{1 + d:02d}\n"
        for k, (n, a, p, d) in enumerate(zip(numbers, names, places, days, strict=True))
    ]
    return "".join(rows).encode()


def write_request(path: Path, population: np.ndarray, rows: int, rng: np.random.Generator) -> None:
    with open(path, "wb") as handle:
        handle.write(HEADER.encode())
        for start in range(0, rows, 1_000_000):
            take = min(1_000_000, rows - start)
            handle.write(csv_bytes(start + 1, population[rng.integers(0, len(population), take)], rng))


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000000,10000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--optouts", type=int, default=1_000_000)
    parser.add_argument("--population", type=int, default=20_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the registry and requests from the last run")
    parser.add_argument("--peers", default="polars,duckdb")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    peers = [p for p in args.peers.split(",") if p]
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261203)
    ready = (VAR / "ndop.sqlite3").exists() and args.reuse
    if not ready:
        for stale in VAR.glob("**/*"):
            if stale.is_file():
                stale.unlink()
    sys.path.insert(0, str(ROOT / "src"))
    from ndop import container

    container.setup_django()
    if not ready:
        population = np.unique(dat_bench.valid_first_nine(int(args.population * 1.05), rng))[: args.population]
        rng.shuffle(population)
        dat_bench.build_registry(population[: args.optouts])
        for size in sizes:
            write_request(OUT / f"request-{size}.csv", population, size, rng)
            print(f"request of {size:,} rows written", flush=True)
        del population
    optouts_parquet = OUT / "optouts.parquet"
    dat_bench.export_optouts(optouts_parquet)
    service = container.check_service()
    service.snapshots.rebuild()

    from ndop.domain.check.jobs import CheckChannel
    from ndop.domain.common.actors import Actor

    bench = Actor.system_job("bench")
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, {platform.platform()}",
        "optouts": args.optouts,
        "command": " ".join(sys.argv),
        "requests": [],
    }
    # One untimed check first: after a change to the compiled scan, the first process compiles it again and
    # fills numba's cache (a minute and about 900 MB under load), which is not what a check costs.
    warm = OUT / "request-warm.csv"
    with open(OUT / f"request-{sizes[0]}.csv", "rb") as first:
        warm.write_bytes(b"".join(line for _, line in zip(range(1001), first, strict=False)))
    dat_bench.run_process([str(BIN / "ndop"), "check", str(warm), "-o", str(OUT / "response-warm.csv")])
    (OUT / "response-warm.csv").unlink(missing_ok=True)
    for size in sizes:
        request = OUT / f"request-{size}.csv"
        response = OUT / f"response-{size}.csv"
        runs: dict[str, list[dict]] = {"ndop_process": [], "ndop_check": [], **{p: [] for p in peers}}
        dat_bench.run_process(["/bin/cp", str(request), "/dev/null"])  # into the page cache, for all alike
        reference = ""
        for _ in range(args.repeat):
            proc = dat_bench.run_process([str(BIN / "ndop"), "check", str(request), "-o", str(response)])
            proc["load"] = load()
            runs["ndop_process"].append(proc)
            reference = dat_bench.sha256_file(response)
            wall, cpu, scan = time.perf_counter(), time.process_time(), time.thread_time()
            with open(request, "rb") as req, open(OUT / "response-inproc.csv", "wb") as resp:
                outcome = service.run(req, resp, channel=CheckChannel.CLI, requested_by=bench)
            runs["ndop_check"].append(
                {
                    "wall_s": time.perf_counter() - wall,
                    "cpu_s": time.process_time() - cpu,  # both threads: the scan, and hashing and writing
                    "scan_cpu_s": time.thread_time() - scan,  # the checking thread alone
                    "load": load(),
                }
            )
            assert dat_bench.sha256_file(OUT / "response-inproc.csv") == reference
            for peer in peers:
                peer_out = OUT / f"response-{size}-{peer}.csv"
                script = str(ROOT / "bench" / "peers" / f"check_csv_{peer}.py")
                result = dat_bench.run_process(
                    [sys.executable, script, str(request), str(optouts_parquet), str(peer_out)]
                )
                result["same_response"] = dat_bench.sha256_file(peer_out) == reference
                result["load"] = load()
                peer_out.unlink()
                runs[peer].append(result)
        response.unlink()
        row = {
            "rows": size,
            "bytes": request.stat().st_size,
            "kept": outcome.rows_kept,
            "removed": outcome.rows_removed,
            "runs": runs,
        }
        results["requests"].append(row)  # type: ignore[attr-defined]
        print_row(row, peers)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"raw results: {OUT / 'results.json'}")


def median(runs: list[dict], key: str = "wall_s") -> float:
    return statistics.median(r[key] for r in runs)


def print_row(row: dict, peers: list[str]) -> None:
    rows, runs = row["rows"], row["runs"]
    proc = median(runs["ndop_process"])
    repeat = len(runs["ndop_process"])
    print(f"\n{rows:,} rows ({row['bytes'] / 1e6:.0f} MB), {row['removed']:,} removed; medians of {repeat}")
    head = f"{'contender':<24}{'wall s':>8}{'rows/s':>13}{'peak MB':>9}{'ndop faster':>12}"
    print(f"  {head}  same   load (1, 5, 15 min) each run")
    check, cpu = median(runs["ndop_check"]), median(runs["ndop_check"], "cpu_s")
    loads = " | ".join(r["load"] for r in runs["ndop_check"])
    print(f"  {'ndop check (the check)':<24}{check:>8.2f}{rows / check:>13,.0f}{'':>9}{'':>12}        {loads}")
    scan = median(runs["ndop_check"], "scan_cpu_s")
    print(f"  {'  per CPU-second':<24}{cpu:>8.2f}{rows / cpu:>13,.0f}   (both threads: scan + sha256 + write)")
    print(f"  {'  scan thread CPU':<24}{scan:>8.2f}{rows / scan:>13,.0f}   (the checking thread alone)")
    rss = max(r["rss_mb"] for r in runs["ndop_process"])
    loads = " | ".join(r["load"] for r in runs["ndop_process"])
    print(f"  {'ndop check (process)':<24}{proc:>8.2f}{rows / proc:>13,.0f}{rss:>9.0f}{'':>12}        {loads}")
    for peer in peers:
        wall = median(runs[peer])
        same = all(r["same_response"] for r in runs[peer])
        rss = max(r["rss_mb"] for r in runs[peer])
        loads = " | ".join(r["load"] for r in runs[peer])
        print(f"  {peer:<24}{wall:>8.2f}{rows / wall:>13,.0f}{rss:>9.0f}{wall / proc:>11.1f}x  {same!s:<6} {loads}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
