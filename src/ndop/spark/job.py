"""`ndop spark-check`, also runnable with `spark-submit`: what `ndop check` does, for data in a lake.

    spark-submit --master yarn "$(python -c 'import ndop.spark.job as j; print(j.__file__)')" \
        s3://lake/in s3://lake/out --column nhs_number --snapshot snap.bin --public-key snap.pub

Reads INPUT (Parquet or CSV with a header), removes opted-out people (and Type 1 objections with
--gp-data), writes OUTPUT in the same format, and writes a record of the check beside it
(`OUTPUT.ndop-check.json`: registry version, rows in, removed, kept, input and output).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from pyspark.accumulators import AccumulatorParam

from ndop.spark.apply import Invalid, InvalidNhsNumbers, _check, _verdict, broadcast_keys
from ndop.spark.kernel import KEPT, OPTED_OUT, bools
from ndop.spark.snapshot import DEFAULT_MAX_AGE, Snapshot, load_snapshot

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


@dataclass(frozen=True)
class SparkCheckRecord:
    registry_version: int
    snapshot_taken_at: str
    gp_data: bool
    rows_in: int
    rows_removed: int
    rows_invalid_dropped: int
    rows_kept: int
    input: str
    output: str
    format: str
    started_at: str
    finished_at: str


class _PerPartition(AccumulatorParam[dict[int, tuple[int, int, int]]]):  # type: ignore[misc, unused-ignore]  # Any without pyspark
    """(rows, removed, invalid) by partition: a task that runs again (a retry, a speculative copy, a stage
    computed twice) sends the same counts for the same partition, which replace rather than add to them."""

    def zero(self, value: dict[int, tuple[int, int, int]]) -> dict[int, tuple[int, int, int]]:
        return {}

    def addInPlace(self, a: dict[int, tuple[int, int, int]], b: dict[int, tuple[int, int, int]]  # noqa: N802
                   ) -> dict[int, tuple[int, int, int]]:
        a.update(b)
        return a


def record_path(output: str) -> Path:
    return Path(output.rstrip("/") + ".ndop-check.json")


def run(
    spark: SparkSession, snapshot: Snapshot, input_path: str, output_path: str, *, column: str = "nhs_number",
    fmt: str = "parquet", gp_data: bool = False, invalid: Invalid = "reject",
) -> SparkCheckRecord:
    started = datetime.now(UTC)
    reader = spark.read.option("header", True) if fmt == "csv" else spark.read
    # CSV columns stay text, so leading zeros survive; Parquet keeps its own types.
    df: DataFrame = reader.csv(input_path, inferSchema=False) if fmt == "csv" else reader.parquet(input_path)
    _check(df, column)
    sc = spark.sparkContext
    counts = sc.accumulator({}, _PerPartition())
    keys, token = broadcast_keys(df, snapshot, gp_data)

    # One pass: invalid rows are counted as they go by; with invalid="reject" the output is then removed and
    # the job fails with the count, so nothing is left behind (no second pass to count them first).
    def keep(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        rows = removed = bad = 0
        for batch in batches:
            verdict, invalid_rows, opted_out = _verdict(batch, column, keys, token)
            rows, removed, bad = rows + len(verdict), removed + opted_out, bad + invalid_rows
            yield batch.filter(bools(verdict != OPTED_OUT if invalid == "flag" else verdict == KEPT))
        context = TaskContext.get()
        counts.add({context.partitionId() if context else 0: (rows, removed, bad)})

    cleaned = df.mapInArrow(keep, df.schema)
    writer = cleaned.write.mode("errorifexists")
    if fmt == "csv":
        writer.option("header", True).csv(output_path)
    else:
        writer.parquet(output_path)
    rows_in, removed, bad = (sum(c) for c in zip((0, 0, 0), *counts.value.values(), strict=False))
    if invalid == "reject" and bad:
        _remove(spark, output_path)
        raise InvalidNhsNumbers(bad, column)
    dropped = bad if invalid == "drop" else 0
    record = SparkCheckRecord(
        registry_version=snapshot.registry_version, snapshot_taken_at=snapshot.taken_at.isoformat(), gp_data=gp_data,
        rows_in=rows_in, rows_removed=removed, rows_invalid_dropped=dropped,
        rows_kept=rows_in - removed - dropped, input=input_path, output=output_path, format=fmt,
        started_at=started.isoformat(), finished_at=datetime.now(UTC).isoformat(),
    )
    record_path(output_path).write_text(json.dumps(asdict(record), indent=2) + "\n")
    return record


def _remove(spark: SparkSession, path: str) -> None:
    """Delete a written output (any file system Spark writes to: local, HDFS, S3, ABFS)."""
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)  # type: ignore[union-attr, unused-ignore]  # typed only where pyspark is installed
    hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(hadoop_path, True)


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ndop-spark-check", description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--column", default="nhs_number")
    parser.add_argument("--format", dest="fmt", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--snapshot", required=True, help="a signed export from `ndop snapshot export`")
    parser.add_argument("--public-key", required=True, help="the registry's public key (`ndop snapshot public-key`)")
    parser.add_argument("--gp-data", action="store_true")
    parser.add_argument("--invalid", choices=("reject", "drop", "flag"), default="reject")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pyspark.sql import SparkSession

    args = arguments().parse_args(argv)
    try:
        snapshot = load_snapshot(args.snapshot, args.public_key, max_age=DEFAULT_MAX_AGE)
    except (OSError, ValueError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    spark = SparkSession.builder.appName("ndop spark-check").getOrCreate()
    try:
        record = run(spark, snapshot, args.input, args.output, column=args.column, fmt=args.fmt,
                     gp_data=args.gp_data, invalid=args.invalid)
    except (InvalidNhsNumbers, ValueError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, InvalidNhsNumbers) else 2
    print(json.dumps(asdict(record)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
