"""`ndop gp import|convert-type2|summary`: exit codes, one-line errors, nothing written on bad input, and the
converted events and letters where `ndop choice show` and `ndop letters list` show them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ndop import container
from ndop.adapters.db import models as m
from ndop.cli import main
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient
from tests.integration.gp_codes.test_gp_table import valid_numbers

pytestmark = pytest.mark.django_db
HEADER = "nhs_number,practice_code,code_system,code,recorded_date\n"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def people(settings, tmp_path):
    settings.CONFIG = settings.CONFIG.replace(var_dir=tmp_path, notify=None)
    numbers = valid_numbers(943476000)
    found = [next(numbers) for _ in range(4)]
    load_patients(container.registry(), [make_patient(n.digits[:9], address_line_1="2 Park Row", town="Leeds")
                                         for n in found], loaded_by=TESTER, source="test")
    return [n.digits for n in found]


def extract(tmp_path, people, name: str = "gp_codes.csv") -> str:
    a, b, c, d = people
    path = tmp_path / name
    path.write_text(HEADER + f"{a},B82001,read2,9Nu4.,2017-02-03\n{b},B82001,read2,9Nu0.,2015-01-01\n"
                    f"{c},B82002,ctv3,XaaVL,2019-01-01\n{d},B82002,snomed,999999,2017-01-01\n")
    return str(path)


def test_gp_import_then_convert_then_summary(tmp_path, people) -> None:
    result = run("gp", "import", extract(tmp_path, people))
    assert result.exit_code == 0, result.output
    assert "Imported 4 rows: 3 opt-out codes" in result.output and "1 other codes ignored" in result.output
    assert "Type 1 objection: 1" in result.output
    dry = run("gp", "convert-type2", "--dry-run", "--as-of", "2026-11-01")
    assert dry.exit_code == 0, dry.output
    assert "Dry run: would convert 1 Type 2" in dry.output
    assert not m.ChoiceEvent.objects.exists() and not m.Letter.objects.exists()
    report = tmp_path / "late.csv"
    done = run("gp", "convert-type2", "--as-of", "2026-11-01", "--report", str(report))
    assert done.exit_code == 0, done.output
    assert "Converted 1 Type 2 opt-outs" in done.output and "Sent 1 letter(s)." in done.output
    assert report.read_text().splitlines()[1] == f"B82002,{people[2]},XaaVL,2019-01-01,after_cutoff"
    assert report.stat().st_mode & 0o777 == 0o600  # patients' numbers: this user only
    shown = json.loads(run("choice", "show", people[0], "--json").output)
    assert shown["current_choice"] == "opted_out"
    assert [e["channel"] for e in shown["history"]] == ["T2"]
    assert shown["history"][0]["made_at"].startswith("2017-02-03")
    letters = json.loads(run("letters", "list", "--json").output)
    assert [(lt["kind"], lt["nhs_number"], lt["status"]) for lt in letters] == [
        ("type2_conversion", people[0], "in_outbox")]
    summary = json.loads(run("gp", "summary", "--json").output)
    assert summary["practices"] == [
        {"practice_code": "B82001", "type1": 1, "type2_converted": 1, "type2_after_cutoff": 0},
        {"practice_code": "B82002", "type1": 0, "type2_converted": 0, "type2_after_cutoff": 1},
    ]
    again = run("gp", "convert-type2", "--as-of", "2026-11-01")
    assert "Converted 0 Type 2" in again.output and "already converted 1" in again.output


def test_gp_import_bad_rows_are_listed_with_line_numbers_and_nothing_is_stored(tmp_path, people) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + f"{people[0]},B82001,read2,9Nu4.,2017-02-03\n1234567890,B82001,read2,9Nu4.,2017-02-03\n"
                    f"{people[1]},B82001,read9,9Nu4.,2017-02-03\n{people[2]},B82001,read2,9Nu4.,2017-02-30\n"
                    f"{people[3]},B82001,read2,9Nu4.,2999-01-01\n9434765919,B82001,read2,9Nu4.,2017-02-03\n")
    result = run("gp", "import", str(path))
    assert result.exit_code == 2
    assert "Nothing was imported: 5 bad rows" in result.output
    for line in ("line 3: nhs_number", "line 4: code_system", "line 5: recorded_date: is not a real date",
                 "line 6: recorded_date: must not be in the future", "line 7: nhs_number: is not in the patient"):
        assert line in result.output
    assert "Traceback" not in result.output and "1234567890" not in result.output
    assert not m.GpCode.objects.exists() and not m.GpImport.objects.exists()
    assert not m.AuditEvent.objects.filter(action="gp_codes.imported").exists()


@pytest.mark.parametrize("content", ["", "nhs,practice\n", HEADER + "\"x"])
def test_gp_import_refuses_a_bad_file_in_one_line(tmp_path, people, content) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = run("gp", "import", str(path))
    assert result.exit_code == 2 and "Error: Nothing was imported" in result.output
    assert not m.GpImport.objects.exists()


def test_gp_import_refuses_a_file_imported_before(tmp_path, people) -> None:
    assert run("gp", "import", extract(tmp_path, people)).exit_code == 0
    again = run("gp", "import", extract(tmp_path, people, "copy.csv"))
    assert again.exit_code == 2
    assert "already imported (audit record" in again.output
    assert m.GpImport.objects.count() == 1 and m.GpCode.objects.count() == 3


@pytest.mark.parametrize("args", [["--as-of", "2999-01-01"], ["--as-of", "soon"], ["--cutoff", "2018-13-01"],
                                  ["--dry-run", "--report", "x.csv"], ["--report", "/no/such/folder/x.csv"]])
def test_gp_convert_bad_arguments_exit_2_and_write_nothing(people, args) -> None:
    result = run("gp", "convert-type2", *args)
    assert result.exit_code == 2, result.output
    assert not m.AuditEvent.objects.filter(action="gp_codes.type2_converted").exists()


def test_generated_population_with_its_gp_extract_converts_to_the_generators_opt_outs(tmp_path, settings) -> None:
    settings.CONFIG = settings.CONFIG.replace(var_dir=tmp_path, notify=None)
    out = tmp_path / "pop"
    made = run("population", "generate", "--patients", "3000", "--seed", "4", "--as-of", "2026-11-01",
               "--out", str(out))
    assert made.exit_code == 0, made.output
    opted_out = int(made.output.split("converted: ")[1].split(" ")[0].replace(",", ""))
    assert run("population", "import", str(out)).exit_code == 0
    imported = run("gp", "import", str(out / "gp_codes.csv"))
    assert imported.exit_code == 0, imported.output
    converted = run("gp", "convert-type2", "--as-of", "2026-11-01", "--no-send")
    assert converted.exit_code == 0, converted.output
    assert m.CurrentChoice.objects.filter(choice="opted_out").count() == opted_out
    assert m.ChoiceEvent.objects.filter(channel="T2").count() > 0
    assert m.Letter.objects.filter(kind="type2_conversion", status="pending").count() > 0
    summary = json.loads(run("gp", "summary", "--json").output)
    assert summary["totals"]["type1"] == m.GpType1.objects.filter(objects_to_sharing=True).count() > 50
