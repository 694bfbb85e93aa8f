"""Every `ndop` command, on a database that is not set up or a configuration that is wrong, prints one
line and exits 1 (no traceback). Fresh processes, an empty SQLite file and (when the run is on
PostgreSQL) an empty PostgreSQL database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ndop.cli.startup import NOT_SET_UP

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
NDOP = str(Path(sys.executable).with_name("ndop"))


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NDOP_") and k != "DATABASE_URL"}
    env.update({"NDOP_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT)}, **extra)
    return env


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from ndop.cli import main

    out = tmp_path_factory.mktemp("population")
    result = CliRunner().invoke(main, ["population", "generate", "--patients", "50", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def empty_databases() -> Iterator[str]:
    yield "sqlite"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        yield "postgresql"


@pytest.fixture(params=list(empty_databases()))
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield {}
        return
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = f"ndop_empty_{uuid.uuid4().hex[:8]}"
    maintenance = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": base.rsplit("/", 1)[0] + "/" + name}
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_command_on_an_empty_database_says_run_ndop_migrate_then_migrate_makes_it_work(
    tmp_path: Path, population: Path, empty_database: dict[str, str]
) -> None:
    done = subprocess.run(
        [sys.executable, str(HERE / "empty_database.py"), str(tmp_path), str(population)],
        env=clean_env(tmp_path, **empty_database), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["covered"] == report["needing"], "give each new command its arguments in empty_database.py"
    for result in report["before"]:
        assert (result["exit_code"], result["stderr"], result["stdout"]) == (1, NOT_SET_UP + "\n", ""), result
    assert report["migrate"]["exit_code"] == 0 and report["migrate_again"]["exit_code"] == 0
    assert report["import"]["exit_code"] == 0, report["import"]
    assert report["import"]["stdout"].startswith("Imported 50 patients")
    assert report["after"]["exit_code"] == 0 and "intact" in report["after"]["stdout"], report["after"]


def one_line_failure(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    return done.stderr


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param({"NDOP_ENV": "prod"}, "Error: NDOP_ENV: input should be", id="environment-misspelt"),
        pytest.param({"NDOP_PATIENT_RATE_SCALE": "lots"}, "Error: NDOP_PATIENT_RATE_SCALE:", id="bad-number"),
        pytest.param({"NDOP_ENV": "production"}, "Error: NDOP_SECRET_KEY must be set", id="production-no-key"),
        pytest.param({"NDOP_ENV": "production", "NDOP_SECRET_KEY": "a" * 32}, "Error: NDOP_SECRET_KEY is too",
                     id="production-low-entropy-key"),
        pytest.param({"DATABASE_URL": "postgres://postgres@127.0.0.1:1/ndop"}, "Error: cannot open the database",
                     id="database-unreachable"),
    ],
)
def test_a_configuration_mistake_is_one_line(tmp_path: Path, extra: dict[str, str], expected: str) -> None:
    assert one_line_failure([NDOP, "audit", "verify"], clean_env(tmp_path, **extra)).startswith(expected)


@pytest.mark.parametrize("command", [["migrate"], ["serve", "--port", "1"], ["population", "generate", "--help"]],
                         ids=["migrate", "serve", "even-help-of-a-command"])
def test_a_configuration_mistake_is_one_line_for_the_commands_that_migrate_too(
    tmp_path: Path, command: list[str]
) -> None:
    line = one_line_failure([NDOP, *command], clean_env(tmp_path, NDOP_ENV="prod"))
    assert line.startswith("Error: NDOP_ENV: input should be")


def test_a_missing_postgresql_database_is_one_line(tmp_path: Path) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the PostgreSQL run checks a missing PostgreSQL database")
    missing = url.rsplit("/", 1)[0] + f"/ndop_missing_{uuid.uuid4().hex[:8]}"
    line = one_line_failure([NDOP, "choice", "show", "9434765919"], clean_env(tmp_path, DATABASE_URL=missing))
    assert line.startswith("Error: cannot open the database (DATABASE_URL):") and "does not exist" in line


def test_the_wsgi_application_refuses_a_configuration_mistake_in_one_line(tmp_path: Path) -> None:
    line = one_line_failure([sys.executable, "-c", "import ndop.wsgi"], clean_env(tmp_path, NDOP_ENV="production"))
    assert line == "Error: NDOP_SECRET_KEY must be set in production\n"
