"""The staff portal at /staff/: sign-in with TOTP, idle timeout, find, record, four eyes, letters per case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from ndop.adapters.db import models as m
from tests.integration.contact_centre.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path):

    settings.CONFIG = settings.CONFIG.replace(var_dir=tmp_path, notify=None)


@pytest.fixture(autouse=True)
def _clock(monkeypatch, clock):
    from ndop import container

    real = container.contact_centre
    monkeypatch.setattr(container, "contact_centre", lambda c=None: real(c or clock))


def signed_in(staff) -> Client:
    client = Client()
    response = client.post("/staff/sign-in", {"username": staff.username, "password": PASSWORD, "code": staff.code()})
    assert response.status_code == 302, response.content
    return client


def test_pages_need_sign_in(db) -> None:
    assert Client().get("/staff/").status_code == 302
    assert Client().get("/staff/sign-in").status_code == 200


def test_wrong_code_is_refused(agent) -> None:
    response = Client().post("/staff/sign-in", {"username": agent.username, "password": PASSWORD, "code": "000000"})
    assert response.status_code == 200 and b"not right" in response.content


def test_idle_for_15_minutes_signs_out(agent, clock) -> None:
    client = signed_in(agent)
    assert client.get("/staff/").status_code == 200
    clock.set(clock.now() + timedelta(minutes=16))
    response = client.get("/staff/")
    assert response.status_code == 302 and "timeout=1" in response["Location"]


def test_find_by_name_dob_postcode_open_with_reason_and_record_by_phone(agent, people) -> None:
    client = signed_in(agent)
    found = client.get("/staff/find", {"search": "trace", "family_name": "smith", "dob_day": "1", "dob_month": "3",
                                       "dob_year": "1980", "postcode": "LS1 4AP"})
    assert b"Jane Smith" in found.content and b"1 person found" in found.content
    no_reason = client.post("/staff/person", {"nhs_number": "9434765919", "reason": ""})
    assert no_reason.status_code == 400 and b"why you are opening this record" in no_reason.content
    record = client.post("/staff/person", {"nhs_number": "9434765919", "reason": "call 12345-A"})
    assert record.status_code == 200 and b"1 Wellington Place" in record.content and b"07*** ***123" in record.content
    recorded = client.post("/staff/phone", {"nhs_number": "9434765919", "choice": "opted_out", "acting_for": "self",
                                            "identity": ["full_name", "date_of_birth", "postcode"],
                                            "nic_reference": "12345-A"})
    assert recorded.status_code == 200 and b"Choice recorded" in recorded.content
    assert m.ChoiceEvent.objects.get().channel == "CC"
    assert m.Letter.objects.get().status == "in_outbox"
    assert m.AuditEvent.objects.filter(action="patient.viewed", actor="staff:alice.agent").count() == 1


@pytest.mark.parametrize("field,value,message", [
    ("nic_reference", "", b"NIC reference"),
    ("identity", ["full_name"], b"Confirm the caller"),
    ("choice", "", b"Choose the caller"),
    ("nhs_number", "123", b"10-digit NHS number"),
])
def test_each_phone_form_rule_refuses_and_changes_nothing(agent, people, field, value, message) -> None:
    client = signed_in(agent)
    data = {"nhs_number": "9434765919", "choice": "opted_out", "acting_for": "self",
            "identity": ["full_name", "date_of_birth", "postcode"], "nic_reference": "12345-A", field: value}
    response = client.post("/staff/phone", data)
    assert response.status_code == 400 and message in response.content
    assert not m.ChoiceEvent.objects.exists() and not m.ContactCase.objects.exists()


GUARDIAN = {"choice": "opted_out", "acting_for": "proxy", "identity": ["full_name", "date_of_birth", "postcode"],
            "nic_reference": "12345-C", "proxy_role": "GUARDIAN", "proxy_name": "Jane Smith",
            "proxy_relationship": "Mother", "proxy_address_1": "1 Wellington Place", "proxy_address_2": "Leeds",
            "proxy_postcode": "LS1 4AP", "evidence_type": "birth_certificate", "evidence_reference": "BC123456"}


def test_guardian_choice_pending_then_approved_by_a_second_approver(agent, approver, people) -> None:
    child = people["child"].nhs_number.digits
    agent_client = signed_in(agent)
    pending = agent_client.post("/staff/phone", {**GUARDIAN, "nhs_number": child})
    assert b"Waiting for approval" in pending.content
    reference = m.ContactCase.objects.get().reference
    assert agent_client.get("/staff/approvals").status_code == 403  # an agent cannot approve
    approver_client = signed_in(approver)
    approved = approver_client.post("/staff/approvals", {"reference": reference, "decision": "approve"})
    assert approved.status_code == 200 and b"recorded" in approved.content
    assert m.ChoiceEvent.objects.get().proxy_role == "GUARDIAN"
    case_page = approver_client.get(f"/staff/cases/{reference}")
    assert case_page.content.count(b"choice_confirmation") == 2


def test_poa_for_a_child_is_refused_with_a_clear_message(agent, people) -> None:
    client = signed_in(agent)
    response = client.post("/staff/phone", {**GUARDIAN, "nhs_number": people["child"].nhs_number.digits,
                                            "proxy_role": "POA", "evidence_type": "certified_lpa"})
    assert response.status_code == 400 and b"can only act for an adult" in response.content
    assert not m.ContactCase.objects.exists()


def test_queue_lists_postal_forms(agent, people, clock) -> None:
    from ndop import container
    from ndop.domain.contact_centre.cases import StatedDetails
    from ndop.domain.registry.choices import Choice
    from ndop.services.staff import postal

    adult = people["adult"]
    postal.receive_form(container.contact_centre(), agent.username, received_on=clock.now().date() - timedelta(days=20),
                        signed_on=clock.now().date() - timedelta(days=21), scanned_reference="SCAN-9",
                        choice=Choice.OPTED_OUT, stated=StatedDetails(adult.given_name, adult.family_name,
                                                                      adult.date_of_birth, adult.postcode))
    page = signed_in(agent).get("/staff/post/")
    assert b"Overdue by 6 days" in page.content
