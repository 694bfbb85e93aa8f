"""Issue 11, findings 4-7: the attacks on the identity check, reproduced on the real database.

Each test does what the attacker did and shows it now fails. The concurrency test runs on both
databases; the finding was on PostgreSQL, where requests really run at the same time.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.notifications.messages import ContactMethod
from ndop.domain.online.guard import (
    BIRTH_FAILURES_PER_CLIENT,
    BIRTH_FAILURES_PER_NUMBER,
    BIRTH_LOCKOUT,
    LOCKOUT,
    MAX_WRONG_CODES,
)
from ndop.domain.online.identity import IdentityClaim, MatchStatus
from ndop.domain.online.security_code import MAX_CODES_PER_WINDOW, CodeRefused, Outcome
from ndop.services.online.find_patient import find_patient
from ndop.services.online.send_security_code import send_security_code
from ndop.services.online.verify_security_code import verify_security_code
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient
from tests.integration.patient.conftest import last_code


def wrong_for(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def locked_audits(subject: str) -> list[dict]:
    return [e.details for e in m.AuditEvent.objects.filter(action="online.locked_out", subject=subject)
            if "reason" in e.details]


# -- finding 4: the lock-out never locked (tries were counted per code) -------------------------------


def test_wrong_codes_count_per_number_across_new_codes_and_lock(online, jane, clock) -> None:
    """The attack: ask for a code, make 4 wrong guesses, ask for another, ... 20 guesses an hour."""
    outcomes = []
    for _ in range(3):  # three codes: within the sending limit
        challenge = send_security_code(online, jane.nhs_number, ContactMethod.SMS)
        wrong = wrong_for(last_code(jane.mobile))
        for _ in range(MAX_WRONG_CODES - 1):
            outcomes.append(verify_security_code(online, challenge, jane.nhs_number, wrong).outcome)
            if outcomes[-1] is Outcome.LOCKED_OUT:
                break
        if outcomes[-1] is Outcome.LOCKED_OUT:
            break
        clock.set(clock.now() + timedelta(minutes=1))
    # the fifth wrong code locks, although it was the first try of the second code
    assert outcomes == [Outcome.WRONG] * (MAX_WRONG_CODES - 1) + [Outcome.LOCKED_OUT]
    guard = m.OnlineGuard.objects.get()
    assert guard.locked_until == clock.now() + LOCKOUT and guard.lock_reason == "wrong_codes"
    [audit] = locked_audits(jane.nhs_number.digits)
    assert audit["reason"] == "wrong_codes" and audit["owner_told"] is True
    # locked: no new code, and even the right code of a live challenge is refused
    with pytest.raises(CodeRefused) as refused:
        send_security_code(online, jane.nhs_number, ContactMethod.SMS)
    assert refused.value.code == "locked_out"
    clock.set(clock.now() + LOCKOUT + timedelta(seconds=1))
    send_security_code(online, jane.nhs_number, ContactMethod.SMS)  # the lock ends after 30 minutes


def test_the_owner_is_told_once_when_their_number_is_locked(online, jane, clock) -> None:
    for _ in range(2):  # locked twice within a day: one notice
        challenge = send_security_code(online, jane.nhs_number, ContactMethod.EMAIL)
        for _ in range(MAX_WRONG_CODES):
            verify_security_code(online, challenge, jane.nhs_number, wrong_for(last_code(jane.email)))
        clock.set(clock.now() + LOCKOUT + timedelta(minutes=1))
    notices = m.OutboxMessage.objects.filter(template="locked_notice")
    assert [(n.method, n.to) for n in notices] == [("email", jane.email)]
    assert "0300 303 5678" in notices[0].body


def test_wrong_codes_older_than_the_window_do_not_count(online, jane, clock) -> None:
    challenge = send_security_code(online, jane.nhs_number, ContactMethod.SMS)
    wrong = wrong_for(last_code(jane.mobile))
    for _ in range(MAX_WRONG_CODES - 1):
        verify_security_code(online, challenge, jane.nhs_number, wrong)
    clock.set(clock.now() + timedelta(minutes=31))
    challenge = send_security_code(online, jane.nhs_number, ContactMethod.SMS)
    assert verify_security_code(online, challenge, jane.nhs_number, wrong_for(last_code(jane.mobile))).outcome \
        is Outcome.WRONG


# -- finding 5: whoever knows a number could shut its owner out -----------------------------------


def claim(patient, *, year: int | None = None) -> IdentityClaim:
    born = patient.date_of_birth if year is None else patient.date_of_birth.replace(year=year)
    return IdentityClaim(born, nhs_number=patient.nhs_number)


def test_wrong_dates_of_birth_from_one_address_hold_back_only_that_address(online, jane) -> None:
    """The attack: 10 wrong dates of birth, and the real person got "You have tried too many times"."""
    results = [find_patient(online, claim(jane, year=1950 + i), "203.0.113.7").status for i in range(10)]
    assert results == [MatchStatus.NO_MATCH] * BIRTH_FAILURES_PER_CLIENT + \
        [MatchStatus.HELD] * (10 - BIRTH_FAILURES_PER_CLIENT)
    assert find_patient(online, claim(jane), "203.0.113.7").status is MatchStatus.HELD  # the attacker waits
    assert find_patient(online, claim(jane), "198.51.100.20").status is MatchStatus.MATCHED  # the owner does not
    assert not m.OnlineGuard.objects.filter(locked_until__isnull=False).exists()


def test_a_number_tried_from_many_addresses_is_paused_and_its_owner_told(online, jane, clock) -> None:
    addresses = [f"203.0.113.{i}" for i in range(BIRTH_FAILURES_PER_NUMBER)]
    for address in addresses:  # one wrong date each: no single address is held
        assert find_patient(online, claim(jane, year=1950), address).status is MatchStatus.NO_MATCH
    assert find_patient(online, claim(jane), "198.51.100.20").status is MatchStatus.PAUSED
    [audit] = locked_audits(jane.nhs_number.digits)
    assert audit["reason"] == "wrong_birth_dates" and audit["owner_told"] is True
    assert m.OutboxMessage.objects.filter(template="locked_notice", to=jane.mobile).count() == 1
    clock.set(clock.now() + BIRTH_LOCKOUT + timedelta(seconds=1))  # paused for a while, never for good
    assert find_patient(online, claim(jane), "198.51.100.20").status is MatchStatus.MATCHED


def test_the_name_and_postcode_route_is_no_way_round_the_ceiling(online, jane) -> None:
    def by_name(year: int | None = None) -> IdentityClaim:
        born = jane.date_of_birth if year is None else jane.date_of_birth.replace(year=year)
        return IdentityClaim(born, given_name="Jane", family_name="Smith", postcode="LS1 4AP")

    for i in range(BIRTH_FAILURES_PER_CLIENT):
        assert find_patient(online, by_name(1950 + i), "203.0.113.7").status is MatchStatus.NO_MATCH
    assert find_patient(online, by_name(), "203.0.113.7").status is MatchStatus.HELD
    assert find_patient(online, by_name(), "198.51.100.20").status is MatchStatus.MATCHED
    for i in range(BIRTH_FAILURES_PER_NUMBER - BIRTH_FAILURES_PER_CLIENT):
        find_patient(online, by_name(1950), f"192.0.2.{i}")
    assert find_patient(online, by_name(), "198.51.100.20").status is MatchStatus.PAUSED


def test_unknown_and_known_numbers_are_counted_alike(online, jane) -> None:
    """The same answers, rows and audit for a number nobody has, so the limits reveal nothing."""
    stranger = make_patient("900000002")
    for patient in (jane, stranger):
        for i in range(BIRTH_FAILURES_PER_CLIENT + 1):
            find_patient(online, claim(patient, year=1950 + i), "203.0.113.7")
    assert m.OnlineGuard.objects.count() == 2
    per_key = {k: m.OnlineFailure.objects.filter(key=k).count() for k in m.OnlineGuard.objects.values_list("key",
                                                                                                          flat=True)}
    assert sorted(per_key.values()) == [BIRTH_FAILURES_PER_CLIENT] * 2


def test_codes_sent_per_number_are_limited_in_the_database(online, jane) -> None:
    for _ in range(MAX_CODES_PER_WINDOW):
        send_security_code(online, jane.nhs_number, ContactMethod.SMS)
    with pytest.raises(CodeRefused) as refused:
        send_security_code(online, jane.nhs_number, ContactMethod.SMS)
    assert refused.value.code == "too_many_codes"


# -- finding 6: 3 codes per 15 minutes did not hold under concurrency ------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_code_requests_send_at_most_three() -> None:
    jane = make_patient("943476591", mobile="07700900123")
    load_patients(container.registry(), [jane], loaded_by=TESTER, source="test")
    start = threading.Barrier(20)
    outcomes: list[str] = []

    def request() -> None:
        try:
            start.wait()
            send_security_code(container.online(), jane.nhs_number, ContactMethod.SMS)
            outcomes.append("sent")
        except CodeRefused as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 20
    assert outcomes.count("sent") == MAX_CODES_PER_WINDOW
    assert m.OutboxMessage.objects.filter(template="security_code").count() == MAX_CODES_PER_WINDOW
    assert m.SecurityCode.objects.count() == MAX_CODES_PER_WINDOW
    assert connection.vendor in ("sqlite", "postgresql")


# -- finding 7: codes were kept in clear ----------------------------------------------------------


def test_no_code_is_stored_in_clear_anywhere(online, jane) -> None:
    # A fixed code, so that no hash or id can contain it by chance.
    challenge = send_security_code(online, jane.nhs_number, ContactMethod.SMS, randbelow=lambda _n: 482915)
    code = last_code(jane.mobile)
    assert code == "482915"
    row = m.OutboxMessage.objects.get(template="security_code")
    assert code not in row.body and "••••••" in row.body
    # every column of every table the journey writes: the code appears nowhere
    for model in (m.OutboxMessage, m.SecurityCode, m.AuditEvent, m.OnlineGuard, m.OnlineFailure):
        for values in model.objects.values_list():
            assert not any(code in str(v) for v in values), model.__name__
    assert verify_security_code(online, challenge, jane.nhs_number, code).outcome is Outcome.VERIFIED


def test_production_refuses_to_start_without_a_real_notifier() -> None:
    from ndop.config import ConfigError, load

    with pytest.raises(ConfigError, match="NDOP_NOTIFY_API_KEY"):
        load({"NDOP_ENV": "production", "NDOP_SECRET_KEY": "Vq3-TzN8xLw0pR7sYbKe2uHd9GmF4cJa6WnQ1oXyZt5iE",
              "NDOP_MESH_URL": "https://mesh.example.nhs.uk", "NDOP_MESH_PASSWORD": "the-mailbox-s-own",
              "NDOP_MESH_SHARED_KEY": "the-environment-s-own"})


def test_the_container_gives_no_outbox_outside_development() -> None:

    from ndop.config import Environment, load

    with pytest.raises(RuntimeError, match="NDOP_NOTIFY_API_KEY"):
        container.notifier_for(load({}).replace(env=Environment.PRODUCTION, notify=None))
