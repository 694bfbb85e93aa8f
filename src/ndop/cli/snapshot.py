"""`ndop snapshot export|verify|public-key`: the opted-out set for data platforms that apply it themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from ndop import container
from ndop.cli.common import fail, operator, refuse
from ndop.cli.root import main
from ndop.cli.startup import Database


@main.group()
def snapshot() -> None:
    """Signed exports of the opt-out snapshot, for Spark and other data platforms (docs/spark.md)."""


@snapshot.command("export")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the signed snapshot.")
@click.option("--gp-data", is_flag=True, help="Include Type 1 objections, for flows of GP data.")
def export(out: Path, gp_data: bool) -> None:
    """Write the opted-out set at the current registry version, signed with the registry's key."""
    from ndop.adapters.files.snapshot_export import SigningKeyMissing
    from ndop.services.check.export_snapshot import Type1NotHeld, export_snapshot

    if not out.parent.is_dir():
        refuse(f"The folder {out.parent} does not exist.")
    try:
        writer = container.snapshot_export_writer(out)
        exported = export_snapshot(
            container.registry(), container.check_service().snapshots, writer, exported_by=operator(), gp_data=gp_data,
            type1_keys=container.type1_keys,
        )
    except (SigningKeyMissing, Type1NotHeld) as exc:
        fail(str(exc))
    header = exported.header
    click.echo(
        f"Wrote {out}: registry version {header.registry_version}, {header.opted_out:,} opted-out numbers"
        + (f", {header.type1:,} Type 1 objections" if header.type1 is not None else "")
        + f", taken {header.taken_at}."
    )


@snapshot.command("public-key", database=Database.NOT_USED)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the PEM here instead of printing it.")
def public_key(out: Path | None) -> None:
    """The public key a data platform needs to verify exported snapshots."""
    from ndop.adapters.files.snapshot_export import SigningKeyMissing, public_pem

    try:
        pem = public_pem(container.snapshot_signing_key())
    except SigningKeyMissing as exc:
        fail(str(exc))
    if out is None:
        click.echo(pem.decode(), nl=False)
    else:
        out.write_bytes(pem)
        click.echo(f"Wrote {out}.")


@snapshot.command("verify", database=Database.NOT_USED)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public-key", "key_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The registry's public key (PEM); default: this registry's own.")
@click.option("--max-age-hours", type=click.FloatRange(min=0), default=None,
              help="Refuse a snapshot older than this (default NDOP_SNAPSHOT_MAX_AGE_HOURS, 24).")
def verify(file: Path, key_file: Path | None, max_age_hours: float | None) -> None:
    """Check a snapshot's signature and age. Exit 1 when it does not verify or is too old."""
    from ndop.adapters.files.snapshot_export import public_pem
    from ndop.domain.check.export import ExportInvalid, ExportTooOld
    from ndop.spark.snapshot import DEFAULT_MAX_AGE, load_snapshot

    if not file.is_file():
        refuse(f"There is no file {file}.")
    pem = key_file.read_bytes() if key_file else public_pem(container.snapshot_signing_key())
    max_age = DEFAULT_MAX_AGE if max_age_hours is None else timedelta(hours=max_age_hours)
    try:
        loaded = load_snapshot(file, pem, max_age=max_age, now=datetime.now(UTC))
    except (ExportInvalid, ExportTooOld) as exc:
        fail(str(exc))
    click.echo(
        f"Snapshot verified: registry version {loaded.registry_version}, {len(loaded.opted_out):,} opted-out "
        f"numbers, taken {loaded.taken_at.isoformat()}."
    )
