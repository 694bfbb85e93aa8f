"""The `ndop` command. Bad input: a message on stderr and exit 2. Failure: exit 1."""

from __future__ import annotations

import click

from ndop import container


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ndop")
def main() -> None:
    """National Data Opt-out: registry, services and tools."""
    container.setup_django()


def _register() -> None:
    # Each command group lives in its own module; importing registers it on `main`.
    from ndop.cli import (  # noqa: F401
        audit,
        check,
        choice,
        demo,
        mesh,
        org,
        org_keys,
        policy,
        population,
        serve,
        snapshot,
        spark_check,
    )


_register()
