"""Build item 5: the choice follows the person across superseded NHS numbers (ADR 44, replacing ADR 12)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from click.testing import CliRunner

from ndop.adapters.db.check import DjangoCheckJobStore, DjangoOptOutSource
from ndop.adapters.files.snapshots import FileSnapshotStore
from ndop.cli import main
from ndop.domain.common.actors import PATIENT_ONLINE, Actor
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.check.run_check import CheckChannel, CheckService
from ndop.services.check.snapshot import SnapshotKeeper
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import NOW, TESTER, make_patient, number

pytestmark = pytest.mark.django_db
OLD, NEW = "943476591", "943476587"


def removed(service: CheckService, *numbers: str) -> list[bool]:
    out = io.BytesIO()
    service.run(io.BytesIO("".join(f"{n}\r\n" for n in numbers).encode()), out, channel=CheckChannel.CLI,
                requested_by=TESTER)
    kept = set(out.getvalue().decode().split())
    return [n not in kept for n in numbers]


@pytest.fixture
def service(registry, tmp_path) -> CheckService:
    keeper = SnapshotKeeper(DjangoOptOutSource(), FileSnapshotStore(tmp_path, b"k"))
    return CheckService(registry, DjangoCheckJobStore(), keeper)


def test_an_opt_out_under_a_number_later_superseded_is_upheld_for_the_new_number(registry, service) -> None:
    old, new = make_patient(OLD), make_patient(NEW)
    load_patients(registry, [old, new], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(old.nhs_number, Choice.OPTED_OUT, Channel.ONLINE,
                                          made_at=NOW - timedelta(days=400)), recorded_by=PATIENT_ONLINE)
    o, n = old.nhs_number.digits, new.nhs_number.digits
    assert removed(service, o, n) == [True, False]
    # PDS merges the records: the old number is superseded by the new one. The opt-out is not lost.
    load_patients(registry, [replace(old, superseded_by=new.nhs_number)], loaded_by=TESTER, source="pds")
    assert removed(service, o, n) == [True, True]
    assert registry.choices.current(new.nhs_number).choice is Choice.OPTED_OUT
    assert registry.choices.current(old.nhs_number).choice is Choice.OPTED_OUT
    # A later choice under the new number wins for both numbers; the catch-up is incremental.
    record_choice(registry, ChoiceRequest(new.nhs_number, Choice.NOT_OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)
    assert removed(service, o, n) == [False, False]
    assert service.snapshots.last_sync.action == "caught_up"
    # A back-dated form under the new number does not override the later choice.
    record_choice(registry, ChoiceRequest(new.nhs_number, Choice.OPTED_OUT, Channel.PAPER, case_reference="P1",
                                          made_at=NOW - timedelta(days=100)), recorded_by=Actor.staff_user("a"))
    assert removed(service, o, n) == [False, False]
    # `choice show` on either number shows the combined history.
    for asked in (o, n):
        shown = CliRunner().invoke(main, ["choice", "show", asked])
        assert shown.exit_code == 0, shown.output
        assert "Current choice: not_opted_out" in shown.output
        assert shown.output.count("  #") == 3 and "under=" in shown.output


def test_a_chain_of_three_numbers_answers_alike(registry, service) -> None:
    a, b, c = make_patient("900000006"), make_patient("900000011"), make_patient("900000020")
    load_patients(registry, [a, b, c], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(a.nhs_number, Choice.OPTED_OUT, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    load_patients(registry, [replace(a, superseded_by=b.nhs_number), replace(b, superseded_by=c.nhs_number)],
                  loaded_by=TESTER, source="pds")
    assert removed(service, a.nhs_number.digits, b.nhs_number.digits, c.nhs_number.digits) == [True, True, True]
    assert number("900000020") == c.nhs_number
