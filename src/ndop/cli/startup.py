"""What every `ndop` command checks before it runs, so that a mistake is one line and never a traceback.

- The configuration (`ndop.config`): a `ConfigError` is printed as it is and the command exits 1.
- The database: reachable (else one line naming DATABASE_URL), and, for the commands that use the
  registry, set up by `ndop migrate` (else `The database is not set up: run ndop migrate`, exit 1).

Commands declare what they need with `database=`: `@main.command("x", database=Database.REACHABLE)`.
The default, for any new command, is that the database must be set up.

The configuration is read first, for every command (even `--help`). Django is set up when a command is
invoked, after its options are parsed. A command that declares `own_startup=True` (`ndop check`) sets it
up itself, if it needs it, with `start_django`, choosing from its own options, never from `sys.argv`: the
check runs without Django when its snapshot is current (ADR 95), otherwise with its smaller Django (ADR 78),
or the full one for `--gp-data`.
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


def check_configuration() -> None:
    """Before any command, even a command's --help: a configuration mistake is one line. (About a
    millisecond: the settings read the configuration again when they are imported.)"""
    from ndop import config

    try:
        config.load()
    except ConfigError as exc:
        fail(str(exc))


def start_django(database: Database, *, check_only: bool = False) -> None:
    """Django, then the database as `database` says, each failure one line. `check_only`: the check's
    smaller Django (ADR 78)."""
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
        self.own_startup = own_startup  # the command calls `start_django` itself, when it needs Django

    def invoke(self, ctx: click.Context) -> Any:
        if not self.own_startup:
            start_django(self.database)
        try:
            return super().invoke(ctx)
        except ConfigError as exc:  # settings read when first needed (MESH)
            fail(str(exc))
        except container.DatabaseUnreachable as exc:
            fail(f"cannot open the database (DATABASE_URL): {exc}")


class Group(click.Group):
    command_class = Command
    group_class = type  # sub-groups are `Group`s too, so their commands are `Command`s
