"""`ndop check REQUEST`: remove the patients who have opted out from a list of NHS numbers.

Exit 0 with a cleaned file, 3 with a rejected one (the rejection line is still written), 2 on bad
arguments, 1 on a failure. With `-o`, the response goes to a temporary file beside RESPONSE that is
renamed into place at the end, so RESPONSE never holds a partial response.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

import click

from ndop import container
from ndop.cli.common import fail, operator
from ndop.cli.root import main
from ndop.cli.startup import Database, start_django
from ndop.domain.check.jobs import CheckChannel
from ndop.domain.check.rejections import CheckFormat

if TYPE_CHECKING:
    from ndop.services.check.run_check import CheckService

EXIT_REJECTED = 3
PROGRESS_FROM = 16 * 1024 * 1024  # bytes: smaller files finish before a bar is worth drawing


@contextlib.contextmanager
def _response_file(path: Path | None) -> Iterator[BinaryIO]:
    if path is None:
        yield sys.stdout.buffer
        return
    directory = path.resolve().parent
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed into place on success
        "wb", dir=directory, prefix=f".{path.name}.", suffix=".partial", delete=False
    )
    try:
        yield handle  # type: ignore[misc]
        handle.close()
        os.replace(handle.name, path)
    except BaseException:
        handle.close()
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


@contextlib.contextmanager
def _progress(request: BinaryIO) -> Iterator[object]:
    try:
        size = os.fstat(request.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        size = 0
    if not sys.stderr.isatty() or size < PROGRESS_FROM:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=size, unit="B", unit_scale=True, desc="Checking", file=sys.stderr) as bar:
        yield bar.update


def _service(gp_data: bool) -> CheckService:
    """Without Django when the snapshot is current or can be caught up (ADR 95); otherwise the check's
    smaller Django (ADR 78), or, for GP data (the Type 1 register's adapter needs django-otp), the full one.
    Either way nothing of the request has been read yet."""
    service = None if gp_data else container.lean_check_service()
    if service is None:
        start_django(Database.SET_UP, check_only=not gp_data)
        service = container.check_service()
    return service


@main.command("check", database=Database.SET_UP, own_startup=True)  # ensured by `_service` on Django's path
@click.argument("request", type=click.File("rb", lazy=False))
@click.option(
    "-o",
    "--output",
    "response",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the response here (default: standard output).",
)
@click.option("--format", "fmt", type=click.Choice([f.value for f in CheckFormat]),
              help="The request's format (default: detected).")
@click.option("--report", type=click.File("w", lazy=True), help="Write each invalid row's line number and reason here.")
@click.option("--organisation", default="", help="The ODS code of the organisation the check is for.")
@click.option("--gp-data", is_flag=True,
              help="A flow of GP data: also remove people with a Type 1 objection recorded at their GP practice.")
def check(request: BinaryIO, response: Path | None, fmt: str | None, report: TextIO | None, organisation: str,
          gp_data: bool) -> None:
    """Check REQUEST (a .dat or CSV list of NHS numbers; - for standard input) for National Data
    Opt-outs: the response holds only the rows of patients who have not opted out, in order. With
    --gp-data, people with a Type 1 objection are removed as well."""
    if response is not None and not response.resolve().parent.is_dir():
        raise click.BadParameter("the folder does not exist", param_hint="-o")
    service = _service(gp_data)
    try:
        with _progress(request) as progress, _response_file(response) as out:
            outcome = service.run(
                request,
                out,
                channel=CheckChannel.CLI,
                organisation=organisation.strip().upper(),
                fmt=CheckFormat(fmt) if fmt else None,
                report=report,
                requested_by=operator(),
                progress=progress,  # type: ignore[arg-type]
                gp_data=gp_data,
            )
    except OSError as exc:
        fail(f"could not read or write a file: {exc.strerror or exc}")
    if report is not None:
        report.close()
    if outcome.rejected:
        click.echo(
            f"Rejected ({outcome.rejection}): {outcome.message} {outcome.rows_invalid:,} invalid rows of "
            f"{outcome.rows_in:,}."
            + ("" if report else " Use --report FILE to list them.")
            + f" Job {outcome.job_id}.",
            err=True,
        )
        sys.exit(EXIT_REJECTED)
    click.echo(
        f"Checked {outcome.rows_in:,} rows against registry version {outcome.registry_version}: "
        f"{outcome.rows_kept:,} kept, {outcome.rows_removed:,} removed ("
        + (f"{outcome.rows_removed - outcome.rows_removed_type1:,} opted out, {outcome.rows_removed_type1:,} "
           "Type 1 objection" if outcome.gp_data else "opted out")
        + f"). Job {outcome.job_id}.",
        err=True,
    )
