"""The online service's use-cases on the real database: matching, codes, lock-out, the choice."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ndop.adapters.db import models as m
from ndop.domain.notifications.messages import ContactMethod
from ndop.domain.online.identity import IdentityClaim, MatchStatus
from ndop.domain.online.security_code import (
    CODE_LIFETIME,
    LOCKOUT,
    MAX_CODES_PER_WINDOW,
    MAX_TRIES,
    CodeRefused,
    Outcome,
)
from ndop.domain.registry.choices import Channel, Choice
from ndop.services.online.find_patient import find_patient
from ndop.services.online.send_security_code import send_security_code
from ndop.services.online.set_choice_online import set_choice_online
from ndop.services.online.verify_security_code import verify_security_code
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient
from tests.integration.patient.conftest import last_code


def actions() -> list[str]:
    return list(m.AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


def test_find_patient_by_nhs_number_offers_masked_contacts_and_is_audited(online, jane) -> None:
    match = find_patient(online, IdentityClaim(jane.date_of_birth, nhs_number=jane.nhs_number))
    assert match.status is MatchStatus.MATCHED and match.nhs_number == jane.nhs_number
    assert [(c.method, c.masked) for c in match.contacts] == [
        (ContactMethod.SMS, "07*** ***123"), (ContactMethod.EMAIL, "j***@e***.com")]
    assert actions()[-1] == "online.identity_matched"


def test_find_patient_by_name_and_postcode(online, jane) -> None:
    claim = IdentityClaim(jane.date_of_birth, given_name="JANE", family_name="smith", postcode="ls14ap")
    assert find_patient(online, claim).nhs_number == jane.nhs_number


def test_failed_match_is_audited_without_naming_anyone(online, jane) -> None:
    claim = IdentityClaim(jane.date_of_birth + timedelta(days=1), nhs_number=jane.nhs_number)
    assert find_patient(online, claim).status is MatchStatus.NO_MATCH
    last = m.AuditEvent.objects.order_by("-sequence").first()
    assert last.action == "online.identity_not_matched" and last.subject == ""
    assert jane.nhs_number.digits not in str(last.details)


def test_code_is_sent_hashed_and_verifies_once(online, jane) -> None:
    challenge = send_security_code(online, jane.nhs_number, ContactMethod.SMS)
    code = last_code(jane.mobile)
    row = m.SecurityCode.objects.get(id=challenge)
    assert code not in row.code_hash and row.nhs_number == jane.nhs_number.digits
    assert verify_security_code(online, challenge, jane.nhs_number, code).outcome is Outcome.VERIFIED
    assert verify_security_code(online, challenge, jane.nhs_number, code).outcome is Outcome.USED
    assert "online.security_code_sent" in actions() and "online.security_code_verified" in actions()


def test_code_expires_after_its_lifetime(online, jane, clock) -> None:
    challenge = send_security_code(online, jane.nhs_number, ContactMethod.EMAIL)
    code = last_code(jane.email)
    clock.set(clock.now() + CODE_LIFETIME + timedelta(seconds=1))
    assert verify_security_code(online, challenge, jane.nhs_number, code).outcome is Outcome.EXPIRED
    assert actions()[-1] == "online.security_code_expired"


def test_wrong_codes_lock_the_number_out_even_with_a_new_code(online, jane, clock) -> None:
    challenge = send_security_code(online, jane.nhs_number, ContactMethod.SMS)
    right = last_code(jane.mobile)
    wrong = "000000" if right != "000000" else "111111"
    outcomes = [verify_security_code(online, challenge, jane.nhs_number, wrong).outcome for _ in range(MAX_TRIES)]
    assert outcomes == [Outcome.WRONG] * (MAX_TRIES - 1) + [Outcome.LOCKED_OUT]
    assert verify_security_code(online, challenge, jane.nhs_number, right).outcome is Outcome.LOCKED_OUT
    with pytest.raises(CodeRefused) as refused:
        send_security_code(online, jane.nhs_number, ContactMethod.SMS)
    assert refused.value.code == "locked_out"
    assert actions().count("online.locked_out") == 2
    locked = m.AuditEvent.objects.filter(action="online.locked_out").order_by("sequence").first()
    assert "locked_until" in locked.details
    clock.set(clock.now() + LOCKOUT + timedelta(seconds=1))
    send_security_code(online, jane.nhs_number, ContactMethod.SMS)  # after the lock-out, a new code


def test_new_codes_are_limited_per_window_and_the_refusal_is_audited(online, jane, clock) -> None:
    for _ in range(MAX_CODES_PER_WINDOW):
        send_security_code(online, jane.nhs_number, ContactMethod.SMS)
    sent = m.OutboxMessage.objects.count()
    with pytest.raises(CodeRefused) as refused:
        send_security_code(online, jane.nhs_number, ContactMethod.SMS)
    assert refused.value.code == "too_many_codes"
    assert m.OutboxMessage.objects.count() == sent
    assert actions()[-1] == "online.security_code_refused"
    clock.set(clock.now() + timedelta(minutes=16))
    send_security_code(online, jane.nhs_number, ContactMethod.SMS)


def test_code_cannot_go_to_a_contact_the_record_lacks(online, registry) -> None:
    peter = make_patient("900000007", mobile="", email="peter@example.com")
    load_patients(registry, [peter], loaded_by=TESTER, source="test")
    with pytest.raises(CodeRefused) as refused:
        send_security_code(online, peter.nhs_number, ContactMethod.SMS)
    assert refused.value.code == "no_contact"


def test_set_choice_online_records_channel_op_and_confirms(online, jane, registry) -> None:
    event = set_choice_online(online, jane.nhs_number, Choice.OPTED_OUT, ContactMethod.EMAIL)
    assert event.channel is Channel.ONLINE and event.recorded_by == "patient:online"
    assert registry.choices.current(jane.nhs_number).choice is Choice.OPTED_OUT
    confirmation = m.OutboxMessage.objects.filter(template="choice_confirmation").get()
    assert confirmation.to == jane.email and "will not be used" in confirmation.body
    set_choice_online(online, jane.nhs_number, Choice.NOT_OPTED_OUT, ContactMethod.SMS)
    assert registry.choices.current(jane.nhs_number).choice is Choice.NOT_OPTED_OUT


def test_set_choice_online_is_refused_for_a_deceased_person(online, registry, jane, clock) -> None:
    load_patients(registry, [replace(jane, date_of_death=clock.now().date())], loaded_by=TESTER, source="test")
    with pytest.raises(Exception) as refused:
        set_choice_online(online, jane.nhs_number, Choice.OPTED_OUT, ContactMethod.SMS)
    assert getattr(refused.value, "code", "") == "deceased"
    assert not m.OutboxMessage.objects.exists()
