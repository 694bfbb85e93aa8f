"""The contact centre's use-cases on the real database: phone, post, proxies with four eyes, letters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ndop.adapters.db import models as m
from ndop.domain.common.actors import PATIENT_ONLINE, Actor
from ndop.domain.common.errors import NotEligible
from ndop.domain.contact_centre.cases import (
    ActingFor,
    CannotMatchReason,
    CaseStatus,
    IdentityDetail,
    InvalidCase,
    RejectionReason,
    StatedDetails,
)
from ndop.domain.contact_centre.staff import NotPermitted
from ndop.domain.letters.letters import LetterKind
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest, ProxyRole
from ndop.services.registry.record_choice import record_choice
from ndop.services.staff import approvals, phone, postal
from ndop.services.staff.find_person import open_record, trace
from tests.integration.contact_centre.conftest import guardian

ID = frozenset({IdentityDetail.FULL_NAME, IdentityDetail.DATE_OF_BIRTH, IdentityDetail.POSTCODE})


def _actions() -> list[str]:
    return list(m.AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


def test_phone_choice_for_an_adult_enters_the_registry_with_a_letter(centre, agent, people) -> None:
    case = phone.record_phone_choice(centre, agent.username, people["adult"].nhs_number, Choice.OPTED_OUT,
                                     identity_confirmed=ID, nic_reference="12345-A")
    assert case.status is CaseStatus.RECORDED
    [event] = centre.choices.history(people["adult"].nhs_number)
    assert (event.channel, event.choice, event.case_reference) == (Channel.CONTACT_CENTRE, Choice.OPTED_OUT, "12345-A")
    assert event.recorded_by == "staff:alice.agent"
    [letter] = centre.letters.listed(case_reference=case.reference)
    assert letter.kind is LetterKind.CHOICE_CONFIRMATION and letter.recipient.postcode == "LS1 4AP"
    assert {"case.opened", "choice.recorded", "letter.queued"} <= set(_actions())


def test_phone_choice_refused_without_confirmed_identity_changes_nothing(centre, agent, people) -> None:
    with pytest.raises(InvalidCase) as refused:
        phone.record_phone_choice(centre, agent.username, people["adult"].nhs_number, Choice.OPTED_OUT,
                                  identity_confirmed=frozenset({IdentityDetail.FULL_NAME}), nic_reference="12345-A")
    assert refused.value.code == "identity_not_confirmed"
    assert not m.ContactCase.objects.exists() and not m.ChoiceEvent.objects.exists()


@pytest.mark.parametrize("nic", ["", "has space", "x" * 41, "<script>"])
def test_phone_choice_refused_with_a_bad_nic_reference(centre, agent, people, nic) -> None:
    with pytest.raises(InvalidCase):
        phone.record_phone_choice(centre, agent.username, people["adult"].nhs_number, Choice.OPTED_OUT,
                                  identity_confirmed=ID, nic_reference=nic)
    assert not m.ContactCase.objects.exists()


def test_a_child_cannot_choose_by_phone_for_themself(centre, agent, people) -> None:
    with pytest.raises(NotEligible) as refused:
        phone.record_phone_choice(centre, agent.username, people["child"].nhs_number, Choice.OPTED_OUT,
                                  identity_confirmed=ID, nic_reference="1234ABC")
    assert refused.value.code == "under_13"
    assert not m.ContactCase.objects.exists()


def test_guardian_choice_stays_pending_until_a_second_approver_verifies_it(centre, agent, approver, people) -> None:
    child = people["child"].nhs_number
    case = phone.record_phone_choice(centre, agent.username, child, Choice.OPTED_OUT, identity_confirmed=ID,
                                     nic_reference="12345-C", proxy=guardian())
    assert case.status is CaseStatus.PENDING_APPROVAL
    assert centre.choices.history(child) == []
    # The agent cannot approve it (no approver role), and an approver who recorded it cannot either.
    with pytest.raises(NotPermitted):
        approvals.approve(centre, agent.username, case.reference)
    approved = approvals.approve(centre, approver.username, case.reference)
    assert approved.status is CaseStatus.RECORDED
    [event] = centre.choices.history(child)
    assert event.proxy is not None and event.proxy.role is ProxyRole.GUARDIAN
    assert event.proxy.evidence_type == "Birth certificate" and event.proxy.evidence_reference == "BC123456"
    kinds = [(lt.kind, lt.by_proxy) for lt in centre.letters.listed(case_reference=case.reference)]
    assert kinds == [(LetterKind.CHOICE_CONFIRMATION, True)] * 2  # to the child's address and to the proxy
    assert "case.approved" in _actions()


def test_the_approver_who_recorded_a_proxy_choice_cannot_approve_it(centre, approver, people) -> None:
    case = phone.record_phone_choice(centre, approver.username, people["child"].nhs_number, Choice.OPTED_OUT,
                                     identity_confirmed=ID, nic_reference="12345-C", proxy=guardian())
    with pytest.raises(NotPermitted) as refused:
        approvals.approve(centre, approver.username, case.reference)
    assert refused.value.code == "four_eyes"
    assert centre.choices.history(people["child"].nhs_number) == []


def test_a_case_is_decided_once(centre, agent, approver, people) -> None:
    case = phone.record_phone_choice(centre, agent.username, people["child"].nhs_number, Choice.OPTED_OUT,
                                     identity_confirmed=ID, nic_reference="12345-C", proxy=guardian())
    approvals.approve(centre, approver.username, case.reference)
    with pytest.raises(InvalidCase):
        approvals.reject(centre, approver.username, case.reference, RejectionReason.EVIDENCE_NOT_VALID)
    assert len(centre.choices.history(people["child"].nhs_number)) == 1


def test_rejection_records_the_reason_and_writes_to_the_proxy(centre, agent, approver, people) -> None:
    case = phone.record_phone_choice(centre, agent.username, people["child"].nhs_number, Choice.OPTED_OUT,
                                     identity_confirmed=ID, nic_reference="12345-C", proxy=guardian())
    rejected = approvals.reject(centre, approver.username, case.reference, RejectionReason.EVIDENCE_NOT_VALID,
                                "certificate unreadable")
    assert rejected.status is CaseStatus.REJECTED
    assert rejected.decision is not None and rejected.decision.reason == "evidence_not_valid"
    assert centre.choices.history(people["child"].nhs_number) == []
    [letter] = centre.letters.listed(case_reference=case.reference)
    assert letter.kind is LetterKind.PROXY_REJECTION and letter.recipient.name == "Jane Smith"


def test_power_of_attorney_for_a_child_is_refused_with_a_clear_message(centre, agent, people) -> None:
    poa = guardian(role="POA", evidence_type="certified_lpa", evidence_reference="LPA-1")
    with pytest.raises(NotEligible) as refused:
        phone.record_phone_choice(centre, agent.username, people["child"].nhs_number, Choice.OPTED_OUT,
                                  identity_confirmed=ID, nic_reference="12345-C", proxy=poa)
    assert "only act for an adult" in refused.value.message
    assert not m.ContactCase.objects.exists()


def test_guardian_for_a_13_year_old_and_any_choice_after_death_are_refused(centre, agent, people) -> None:
    with pytest.raises(NotEligible):
        phone.record_phone_choice(centre, agent.username, people["teen"].nhs_number, Choice.OPTED_OUT,
                                  identity_confirmed=ID, nic_reference="1", proxy=guardian())
    with pytest.raises(NotEligible) as refused:
        phone.record_phone_choice(centre, agent.username, people["dead"].nhs_number, Choice.OPTED_OUT,
                                  identity_confirmed=ID, nic_reference="1")
    assert refused.value.code == "deceased"


def _stated(patient, **overrides) -> StatedDetails:
    fields = {"given_name": patient.given_name, "family_name": patient.family_name,
                  "date_of_birth": patient.date_of_birth, "postcode": patient.postcode,
                  "address_lines": ("1 Wellington Place", "Leeds")}
    fields.update(overrides)
    return StatedDetails(**fields)


def test_postal_form_signed_before_a_later_online_choice_does_not_override_it(centre, agent, people, clock) -> None:
    adult = people["adult"].nhs_number
    record_choice(centre, ChoiceRequest(adult, Choice.NOT_OPTED_OUT, Channel.ONLINE,
                                        made_at=clock.now() - timedelta(days=3)), recorded_by=PATIENT_ONLINE)
    case = postal.receive_form(centre, agent.username, received_on=clock.now().date(),
                               signed_on=clock.now().date() - timedelta(days=10), scanned_reference="SCAN-1",
                               choice=Choice.OPTED_OUT, stated=_stated(people["adult"]))
    recorded = postal.process_form(centre, agent.username, case.reference, adult)
    assert recorded.status is CaseStatus.RECORDED
    assert centre.choices.current(adult).choice is Choice.NOT_OPTED_OUT  # the later online choice stands
    assert len(centre.choices.history(adult)) == 2


def test_postal_form_whose_details_differ_is_refused_then_closed_as_cannot_match(centre, agent, people, clock) -> None:
    case = postal.receive_form(centre, agent.username, received_on=clock.now().date(),
                               signed_on=clock.now().date(), scanned_reference="SCAN-2", choice=Choice.OPTED_OUT,
                               stated=_stated(people["adult"], family_name="Smyth"))
    with pytest.raises(InvalidCase) as refused:
        postal.process_form(centre, agent.username, case.reference, people["adult"].nhs_number)
    assert "family name" in refused.value.message
    closed = postal.close_cannot_match(centre, agent.username, case.reference, CannotMatchReason.DETAILS_DIFFER)
    assert closed.status is CaseStatus.CANNOT_MATCH
    assert not m.ChoiceEvent.objects.exists()
    [letter] = centre.letters.listed(case_reference=case.reference)
    assert letter.kind is LetterKind.CANNOT_MATCH and letter.recipient.address_lines == ("1 Wellington Place", "Leeds")


def test_postal_form_dates_are_checked(centre, agent, people, clock) -> None:
    today = clock.now().date()
    for received, signed in ((today + timedelta(days=1), today), (today, today + timedelta(days=1))):
        with pytest.raises(InvalidCase):
            postal.receive_form(centre, agent.username, received_on=received, signed_on=signed,
                                scanned_reference="S", choice=Choice.OPTED_OUT, stated=_stated(people["adult"]))
    assert not m.ContactCase.objects.exists()


def test_postal_proxy_form_goes_to_an_approver(centre, agent, approver, people, clock) -> None:
    case = postal.receive_form(centre, agent.username, received_on=clock.now().date(),
                               signed_on=clock.now().date(), scanned_reference="SCAN-3", choice=Choice.OPTED_OUT,
                               stated=_stated(people["child"]), acting_for=ActingFor.PROXY, proxy=guardian())
    pending = postal.process_form(centre, agent.username, case.reference, people["child"].nhs_number)
    assert pending.status is CaseStatus.PENDING_APPROVAL
    assert [c.reference for c in approvals.pending_approvals(centre, approver.username)] == [case.reference]
    # Listing the case for approval showed the proxy's details: a staff view, audited as one.
    viewed = m.AuditEvent.objects.filter(action="case.viewed", actor=f"staff:{approver.username}")
    assert [(e.details["case"], e.details["seen_on"]) for e in viewed] == [(case.reference, "approvals")]
    approvals.approve(centre, approver.username, case.reference)
    [event] = centre.choices.history(people["child"].nhs_number)
    assert event.channel is Channel.PAPER and event.made_at.date() == clock.now().date()


def test_postal_queue_puts_overdue_cases_first(centre, agent, people, clock) -> None:
    today = clock.now().date()
    for days, ref in ((2, "NEW"), (20, "OLDEST"), (15, "OVERDUE")):
        postal.receive_form(centre, agent.username, received_on=today - timedelta(days=days),
                            signed_on=today - timedelta(days=days), scanned_reference=ref, choice=Choice.OPTED_OUT,
                            stated=_stated(people["adult"]))
    queue = postal.queue_for(centre, agent.username)
    assert [e.case.scanned_reference for e in queue] == ["OLDEST", "OVERDUE", "NEW"]
    assert [e.overdue for e in queue] == [True, True, False]
    assert queue[2].days_left == 12


def test_trace_finds_by_family_name_dob_and_postcode_and_opening_a_record_audits_the_reason(
    centre, agent, people
) -> None:
    [found] = trace(centre, agent.username, "SMITH", date(1980, 3, 1), "ls14ap")
    assert found.nhs_number == people["adult"].nhs_number
    with pytest.raises(InvalidCase):
        open_record(centre, agent.username, found.nhs_number, "")
    record = open_record(centre, agent.username, found.nhs_number, "call 12345-A")
    assert record.masked_mobile == "07*** ***123" and record.age >= 18
    viewed = m.AuditEvent.objects.filter(action="patient.viewed", subject=found.nhs_number.digits).get()
    assert viewed.actor == "staff:alice.agent" and viewed.details["purpose"] == "call 12345-A"
    traced = m.AuditEvent.objects.get(action="staff.person_traced")
    assert "SMITH" not in str(traced.details) and traced.subject == ""


def test_a_disabled_agent_can_do_nothing(centre, agent, people) -> None:
    from ndop.services.staff.accounts import set_staff_active

    set_staff_active(centre, agent.username, False, by=Actor.staff_user("admin"))
    with pytest.raises(NotPermitted):
        trace(centre, agent.username, "Smith", date(1980, 3, 1), "LS1 4AP")
