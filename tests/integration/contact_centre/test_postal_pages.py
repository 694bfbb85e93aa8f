"""The postal pages at /staff/post/: receive a form, open the case (audited), match it or close it as cannot
match, the queue; each field rule of each form refuses with a clear message and changes nothing."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.registry.record_choice import record_choice
from tests.conftest import NOW
from tests.integration.contact_centre.test_portal import signed_in


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path):
    settings.CONFIG = settings.CONFIG.replace(var_dir=tmp_path, notify=None)


@pytest.fixture(autouse=True)
def _clock(monkeypatch, clock):
    real = container.contact_centre
    monkeypatch.setattr(container, "contact_centre", lambda c=None: real(c or clock))


TODAY = NOW.date()


def _date(prefix: str, day) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def form_for(patient, **overrides) -> dict[str, object]:
    """The receive form as an agent fills it in for a form from the person themself."""
    data: dict[str, object] = {
        **_date("received", TODAY - timedelta(days=1)), **_date("signed", TODAY - timedelta(days=10)),
        "scanned_reference": "SCAN-2026-0001", "choice": "opted_out",
        "given_name": patient.given_name, "family_name": patient.family_name, **_date("dob", patient.date_of_birth),
        "address_1": "1 Wellington Place", "town": "Leeds", "postcode": "ls1 4ap", "acting_for": "self",
    }
    data.update(overrides)
    return data


PROXY = {"acting_for": "proxy", "proxy_role": "GUARDIAN", "proxy_name": "Jane Smith", "proxy_relationship": "Mother",
         "proxy_address_1": "1 Wellington Place", "proxy_address_2": "Leeds", "proxy_postcode": "LS1 4AP",
         "evidence_type": "birth_certificate", "evidence_reference": "BC123456"}


def _receive(client, data) -> str:
    response = client.post("/staff/post/receive", data)
    assert response.status_code == 303, response.content.decode()[:2000]
    return response["Location"]


def test_receiving_a_form_opens_a_case_with_its_dates_scan_and_person(agent, people) -> None:
    client = signed_in(agent)
    assert client.get("/staff/post/receive").status_code == 200
    location = _receive(client, form_for(people["adult"]))
    case = m.ContactCase.objects.get()
    assert location == f"/staff/post/{case.reference}"
    assert case.channel == "PP" and case.status == "open"
    page = client.get(location)
    assert page.status_code == 200
    text = page.content.decode()
    for shown in ("SCAN-2026-0001", "13 November 2026", "22 November 2026", "Jane Smith", "1 March 1980", "LS1 4AP"):
        assert shown in text
    viewed = m.AuditEvent.objects.filter(action="case.viewed", actor="staff:alice.agent")
    assert viewed.count() == 1 and viewed.get().details["case"] == case.reference


@pytest.mark.parametrize("month", ["Nov", "november", "NOVEMBER.", "11"])
def test_a_month_may_be_written_as_its_name(agent, people, month) -> None:
    client = signed_in(agent)
    received = date(TODAY.year - 1, 11, 13)
    data = form_for(people["adult"], **{**_date("received", received), "received_month": month,
                                        **_date("signed", received - timedelta(days=3))})
    _receive(client, data)
    assert m.ContactCase.objects.get().received_on == received


@pytest.mark.parametrize("overrides,message", [
    ({"received_day": "", "received_month": "", "received_year": ""}, "Enter the date the form was received"),
    ({"received_month": ""}, "the date the form was received must include a month"),
    ({"signed_day": "31", "signed_month": "2"}, "the date the form was signed must be a real date"),
    ({"signed_year": "26"}, "Year must include 4 numbers"),
    ({"signed_month": "Smarch"}, "the date the form was signed must be a real date"),
    ({**_date("received", TODAY + timedelta(days=1))}, "must be today or in the past"),
    ({**_date("signed", TODAY), **_date("received", TODAY - timedelta(days=1))},
     "signed must be on or before the date it was received"),
    ({"scanned_reference": ""}, "Enter the scanned form reference"),
    ({"scanned_reference": "scan ref with spaces"}, "up to 40 letters, numbers, hyphens or slashes"),
    ({"choice": ""}, "Choose the choice on the form"),
    ({"choice": "maybe"}, "Choose the choice on the form"),
    ({"given_name": "  "}, "Enter the first name written on the form"),
    ({"family_name": ""}, "Enter the last name written on the form"),
    ({"dob_year": "1700"}, "must be after 1880"),
    ({"address_1": ""}, "Enter the address written on the form"),
    ({"postcode": ""}, "Enter the postcode written on the form"),
    ({"postcode": "NOT A CODE"}, "Enter a real postcode, like LS1 4AP"),
    ({"acting_for": ""}, "Choose who completed the form"),
    ({"acting_for": "detained_estate"}, "Enter the healthcare professional who completed the form"),
    ({**PROXY, "proxy_role": ""}, "Choose the proxy's role"),
    ({**PROXY, "proxy_name": ""}, "Enter the proxy's name"),
    ({**PROXY, "proxy_address_1": "", "proxy_address_2": ""}, "Enter the proxy's address"),
    ({**PROXY, "evidence_type": ""}, "Choose the type of evidence seen"),
    ({**PROXY, "evidence_type": "certified_lpa"}, "is not evidence for parent or guardian"),
    ({**PROXY, "evidence_reference": ""}, "Enter the evidence reference"),
    ({**PROXY, "proxy_postcode": "nope"}, "Enter a real postcode"),
    ({"note": "x" * 1001}, "A note must be 1,000 characters or fewer"),
])
def test_each_receive_form_rule_refuses_and_changes_nothing(agent, people, overrides, message) -> None:
    client = signed_in(agent)
    before = m.AuditEvent.objects.count()
    response = client.post("/staff/post/receive", form_for(people["adult"], **overrides))
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    assert "There is a problem" in text and message.lower() in text.lower(), text[:3000]
    assert not m.ContactCase.objects.exists()
    assert m.AuditEvent.objects.count() == before


def test_a_proxy_form_is_received_and_goes_to_an_approver_once_matched(agent, people) -> None:
    client = signed_in(agent)
    location = _receive(client, form_for(people["child"], **PROXY))
    matched = client.post(f"{location}/match", {"nhs_number": people["child"].nhs_number.digits})
    assert matched.status_code == 303
    assert m.ContactCase.objects.get().status == "pending_approval"
    assert not m.ChoiceEvent.objects.exists()
    assert "Waiting for a second member of staff" in client.get(location).content.decode()


def test_matching_records_the_choice_with_the_signed_date_and_sends_a_letter(agent, people) -> None:
    client = signed_in(agent)
    location = _receive(client, form_for(people["adult"]))
    response = client.post(f"{location}/match", {"nhs_number": people["adult"].nhs_number.display})
    assert response.status_code == 303
    event = m.ChoiceEvent.objects.get()
    assert event.channel == "PP" and event.made_at.date() == TODAY - timedelta(days=10)
    page = html.unescape(client.get(location).content.decode())
    assert "Recorded in the registry" in page and "choice_confirmation" in page
    assert "The person's current choice: opted out" in page


def test_a_form_signed_before_a_later_online_choice_does_not_override_it(agent, people, clock) -> None:
    adult = people["adult"].nhs_number
    record_choice(container.contact_centre(), ChoiceRequest(adult, Choice.NOT_OPTED_OUT, Channel.ONLINE,
                                                            made_at=clock.now() - timedelta(days=3)),
                  recorded_by=PATIENT_ONLINE)
    client = signed_in(agent)
    location = _receive(client, form_for(people["adult"]))  # signed 10 days ago: before the online choice
    assert client.post(f"{location}/match", {"nhs_number": adult.digits}).status_code == 303
    page = client.get(location).content.decode()
    assert 'id="later-choice"' in page and "<strong>not opted out</strong>" in page
    assert container.contact_centre().choices.current(adult).choice is Choice.NOT_OPTED_OUT


@pytest.mark.parametrize("nhs_number,message", [
    ("", "Enter the NHS number of the record the form matches"),
    ("123", "Enter a valid 10-digit NHS number"),
    ("9434765918", "Enter a valid 10-digit NHS number"),  # a wrong check digit
    ("9434765951", "There is no patient with this NHS number"),  # valid, but nobody in the index
    ("9434765935", "do not match the record"),  # the teenager: another person's record
])
def test_each_match_rule_refuses_and_changes_nothing(agent, people, nhs_number, message) -> None:
    client = signed_in(agent)
    location = _receive(client, form_for(people["adult"]))
    before = m.AuditEvent.objects.count()
    response = client.post(f"{location}/match", {"nhs_number": nhs_number})
    assert response.status_code == 400 and message in response.content.decode()
    assert m.ContactCase.objects.get().status == "open" and not m.ChoiceEvent.objects.exists()
    assert not m.AuditEvent.objects.filter(action="case.matched").exists()
    assert m.AuditEvent.objects.count() == before + 1  # only the case page shown again (case.viewed)


def test_cannot_match_closes_the_case_with_its_reason_and_a_letter(agent, people) -> None:
    client = signed_in(agent)
    location = _receive(client, form_for(people["adult"], family_name="Smyth"))
    assert client.post(f"{location}/cannot-match", {"reason": "details_differ", "cannot_match_note": "checked"}
                       ).status_code == 303
    case = m.ContactCase.objects.get()
    assert case.status == "cannot_match"
    assert m.Letter.objects.get().kind == "cannot_match"
    page = client.get(location).content.decode()
    assert "Closed: cannot match" in page and "Record the form" not in page
    again = client.post(f"{location}/match", {"nhs_number": people["adult"].nhs_number.digits})
    assert again.status_code == 400 and "already been processed" in again.content.decode()


@pytest.mark.parametrize("data,message", [
    ({}, "Choose why the form cannot be matched"),
    ({"reason": "because"}, "Choose why the form cannot be matched"),
    ({"reason": "incomplete", "cannot_match_note": "y" * 1001}, "A note must be 1,000 characters or fewer"),
])
def test_each_cannot_match_rule_refuses_and_changes_nothing(agent, people, data, message) -> None:
    client = signed_in(agent)
    location = _receive(client, form_for(people["adult"]))
    response = client.post(f"{location}/cannot-match", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert m.ContactCase.objects.get().status == "open" and not m.Letter.objects.exists()


def test_an_unknown_case_is_a_clear_404(agent) -> None:
    response = signed_in(agent).get("/staff/post/PP-999999")
    assert response.status_code == 404 and "There is no postal case with this reference" in response.content.decode()


def test_the_queue_links_each_open_form_and_puts_overdue_first(agent, people) -> None:
    client = signed_in(agent)
    _receive(client, form_for(people["adult"], **_date("received", TODAY - timedelta(days=2)),
                              **_date("signed", TODAY - timedelta(days=3)), scanned_reference="NEW"))
    _receive(client, form_for(people["adult"], **_date("received", TODAY - timedelta(days=16)),
                              **_date("signed", TODAY - timedelta(days=17)), scanned_reference="OLD"))
    page = client.get("/staff/post/").content.decode()
    assert page.index("Overdue by 2 days") < page.index("12 days left")
    references = list(m.ContactCase.objects.order_by("id").values_list("reference", flat=True))
    assert page.index(f"/staff/post/{references[1]}") < page.index(f"/staff/post/{references[0]}")


def test_postal_pages_need_the_agent_role(approver, db) -> None:
    from ndop.domain.contact_centre.staff import StaffRole
    from ndop.services.staff.accounts import add_staff
    from tests.conftest import TESTER
    from tests.integration.contact_centre.conftest import PASSWORD, Staff

    _, enrolment = add_staff(container.contact_centre(), "only.approver", "Only", frozenset({StaffRole.APPROVER}),
                             by=TESTER, password=PASSWORD)
    client = signed_in(Staff("only.approver", enrolment.totp_secret, enrolment.recovery_codes))
    assert client.get("/staff/post/").status_code == 403
    assert client.post("/staff/post/receive", {}).status_code == 403


def test_a_portal_action_sends_only_its_own_cases_letters(agent, people) -> None:
    from ndop.domain.contact_centre.cases import CannotMatchReason
    from ndop.services.staff import postal

    client = signed_in(agent)
    other = _receive(client, form_for(people["adult"], scanned_reference="OTHER")).rsplit("/", 1)[1]
    postal.close_cannot_match(container.contact_centre(), agent.username, other, CannotMatchReason.INCOMPLETE)
    location = _receive(client, form_for(people["adult"]))
    assert client.post(f"{location}/match", {"nhs_number": people["adult"].nhs_number.digits}).status_code == 303
    statuses = dict(m.Letter.objects.values_list("kind", "status"))
    assert statuses == {"cannot_match": "pending", "choice_confirmation": "in_outbox"}  # the other: a later run


def test_the_case_page_of_a_postal_form_is_its_postal_page(agent, people) -> None:
    client = signed_in(agent)
    location = _receive(client, form_for(people["adult"]))
    reference = location.rsplit("/", 1)[1]
    response = client.get(f"/staff/cases/{reference}")
    assert response.status_code == 302 and response["Location"] == location
