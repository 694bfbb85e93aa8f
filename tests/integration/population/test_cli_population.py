"""`ndop population generate|import` and `ndop demo`: exit codes, files, and nothing written on bad input."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ndop.adapters.db import models as m
from ndop.cli import main

pytestmark = pytest.mark.django_db


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def generate(out, patients: int = 800) -> None:
    result = run("population", "generate", "--patients", str(patients), "--seed", "3", "--as-of", "2026-11-01",
                 "--out", str(out))
    assert result.exit_code == 0, result.output


def test_cli_population_generate_writes_both_files(tmp_path) -> None:
    result = run("population", "generate", "--patients", "500", "--opt-out-rate", "0.1", "--seed", "9",
                 "--as-of", "2026-11-01", "--out", str(tmp_path / "pop"))
    assert result.exit_code == 0, result.output
    assert "500 patients" in result.output
    patients = (tmp_path / "pop" / "patients.csv").read_text().splitlines()
    assert patients[0].startswith("nhs_number,given_name") and len(patients) == 501
    assert (tmp_path / "pop" / "choices.csv").read_text().startswith("nhs_number,choice,recorded_at")
    assert not list((tmp_path / "pop").glob("*.part"))


@pytest.mark.parametrize(
    "args",
    [
        ["--patients", "0"],
        ["--patients", "ten"],
        ["--patients", "10", "--opt-out-rate", "0.9"],
        ["--patients", "10", "--seed", "-1"],
        ["--patients", "10", "--as-of", "yesterday"],
        ["--patients", "10", "--as-of", "2999-01-01"],
    ],
)
def test_cli_population_generate_bad_input_exits_2_and_writes_nothing(tmp_path, args) -> None:
    result = run("population", "generate", *args, "--out", str(tmp_path / "pop"))
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "pop").exists()


def test_cli_population_import_loads_and_reports(tmp_path) -> None:
    generate(tmp_path)
    result = run("population", "import", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "Imported 800 patients (800 added, 0 updated)" in result.output
    assert m.Patient.objects.count() == 800
    assert m.AuditEvent.objects.filter(action="population.imported").count() == 1


def test_cli_population_import_missing_file_exits_2(tmp_path) -> None:
    generate(tmp_path)
    (tmp_path / "choices.csv").unlink()
    result = run("population", "import", str(tmp_path))
    assert result.exit_code == 2
    assert "choices.csv is missing" in result.output
    assert m.Patient.objects.count() == 0


def test_cli_population_import_bad_rows_exit_2_naming_lines_and_loading_nothing(tmp_path) -> None:
    generate(tmp_path)
    path = tmp_path / "patients.csv"
    lines = path.read_text().splitlines(keepends=True)
    for i in range(2, 40):
        # sensitive is followed by the address columns
        lines[i] = lines[i].replace(",false,", ",perhaps,", 1).replace(",true,", ",perhaps,", 1)
    path.write_text("".join(lines))
    result = run("population", "import", str(tmp_path))
    assert result.exit_code == 2
    assert "Nothing was loaded: 38 bad rows" in result.output
    assert "patients.csv line 3: sensitive: must be true or false" in result.output
    assert "... and 18 more" in result.output
    assert m.Patient.objects.count() == 0 and m.AuditEvent.objects.count() == 0


def test_cli_demo_adds_the_synthetic_population_once() -> None:
    first = run("demo")
    assert first.exit_code == 0, first.output
    assert "2,000 people" in first.output and "loaded now" in first.output
    people = m.Patient.objects.count()
    events = m.ChoiceEvent.objects.count()
    assert people >= 2_000
    again = run("demo")
    assert again.exit_code == 0 and "already loaded" in again.output
    assert (m.Patient.objects.count(), m.ChoiceEvent.objects.count()) == (people, events)


def test_cli_population_import_carries_addresses_and_files_without_them_still_import(tmp_path) -> None:
    generate(tmp_path)
    assert run("population", "import", str(tmp_path)).exit_code == 0
    with_address = m.Patient.objects.exclude(address_line_1="").count()
    assert with_address == m.Patient.objects.count() and not m.Patient.objects.filter(town="").exists()
    # The same file without the four address columns: still imports (and updates the records).
    path = tmp_path / "patients.csv"
    narrow = [",".join(line.split(",")[:13]) for line in path.read_text().splitlines()]
    path.write_text("\n".join(narrow) + "\n")
    result = run("population", "import", str(tmp_path), "--again")  # the same choices.csv: an explicit re-import
    assert result.exit_code == 0, result.output


def test_cli_population_import_refuses_a_control_character_in_an_address(tmp_path) -> None:
    generate(tmp_path)
    path = tmp_path / "patients.csv"
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[1].rstrip("\n").split(",")
    fields[13] = "1 High\x07 Street"
    lines[1] = ",".join(fields) + "\n"
    path.write_text("".join(lines))
    result = run("population", "import", str(tmp_path))
    assert result.exit_code == 2
    assert "address_line_1: must be at most 100 characters with no control characters" in result.output
