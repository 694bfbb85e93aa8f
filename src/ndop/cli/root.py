"""The `ndop` group itself. Command modules add to it (`from ndop.cli.root import main`); `ndop.cli`
maps each command's name to its modules (`COMMANDS`), and the group imports a command's modules only
when that command is asked for (ADR 78), so the package imports its commands and no command imports the
package (no cycle)."""

from __future__ import annotations

from importlib import import_module

import click

from ndop.cli.startup import Group, check_configuration


class LazyGroup(Group):
    """A group whose commands are imported when first asked for, by name (`lazy_commands`)."""

    lazy_commands: dict[str, tuple[str, ...]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            for module in self.lazy_commands.get(cmd_name, ()):
                import_module(f"ndop.cli.{module}")
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ndop")
def main() -> None:
    """National Data Opt-out: registry, services and tools."""
    check_configuration()  # a mistake is one line; each command sets up Django and checks the database when invoked
