"""ndop.spark against the plain Spark way, in local mode, on one Parquet data set (`make bench-spark`).

    python bench/spark.py [--rows 100000000] [--opt-outs 3400000] [--master local[2]] [--dir DIR]

Writes ROWS NHS numbers (text, as a lake keeps them) to Parquet, and a signed export of OPT-OUTS opted-out
numbers; then, in the same run, one after another on the same files:

- ndop `remove_opted_out` (an Arrow UDF over the number column: the compiled kernel over the Arrow buffers,
  a range bitmap built on each worker from the broadcast sorted keys), invalid="drop" and invalid="reject"
  (the default: a counting pass over the number column first, so that the call itself fails with the count);
- the same kernel in mapInArrow (every column crosses to Python and back: ndop's route on pyspark 4.0) and
  in a pandas UDF (the other vectorised Python route);
- a JVM-side variant: validity as plain Spark SQL and a broadcast anti-join on ndop's keys as integers;
- the peer: the plain Spark way a competent user writes — the same validity rule in Spark SQL, the opted-out
  numbers read as a DataFrame and a broadcast left anti-join (`df.join(broadcast(opted), "nhs_number",
  "left_anti")`); and the same join without the validity rule, as a lower bound no correct variant can beat
  without doing less work.

Each result goes to Spark's `noop` sink (all the work, no output files), the kept-row counts are compared,
and the peak memory of the whole local cluster (the JVM plus its Python workers) is sampled. The plan of
each is printed once: one broadcast, no shuffle ("Exchange") for ndop.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ndop.adapters.files.snapshot_export import public_pem, write_export
from ndop.domain.check.export import ExportedSnapshot, ExportHeader
from tests.synthetic import valid_numbers

CHUNK = 5_000_000


class PeakMemory:
    """Samples the resident memory of this process and all its children (the JVM and Python workers)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> int:
        me = psutil.Process()
        total = 0
        for p in [me, *me.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a worker that has just exited
                total += p.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree())
            time.sleep(0.2)

    def __enter__(self) -> PeakMemory:
        self.peak = self._tree()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def make_data(directory: Path, rows: int, opt_outs: int) -> tuple[Path, Path, Path, Path, int]:
    people = valid_numbers(max(opt_outs * 4, 1_000_000), seed=17)
    rng = np.random.default_rng(5)
    opted = np.sort(rng.choice(people, size=opt_outs, replace=False))
    data = directory / "rows.parquet"
    expected_kept = 0
    if not data.exists():
        writer = None
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            chunk = people[rng.integers(0, len(people), n)]
            expected_kept += int(n - np.isin(chunk, opted).sum())
            table = pa.table({"nhs_number": pa.array(np.char.zfill(chunk.astype(str), 10)),
                              "row": pa.array(np.arange(start, start + n, dtype=np.int64))})
            writer = writer or pq.ParquetWriter(data, table.schema)
            writer.write_table(table)
            print(f"  wrote {start + n:,} rows", end="\r", flush=True)
        assert writer is not None
        writer.close()
        (directory / "kept.txt").write_text(str(expected_kept))
        print()
    expected_kept = int((directory / "kept.txt").read_text())
    opted_parquet = directory / "opted.parquet"
    pq.write_table(pa.table({"nhs_number": pa.array(np.char.zfill(opted.astype(str), 10))}), opted_parquet)
    key = Ed25519PrivateKey.generate()
    keys = (opted // 10).astype(np.uint32)
    header = ExportHeader(1, datetime.now(UTC).isoformat(), len(keys), None)
    snapshot = directory / "snapshot.bin"
    write_export(snapshot, ExportedSnapshot(header, keys, None), key)
    public = directory / "snapshot.pub"
    public.write_bytes(public_pem(key))
    return data, opted_parquet, snapshot, public, expected_kept


def timed(name: str, build, results: dict[str, tuple[float, int, int]]) -> None:
    from pyspark.sql import DataFrame

    with PeakMemory() as memory:
        started = time.perf_counter()
        frame: DataFrame = build()
        frame.write.format("noop").mode("overwrite").save()
        elapsed = time.perf_counter() - started
    kept = build().count()
    results[name] = (elapsed, memory.peak, kept)
    print(f"  {name:<40} {elapsed:8.1f} s   peak memory {memory.peak / 2**20:7.0f} MiB   kept {kept:,}")


def valid_sql(column: str):
    """The validity rule as plain Spark SQL (what a Spark user writes, evaluated in the JVM): ten digits and a
    correct Modulus 11 check digit (a remainder giving 10 never matches a digit)."""
    from pyspark.sql import functions as F  # noqa: N812

    c = F.col(column)
    total = sum(F.substring(c, i, 1).cast("int") * (11 - i) for i in range(1, 10))
    return c.rlike("^[0-9]{10}$") & (((F.lit(11) - total % 11) % 11) == F.substring(c, 10, 1).cast("int"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--opt-outs", type=int, default=3_400_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--arrow-batch", type=int, default=10_000,
                        help="spark.sql.execution.arrow.maxRecordsPerBatch (Spark's default: 10,000)")
    parser.add_argument("--only", default=None, help="comma-separated variant names to run (the peer always runs)")
    parser.add_argument("--dir", type=Path, default=None, help="keep the generated data here between runs")
    args = parser.parse_args()

    import pandas as pd
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F  # noqa: N812 - the name every Spark user writes
    from pyspark.sql.types import BooleanType

    from ndop.spark import load_snapshot, remove_opted_out
    from ndop.spark.apply import _remove_in_batches, key_bits
    from ndop.spark.kernel import KEPT, verdicts

    directory = args.dir or Path(tempfile.mkdtemp(prefix="ndop-bench-spark-"))
    directory.mkdir(parents=True, exist_ok=True)
    print(f"Data in {directory}; load average {os.getloadavg()} at start")
    data, opted_path, snapshot_path, public, expected = make_data(directory, args.rows, args.opt_outs)
    snapshot = load_snapshot(snapshot_path, public)
    print(f"{args.rows:,} rows, {args.opt_outs:,} opt-outs, export {snapshot_path.stat().st_size / 2**20:.1f} MiB,"
          f" expected kept {expected:,}")

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master(args.master).appName("bench ndop.spark")
             .config("spark.ui.enabled", "false").config("spark.driver.memory", "4g")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(args.arrow_batch))
             .config("spark.sql.autoBroadcastJoinThreshold", str(512 * 2**20)).getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    rows = spark.read.parquet(str(data))
    opted = spark.read.parquet(str(opted_path))
    keys = spark.sparkContext.broadcast(snapshot.keys_for(False))
    # ndop's own export as a DataFrame of integer keys, for the JVM-side variant.
    key_frame = spark.createDataFrame(pd.DataFrame({"_key": snapshot.keys_for(False).astype(np.int64)}))

    @F.pandas_udf(BooleanType())
    def keep_udf(column):  # the pandas UDF route: the same compiled kernel, pandas Series in and out
        verdict, _, _ = verdicts(pa.array(column), key_bits(keys))  # the bitmap built once a worker
        return pd.Series(verdict == KEPT)

    results: dict[str, tuple[float, int, int]] = {}
    peer = "peer: broadcast anti-join + SQL validity"
    runs = {
        "ndop (Arrow UDF), invalid=drop": lambda: remove_opted_out(rows, snapshot, invalid="drop"),
        "ndop (Arrow UDF), invalid=reject": lambda: remove_opted_out(rows, snapshot),
        "mapInArrow (same kernel)": lambda: _remove_in_batches(rows, keys, "nhs_number", "drop", "x"),
        "pandas UDF (same kernel)": lambda: rows.filter(keep_udf("nhs_number")),
        "JVM: SQL validity + anti-join on keys": lambda: (
            rows.filter(valid_sql("nhs_number")).withColumn("_key", F.substring("nhs_number", 1, 9).cast("long"))
            .join(F.broadcast(key_frame), "_key", "left_anti").drop("_key")),
        peer: lambda: rows.filter(valid_sql("nhs_number")).join(F.broadcast(opted), "nhs_number", "left_anti"),
        "anti-join, no validity (lower bound)": lambda: rows.join(F.broadcast(opted), "nhs_number", "left_anti"),
    }
    if args.only:
        wanted = [*(name.strip() for name in args.only.split(",")), peer]  # run in the order given
        runs = {name: runs[name] for w in wanted for name in runs if name.startswith(w)}
    print("Plans (physical):")
    for name in runs:
        if name.endswith("invalid=reject"):
            continue  # building it runs the counting pass
        plan = runs[name]()._jdf.queryExecution().executedPlan().toString()
        shuffle = "ShuffleExchange" in plan or "Exchange hashpartitioning" in plan
        print(f"  {name}: {'SHUFFLE' if shuffle else 'no shuffle'};"
              f" {'BroadcastExchange' if 'BroadcastExchange' in plan else 'broadcast variable (no exchange)'}")
    # Warm up first (Python workers started, the kernel loaded from numba's cache, the file cache filled), so
    # that the order of the runs matters less.
    rows.limit(1_000_000).mapInArrow(lambda batches: (b.slice(0, 0) for b in batches), rows.schema).count()
    remove_opted_out(rows.limit(1_000_000), snapshot, invalid="drop").count()
    rows.select("nhs_number", "row").write.format("noop").mode("overwrite").save()
    for name, build in runs.items():
        timed(name, build, results)
        print(f"    load average {os.getloadavg()}")
    spark.stop()

    peer_time, peer_memory, peer_kept = results[peer]
    print("\nRatios against the peer (time: peer / ours, higher is faster; memory: ours / peer):")
    for name, (elapsed, memory, kept) in results.items():
        same = "same rows" if kept == peer_kept == expected else f"DIFFERENT: {kept:,} vs {peer_kept:,}"
        print(f"  {name:<40} {peer_time / elapsed:5.2f}x faster   memory {memory / peer_memory:5.2f}x   {same}")
    print(f"Load average {os.getloadavg()} at the end")


if __name__ == "__main__":
    main()
