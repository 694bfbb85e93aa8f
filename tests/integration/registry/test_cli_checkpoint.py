"""`ndop audit checkpoint-key|checkpoint` and `ndop audit verify --checkpoints` end to end."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.db import connection

from ndop.cli import main
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient

pytestmark = pytest.mark.django_db


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_checkpoint_then_verify_then_wind_back_fails(registry, tmp_path, settings, monkeypatch) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)
    assert run("audit", "checkpoint", "--out", str(tmp_path / "cp")).exit_code == 2  # no key configured
    key = tmp_path / "key.pem"
    assert run("audit", "checkpoint-key", "--out", str(key)).exit_code == 0
    assert oct(key.stat().st_mode & 0o777) == "0o600"

    settings.CONFIG = settings.CONFIG.replace(checkpoint_key=key)  # the pytest-django fixture restores it
    written = run("audit", "checkpoint", "--out", str(tmp_path / "cp"))
    assert written.exit_code == 0, written.output
    verified = run("audit", "verify", "--checkpoints", str(tmp_path / "cp"))
    assert verified.exit_code == 0, verified.output
    assert "1 checkpoints extended" in verified.output
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO maintenance_permit (reason) VALUES ('attacker')")
        cursor.execute("DELETE FROM audit_event WHERE sequence = 2")
        cursor.execute("UPDATE audit_head SET sequence = 1, hash = (SELECT hash FROM audit_event WHERE sequence = 1)")
        cursor.execute("DELETE FROM maintenance_permit")
    failed = run("audit", "verify", "--checkpoints", str(tmp_path / "cp"))
    assert failed.exit_code == 1
    assert "truncated or wound back" in failed.output and "Traceback" not in failed.output
