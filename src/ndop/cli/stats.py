"""`ndop stats publish`: the "[MI] National Data Opt-out" publication from the registry's history."""

from __future__ import annotations

from pathlib import Path

import click

from ndop import container
from ndop.cli.common import fail, operator, refuse
from ndop.cli.root import main
from ndop.domain.statistics.ports import RegistryUnreadable
from ndop.services.statistics.publish import PublishRefused, PublishRequest, publish


@main.group()
def stats() -> None:
    """The statistics publication."""


@stats.command("publish")
@click.option("--month", required=True, help="The report month, YYYY-MM: figures at its first day and before.")
@click.option("--months", default=12, show_default=True, type=click.IntRange(1, 120),
              help="How many reporting dates, the report month's first day and the months before it.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the CSVs, the XLSX and the charts (created if missing).")
@click.option("--include-test-range", is_flag=True, help="Count NHS numbers starting with 9 (synthetic populations).")
@click.option("--practices", type=click.Path(dir_okay=False, path_type=Path), help="GP practice lookup CSV (ODS).")
@click.option("--lsoas", type=click.Path(dir_okay=False, path_type=Path), help="LSOA lookup CSV (ONS).")
@click.option("--if-changed", is_flag=True,
              help="Publish only if the England rate moved more than 0.1 points, or the last one is a year old.")
def publish_command(month: str, months: int, out: Path, include_test_range: bool, practices: Path | None,
                    lsoas: Path | None, if_changed: bool) -> None:
    """Write NDOP_age_gen, NDOP_reg_geog, NDOP_res_geog (CSV), NDOP_Mon_YYYY.xlsx and the charts into OUT."""
    request = PublishRequest(month=month, out=out, months=months, include_test_range=include_test_range,
                             practices=practices, lsoas=lsoas, if_changed=if_changed, actor=operator())
    try:
        result = publish(container.statistics(), request)
    except PublishRefused as exc:
        refuse(exc.message)
    except RegistryUnreadable as exc:
        fail(exc.message)
    except OSError as exc:
        refuse(f"cannot write into {out}: {exc.strerror}")
    if not result.published:
        click.echo(f"Not published: {result.reason}.")
        return
    click.echo(f"Published {result.label}: England {result.opt_out:,} opted out of {result.list_size:,} "
               f"({result.rate or 'no'}%), {len(result.files)} files in {out}.")
    if practices or lsoas:
        click.echo(f"Codes missing from the lookups (kept with empty names): {result.practices_missing} practices, "
                   f"{result.lsoas_missing} LSOAs.")
    if if_changed:
        click.echo(f"Why: {result.reason}.")
