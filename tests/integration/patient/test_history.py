""""Your choice history" on the real database: after a phone change, an attorney's choice, a converted GP
opt-out and a staff view, the verified person sees each in words, and nothing of anyone else's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.contact_centre.evidence import ProxyDetails
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.online.view_own_history import view_own_history
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from ndop.services.staff import approvals, phone
from ndop.services.staff.find_person import open_record
from tests.conftest import TESTER, make_patient
from tests.integration.contact_centre.conftest import agent, approver, centre  # noqa: F401 - fixtures
from tests.integration.contact_centre.test_cases import ID
from tests.integration.patient.test_pages import verify

pytestmark = pytest.mark.django_db
BASE = "/your-data-matters/"
JANE = make_patient("943476591", given_name="Jane", family_name="Smith", mobile="07700900123",
                    email="jane.smith@example.com")
PETER = make_patient("900000007", given_name="Peter", family_name="Brown")
ATTORNEY = {"role": "POA", "name": "John Attorney", "relationship": "Son", "address_lines": ["2 High Street", "Leeds"],
            "postcode": "LS1 4AP", "evidence_type": "certified_lpa", "evidence_reference": "LPA998877"}


@pytest.fixture
def lives(centre, agent, approver):  # noqa: F811
    load_patients(centre, [JANE, PETER], loaded_by=TESTER, source="history test")
    record_choice(centre, ChoiceRequest(JANE.nhs_number, Choice.OPTED_OUT, Channel.TYPE2_CONVERSION,
                                        made_at=datetime(2018, 5, 25, tzinfo=UTC)), recorded_by=TESTER)
    phone.record_phone_choice(centre, agent.username, JANE.nhs_number, Choice.NOT_OPTED_OUT, identity_confirmed=ID,
                              nic_reference="NIC-4471", called_at=datetime(2026, 3, 2, 11, tzinfo=UTC))
    case = phone.record_phone_choice(centre, agent.username, JANE.nhs_number, Choice.OPTED_OUT, identity_confirmed=ID,
                                     nic_reference="NIC-4472", proxy=ProxyDetails.parse(**ATTORNEY),
                                     called_at=datetime(2026, 6, 9, 11, tzinfo=UTC))
    approvals.approve(centre, approver.username, case.reference)
    open_record(centre, agent.username, JANE.nhs_number, "Caller asked what her choice is")
    # Someone else's record, changed and looked at: never on Jane's page.
    phone.record_phone_choice(centre, agent.username, PETER.nhs_number, Choice.OPTED_OUT, identity_confirmed=ID,
                              nic_reference="NIC-9999")
    open_record(centre, agent.username, PETER.nhs_number, "Peter's complaint about his GP")
    return case


def test_the_history_lists_every_change_and_every_staff_view_in_words(client, lives) -> None:
    verify(client, JANE)
    html = client.get(BASE + "your-choice-history").content.decode()
    for words in ("Your choice history", "25 May 2018",
                  "Converted from the opt-out you gave your GP practice (a type 2 opt-out)",
                  "2 March 2026", "By phone", "9 June 2026", "By phone, by someone with lasting power of attorney",
                  "Contact centre staff looked at your record", "Reason given: Caller asked what her choice is",
                  "do not use my confidential patient information",
                  "my confidential patient information can be used"):
        assert words in html, words
    assert html.count("Contact centre staff looked at your record") == 1  # Jane's own views are not listed


@pytest.mark.parametrize("never", [
    "alice.agent", "Alice", "ann.approver", "staff:", "NIC-4471", "NIC-4472", "John Attorney", "LPA998877",
    "Peter", "NIC-9999", "9000000073", "900 000 0073", "case", "sequence",
])
def test_the_history_never_shows_staff_names_internal_ids_or_another_person(client, lives, never) -> None:
    verify(client, JANE)
    html = client.get(BASE + "your-choice-history").content.decode()
    assert never.lower() not in html.lower()
    assert lives.reference not in html


def test_reading_the_history_is_audited_as_a_view_by_the_person(client, lives) -> None:
    verify(client, JANE)
    client.get(BASE + "your-choice-history")
    row = m.AuditEvent.objects.filter(action=AuditAction.PATIENT_VIEWED.value).order_by("-sequence").first()
    assert row is not None and row.actor == "patient:online" and row.subject == JANE.nhs_number.digits
    assert row.details == {"purpose": "your choice history"}


def test_the_history_needs_verification(client, lives) -> None:
    assert client.get(BASE + "your-choice-history")["Location"] == BASE


def test_the_choice_page_links_to_the_history(client, lives) -> None:
    verify(client, JANE)
    assert f'href="{BASE}your-choice-history"' in client.get(BASE + "your-choice").content.decode()


def test_a_superseded_number_s_views_follow_the_person(centre, agent, clock) -> None:  # noqa: F811
    old = make_patient("900000020", superseded_by=JANE.nhs_number)
    load_patients(centre, [JANE, old], loaded_by=TESTER, source="history test")
    open_record(centre, agent.username, old.nhs_number, "Letter about the old number")
    entries = view_own_history(container.own_history(clock), JANE.nhs_number)
    assert [e.how for e in entries] == ["Reason given: Letter about the old number"]


def test_nobody_looked_and_nothing_recorded_says_so(client, centre) -> None:  # noqa: F811
    load_patients(centre, [JANE], loaded_by=TESTER, source="history test")
    verify(client, JANE)
    html = client.get(BASE + "your-choice-history").content.decode()
    assert "No choice has been recorded for you" in html and "<table" not in html
