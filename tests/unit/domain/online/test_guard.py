"""The per-number limits as a table (ADR 0045): what each history of failures allows next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ndop.domain.online.guard import (
    BIRTH_FAILURES_PER_CLIENT,
    BIRTH_FAILURES_PER_NUMBER,
    BIRTH_WINDOW,
    LOCKOUT,
    MAX_WRONG_CODES,
    NOTICE_INTERVAL,
    WRONG_CODE_WINDOW,
    BirthCheck,
    Failure,
    FailureKind,
    NumberGuard,
    client_key,
    code_tries_left,
    lock_after_wrong_birth_date,
    lock_after_wrong_code,
    may_try_birth_date,
    number_key,
    should_notify,
)

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
CODE, BIRTH = FailureKind.WRONG_CODE, FailureKind.WRONG_BIRTH_DATE


def guard(*failures: Failure, locked_until: datetime | None = None, noticed_at: datetime | None = None) -> NumberGuard:
    return NumberGuard("k", locked_until=locked_until, noticed_at=noticed_at, failures=failures)


def codes(n: int, ago: timedelta = timedelta(minutes=1)) -> list[Failure]:
    return [Failure(CODE, NOW - ago)] * n


@pytest.mark.parametrize(
    ("failures", "locks"),
    [
        (codes(MAX_WRONG_CODES - 1), False),
        (codes(MAX_WRONG_CODES), True),
        (codes(MAX_WRONG_CODES - 1) + codes(1, WRONG_CODE_WINDOW + timedelta(seconds=1)), False),  # one too old
        (codes(MAX_WRONG_CODES - 1) + [Failure(BIRTH, NOW)], False),  # dates of birth are counted apart
    ],
)
def test_wrong_codes_lock_the_number(failures, locks) -> None:
    assert (lock_after_wrong_code(guard(*failures), NOW) == NOW + LOCKOUT) is locks


def test_tries_left_count_down_across_codes() -> None:
    assert [code_tries_left(guard(*codes(n)), NOW) for n in range(7)] == [5, 4, 3, 2, 1, 0, 0]


def birth(client: str, n: int, ago: timedelta = timedelta(minutes=1)) -> list[Failure]:
    return [Failure(BIRTH, NOW - ago, client)] * n


@pytest.mark.parametrize(
    ("failures", "client", "expected"),
    [
        ([], "a", BirthCheck.ALLOWED),
        (birth("a", BIRTH_FAILURES_PER_CLIENT - 1), "a", BirthCheck.ALLOWED),
        (birth("a", BIRTH_FAILURES_PER_CLIENT), "a", BirthCheck.CLIENT_HELD),
        (birth("a", BIRTH_FAILURES_PER_CLIENT), "b", BirthCheck.ALLOWED),  # the owner is not held back
        (birth("a", BIRTH_FAILURES_PER_CLIENT, BIRTH_WINDOW + timedelta(seconds=1)), "a", BirthCheck.ALLOWED),
        (codes(MAX_WRONG_CODES), "a", BirthCheck.ALLOWED),  # wrong codes lock through the guard's lock only
    ],
)
def test_who_may_try_a_date_of_birth(failures, client, expected) -> None:
    assert may_try_birth_date(guard(*failures), client, NOW) is expected


def test_a_paused_number_refuses_every_client_until_the_lock_ends() -> None:
    locked = NumberGuard("k", locked_until=NOW + timedelta(minutes=5), lock_reason="wrong_birth_dates")
    assert may_try_birth_date(locked, "b", NOW) is BirthCheck.NUMBER_LOCKED
    assert may_try_birth_date(locked, "b", NOW + timedelta(minutes=5)) is BirthCheck.ALLOWED
    # locked after wrong codes: matching goes on, the code steps refuse (the locked-out page)
    by_codes = NumberGuard("k", locked_until=NOW + timedelta(minutes=5), lock_reason="wrong_codes")
    assert may_try_birth_date(by_codes, "b", NOW) is BirthCheck.ALLOWED


def test_only_many_clients_together_lock_a_number_by_dates_of_birth() -> None:
    spread = [f for i in range(BIRTH_FAILURES_PER_NUMBER) for f in birth(f"c{i}", 1)]
    assert lock_after_wrong_birth_date(guard(*spread[:-1]), NOW) is None
    assert lock_after_wrong_birth_date(guard(*spread), NOW) is not None


def test_the_owner_is_told_at_most_once_per_interval() -> None:
    assert should_notify(guard(), NOW)
    assert not should_notify(guard(noticed_at=NOW - NOTICE_INTERVAL + timedelta(seconds=1)), NOW)
    assert should_notify(guard(noticed_at=NOW - NOTICE_INTERVAL), NOW)


def test_keys_carry_neither_the_number_nor_the_address() -> None:
    key = b"k" * 32
    assert "9434765919" not in number_key("9434765919", key)
    assert number_key("9434765919", key) != number_key("9434765919", b"x" * 32)
    assert "203.0.113.7" not in client_key("203.0.113.7", key) and client_key("", key) == ""
