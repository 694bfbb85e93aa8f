"""What every `ndop` command checks before it runs, so that a mistake is one line and never a traceback.

- The configuration (`ndop.config`): a `ConfigError` is printed as it is and the command exits 1.
- The database: reachable (else one line naming DATABASE_URL), and, for the commands that use the
  registry, set up by `ndop migrate` (else `The database is not set up: run ndop migrate`, exit 1).

Commands declare what they need with `database=`: `@main.command("x", database=Database.REACHABLE)`.
The default, for any new command, is that the database must be set up. A command in `OWN_STARTUP`
(`ndop check`, ADR 95) declares `own_startup=True`: `start()` only loads its configuration, and the command
calls `start_django` itself if it needs Django, which then checks the database as `database=` says.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import click

from ndop import container
from ndop.cli.common import fail
from ndop.config import ConfigError

NOT_SET_UP = "The database is not set up: run ndop migrate"


class Database(StrEnum):
    NOT_USED = "not used"  # e.g. `population generate`, `policy decide`
    REACHABLE = "reachable"  # commands that migrate it themselves: `migrate`, `serve`, `demo`
    SET_UP = "set up"  # everything else


# Commands that choose for themselves whether to set up Django, and which (`start_django`): `ndop check` runs
# without it when its snapshot is current (ADR 95), otherwise with the check's smaller Django (ADR 78).
OWN_STARTUP = frozenset({"check"})


def start() -> None:
    """Load the configuration and Django, or say in one line what is wrong."""
    ctx = click.get_current_context(silent=True)
    try:
        if ctx is not None and ctx.invoked_subcommand in OWN_STARTUP:
            container.check_settings()  # the configuration, validated: the command sets Django up if it needs it
        else:
            container.setup_django()
    except ConfigError as exc:
        fail(str(exc))


def start_django(database: Database, *, check_only: bool = False) -> None:
    """For a command in `OWN_STARTUP`: Django now, then the database as `database` says, each failure one line."""
    try:
        container.setup_django(check_only=check_only)
    except ConfigError as exc:
        fail(str(exc))
    _ensure(database)


def _ensure(database: Database) -> None:
    if database is Database.NOT_USED:
        return
    try:
        if database is Database.REACHABLE:
            container.connect_database()
        elif not container.database_is_set_up():
            click.echo(NOT_SET_UP, err=True)
            raise SystemExit(1)
    except container.DatabaseUnreachable as exc:
        fail(f"cannot open the database (DATABASE_URL): {exc}")


class Command(click.Command):
    def __init__(self, *args: Any, database: Database = Database.SET_UP, own_startup: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.database = database
        self.own_startup = own_startup  # a top-level command named in `OWN_STARTUP`

    def invoke(self, ctx: click.Context) -> Any:
        if not self.own_startup:  # such a command ensures it when it sets Django up (`start_django`)
            _ensure(self.database)
        try:
            return super().invoke(ctx)
        except ConfigError as exc:  # settings read when first needed (MESH)
            fail(str(exc))
        except container.DatabaseUnreachable as exc:
            fail(f"cannot open the database (DATABASE_URL): {exc}")


class Group(click.Group):
    command_class = Command
    group_class = type  # sub-groups are `Group`s too, so their commands are `Command`s
