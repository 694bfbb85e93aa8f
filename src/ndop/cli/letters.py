"""`ndop letters list|send|print`: the letters the contact centre produced, and a day's print run."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import click

from ndop import container
from ndop.cli.common import fail, refuse
from ndop.cli.root import main
from ndop.domain.letters.letters import LetterKind

SEND_ALL = 10**9  # every pending letter, in batches of 500 (a 2018-style conversion queues tens of thousands)


@main.group()
def letters() -> None:
    """Letters: confirmations, proxy rejections, cannot-match replies, Type 2 conversions."""


@letters.command("list")
@click.option("--json", "as_json", is_flag=True, help="An array of objects, for scripts.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Only letters of this day.")
@click.option("--kind", type=click.Choice([k.value for k in LetterKind]), default=None,
              help="Only letters of this kind.")
def list_letters(as_json: bool, on: datetime | None, kind: str | None) -> None:
    """Every letter (or one day's, or one kind's), oldest first; the first 10,000."""
    found = container.contact_centre().letters.listed(on=on.date() if on else None,
                                                      kind=LetterKind(kind) if kind else None)
    if as_json:
        click.echo(json.dumps([
            {"id": lt.id, "nhs_number": lt.nhs_number.digits if lt.nhs_number else None, "kind": lt.kind.value,
             "created_at": lt.created_at.isoformat(), "path": lt.path or None, "status": lt.status.value,
             "reference": lt.reference, "provider_id": lt.provider_id or None}
            for lt in found
        ], indent=2))
        return
    if not found:
        click.echo("No letters.")
    for lt in found:
        click.echo(f"{lt.created_at:%Y-%m-%d %H:%M} {lt.kind.value:20} {lt.reference:10} {lt.status.value:10} "
                   f"{lt.path or '-'}")


@letters.command("send")
def send() -> None:
    """Render the pending letters to the outbox (or send them to GOV.UK Notify when configured)."""
    try:
        count = container.send_letters(limit=SEND_ALL)
    except OSError as exc:
        fail(f"could not write a letter ({exc.strerror}).")
    click.echo(f"Sent {count} letter(s).")


@letters.command("print")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), required=True, help="The day, YYYY-MM-DD.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The PDF.")
def print_run(on: datetime, out: Path) -> None:
    """Join one day's letters into one PDF for a print run, one letter a page."""
    day: date = on.date()
    found = container.contact_centre().letters.listed(on=day)
    if not found:
        refuse(f"there are no letters dated {day.isoformat()}.")
    pdf = container.print_run(found, f"National Data Opt-out letters, {day.isoformat()}")
    try:
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(pdf)
        tmp.replace(out)
    except OSError as exc:
        fail(f"could not write {out} ({exc.strerror}).")
    click.echo(f"Wrote {len(found)} letter(s) to {out}.")
