"""`ndop forms write DIR`: the paper forms as PDFs in a folder, to print and post to people who ask (the
same PDFs `/forms/` serves, from the same data)."""

from __future__ import annotations

from pathlib import Path

import click

from ndop import container
from ndop.cli.common import fail
from ndop.cli.root import main
from ndop.cli.startup import Database
from ndop.domain.paper_forms.forms import FORMS, SEND_TO


@main.group()
def forms() -> None:
    """The paper forms (ADR 66)."""


@forms.command("write", database=Database.NOT_USED)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def write(directory: Path) -> None:
    """Write every paper form to DIRECTORY as a tagged PDF (the folder is made if need be)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"Cannot make the folder {directory} ({exc.strerror}).")
    renderer = container.paper_form_renderer()
    for form in FORMS:
        path = directory / form.filename
        try:
            path.write_bytes(renderer.render(form, SEND_TO))
        except OSError as exc:
            fail(f"Cannot write {path} ({exc.strerror}).")
        click.echo(f"Wrote {path} ({form.title})")
