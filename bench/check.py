"""Benchmark of the bulk check: `ndop check` against polars and DuckDB on the same files, same run.

    make bench-check                     # 3.4M opt-outs; requests of 1M, 10M and 50M rows
    .venv/bin/python bench/check.py --sizes 1000000 --optouts 340000   # a quick run

Builds, under bench/out/check/: a registry (SQLite, its own var dir) holding 3.4 million opt-outs,
written straight into `choice_event` and `current_choice` with one bulk insert rather than through
3.4 million `record_choice` calls (no audit events for them); the snapshot built from it by the
snapshot builder (a full rebuild, timed); `dat` requests drawn from a population of 60 million
valid NHS numbers (duplicates included, about 5.7% opted out); and the opt-out set as Parquet for
the peers. Then, per request size, in this order on the same file: `ndop check` as a whole process
(warm snapshot from var/), the check alone inside this process (the service with a warm snapshot),
the polars peer and the DuckDB peer, each process's peak RSS from wait4. Also: a one-row check
(in process, and as a whole process), and catching up after 1,000 new choice events against a full
rebuild. Every response is compared with ndop's (sha256). Raw results: bench/out/check/results.json.

With `--repeat N` each whole process (ndop and every peer, in turn, on the same file) runs N times and
the median is reported, with every run's time and the load average beside it. Before the first timed
check, one `ndop check` of one row runs once the racy window of the new snapshot has passed: it verifies
the snapshot's MAC in full and seals it (ADR 78); that first check is reported on its own.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "check"
VAR = OUT / "var"
BIN = Path(sys.executable).parent
os.environ["NDOP_VAR_DIR"] = str(VAR)
os.environ.pop("DATABASE_URL", None)

POPULATION = 60_000_000
RANGES = ((400_000_000, 500_000_000), (600_000_000, 800_000_000))  # England's first nine digits


def valid_first_nine(count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` random first-nine-digit keys with a valid check digit, as int64."""
    out: list[np.ndarray] = []
    have = 0
    while have < count:
        lo = rng.integers(RANGES[0][0], RANGES[0][1], count)
        hi = rng.integers(RANGES[1][0], RANGES[1][1], count)
        keys = np.where(rng.random(count) < 1 / 3, lo, hi)
        keys = keys[check_digits(keys) != 10]
        out.append(keys)
        have += len(keys)
    return np.concatenate(out)[:count]


def check_digits(keys: np.ndarray) -> np.ndarray:
    total = np.zeros(len(keys), np.int64)
    rest = keys.copy()
    for weight in range(2, 11):
        total += (rest % 10) * weight
        rest //= 10
    return (11 - total % 11) % 11


def dat_bytes(keys: np.ndarray) -> bytes:
    numbers = keys * 10 + check_digits(keys)
    rows = np.empty((len(keys), 12), np.uint8)
    rest = numbers.copy()
    for col in range(9, -1, -1):
        rows[:, col] = rest % 10 + 48
        rest //= 10
    rows[:, 10] = ord(",")
    rows[:, 11] = ord("\n")
    return rows.tobytes()


def _population(size: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct valid numbers in random order (the opt-outs are its first ones); the same for the same seed."""
    population = np.unique(valid_first_nine(int(size * 1.05), rng))[:size]
    rng.shuffle(population)
    return population


def write_request(path: Path, population: np.ndarray, rows: int, rng: np.random.Generator) -> None:
    with open(path, "wb") as handle:
        for start in range(0, rows, 5_000_000):
            take = min(5_000_000, rows - start)
            handle.write(dat_bytes(population[rng.integers(0, len(population), take)]))


def build_registry(optouts: np.ndarray) -> None:
    """Migrate a fresh SQLite registry and bulk-insert the opt-outs (events + projection)."""
    from django.db import connection, transaction

    from ndop import container

    container.migrate()
    numbers = optouts * 10 + check_digits(optouts)
    at = "2024-01-01 00:00:00"
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(numbers), 200_000):
            part = numbers[start : start + 200_000]
            seqs = range(start + 1, start + 1 + len(part))
            cursor.executemany(
                "INSERT INTO choice_event (sequence, nhs_number, choice, made_at, recorded_at, channel, proxy_role, "
                "proxy_name, proxy_evidence_type, proxy_evidence_reference, case_reference, recorded_by) "
                "VALUES (%s, %s, 'opted_out', %s, %s, 'OP', '', '', '', '', '', 'bench')",
                [(seq, f"{n:010d}", at, at) for seq, n in zip(seqs, part.tolist(), strict=True)],
            )
            cursor.executemany(
                "INSERT INTO current_choice (nhs_number, choice, sequence, made_at, recorded_at, channel) "
                "VALUES (%s, 'opted_out', %s, %s, %s, 'OP')",
                [(f"{n:010d}", seq, at, at) for seq, n in zip(seqs, part.tolist(), strict=True)],
            )
        cursor.execute("UPDATE registry_counter SET value = %s WHERE name = 'choice_sequence'", [len(numbers)])


# A small launcher forks and execs the command and reports its wall time, CPU time (user + system) and peak
# RSS: a child forked straight from this (large) process would inherit this process's peak RSS in ru_maxrss.
LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
sys.stderr.write("LAUNCHER %f %f %d %d\\n" % (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                                              os.waitstatus_to_exitcode(status)))
"""


def export_optouts(path: Path) -> None:
    import polars as pl
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT nhs_number FROM current_choice WHERE choice = 'opted_out'")
        numbers = np.array([int(row[0]) for row in cursor.fetchall()], np.int64)
    pl.DataFrame({"nhs_number": numbers}).write_parquet(path)


def run_process(argv: list[str]) -> dict[str, float | int | str]:
    """Run a command; its wall seconds, peak RSS (MB) and exit status."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        subprocess.run(["/usr/bin/python3", "-c", LAUNCHER, *argv], stdout=out, stderr=err, check=True)
        out.seek(0)
        err.seek(0)
        text = out.read()[-300:].decode(errors="replace").strip()
        errors = err.read().decode(errors="replace")
    wall, _cpu, rss, rc = errors.rsplit("LAUNCHER ", 1)[1].split()
    if int(rc) != 0:
        print(f"  ! {argv[1]} exited {rc}: {errors[-300:]}", file=sys.stderr)
    return {"wall_s": float(wall), "rss_mb": int(rss) / 1024, "rc": int(rc), "stdout": text,
            "load_1min": os.getloadavg()[0]}


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time, with every run's wall time and load average beside it."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["walls_s"] = [round(r["wall_s"], 3) for r in runs]
    chosen["loads_1min"] = [round(r["load_1min"], 2) for r in runs]
    chosen["rss_mb_max"] = max(r["rss_mb"] for r in runs)
    return chosen


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000,50000000")
    parser.add_argument("--optouts", type=int, default=3_400_000)
    parser.add_argument("--population", type=int, default=POPULATION)
    parser.add_argument("--reuse", action="store_true", help="keep the registry and requests from the last run")
    parser.add_argument("--peers", default="polars,duckdb")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each whole process; the median is reported")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    peers = [p for p in args.peers.split(",") if p]
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, {platform.platform()}",
        "optouts": args.optouts,
        "sizes": sizes,
    }
    rng = np.random.default_rng(20261123)
    registry_ready = (VAR / "ndop.sqlite3").exists() and args.reuse
    if not registry_ready:
        for stale in VAR.glob("**/*"):
            if stale.is_file():
                stale.unlink()
    sys.path.insert(0, str(ROOT / "src"))
    from ndop import container

    container.setup_django()
    optouts_parquet = OUT / "optouts.parquet"
    missing = [size for size in sizes if not (OUT / f"request-{size}.dat").exists()]
    if not registry_ready:
        print(f"population {args.population:,} ...", flush=True)
        population = _population(args.population, rng)
        optouts = population[: args.optouts]
        started = time.perf_counter()
        build_registry(optouts)
        print(f"registry: {len(optouts):,} opt-outs bulk-inserted in {time.perf_counter() - started:.1f} s", flush=True)
        for size in sizes:
            write_request(OUT / f"request-{size}.dat", population, size, rng)
            print(f"request of {size:,} rows written", flush=True)
        del population, optouts
    elif missing:  # a size the kept registry has no request for: the same population (same seed), new rows
        population = _population(args.population, rng)
        for size in missing:
            write_request(OUT / f"request-{size}.dat", population, size, rng)
            print(f"request of {size:,} rows written (the registry reused)", flush=True)
        del population

    export_optouts(optouts_parquet)  # the peers' copy of the opt-out set, as the registry holds it now
    service = container.check_service()
    started = time.perf_counter()
    service.snapshots.rebuild()
    results["snapshot_full_rebuild_s"] = time.perf_counter() - started
    print(f"snapshot: full rebuild from the registry {results['snapshot_full_rebuild_s']:.2f} s", flush=True)

    from ndop.adapters.files.snapshots import RACY_SECONDS
    from ndop.domain.check.jobs import CheckChannel
    from ndop.domain.common.actors import Actor

    one = OUT / "one.dat"
    one.write_bytes(dat_bytes(valid_first_nine(1, rng)))
    time.sleep(RACY_SECONDS + 0.5)
    results["first_check_after_new_snapshot"] = run_process(
        [str(BIN / "ndop"), "check", str(one), "-o", str(OUT / "one-out.dat")])
    print(f"first check after the new snapshot (full MAC, then sealed): "
          f"{results['first_check_after_new_snapshot']['wall_s']:.2f} s", flush=True)

    bench = Actor.system_job("bench")
    table = []
    for size in sizes:
        request = OUT / f"request-{size}.dat"
        response = OUT / f"response-{size}.dat"
        row: dict[str, object] = {"rows": size, "bytes": request.stat().st_size}
        run_process(["/bin/cp", str(request), "/dev/null"])  # into the page cache, for every contender alike
        runs: dict[str, list[dict[str, float | int | str]]] = {name: [] for name in ["ndop", *peers]}
        reference = ""
        for _ in range(args.repeat):
            runs["ndop"].append(run_process([str(BIN / "ndop"), "check", str(request), "-o", str(response)]))
            reference = reference or sha256_file(response)
            assert sha256_file(response) == reference
            for peer in peers:
                peer_out = OUT / f"response-{size}-{peer}.dat"
                result = run_process(
                    [sys.executable, str(ROOT / "bench" / "peers" / f"check_{peer}.py"), str(request),
                     str(optouts_parquet), str(peer_out)]
                )
                result["same_response"] = sha256_file(peer_out) == reference
                peer_out.unlink()
                runs[peer].append(result)
        row["ndop_process"] = median_run(runs["ndop"])
        for peer in peers:
            row[peer] = median_run(runs[peer])
            row[peer]["same_response"] = all(r["same_response"] for r in runs[peer])
        started = time.perf_counter()
        with open(request, "rb") as req, open(OUT / "response-inproc.dat", "wb") as resp:
            outcome = service.run(req, resp, channel=CheckChannel.CLI, requested_by=bench)
        row["ndop_check_s"] = time.perf_counter() - started
        row["kept"] = outcome.rows_kept
        row["removed"] = outcome.rows_removed
        assert sha256_file(OUT / "response-inproc.dat") == reference
        response.unlink()
        table.append(row)
        print_row(row, peers)
    results["requests"] = table

    # One row, warm snapshot: in process (median of 21) and as a whole process.
    times = []
    for _ in range(21):
        started = time.perf_counter()
        with open(one, "rb") as req, open(OUT / "one-out.dat", "wb") as resp:
            service.run(req, resp, channel=CheckChannel.API, requested_by=bench)
        times.append(time.perf_counter() - started)
    results["one_row_in_process_ms"] = float(np.median(times)) * 1000
    results["one_row_process"] = median_run(
        [run_process([str(BIN / "ndop"), "check", str(one), "-o", str(OUT / "one-out.dat")])
         for _ in range(max(args.repeat, 1))])
    print(
        f"one row, warm snapshot: {results['one_row_in_process_ms']:.1f} ms in process "
        f"(check + job + audit), {results['one_row_process']['wall_s']:.2f} s as a whole `ndop check` process",
        flush=True,
    )

    # Catching up after 1,000 new choice events, against a full rebuild.
    results.update(catch_up(service, rng))
    print(
        f"after 1,000 new events: catch-up {results['catch_up_s']:.3f} s "
        f"(of which applying the events {results['catch_up_apply_s']:.3f} s) "
        f"vs full rebuild {results['rebuild_after_s']:.2f} s",
        flush=True,
    )
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"raw results: {OUT / 'results.json'}")


def catch_up(service, rng) -> dict[str, float]:
    from datetime import date

    from ndop import container
    from ndop.domain.common.actors import Actor
    from ndop.domain.common.nhs_number import NhsNumber
    from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
    from ndop.domain.registry.patients import Gender, Patient
    from ndop.services.registry.load_patients import load_patients
    from ndop.services.registry.record_choice import record_choice

    registry = container.registry()
    keys = valid_first_nine(1000, rng)
    numbers = [NhsNumber(f"{k * 10 + c:010d}") for k, c in zip(keys.tolist(), check_digits(keys).tolist(), strict=True)]
    patients = [Patient(n, "Bench", "Person", date(1980, 1, 1), Gender.NOT_KNOWN) for n in numbers]
    bench = Actor.system_job("bench")
    load_patients(registry, patients, loaded_by=bench, source="bench")
    service.snapshots.current()  # in step before the new events
    for n in numbers:
        record_choice(registry, ChoiceRequest(n, Choice.OPTED_OUT, Channel.ONLINE), recorded_by=bench)
    started = time.perf_counter()
    service.snapshots.current()
    caught = time.perf_counter() - started
    sync = service.snapshots.last_sync
    assert sync.action == "caught_up" and sync.events == 1000, sync
    from ndop.adapters.db.check import DjangoOptOutSource

    source = DjangoOptOutSource()
    snap = service.snapshots.current()
    started = time.perf_counter()
    changes = list(source.changes(snap.version - 1000, snap.version))
    snap.advanced(changes, version=snap.version)
    apply = time.perf_counter() - started
    started = time.perf_counter()
    rebuilt = service.snapshots.rebuild()
    rebuild = time.perf_counter() - started
    assert np.array_equal(rebuilt.bitmap, snap.bitmap)
    return {"catch_up_s": caught, "catch_up_apply_s": apply, "rebuild_after_s": rebuild}


def line(cells: list) -> None:
    name, wall, rate, rss, ratio, same = cells
    rss_text = f"{rss:.0f}" if rss != "" else ""
    print(f"  {name:<26}{wall:>9.2f}{rate:>14,.0f}{rss_text:>13}{ratio:>13}  {same}")


def print_row(row: dict, peers: list[str]) -> None:
    rows = row["rows"]
    proc = row["ndop_process"]
    check = row["ndop_check_s"]
    print(f"\n{rows:,} rows ({row['bytes'] / 1e6:.0f} MB), {row['removed']:,} removed")
    print(f"  {'contender':<26}{'wall s':>9}{'rows/s':>14}{'peak RSS MB':>13}{'ndop faster':>13}  same response")
    print(f"  {'ndop check (the check)':<26}{check:>9.2f}{rows / check:>14,.0f}{'':>13}{'':>13}")
    line(["ndop check (process)", proc["wall_s"], rows / proc["wall_s"], proc["rss_mb_max"], "", ""])
    print(f"    runs {proc['walls_s']} s at load {proc['loads_1min']}")
    for peer in peers:
        r = row[peer]
        ratio = r["wall_s"] / proc["wall_s"]
        line([peer, r["wall_s"], rows / r["wall_s"], r["rss_mb_max"], f"{ratio:.1f}x", r["same_response"]])
        print(f"    runs {r['walls_s']} s at load {r['loads_1min']}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
