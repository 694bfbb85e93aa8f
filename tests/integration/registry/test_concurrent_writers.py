"""20 writers recording choices for one person at once: nothing lost, versions unique, projection right."""

from __future__ import annotations

import pytest

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.common.actors import Actor
from ndop.domain.common.clock import SystemClock
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from ndop.services.registry.verify_audit import verify_audit
from tests.conftest import TESTER, make_patient
from tests.threads import on_threads

WRITERS = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_for_one_person_keep_every_event() -> None:
    patient = make_patient()
    load_patients(container.registry(), [patient], loaded_by=TESTER, source="fixture")

    def writer(i: int) -> None:
        registry = container.registry(SystemClock())
        choice = Choice.OPTED_OUT if i % 2 else Choice.NOT_OPTED_OUT
        record_choice(
            registry, ChoiceRequest(patient.nhs_number, choice, Channel.CONTACT_CENTRE),
            recorded_by=Actor.staff_user(str(i)),
        )

    on_threads(WRITERS, writer)  # fails the test with any writer's error
    events = list(m.ChoiceEvent.objects.filter(nhs_number=patient.nhs_number.digits).order_by("sequence"))
    assert len(events) == WRITERS
    sequences = [e.sequence for e in events]
    assert sorted(set(sequences)) == list(range(1, WRITERS + 1))
    assert sorted(e.recorded_by for e in events) == sorted(f"staff:{i}" for i in range(WRITERS))
    current = m.CurrentChoice.objects.get(nhs_number=patient.nhs_number.digits)
    latest = events[-1]
    assert (current.sequence, current.choice) == (latest.sequence, latest.choice)
    count, broken = verify_audit(container.registry())
    assert broken is None
    assert count == WRITERS + 1
