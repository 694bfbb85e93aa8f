"""PostgreSQL: a rebuild reads the opted-out keys in parts, on as many connections at once (ADR 100); the
parts together are exactly the keys one read gives, at the same version."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.db import connection

from ndop import container
from ndop.adapters.db import check
from ndop.adapters.db.check import DjangoOptOutSource
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the read in parts is PostgreSQL's")


def _people(count: int) -> list:
    out, i = [], 0
    while len(out) < count:  # every ninth digit, so that every part holds numbers
        first_nine = f"9{i % 10}{i:06d}{i % 10}"[:9]
        with contextlib.suppress(AssertionError):  # no valid check digit
            out.append(make_patient(first_nine))
        i += 1
    return out


@pytest.mark.django_db(transaction=True)
def test_the_keys_read_in_parts_are_the_keys_read_at_once(settings, monkeypatch) -> None:
    registry = container.registry()
    people = _people(120)
    load_patients(registry, people, loaded_by=TESTER, source="fixture")
    now = datetime.now(UTC)
    def made(person, choice: Choice, made_at: datetime | None = None) -> None:
        record_choice(registry, ChoiceRequest(person.nhs_number, choice, Channel.ONLINE, made_at=made_at),
                      recorded_by=PATIENT_ONLINE)

    for i, person in enumerate(people):
        if i % 3:
            made(person, Choice.OPTED_OUT)
            if i % 4 == 0:  # a later choice back: the opt-out no longer counts
                made(person, Choice.NOT_OPTED_OUT)
                if i % 5 == 0:  # a back-dated opt-out after it: never wins over the later choice
                    made(person, Choice.OPTED_OUT, now - timedelta(days=30))
        elif i % 7 == 0:  # a back-dated opt-out alone: it is the current choice
            made(person, Choice.OPTED_OUT, now - timedelta(days=30))
    source = DjangoOptOutSource()
    version, _ = source.versions()
    ninth = {int(str(p.nhs_number)[8]) for p in people}
    assert ninth == set(range(10))
    read_in = []
    in_parts = check._keys_in_parts
    monkeypatch.setattr(check, "_keys_in_parts", lambda v, n: (read_in.append(n), in_parts(v, n))[1])
    parts = {n: [] for n in (2, 3)}
    for n in parts:
        settings.CONFIG = settings.CONFIG.replace(read_connections=n)
        parts[n] = sorted(np.concatenate(list(source.opted_out_keys(version))).tolist())
    once = sorted(np.concatenate(list(check._copied_keys(version))).tolist())
    expected = sorted(int(str(p.nhs_number)[:9]) for i, p in enumerate(people)
                      if (i % 3 and i % 4) or (i % 3 == 0 and i % 7 == 0))
    assert read_in == [2, 3]
    assert once == expected and parts[2] == parts[3] == once
