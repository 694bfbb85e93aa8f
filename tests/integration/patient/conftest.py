"""Fixtures for the patient online service: people in the index, deps on a fixed clock, the outbox."""

from __future__ import annotations

import re

import pytest

from ndop import container
from ndop.adapters.db import models as m
from ndop.adapters.db.online import DevNotifier
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient


@pytest.fixture
def online(registry, clock):
    return container.online(clock)


@pytest.fixture
def jane(registry):
    patient = make_patient("943476591", given_name="Jane", family_name="Smith", mobile="07700900123",
                           email="jane.smith@example.com")
    load_patients(registry, [patient], loaded_by=TESTER, source="test")
    return patient


def last_code(to: str) -> str:
    """The code in the newest message to `to` (what the patient reads on their phone). The outbox row
    has it masked; the development notifier kept the message as sent in this process's memory."""
    row = m.OutboxMessage.objects.filter(to=to, template="security_code").order_by("-id").first()
    assert row is not None, "no security code was sent"
    assert not re.search(r"\d{6}", row.body), "the outbox keeps the code masked"
    found = re.search(r"\b(\d{6})\b", DevNotifier.as_sent(row.reference) or "")
    assert found is not None
    return found.group(1)
