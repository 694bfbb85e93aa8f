from __future__ import annotations

import pytest
from click.testing import CliRunner

from ndop.adapters.db import models as m
from ndop.cli import main
from ndop.domain.common.audit_actions import AuditAction
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient, number

pytestmark = pytest.mark.django_db


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def adult(registry):
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    return patient


def test_cli_choice_set_then_show(adult) -> None:
    result = run("choice", "set", "943 476 5919", "--opted-out", "--channel", "CC", "--case-reference", "1234ABC")
    assert result.exit_code == 0, result.output
    assert "registry version 1" in result.output
    shown = run("choice", "show", "943-476-5919")
    assert shown.exit_code == 0
    assert "Current choice: opted_out" in shown.output
    assert "channel=CC" in shown.output and "case=1234ABC" in shown.output


def test_cli_choice_show_unknown_person_exits_2(db) -> None:
    result = run("choice", "show", "9434765919")
    assert result.exit_code == 2
    assert "no patient with this NHS number" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["choice", "set", "9434765918", "--opted-out", "--channel", "CC"],  # bad check digit
        ["choice", "set", "9434765919", "--channel", "CC"],  # no choice given
        ["choice", "set", "9434765919", "--opted-out", "--channel", "XX"],  # unknown channel
        ["choice", "set", "9434765919", "--opted-out", "--channel", "CC", "--proxy-name", "A"],  # no role
        ["choice", "set", "9434765919", "--opted-out", "--channel", "OP", "--proxy-role", "POA",
         "--proxy-name", "A", "--evidence-type", "LPA", "--evidence-reference", "1"],  # proxy online
    ],
)
def test_cli_choice_set_bad_input_exits_2_and_writes_nothing(adult, args) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert m.ChoiceEvent.objects.count() == 0


def test_cli_choice_set_superseded_names_new_number(registry) -> None:
    new = number("900000011")
    load_patients(registry, [make_patient("900000010", superseded_by=new)], loaded_by=TESTER, source="fixture")
    result = run("choice", "set", "9000000106", "--opted-out", "--channel", "CC")
    assert result.exit_code == 2
    assert new.digits in result.output


def test_cli_demo_is_idempotent(db) -> None:
    first = run("demo")
    assert first.exit_code == 0, first.output
    counts = (m.Patient.objects.count(), m.ChoiceEvent.objects.count())
    second = run("demo")
    assert second.exit_code == 0
    assert (m.Patient.objects.count(), m.ChoiceEvent.objects.count()) == counts
    # Three persona choices (their numbers start 900; the synthetic population never uses that range).
    assert m.ChoiceEvent.objects.filter(nhs_number__startswith="900").count() == 3
    assert counts[0] > 2_000
    assert run("audit", "verify").exit_code == 0


@pytest.mark.parametrize("words", [["943", "476", "5919"], ["943 476 5919"], ["9434765919"], ["943-476-5919"]])
def test_cli_choice_show_takes_the_number_as_printed_even_unquoted(adult, words) -> None:
    """`ndop choice show 943 476 5919`, as the demo suggests it: the shell gives three words."""
    shown = run("choice", "show", *words)
    assert shown.exit_code == 0, shown.output
    assert "NHS number:     943 476 5919" in shown.output
    assert m.AuditEvent.objects.filter(action=AuditAction.PATIENT_VIEWED.value).count() == 1


def test_cli_choice_set_takes_an_unquoted_number(adult) -> None:
    result = run("choice", "set", "943", "476", "5919", "--opted-out", "--channel", "CC")
    assert result.exit_code == 0, result.output
    assert m.ChoiceEvent.objects.count() == 1


@pytest.mark.parametrize("words", [[], ["943", "476", "591"], ["943", "476", "5919", "1"], ["943", "476", "5918"]])
def test_cli_choice_show_refuses_a_wrong_or_missing_number_in_one_line(adult, words) -> None:
    shown = run("choice", "show", *words)
    assert shown.exit_code == 2
    assert "Traceback" not in shown.output
    assert m.AuditEvent.objects.filter(action=AuditAction.PATIENT_VIEWED.value).count() == 0
