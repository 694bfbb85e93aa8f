"""Run in a fresh process by test_startup.py against an empty database (NDOP_VAR_DIR / DATABASE_URL):
every command that needs the registry, then `ndop migrate`, then `ndop population import`. Prints JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from ndop.cli import main
from ndop.cli.startup import Command, Database

work = Path(sys.argv[1])
request = work / "request.dat"
request.write_bytes(b"9434765919\r\n")
gp_extract = work / "gp_codes.csv"
gp_extract.write_text("nhs_number,practice_code,code_system,code,recorded_date\n")

# Valid arguments for every command that needs a set-up database: only the database can stop them.
COMMANDS: dict[str, list[str]] = {
    "audit verify": [],
    "audit checkpoint": ["--out", str(work / "checkpoints")],
    "audit checkpoint-key": ["--out", str(work / "checkpoint.pem")],
    "check": [str(request)],
    "choice show": ["9434765919"],
    "choice set": ["9434765919", "--opted-out", "--channel", "CC", "--case-reference", "1234ABC"],
    "gp import": [str(gp_extract)],
    "gp convert-type2": ["--dry-run"],
    "gp summary": [],
    "mesh-worker": ["--once", "--give-up-after", "1"],
    "org add": ["X26", "--name", "Test organisation"],
    "org limits": ["X26"],
    "org key issue": ["X26"],
    "org key list": ["X26"],
    "org key revoke": ["abcdefgh"],
    "org user add": ["X26", "someone@example.org", "--role", "checker"],
    "org user disable": ["someone@example.org"],
    "org user enable": ["someone@example.org"],
    "population import": [sys.argv[2]],
    "worker": ["--batch"],
    "jobs list": [],
    "jobs schedules": [],
    "staff add": ["agent.one", "--name", "Agent One", "--role", "agent"],
    "staff list": [],
    "staff disable": ["agent.one"],
    "staff enable": ["agent.one"],
    "staff reset": ["agent.one"],
    "staff role": ["agent.one", "--role", "approver"],
    "letters list": [],
    "stats publish": ["--month", "2026-10", "--out", str(work / "stats")],
    "letters send": [],
    "letters print": ["--date", "2026-12-01", "--out", str(work / "letters.pdf")],
    "snapshot export": ["--out", str(work / "snapshot.bin")],
}


def leaves(group: click.Group, prefix: str = "") -> dict[str, Command]:
    found: dict[str, Command] = {}
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # `main` is lazy (ADR 78): asking for a command imports it
        command = group.get_command(ctx, name)
        assert command is not None, name
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            found.update(leaves(command, path + " "))
        else:
            assert isinstance(command, Command), path
            found[path] = command
    return found


def run(path: str, args: list[str]) -> dict[str, object]:
    result = CliRunner().invoke(main, [*path.split(), *args])
    return {"command": path, "exit_code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr,
            "exception": repr(result.exception) if result.exception and result.exit_code not in (0, 1, 2) else ""}


needing = sorted(path for path, command in leaves(main).items() if command.database is Database.SET_UP)
report = {
    "needing": needing,
    "covered": sorted(COMMANDS),
    "before": [run(path, args) for path, args in sorted(COMMANDS.items())],
    "migrate": run("migrate", []),
    "migrate_again": run("migrate", []),
    "import": run("population import", [sys.argv[2]]),
    "after": run("audit verify", []),
}
print(json.dumps(report))
