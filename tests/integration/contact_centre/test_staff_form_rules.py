"""Each field rule of each staff form (sign in, open a record, trace, phone, approvals): bad input gets a clear
message linked to its field, and changes nothing (no choice, no case, no audit event beyond a view)."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from ndop import container
from ndop.adapters.db import models as m
from tests.integration.contact_centre.conftest import PASSWORD
from tests.integration.contact_centre.test_portal import GUARDIAN, signed_in


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path):
    settings.CONFIG = settings.CONFIG.replace(var_dir=tmp_path, notify=None)


@pytest.fixture(autouse=True)
def _clock(monkeypatch, clock):
    real = container.contact_centre
    monkeypatch.setattr(container, "contact_centre", lambda c=None: real(c or clock))


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _refused(response, message: str, field_id: str, status: int = 400) -> None:
    text = _text(response)
    assert response.status_code == status, text[:2000]
    assert "There is a problem" in text and message in text, text[:4000]
    assert f'href="#{field_id}"' in text


@pytest.mark.parametrize("data,message", [
    ({"username": "", "password": PASSWORD, "code": "123456"}, "Enter your username"),
    ({"username": "alice.agent", "password": "", "code": "123456"}, "Enter your password"),
    ({"username": "alice.agent", "password": PASSWORD, "code": " "}, "Enter the 6-digit code"),
])
def test_each_sign_in_rule_refuses_and_signs_nobody_in(agent, data, message) -> None:
    client = Client()
    response = client.post("/staff/sign-in", data)
    field = next(k for k, v in data.items() if not v.strip())
    _refused(response, message, field if field != "username" else "username", status=200)
    assert not m.AuditEvent.objects.filter(action__startswith="staff.sign").exists()
    assert client.get("/staff/").status_code == 302


def test_a_refused_sign_in_keeps_the_username_and_never_the_password(agent) -> None:
    response = Client().post("/staff/sign-in", {"username": "alice.agent", "password": PASSWORD, "code": "000000"})
    text = _text(response)
    assert 'value="alice.agent"' in text and PASSWORD not in text


@pytest.mark.parametrize("data,message,field", [
    ({"nhs_number": "", "reason": "call 1"}, "Enter the NHS number", "nhs_number"),
    ({"nhs_number": "123", "reason": "call 1"}, "Enter a valid 10-digit NHS number", "nhs_number"),
    ({"nhs_number": "9434765918", "reason": "call 1"}, "Enter a valid 10-digit NHS number", "nhs_number"),
    ({"nhs_number": "9434765951", "reason": "call 1"}, "There is no patient with this NHS number", "nhs_number"),
    ({"nhs_number": "9434765919", "reason": ""}, "Enter why you are opening this record", "reason"),
    ({"nhs_number": "9434765919", "reason": "ab"}, "Enter why you are opening this record", "reason"),
    ({"nhs_number": "9434765919", "reason": "r" * 201}, "3 to 200 characters", "reason"),
])
def test_each_open_record_rule_refuses_and_audits_no_view(agent, people, data, message, field) -> None:
    response = signed_in(agent).post("/staff/person", data)
    _refused(response, message, field)
    assert not m.AuditEvent.objects.filter(action="patient.viewed").exists()


TRACE = {"search": "trace", "family_name": "smith", "dob_day": "1", "dob_month": "3", "dob_year": "1980",
         "postcode": "LS1 4AP"}


@pytest.mark.parametrize("overrides,message,field", [
    ({"family_name": " "}, "Enter the person's family name", "family_name"),
    ({"dob_day": "", "dob_month": "", "dob_year": ""}, "Enter the date of birth", "dob_day"),
    ({"dob_month": ""}, "The date of birth must include a month", "dob_month"),
    ({"dob_day": "30", "dob_month": "2"}, "The date of birth must be a real date", "dob_day"),
    ({"dob_year": "80"}, "Year must include 4 numbers", "dob_year"),
    ({"dob_year": "2999"}, "The date of birth must be today or in the past", "dob_day"),
    ({"postcode": ""}, "Enter the person's postcode", "postcode"),
    ({"postcode": "12345"}, "Enter a real postcode, like LS1 4AP", "postcode"),
])
def test_each_trace_rule_refuses_and_traces_nobody(agent, people, overrides, message, field) -> None:
    response = signed_in(agent).get("/staff/find", {**TRACE, **overrides})
    _refused(response, message, field)
    assert not m.AuditEvent.objects.filter(action="staff.person_traced").exists()


SELF = {"nhs_number": "9434765919", "reason": "call 12345-A", "choice": "opted_out", "acting_for": "self",
        "identity": ["full_name", "date_of_birth", "postcode"], "nic_reference": "12345-A"}


@pytest.mark.parametrize("overrides,message,field", [
    ({"identity": []}, "Confirm the caller's identity", "identity"),
    ({"identity": ["full_name", "date_of_birth"]}, "Confirm the caller's identity", "identity"),
    ({"identity": ["full_name", "shoe_size"]}, "Tick the details the caller gave correctly", "identity"),
    ({"choice": ""}, "Choose the caller's choice", "choice"),
    ({"choice": "maybe"}, "Choose the caller's choice", "choice"),
    ({"acting_for": "cousin"}, "Choose who is making the choice", "acting_for"),
    ({"nic_reference": ""}, "Enter the NIC reference", "nic_reference"),
    ({"nic_reference": "no spaces please"}, "up to 40 letters, numbers, hyphens or slashes", "nic_reference"),
    ({"note": "n" * 1001}, "A note must be 1,000 characters or fewer", "note"),
    ({**GUARDIAN, "proxy_role": ""}, "Choose the proxy's role", "proxy_role"),
    ({**GUARDIAN, "proxy_role": "UNCLE"}, "Choose the proxy's role", "proxy_role"),
    ({**GUARDIAN, "proxy_name": ""}, "Enter the proxy's name", "proxy_name"),
    ({**GUARDIAN, "proxy_relationship": ""}, "Enter the relationship", "proxy_relationship"),
    ({**GUARDIAN, "proxy_address_1": "", "proxy_address_2": ""}, "Enter the proxy's address", "proxy_address_1"),
    ({**GUARDIAN, "proxy_postcode": "x"}, "Enter a real postcode", "proxy_postcode"),
    ({**GUARDIAN, "evidence_type": ""}, "Choose the type of evidence seen", "evidence_type"),
    ({**GUARDIAN, "evidence_type": "court_order"}, "is not evidence for parent or guardian", "evidence_type"),
    ({**GUARDIAN, "evidence_reference": ""}, "Enter the evidence reference", "evidence_reference"),
    ({**GUARDIAN, "proxy_role": "POA", "evidence_type": "opg_access_code", "evidence_reference": "V-123"},
     "V- then 12 letters and numbers", "evidence_reference"),
    ({**GUARDIAN}, "can only act for a child under 13", "acting_for"),  # a GUARDIAN for an adult
])
def test_each_phone_rule_shows_the_record_again_with_the_message_and_changes_nothing(
    agent, people, overrides, message, field
) -> None:
    response = signed_in(agent).post("/staff/phone", {**SELF, **overrides, "nhs_number": "9434765919",
                                                      "reason": "call 12345-A"})
    _refused(response, message, field)
    text = _text(response)
    assert "Jane Smith" in text and 'name="reason" value="call 12345-A"' in text  # the record, shown again
    assert not m.ChoiceEvent.objects.exists() and not m.ContactCase.objects.exists()
    assert not m.Letter.objects.exists()
    views = m.AuditEvent.objects.filter(action="patient.viewed")
    assert [v.details["purpose"] for v in views] == ["call 12345-A"]  # shown again: a view, with its reason


def test_a_phone_refusal_keeps_what_was_typed(agent, people) -> None:
    response = signed_in(agent).post("/staff/phone", {**SELF, **GUARDIAN, "nhs_number": "9434765919",
                                                      "evidence_reference": ""})
    text = _text(response)
    assert 'value="Mother"' in text and 'value="GUARDIAN" checked' in text


@pytest.fixture
def pending(agent, people) -> str:
    response = signed_in(agent).post("/staff/phone", {**GUARDIAN, "nhs_number": people["child"].nhs_number.digits,
                                                      "reason": "call"})
    assert response.status_code == 200, _text(response)[:2000]
    return m.ContactCase.objects.get().reference


@pytest.mark.parametrize("data,message", [
    ({"decision": ""}, "Choose approve or reject"),
    ({"decision": "maybe"}, "Choose approve or reject"),
    ({"decision": "reject"}, "Choose why the evidence was not accepted"),
    ({"decision": "reject", "reason": "dislike"}, "Choose why the evidence was not accepted"),
    ({"decision": "reject", "reason": "evidence_missing", "note": "n" * 1001}, "1,000 characters or fewer"),
    ({"decision": "approve", "reference": ""}, "Choose a case"),
    ({"decision": "approve", "reference": "CC-999999"}, "There is no case with this reference"),
])
def test_each_approval_rule_refuses_and_the_case_stays_pending(approver, pending, data, message) -> None:
    response = signed_in(approver).post("/staff/approvals", {"reference": pending, **data})
    _refused(response, message, "cases")
    assert m.ContactCase.objects.get(reference=pending).status == "pending_approval"
    assert not m.ChoiceEvent.objects.exists()
