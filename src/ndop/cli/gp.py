"""`ndop gp import|convert-type2|summary`: GP opt-out codes (issue 14)."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

import click
from tqdm import tqdm

from ndop import container
from ndop.cli.common import fail, operator, refuse
from ndop.cli.root import main
from ndop.domain.gp_codes.rules import TYPE2_CUTOFF
from ndop.services.gp_codes.convert_type2 import convert_type2
from ndop.services.gp_codes.import_codes import CodesAlreadyImported, CodesRefused, import_codes


@main.group()
def gp() -> None:
    """GP opt-out codes: import an extract, convert Type 2 (2018), count for monitoring."""


def _day(_ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("must be a date written YYYY-MM-DD") from None


@gp.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_(file: Path) -> None:
    """Load FILE (gp_codes.csv: nhs_number,practice_code,code_system,code,recorded_date): all of it, or nothing.
    Then rebuild the Type 1 register."""
    if not file.is_file():
        refuse(f"{file} is not a file")
    try:
        with open(file, "rb") as stream, tqdm(total=file.stat().st_size, unit="B", unit_scale=True, disable=None,
                                              desc="import", file=sys.stderr) as bar:
            done = import_codes(container.gp_codes(), stream, imported_by=operator(),
                                source=f"gp:{file.resolve().name}", progress=bar.update)
    except CodesAlreadyImported as exc:
        refuse(exc.message)
    except CodesRefused as exc:
        click.echo(f"Error: {exc.message}", err=True)
        for line, reason in exc.errors:
            click.echo(f"  line {line}: {reason}", err=True)
        if exc.total > len(exc.errors):
            click.echo(f"  ... and {exc.total - len(exc.errors):,} more", err=True)
        raise SystemExit(2) from None
    except OSError as exc:
        fail(f"could not read {file} ({exc.strerror}).")
    meanings = ", ".join(f"{k} {v:,}" for k, v in sorted(done.by_meaning.items())) or "none"
    click.echo(f"Imported {done.rows:,} rows: {done.kept:,} opt-out codes ({meanings}), {done.ignored:,} other "
               f"codes ignored. People with a Type 1 objection: {done.type1_objectors:,}. "
               f"Audit record {done.audit_sequence}.")


@gp.command("convert-type2")
@click.option("--as-of", callback=_day, help="The day letters are written for (ages, deaths). Default: today.")
@click.option("--cutoff", callback=_day, help=f"The last day a Type 2 code converts. Default: {TYPE2_CUTOFF}.")
@click.option("--dry-run", is_flag=True, help="Print the counts; write nothing.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write Type 2 codes recorded after the cut-off here (CSV), for practices to contact patients.")
@click.option("--no-send", is_flag=True, help="Queue the letters only (send them later with `ndop letters send`).")
def convert(as_of: date | None, cutoff: date | None, dry_run: bool, report: Path | None, no_send: bool) -> None:
    """Convert Type 2 codes into national data opt-outs (channel T2) and queue a letter to each person whose
    choice changed (13 or over, alive); then send the letters."""
    unit = container.gp_codes()
    today = unit.clock.now().date()
    as_of = as_of or today
    if as_of > today:
        refuse("--as-of must not be in the future")
    if dry_run and report is not None:
        refuse("--report writes patients' numbers: it cannot be used with --dry-run, which writes nothing")
    if report is not None and not report.resolve().parent.is_dir():
        refuse(f"the folder for {report} does not exist")
    part = None if report is None else report.with_name(report.name + ".part")
    try:
        # The report holds patients' numbers: readable by this user only.
        opened = os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8",
                           newline="") if part else open(os.devnull, "w")  # noqa: SIM115
        with opened as out:
            summary = convert_type2(unit, converted_by=operator(), as_of=as_of, cutoff=cutoff or TYPE2_CUTOFF,
                                    dry_run=dry_run, report=out if part else None)
        if part is not None and report is not None:
            os.replace(part, report)
    except OSError as exc:
        if part is not None:
            part.unlink(missing_ok=True)
        fail(f"could not write the report ({exc.strerror}).")
    not_converted = ", ".join(f"{k} {v:,}" for k, v in summary.not_converted.items()) or "none"
    click.echo(
        f"{'Dry run: would convert' if dry_run else 'Converted'} {summary.converted:,} Type 2 opt-outs "
        f"({summary.became_current:,} now current, {summary.later_choice_stands:,} where a later choice stands); "
        f"already converted {summary.already_converted:,}; not converted: {not_converted}. "
        f"Letters {'due' if dry_run else 'queued'}: {summary.letters:,} (none for {summary.no_letter_under_13:,} "
        f"under 13, {summary.no_letter_deceased:,} deceased). Type 2 codes after the cut-off: "
        f"{summary.after_cutoff_codes:,}" + (f" (written to {report})." if report else ".")
        + ("" if dry_run else f" Audit record {summary.audit_sequence}.")
    )
    if dry_run or no_send or not summary.letters:
        return
    try:
        sent = container.send_letters(limit=summary.letters)
    except OSError as exc:
        fail(f"the conversion is recorded, but a letter could not be written ({exc.strerror}); "
             "run `ndop letters send` to send the rest.")
    click.echo(f"Sent {sent:,} letter(s).")


@gp.command("summary")
@click.option("--json", "as_json", is_flag=True, help="An object with a row per practice, for scripts.")
@click.option("--cutoff", callback=_day, help=f"The Type 2 cut-off. Default: {TYPE2_CUTOFF}.")
def summary(as_json: bool, cutoff: date | None) -> None:
    """Counts per GP practice: people with a Type 1 objection, Type 2 converted, Type 2 after the cut-off."""
    rows = container.gp_codes().gp.practice_counts(cutoff or TYPE2_CUTOFF)
    totals = {"type1": sum(r.type1 for r in rows), "type2_converted": sum(r.type2_converted for r in rows),
              "type2_after_cutoff": sum(r.type2_after_cutoff for r in rows)}
    if as_json:
        click.echo(json.dumps({"practices": [
            {"practice_code": r.practice_code, "type1": r.type1, "type2_converted": r.type2_converted,
             "type2_after_cutoff": r.type2_after_cutoff} for r in rows], "totals": totals}, indent=2))
        return
    click.echo(f"{'practice':10} {'type 1':>8} {'type 2 converted':>17} {'type 2 after cut-off':>21}")
    for r in rows:
        click.echo(f"{r.practice_code:10} {r.type1:8,} {r.type2_converted:17,} {r.type2_after_cutoff:21,}")
    click.echo(f"{'total':10} {totals['type1']:8,} {totals['type2_converted']:17,} {totals['type2_after_cutoff']:21,}")
