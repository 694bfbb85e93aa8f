from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.notifications.messages import ContactMethod
from ndop.domain.online.security_code import (
    CODE_LIFETIME,
    LOCKOUT,
    MAX_CODES_PER_WINDOW,
    MAX_TRIES,
    Challenge,
    Outcome,
    attempt,
    hash_code,
    lock_in_force,
    may_send_another,
    new_code,
)

KEY = b"k" * 32
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def challenge(code: str = "123456", at: datetime = NOW) -> Challenge:
    return Challenge.issue(challenge_id="c1", nhs_number=NhsNumber("9434765919"), method=ContactMethod.SMS,
                           code=code, key=KEY, now=at)


def test_code_is_stored_only_as_a_keyed_hash() -> None:
    c = challenge()
    assert "123456" not in c.code_hash
    assert c.code_hash == hash_code("123456", challenge_id="c1", key=KEY)
    assert c.code_hash != hash_code("123456", challenge_id="c1", key=b"other key")


def test_right_code_within_its_lifetime_verifies() -> None:
    result = attempt(challenge(), "123 456", key=KEY, now=NOW + timedelta(minutes=9), locked_until=None)
    assert result.outcome is Outcome.VERIFIED and result.challenge.verified_at is not None


def test_right_code_after_its_lifetime_has_expired() -> None:
    result = attempt(challenge(), "123456", key=KEY, now=NOW + CODE_LIFETIME, locked_until=None)
    assert result.outcome is Outcome.EXPIRED


def test_used_code_cannot_be_used_again() -> None:
    first = attempt(challenge(), "123456", key=KEY, now=NOW, locked_until=None)
    assert attempt(first.challenge, "123456", key=KEY, now=NOW, locked_until=None).outcome is Outcome.USED


def test_wrong_codes_count_down_then_lock_out() -> None:
    c = challenge()
    for left in range(MAX_TRIES - 1, 0, -1):
        result = attempt(c, "000000", key=KEY, now=NOW, locked_until=None)
        assert result.outcome is Outcome.WRONG and result.tries_left == left
        c = result.challenge
    result = attempt(c, "000000", key=KEY, now=NOW, locked_until=None)
    assert result.outcome is Outcome.LOCKED_OUT
    assert result.challenge.locked_until == NOW + LOCKOUT


def test_right_code_during_a_lock_out_is_refused() -> None:
    result = attempt(challenge(), "123456", key=KEY, now=NOW, locked_until=NOW + timedelta(minutes=1))
    assert result.outcome is Outcome.LOCKED_OUT and result.challenge.verified_at is None


def test_lock_in_force_ends_after_the_lockout() -> None:
    locked = Challenge(**{**{f: getattr(challenge(), f) for f in Challenge.__slots__}, "locked_until": NOW + LOCKOUT})
    assert lock_in_force([locked], NOW) == NOW + LOCKOUT
    assert lock_in_force([locked], NOW + LOCKOUT) is None


def test_codes_per_window_are_limited() -> None:
    sent = [challenge(at=NOW - timedelta(minutes=i)) for i in range(MAX_CODES_PER_WINDOW)]
    assert not may_send_another(sent, NOW)
    assert may_send_another(sent[:-1], NOW)
    assert may_send_another(sent, NOW + timedelta(minutes=15))


@given(st.integers(min_value=0, max_value=999_999))
def test_new_code_is_always_six_digits(n: int) -> None:
    code = new_code(lambda _bound: n)
    assert len(code) == 6 and code.isdigit() and int(code) == n
