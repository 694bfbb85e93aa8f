"""ndop.spark against the plain Spark way, in local mode, on one Parquet data set (`make bench-spark`).

    python bench/spark.py [--rows 100000000] [--opt-outs 3400000] [--master local[2]] [--driver-memory 4g]
                          [--dir DIR] [--only A,B]

Writes ROWS NHS numbers (text, as a lake keeps them) and a row number to Parquet, and a signed export of
OPT-OUTS opted-out numbers; then runs each variant below in its own Spark application (a fresh JVM and fresh
Python workers, so that neither memory nor warm caches carry from one to the next), one after another:

- ndop `remove_opted_out` as shipped, invalid="drop" (and invalid="reject": a counting pass first);
- the JVM-side expression: validity as arithmetic in Spark SQL and the snapshot's range bitmap broadcast as one
  row of 64-bit words, tested with built-in bit functions (`ndop.spark.expression`: no Python worker at all);
- ndop's kernel (numpy) in an Arrow UDF over the number column, in `mapInArrow` (every column crosses to
  Python) and in a pandas UDF;
- the peer, the plain Spark way: the opted-out numbers read as a DataFrame and a broadcast left anti-join
  (`df.join(broadcast(opted), "nhs_number", "left_anti")`), with the same validity rule (the fastest plain
  Spark SQL one: the same arithmetic), and without it (a lower bound: it does less work).

Each result goes to Spark's `noop` sink (all the work, no output files); in the same pass an observation counts
the kept rows and XORs a 64-bit hash of every kept row, and these are compared between variants (row for row,
up to a hash collision) and with the count computed when the data was written.

Memory, three ways, all over the timed action only: (1) the peak resident memory (RSS) and the peak
proportional set size (PSS: a shared page split between the processes that map it) of the JVM, which in local
mode is driver and executor, plus its Python workers, sampled every 0.1 s from outside, with the JVM's and the
Python processes' part at the PSS peak; (2) Spark's own executor metrics
(`spark.executor.processTreeMetrics.enabled`, polled every 100 ms, read from the REST API): peak JVM heap
used, JVM off-heap, and the Python workers' RSS; (3) the live heap: the most heap in use just after a
collection, from the JVM's GC log (`-Xlog:gc`), which leaves out the garbage not yet collected that (2) counts
(with a 4 GB heap, most of it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
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
    """Samples the memory of a process and all its children (the JVM and its Python workers) while `measuring`
    is set: the peak of the tree's RSS, and of its PSS (shared pages split between the processes that map them,
    so a page a forked Python worker shares with the daemon, or a memory-mapped file the workers share, counts
    once in the sum), with the JVM's and the Python processes' part of each at the tree's PSS peak."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self.peak_pss = 0
        self.parts: dict[str, int] = {}
        self.measuring = threading.Event()
        self._process = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        rss = pss = 0
        parts = {"jvm_rss": 0, "jvm_pss": 0, "python_rss": 0, "python_pss": 0, "pythons": 0}
        with contextlib.suppress(psutil.Error):
            for p in self._process.children(recursive=True):  # the bench's own child process is not counted
                with contextlib.suppress(psutil.Error):  # a worker that has just exited
                    info = p.memory_full_info()
                    kind = "jvm" if p.name() == "java" else "python"
                    parts[f"{kind}_rss"] += info.rss
                    parts[f"{kind}_pss"] += info.pss
                    parts["pythons"] += kind == "python"
                    rss, pss = rss + info.rss, pss + info.pss
        self.peak = max(self.peak, rss)
        if pss > self.peak_pss:
            self.peak_pss, self.parts = pss, parts

    def cpu(self) -> float:
        """CPU seconds (user + system) used so far by the tree: a figure the load of the machine moves less."""
        total = 0.0
        with contextlib.suppress(psutil.Error):
            for p in [self._process, *self._process.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = p.cpu_times()
                    total += times.user + times.system
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.measuring.is_set():
                self._sample()
            time.sleep(0.1)

    def stop(self) -> None:
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




def builders(spark, rows, opted, snapshot):
    """Each variant: a function from nothing to the DataFrame of kept rows."""
    import pandas as pd
    from pyspark.sql import functions as F  # noqa: N812 - the name every Spark user writes
    from pyspark.sql.types import BooleanType, ByteType

    from bench.peers.spark_sql import bitmap_frame, valid, verdict, with_bitmap
    from ndop.spark import remove_opted_out
    from ndop.spark.apply import _remove_in_batches
    from ndop.spark.kernel import KEPT, key_bits, verdicts

    keys = snapshot.keys_for(False)
    number = F.col("nhs_number")

    def broadcast_keys():
        return spark.sparkContext.broadcast(keys), uuid.uuid4().hex

    def arrow_udf():
        b, token = broadcast_keys()

        def verdict_of(values):
            return pa.array(verdicts(values, key_bits(b, token))[0].view(np.int8), pa.int8())

        return rows.filter(F.arrow_udf(verdict_of, ByteType())(number) == KEPT)

    def pandas_udf():
        b, token = broadcast_keys()

        @F.pandas_udf(BooleanType())
        def keep(column):  # the same kernel, pandas Series in and out
            return pd.Series(verdicts(pa.array(column), key_bits(b, token))[0] == KEPT)

        return rows.filter(keep(number))

    def jvm_bitmap():
        bitmap, low, span = bitmap_frame(spark, keys)
        return with_bitmap(rows, bitmap).filter(verdict(number, True, low, span) == KEPT).select(*rows.columns)

    return {
        "ndop remove_opted_out invalid=drop": lambda: remove_opted_out(rows, snapshot, invalid="drop"),
        "ndop remove_opted_out invalid=reject": lambda: remove_opted_out(rows, snapshot),
        "JVM expression: bitmap words + SQL": jvm_bitmap,
        "kernel in an Arrow UDF": arrow_udf,
        "kernel in mapInArrow": lambda: _remove_in_batches(rows, *broadcast_keys(), "nhs_number", "drop", "x"),
        "kernel in a pandas UDF": pandas_udf,
        PEER: lambda: rows.filter(valid(number, True)[0]).join(F.broadcast(opted), "nhs_number", "left_anti"),
        BARE: lambda: rows.join(F.broadcast(opted), "nhs_number", "left_anti"),
    }


PEER = "peer: broadcast anti-join + validity"
BARE = "peer: broadcast anti-join, no validity"


def executor_peaks(spark) -> dict[str, int]:
    """Spark's own peak executor metrics (local mode: the one executor, "driver"), from the REST API."""
    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/executors"
    with urllib.request.urlopen(url) as answer:
        executors = json.load(answer)
    peaks = executors[0].get("peakMemoryMetrics", {})
    wanted = ("JVMHeapMemory", "JVMOffHeapMemory", "ProcessTreeJVMRSSMemory", "ProcessTreePythonRSSMemory")
    return {k: int(peaks.get(k, 0)) for k in wanted}


_AFTER_GC = re.compile(r"^\[([0-9.]+)s\].* Pause .* [0-9]+M->([0-9]+)M\([0-9]+M\)")


def live_heap(log: Path, start: float, end: float) -> int:
    """The most heap in use just after a collection between two JVM uptimes (s), from the JVM's GC log: what
    the heap held, not the garbage it had not yet collected (which "peak used heap" also counts). 0: no GC."""
    peak = 0
    for line in log.read_text().splitlines():
        match = _AFTER_GC.match(line)
        if match and start <= float(match[1]) <= end:
            peak = max(peak, int(match[2]) * 2**20)
    return peak


def child(args: argparse.Namespace) -> None:
    """One variant in this process's own Spark application; prints MEASURE / DONE lines for the parent."""
    from pyspark.sql import Observation, SparkSession
    from pyspark.sql import functions as F  # noqa: N812

    from ndop.spark import load_snapshot

    directory = args.dir
    gc_log = Path(tempfile.mkdtemp(prefix="ndop-bench-gc-")) / "gc.log"
    spark = (SparkSession.builder.master(args.master).appName(f"bench ndop.spark: {args.child}")
             .config("spark.ui.port", "4090").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", args.driver_memory)
             .config("spark.executor.processTreeMetrics.enabled", "true")
             .config("spark.executor.metrics.pollingInterval", "100ms")
             .config("spark.driver.extraJavaOptions", f"-Xlog:gc:file={gc_log}:uptime")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(args.arrow_batch))
             .config("spark.sql.autoBroadcastJoinThreshold", str(512 * 2**20)).getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    rows = spark.read.parquet(str(directory / "rows.parquet"))
    opted = spark.read.parquet(str(directory / "opted.parquet"))
    snapshot = load_snapshot(directory / "snapshot.bin", directory / "snapshot.pub")
    build = builders(spark, rows, opted, snapshot)[args.child]
    # Warm up on a small slice: Python workers started, the kernel loaded from numba's cache, code generated.
    small = spark.read.parquet(str(directory / "rows.parquet")).limit(200_000)
    builders(spark, small, opted, snapshot)[args.child]().write.format("noop").mode("overwrite").save()
    if args.plan:
        plan = build()._jdf.queryExecution().executedPlan().toString()
        print("PLAN " + json.dumps(plan), flush=True)
    spark.sparkContext._jvm.System.gc()  # the heap peak below is then the timed action's own
    time.sleep(0.5)
    uptime = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
    measure_from = uptime.getUptime() / 1000
    print("MEASURE", flush=True)
    started = time.perf_counter()
    kept = Observation("kept")
    frame = build().observe(kept, F.count(F.lit(1)).alias("rows"), F.bit_xor(F.xxhash64(*rows.columns)).alias("hash"))
    frame.write.format("noop").mode("overwrite").save()
    elapsed = time.perf_counter() - started
    time.sleep(0.3)  # one more metrics poll
    result = {"seconds": elapsed, "rows": kept.get["rows"], "hash": kept.get["hash"] or 0, **executor_peaks(spark),
              "live_heap": live_heap(gc_log, measure_from, uptime.getUptime() / 1000)}
    print("DONE " + json.dumps(result), flush=True)
    spark.stop()
    gc_log.unlink(missing_ok=True)
    gc_log.parent.rmdir()


def run_variant(args: argparse.Namespace, name: str, plan: bool) -> dict | None:
    """The variant's figures, or None when its application failed (the peer's does below about 1 GB of heap:
    "Not enough memory to build and broadcast the table"); its error is on stderr."""
    command = [sys.executable, __file__, "--child", name, "--dir", str(args.dir), "--master", args.master,
               "--arrow-batch", str(args.arrow_batch), "--driver-memory", args.driver_memory, *(["--plan"] * plan)]
    environment = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment)
    memory = PeakMemory(process.pid)
    result: dict = {}
    cpu = 0.0
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("MEASURE"):
            cpu = memory.cpu()
            memory.measuring.set()
        elif line.startswith("DONE "):
            memory.measuring.clear()
            result = json.loads(line[5:])
            result["cpu"] = memory.cpu() - cpu
        elif line.startswith("PLAN "):
            result_plan = json.loads(line[5:])
            shuffle = "Exchange hashpartitioning" in result_plan or "ShuffleExchange" in result_plan
            exchanges = result_plan.count("BroadcastExchange")
            python = any(p in result_plan for p in ("Python", "ArrowEval", "MapInArrow"))
            print(f"  plan of {name}: {'a SHUFFLE' if shuffle else 'no shuffle'}, {exchanges} BroadcastExchange"
                  f"{', a broadcast variable' if python else ''}")
    memory.stop()
    if process.wait() != 0 or not result:
        print(f"  {name:<40} FAILED (exit {process.returncode}; its error above)", flush=True)
        return None
    result["tree_rss"] = memory.peak
    result["tree_pss"] = memory.peak_pss
    result.update(memory.parts)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--opt-outs", type=int, default=3_400_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g", help="the JVM's maximum heap (driver and executor)")
    parser.add_argument("--arrow-batch", type=int, default=10_000,
                        help="spark.sql.execution.arrow.maxRecordsPerBatch (Spark's default: 10,000)")
    parser.add_argument("--only", default=None, help="comma-separated variant name prefixes, run in that order "
                        "(the two peers always run, last)")
    parser.add_argument("--dir", type=Path, default=None, help="keep the generated data here between runs")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--plan", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    args.dir = args.dir or Path(tempfile.mkdtemp(prefix="ndop-bench-spark-"))
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"Data in {args.dir}; load average {os.getloadavg()} at start")
    _, _, snapshot_path, _, expected = make_data(args.dir, args.rows, args.opt_outs)
    print(f"{args.rows:,} rows, {args.opt_outs:,} opt-outs, export {snapshot_path.stat().st_size / 2**20:.1f} MiB,"
          f" expected kept {expected:,}; {args.master}, driver heap {args.driver_memory}")
    names = list(builders_names())
    if args.only:
        wanted = [w.strip() for w in args.only.split(",")]
        names = [n for w in wanted for n in names if n.startswith(w) and n not in (PEER, BARE)] + [PEER, BARE]
    results: dict[str, dict] = {}
    for name in names:
        r = run_variant(args, name, plan=True)
        if r is None:
            continue
        results[name] = r
        print(f"  {name:<40} {r['seconds']:7.1f} s  CPU {r['cpu']:6.1f} s  tree RSS {r['tree_rss'] / 2**20:6.0f} MiB"
              f"  heap"
              f" {r['JVMHeapMemory'] / 2**20:6.0f}  live heap {r['live_heap'] / 2**20:5.0f}"
              f"  off-heap {r['JVMOffHeapMemory'] / 2**20:4.0f}  Python RSS"
              f" {r['ProcessTreePythonRSSMemory'] / 2**20:5.0f} MiB  kept {r['rows']:,}  load {os.getloadavg()[0]:.1f}",
              flush=True)
        print(f"  {'':<40} at the PSS peak: tree PSS {r['tree_pss'] / 2**20:6.0f} MiB = JVM {r['jvm_pss'] / 2**20:6.0f}"
              f" (RSS {r['jvm_rss'] / 2**20:6.0f}) + {r['pythons']} Python {r['python_pss'] / 2**20:5.0f}"
              f" (RSS {r['python_rss'] / 2**20:5.0f}) MiB", flush=True)

    reference = PEER if PEER in results else BARE if BARE in results else None
    if reference is None or BARE not in results:
        print(f"No ratios: a peer failed. Load average {os.getloadavg()} at the end")
        return
    peer = results[reference]
    print(f"\nRatios against {reference} (time: it / variant, higher is faster; memory: variant / it):")
    for name, r in results.items():
        same = ("same rows" if (r["rows"], r["hash"]) == (peer["rows"], peer["hash"]) and r["rows"] == expected
                else f"DIFFERENT: {r['rows']:,} rows vs {peer['rows']:,}")
        bare = results[BARE]["seconds"] / r["seconds"]
        heap = r["JVMHeapMemory"] / max(peer["JVMHeapMemory"], 1)
        live = r["live_heap"] / max(peer["live_heap"], 1)
        cpu = peer["cpu"] / r["cpu"]
        print(f"  {name:<40} {peer['seconds'] / r['seconds']:5.2f}x faster ({bare:5.2f}x the bare join),"
              f" CPU {cpu:5.2f}x less   tree RSS"
              f" {r['tree_rss'] / peer['tree_rss']:4.2f}x   tree PSS {r['tree_pss'] / peer['tree_pss']:4.2f}x"
              f"   heap {heap:4.2f}x   live heap {live:4.2f}x   {same}")
    print(f"Load average {os.getloadavg()} at the end")


def builders_names() -> list[str]:
    return ["ndop remove_opted_out invalid=drop", "ndop remove_opted_out invalid=reject",
            "JVM expression: bitmap words + SQL", "kernel in an Arrow UDF", "kernel in mapInArrow",
            "kernel in a pandas UDF", PEER, BARE]


if __name__ == "__main__":
    main()
