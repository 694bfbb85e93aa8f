"""The `ndop` group itself. Command modules add to it (`from ndop.cli.root import main`); `ndop.cli`
imports them all, so the package imports its commands and no command imports the package (no cycle)."""

from __future__ import annotations

import click

from ndop.cli.startup import Group, start


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ndop")
def main() -> None:
    """National Data Opt-out: registry, services and tools."""
    start()  # a configuration mistake is one line; each command then checks the database (cli/startup.py)
