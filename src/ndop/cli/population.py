"""`ndop population generate|import`: a synthetic England-like population, and loading it."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import click
from tqdm import tqdm

from ndop import container
from ndop.cli.common import fail, operator, refuse
from ndop.cli.root import main
from ndop.cli.startup import Database
from ndop.demo.population.generator import PopulationSpec, PopulationSpecError
from ndop.demo.population.geography import LSOAS_FILE, PRACTICES_FILE, lookup_csvs
from ndop.demo.population.model import DEFAULT_OPT_OUT_RATE
from ndop.demo.population.writer import generate_population
from ndop.services.gp_codes.import_codes import FILE as GP_CODES_FILE
from ndop.services.population.import_population import (
    CHOICES_FILE,
    PATIENTS_FILE,
    AlreadyImported,
    PopulationRefused,
    import_population,
)


@main.group()
def population() -> None:
    """Generate a synthetic population, or import population files into the registry."""


def _as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("must be a date written YYYY-MM-DD") from None
    if day > date.today():
        raise click.BadParameter("must not be in the future (choices are recorded before it)")
    return day


@population.command("generate", database=Database.NOT_USED)
@click.option("--patients", required=True, type=int, help="How many patient records (up to 80 million).")
@click.option("--opt-out-rate", default=DEFAULT_OPT_OUT_RATE, show_default=True, type=float,
              help="Target share opted out, 0 to 0.5; varies by age and sex around it.")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed and as-of date, same files.")
@click.option("--as-of", callback=_as_of, help="The day the population is taken (YYYY-MM-DD). Default: today.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for patients.csv, choices.csv, gp_codes.csv, practices.csv and lsoas.csv (created if "
                   "missing).")
def generate(patients: int, opt_out_rate: float, seed: int, as_of: date, out: Path) -> None:
    """Write OUT/patients.csv and OUT/choices.csv (deterministic for a seed, streamed in chunks), the GP
    extract OUT/gp_codes.csv (Type 1 and Type 2 codes: the Type 2 opt-outs are converted by `ndop gp
    convert-type2`), and the matching geography lookups OUT/practices.csv and OUT/lsoas.csv."""
    try:
        spec = PopulationSpec(patients=patients, opt_out_rate=opt_out_rate, seed=seed, as_of=as_of,
                              not_after=datetime.now(UTC))
    except PopulationSpecError as exc:
        refuse(str(exc))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        refuse(f"cannot create the directory {out}: {exc.strerror}")
    targets = (out / PATIENTS_FILE, out / CHOICES_FILE, out / GP_CODES_FILE)
    parts = tuple(p.with_name(p.name + ".part") for p in targets)
    try:
        with open(parts[0], "wb") as patients_out, open(parts[1], "wb") as choices_out, \
                open(parts[2], "wb") as gp_out, tqdm(
                    total=patients, unit=" patients", unit_scale=True, disable=None, desc="generate") as bar:
            summary = generate_population(spec, patients_out, choices_out, progress=bar.update, gp_codes_out=gp_out)
        # The geography lookups `ndop stats publish --practices/--lsoas` reads, matching these people.
        lookups = dict(zip((PRACTICES_FILE, LSOAS_FILE), lookup_csvs(spec), strict=True))
        for name, text in lookups.items():
            (out / f"{name}.part").write_text(text, encoding="utf-8")
        for part, target in zip(parts, targets, strict=True):
            os.replace(part, target)  # the files appear whole or not at all
        for name in lookups:
            os.replace(out / f"{name}.part", out / name)
    except OSError as exc:
        for part in (*parts, out / f"{PRACTICES_FILE}.part", out / f"{LSOAS_FILE}.part"):
            part.unlink(missing_ok=True)
        fail(f"could not write the files: {exc.strerror}")
    click.echo(
        f"Wrote {targets[0]} ({summary.patients:,} patients), {targets[1]} ({summary.choice_rows:,} choices) and "
        f"{targets[2]} ({summary.gp_code_rows:,} GP codes); opted out once the Type 2 codes are converted: "
        f"{summary.opted_out:,} ({summary.opt_out_rate:.2%}). Seed {seed}, as of {as_of.isoformat()}."
    )
    click.echo(f"Wrote {out / PRACTICES_FILE} and {out / LSOAS_FILE}: the geography lookups for these people.")


@population.command("import")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--again", is_flag=True,
              help="Import files whose content was imported before (adds their choices again).")
def import_(directory: Path, again: bool) -> None:
    """Load DIRECTORY/patients.csv and DIRECTORY/choices.csv: both whole, or nothing."""
    paths = (directory / PATIENTS_FILE, directory / CHOICES_FILE)
    for path in paths:
        if not path.is_file():
            refuse(f"{path} is missing: the directory needs {PATIENTS_FILE} and {CHOICES_FILE}")
    size = sum(p.stat().st_size for p in paths)
    try:
        with open(paths[0], "rb") as patients, open(paths[1], "rb") as choices, tqdm(
            total=size, unit="B", unit_scale=True, disable=None, desc="import"
        ) as bar:
            summary = import_population(
                container.registry(),
                container.population_store,
                patients,
                choices,
                imported_by=operator(),
                source=f"population:{directory.resolve().name}",
                progress=bar.update,
                again=again,
            )
    except AlreadyImported as exc:
        refuse(exc.message)
    except PopulationRefused as exc:
        click.echo(f"Error: {exc.message}", err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        if exc.total > len(exc.errors):
            click.echo(f"  ... and {exc.total - len(exc.errors):,} more", err=True)
        raise SystemExit(2) from None
    versions = (
        f"registry versions {summary.first_version:,} to {summary.last_version:,}"
        if summary.first_version is not None
        else "no registry versions used"
    )
    click.echo(
        f"Imported {summary.patients_rows:,} patients ({summary.patients_added:,} added, "
        f"{summary.patients_updated:,} updated) and {summary.choice_events:,} choice events ({versions}; "
        f"current choice set for {summary.people_with_choices:,} people). Audit record {summary.audit_sequence}."
    )
