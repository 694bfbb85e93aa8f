"""The `ndop` command. Bad input: a message on stderr and exit 2. Failure: exit 1.

The command group is lazy (ADR 78): `COMMANDS` names, for each top-level command, the modules that
define it, and only the one run is imported (`ndop check` does not import the web, PDF or Spark code).
A new command module must be listed here; tests/unit/cli/test_commands_map.py checks that every module
under `ndop/cli/` that adds a command to `main` is, and that each name is what its modules register.
"""

from __future__ import annotations

from ndop.cli.root import main

COMMANDS: dict[str, tuple[str, ...]] = {
    "audit": ("audit",),
    "check": ("check",),
    "choice": ("choice",),
    "demo": ("demo",),
    "forms": ("forms",),
    "gp": ("gp",),
    "jobs": ("jobs",),
    "letters": ("letters",),
    "mesh-sandbox": ("mesh",),
    "mesh-worker": ("mesh",),
    "migrate": ("migrate",),
    "org": ("org", "org_keys"),  # org_keys adds `org key ...` and `org limits` to the `org` group
    "policy": ("policy",),
    "population": ("population",),
    "serve": ("serve",),
    "snapshot": ("snapshot",),
    "spark-check": ("spark_check",),
    "staff": ("staff",),
    "stats": ("stats",),
    "worker": ("jobs",),
}

main.lazy_commands = COMMANDS

__all__ = ["COMMANDS", "main"]
