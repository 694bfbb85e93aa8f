"""The lazy `ndop` group (ADR 78): COMMANDS lists every command module, and `ndop check` imports no other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ndop.cli
from ndop.cli import COMMANDS, main

CLI = Path(ndop.cli.__file__).parent


def _adds_to_main(module: Path) -> set[str]:
    """The names a module's `@main.command(...)` / `@main.group(...)` decorators register."""
    names = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                    and isinstance(decorator.func.value, ast.Name) and decorator.func.value.id == "main"):
                given = decorator.args[0].value if decorator.args else None
                names.add(str(given) if given else node.name.replace("_", "-"))
    return names


def test_commands_map_lists_every_command_of_every_module() -> None:
    for module in CLI.glob("*.py"):
        for name in _adds_to_main(module):
            assert module.stem in COMMANDS.get(name, ()), f"{name} ({module.name}) is missing from COMMANDS"


def test_commands_map_lists_every_module_that_adds_commands() -> None:
    listed = {m for modules in COMMANDS.values() for m in modules}
    adds = ("from ndop.cli.root import main", "from ndop.cli.org import")
    for module in CLI.glob("*.py"):
        text = module.read_text()
        if module.stem not in {"__init__", "root", "startup"} and any(line in text for line in adds):
            assert module.stem in listed, f"{module.name} adds commands but is not in COMMANDS"


def test_every_listed_command_resolves() -> None:
    import click

    ctx = click.Context(main)
    for name in COMMANDS:
        assert main.get_command(ctx, name) is not None, name
    assert main.list_commands(ctx) == sorted(COMMANDS)


def test_check_imports_no_other_command_and_no_web_code() -> None:
    code = (
        "import sys\n"
        "from ndop.cli import main\n"
        "import click\n"
        "main.get_command(click.Context(main), 'check')\n"
        "prefixes = ('ndop.cli.', 'ndop.web', 'ninja', 'pyspark')\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(prefixes))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert set(loaded) <= {"ndop.cli.check", "ndop.cli.common", "ndop.cli.root", "ndop.cli.startup"}, loaded
