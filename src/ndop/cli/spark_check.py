"""`ndop spark-check`: `ndop check` for data in a lake, on Apache Spark (extra `ndop[spark]`)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from ndop import container
from ndop.cli.common import fail, operator, refuse
from ndop.cli.root import main
from ndop.cli.startup import Database

EXIT_REJECTED = 3  # as `ndop check`: the input has invalid NHS numbers


@main.command("spark-check", database=Database.NOT_USED)  # only without --snapshot, checked there
@click.argument("input_path", metavar="INPUT")
@click.argument("output_path", metavar="OUTPUT")
@click.option("--column", default="nhs_number", show_default=True, help="The column holding NHS numbers.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True)
@click.option("--snapshot", "snapshot_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A signed export (`ndop snapshot export`); default: export one from this registry now.")
@click.option("--public-key", "key_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The registry's public key; default: this registry's own.")
@click.option("--gp-data", is_flag=True, help="A flow of GP data: remove Type 1 objections too.")
@click.option("--invalid", type=click.Choice(["reject", "drop", "flag"]), default="reject", show_default=True,
              help="Invalid NHS numbers: refuse the whole job (as the national service), drop them, or keep them.")
@click.option("--master", default="local[*]", show_default=True, help="Spark master, when not under spark-submit.")
def spark_check(input_path: str, output_path: str, column: str, fmt: str, snapshot_file: Path | None,
                key_file: Path | None, gp_data: bool, invalid: str, master: str) -> None:
    """Remove opted-out people from INPUT (Parquet or CSV in a lake) into OUTPUT, on Spark."""
    try:
        from pyspark.sql import SparkSession

        from ndop.spark.apply import InvalidNhsNumbers
        from ndop.spark.job import record_path, run
        from ndop.spark.snapshot import load_snapshot
    except ImportError:
        fail("Spark is not installed: pip install 'ndop[spark]' (and a Java 17 runtime).")
    from ndop.adapters.files.snapshot_export import public_pem
    from ndop.services.check.export_snapshot import export_snapshot

    if Path(output_path).exists():
        refuse(f"{output_path} already exists: choose a new output location.")
    with tempfile.TemporaryDirectory() as scratch:
        if snapshot_file is None:
            if not container.database_is_set_up():
                fail("The database is not set up: run ndop migrate (or give --snapshot).")
            snapshot_file = Path(scratch) / "snapshot.bin"
            export_snapshot(container.registry(), container.check_service().snapshots,
                            container.snapshot_export_writer(snapshot_file), exported_by=operator())
        pem = key_file.read_bytes() if key_file else public_pem(container.snapshot_signing_key())
        try:
            snapshot = load_snapshot(snapshot_file, pem)
        except (OSError, ValueError) as exc:
            fail(str(exc))
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local workers: this Python, which has ndop
        spark = SparkSession.builder.master(master).appName("ndop spark-check").getOrCreate()
        try:
            record = run(spark, snapshot, input_path, output_path, column=column, fmt=fmt, gp_data=gp_data,
                         invalid=invalid)  # type: ignore[arg-type]
        except InvalidNhsNumbers as exc:
            click.echo(f"Rejected: {exc}", err=True)
            raise SystemExit(EXIT_REJECTED) from None
        except ValueError as exc:
            refuse(str(exc))
        finally:
            spark.stop()
    click.echo(
        f"Checked {record.rows_in:,} rows against registry version {record.registry_version}: removed "
        f"{record.rows_removed:,}, kept {record.rows_kept:,}. Record: {record_path(output_path)}"
    )
