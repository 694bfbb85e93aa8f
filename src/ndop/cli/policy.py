"""`ndop policy decide|docs`: does the national data opt-out apply to a data flow?"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ndop.cli.common import refuse
from ndop.cli.root import main
from ndop.cli.startup import Database
from ndop.domain.common.clock import SystemClock, today
from ndop.domain.policy import InvalidFlow, decide, parse_flow_json
from ndop.domain.policy.reference import render_markdown


@main.group()
def policy() -> None:
    """Decide whether the opt-out applies to a data flow; write the rules' reference."""


@policy.command("decide", database=Database.NOT_USED)
@click.argument("flow_file", metavar="FLOW.json", type=click.Path(dir_okay=False, allow_dash=True))
def decide_command(flow_file: str) -> None:
    """Print the decision for the flow described in FLOW.json ('-' reads standard input).

    Exit 2, with every problem listed on stderr, when the description is not valid.
    """
    try:
        text = sys.stdin.buffer.read() if flow_file == "-" else Path(flow_file).read_bytes()
    except OSError as exc:
        refuse(f"cannot read {flow_file}: {exc.strerror}")
    try:
        flow = parse_flow_json(text, today=today(SystemClock()))
    except InvalidFlow as exc:
        refuse(exc.message)
    click.echo(json.dumps(decide(flow).as_dict(), indent=2, ensure_ascii=False))


@policy.command("docs", database=Database.NOT_USED)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to this file (default: stdout)."
)
def docs_command(output: str | None) -> None:
    """Write the rules' reference (docs/policy-rules.md) from the rules themselves."""
    text = render_markdown()
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
