"""Migrations: one linear chain applied in file order, and in step with the models."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader

import ndop.adapters.db.migrations as package

APP = "ndop"


def migration_files() -> list[str]:
    return sorted(p.stem for p in Path(package.__file__).parent.glob("[0-9][0-9][0-9][0-9]_*.py"))


def test_migrations_are_one_chain_in_file_order() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = migration_files()
    assert [n[:4] for n in names] == [f"{i:04d}" for i in range(1, len(names) + 1)], "numbered 0001, 0002, ..."
    for previous, name in zip([None, *names], names, strict=False):
        own = sorted(parent.key[1] for parent in loader.graph.node_map[(APP, name)].parents if parent.key[0] == APP)
        assert own == ([previous] if previous else []), f"{name} must depend on {previous} only"
    assert loader.graph.leaf_nodes(APP) == [(APP, names[-1])]
    plan = [key[1] for key in loader.graph.forwards_plan((APP, names[-1])) if key[0] == APP]
    assert plan == names


def test_models_and_migrations_agree(db: None) -> None:
    out = StringIO()
    call_command("makemigrations", APP, check=True, dry_run=True, stdout=out)
    assert re.search(r"No changes detected", out.getvalue())
