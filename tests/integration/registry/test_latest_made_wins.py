"""The latest expression of will wins: a back-dated event enters the history but never overrides a later
choice — in the projection, in `choice show`, in the snapshot (built fresh or caught up) and in the check."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from ndop.adapters.db import models as m
from ndop.adapters.db.check import DjangoCheckJobStore, DjangoOptOutSource
from ndop.adapters.files.snapshots import FileSnapshotStore
from ndop.domain.common.actors import PATIENT_ONLINE, Actor
from ndop.domain.common.errors import ChoiceMadeInFuture
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.check.run_check import CheckChannel, CheckService
from ndop.services.check.snapshot import SnapshotKeeper
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from ndop.services.registry.view_choice import view_choice
from tests.conftest import TESTER, make_patient

pytestmark = pytest.mark.django_db
STAFF = Actor.staff_user("a")


@pytest.fixture
def service(registry, tmp_path) -> CheckService:
    keeper = SnapshotKeeper(DjangoOptOutSource(), FileSnapshotStore(tmp_path / "snapshots", b"test snapshot key"))
    return CheckService(registry, DjangoCheckJobStore(), keeper)


def kept(service: CheckService, digits: str) -> bool:
    out = io.BytesIO()
    service.run(io.BytesIO(f"{digits},\n".encode()), out, channel=CheckChannel.CLI, requested_by=TESTER)
    return out.getvalue() == f"{digits},\n".encode()


def test_postal_form_signed_before_a_later_online_choice_does_not_win(registry, clock, service, tmp_path) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    nhs = patient.nhs_number
    signed = clock.now() - timedelta(days=10)  # the form was signed ten days ago...
    record_choice(registry, ChoiceRequest(nhs, Choice.NOT_OPTED_OUT, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    assert kept(service, nhs.digits)  # a warm snapshot, to be caught up below
    clock.set(clock.now() + timedelta(days=3))  # ...and reached the contact centre after the online choice
    posted = record_choice(
        registry, ChoiceRequest(nhs, Choice.OPTED_OUT, Channel.PAPER, made_at=signed), recorded_by=STAFF
    )

    assert posted.made_at == signed
    history = view_choice(registry, nhs, viewed_by=STAFF, purpose="test").history
    assert len(history.events) == 2 and history.current_choice is Choice.NOT_OPTED_OUT
    assert m.CurrentChoice.objects.get(nhs_number=nhs.digits).choice == "not_opted_out"
    assert kept(service, nhs.digits)  # the caught-up snapshot still keeps the person

    # A fresh snapshot (rebuilt from the projection) agrees with the caught-up one.
    store = FileSnapshotStore(tmp_path / "fresh", b"test snapshot key")
    fresh = CheckService(registry, DjangoCheckJobStore(), SnapshotKeeper(DjangoOptOutSource(), store))
    assert kept(fresh, nhs.digits)


def test_a_later_made_choice_recorded_earlier_still_wins_when_a_newer_one_arrives(registry, clock, service) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    nhs = patient.nhs_number
    record_choice(registry, ChoiceRequest(nhs, Choice.OPTED_OUT, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    assert not kept(service, nhs.digits)
    clock.set(clock.now() + timedelta(days=1))
    record_choice(registry, ChoiceRequest(nhs, Choice.NOT_OPTED_OUT, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    assert kept(service, nhs.digits)


def test_a_choice_made_in_the_future_is_refused_and_nothing_is_written(registry, clock) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    before = m.ChoiceEvent.objects.count(), m.AuditEvent.objects.count()
    with pytest.raises(ChoiceMadeInFuture):
        record_choice(
            registry,
            ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.PAPER, made_at=clock.now() + timedelta(days=1)),
            recorded_by=STAFF,
        )
    assert (m.ChoiceEvent.objects.count(), m.AuditEvent.objects.count()) == before
