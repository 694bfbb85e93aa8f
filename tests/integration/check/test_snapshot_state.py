"""The one-read state a warm snapshot is checked against is the same as its three separate reads."""

from __future__ import annotations

import pytest

from ndop.adapters.db.check import DjangoOptOutSource
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient

pytestmark = pytest.mark.django_db


def test_state_is_the_versions_and_the_fingerprint_read_at_once(registry) -> None:
    source = DjangoOptOutSource()
    assert source.state(0) == (*source.versions(), source.fingerprint(0))
    patient = make_patient("900000002")
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    for choice in (Choice.OPTED_OUT, Choice.NOT_OPTED_OUT):
        record_choice(registry, ChoiceRequest(patient.nhs_number, choice, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    version, _links = source.versions()
    assert version == 2
    for at in (0, 1, 2, 3):
        assert source.state(at) == (*source.versions(), source.fingerprint(at))
    assert source.state(2)[2] != "" and source.state(1)[2] != source.state(2)[2]
