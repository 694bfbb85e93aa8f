"""The `ndop` command. Bad input: a message on stderr and exit 2. Failure: exit 1."""

from __future__ import annotations

from ndop.cli.root import main


def _register() -> None:
    # Each command group lives in its own module; importing registers it on `main`.
    from ndop.cli import (  # noqa: F401
        audit,
        check,
        choice,
        demo,
        forms,
        gp,
        jobs,
        letters,
        mesh,
        migrate,
        org,
        org_keys,
        policy,
        population,
        serve,
        snapshot,
        spark_check,
        staff,
        stats,
    )


_register()

__all__ = ["main"]
