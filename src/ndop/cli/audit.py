"""`ndop audit verify`: walk the hash chain and name the first broken link."""

from __future__ import annotations

import click

from ndop import container
from ndop.cli.common import fail
from ndop.cli.root import main
from ndop.services.registry.verify_audit import verify_audit


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
def verify() -> None:
    """Check every audit record against the one before it. Exit 1 at the first broken link."""
    count, broken = verify_audit(container.registry())
    if broken is not None:
        fail(f"audit chain broken at record {broken.sequence}: {broken.reason}")
    click.echo(f"Audit chain intact: {count} records.")
