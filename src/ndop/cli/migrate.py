"""`ndop migrate`: bring the database up to date (the migrations and the cache table), nothing else."""

from __future__ import annotations

import click

from ndop import container
from ndop.cli.root import main
from ndop.cli.startup import Database


@main.command("migrate", database=Database.REACHABLE)
@click.option("-v", "--verbose", is_flag=True, help="List each migration as it is applied.")
def migrate(verbose: bool) -> None:
    """Create or update the registry's tables; safe to run again. Every other command needs it first."""
    container.migrate(verbosity=1 if verbose else 0)
    click.echo("The database is up to date.")
