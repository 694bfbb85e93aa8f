from __future__ import annotations

import pytest
from click.testing import CliRunner

from ndop import container
from ndop.adapters.db import models as m
from ndop.adapters.db.check import DjangoCheckJobStore, DjangoOptOutSource
from ndop.adapters.files.snapshots import FileSnapshotStore
from ndop.cli import main
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.check.run_check import REJECTION_LINE, CheckService
from ndop.services.check.snapshot import SnapshotKeeper
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient, number

pytestmark = pytest.mark.django_db

OPTED_OUT = number("943476591").digits
KEPT = number("943476587").digits


@pytest.fixture(autouse=True)
def service(registry, tmp_path, monkeypatch) -> CheckService:
    keeper = SnapshotKeeper(DjangoOptOutSource(), FileSnapshotStore(tmp_path / "snapshots", b"test snapshot key"))
    service = CheckService(registry, DjangoCheckJobStore(), keeper)
    monkeypatch.setattr(container, "_check_service", service)
    load_patients(registry, [make_patient("943476591")], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(number("943476591"), Choice.OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)
    return service


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_cli_check_writes_the_cleaned_file_and_exits_0(tmp_path) -> None:
    request = tmp_path / "req.dat"
    request.write_bytes(f"{OPTED_OUT},\r\n{KEPT},\r\n".encode())
    result = run("check", str(request), "-o", str(tmp_path / "resp.dat"), "--organisation", "x26")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "resp.dat").read_bytes() == f"{KEPT},\r\n".encode()
    assert "1 kept, 1 removed" in result.output
    assert m.CheckJob.objects.get().organisation == "X26"
    assert not list(tmp_path.glob(".resp.dat.*"))  # no temporary file left behind


def test_cli_check_rejected_file_exits_3_with_the_rejection_line_and_report(tmp_path) -> None:
    request = tmp_path / "req.dat"
    request.write_bytes(f"{KEPT},\n12345,\n{KEPT},\n".encode())
    result = run("check", str(request), "-o", str(tmp_path / "resp.dat"), "--report", str(tmp_path / "bad.csv"))
    assert result.exit_code == 3, result.output
    assert (tmp_path / "resp.dat").read_text() == REJECTION_LINE + "\n"
    assert (tmp_path / "bad.csv").read_text() == "line,reason\n2,NHS number must be 10 digits\n"
    assert KEPT not in result.output


def test_cli_check_csv_to_standard_output(tmp_path) -> None:
    request = tmp_path / "req.csv"
    request.write_text(f'NHS_NUMBER,name\n{OPTED_OUT},"A, B"\n{KEPT},"C"\n')
    result = run("check", str(request))
    assert result.exit_code == 0, result.output
    assert result.stdout == f'NHS_NUMBER,name\n{KEPT},"C"\n'


def test_cli_check_empty_file_exits_3_with_its_own_message(tmp_path) -> None:
    request = tmp_path / "empty.dat"
    request.write_bytes(b"")
    result = run("check", str(request))
    assert result.exit_code == 3
    assert "The file is empty" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["check", "missing.dat"], ["check", "REQ", "--format", "xls"], ["check", "REQ", "-o", "/no/such/dir/out.dat"]],
)
def test_cli_check_bad_arguments_exit_2_and_write_nothing(tmp_path, args) -> None:
    request = tmp_path / "req.dat"
    request.write_bytes(f"{KEPT},\n".encode())
    result = run(*[str(request) if a == "REQ" else a for a in args])
    assert result.exit_code == 2, result.output
    assert not m.CheckJob.objects.exists()
