"""The `ndop` command. Bad input: a message on stderr and exit 2. Failure: exit 1."""

from __future__ import annotations

import click

from ndop.cli.startup import Group, start


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ndop")
def main() -> None:
    """National Data Opt-out: registry, services and tools."""
    start()  # a configuration mistake is one line; each command then checks the database (cli/startup.py)


def _register() -> None:
    # Each command group lives in its own module; importing registers it on `main`.
    from ndop.cli import (  # noqa: F401
        audit,
        check,
        choice,
        demo,
        mesh,
        migrate,
        org,
        org_keys,
        policy,
        population,
        serve,
    )


_register()
