"""Tampering with any audit row makes `ndop audit verify` fail, naming the first broken link."""

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


@pytest.fixture
def chain(registry):
    """Five audit records: a load and four choices."""
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    for choice in [Choice.OPTED_OUT, Choice.NOT_OPTED_OUT, Choice.OPTED_OUT, Choice.NOT_OPTED_OUT]:
        record_choice(registry, ChoiceRequest(patient.nhs_number, choice, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    return registry


def tamper(sql: str, *params) -> None:
    # Rows can only be changed under a maintenance permit (or by dropping the triggers): an insider.
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO maintenance_permit (reason) VALUES ('tamper test')")
        cursor.execute(sql, params)
        cursor.execute("DELETE FROM maintenance_permit")


def verify() -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", "verify"])
    return result.exit_code, result.output


def test_audit_verify_intact_chain_exits_zero(chain) -> None:
    code, output = verify()
    assert code == 0, output
    assert "5 records" in output


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor", "someone-else"), ("action", "choice.viewed"), ("subject", "9000000025"), ("details", '{"x": 1}')],
)
def test_audit_verify_changed_field_fails_at_that_record(chain, column, value) -> None:
    tamper(f"UPDATE audit_event SET {column} = %s WHERE sequence = 3", value)
    code, output = verify()
    assert code == 1
    assert "record 3" in output


def test_audit_verify_changed_time_fails(chain) -> None:
    if connection.vendor == "postgresql":
        tamper("UPDATE audit_event SET occurred_at = occurred_at - INTERVAL '1 day' WHERE sequence = 2")
    else:
        tamper("UPDATE audit_event SET occurred_at = '2020-01-01 00:00:00' WHERE sequence = 2")
    code, output = verify()
    assert code == 1
    assert "record 2" in output


@pytest.mark.parametrize("sequence", [1, 3, 5])
def test_audit_verify_deleted_row_fails(chain, sequence) -> None:
    tamper("DELETE FROM audit_event WHERE sequence = %s", sequence)
    code, output = verify()
    assert code == 1
    assert f"record {sequence}" in output
    assert "missing" in output
