"""Rate limits hold when many requests arrive at once, on SQLite and on PostgreSQL.

Django's own DatabaseCache increments by reading and then writing, so requests that race each read the
same count: run by hand with its `incr` (BaseCache.incr) instead of ours, the twenty-at-once test below
let 7 of 20 through on SQLite and 20 of 20 on PostgreSQL
(the sign-in test: 6 and 16). `CountingDatabaseCache.incr` takes the write lock first.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole
from ndop.services.organisations.accounts import add_organisation_user, register_organisation
from ndop.web.kit.limits import over, refund
from tests.conftest import TESTER
from tests.threads import at_once

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db(transaction=True)
def test_twenty_requests_at_once_against_a_limit_of_five_let_exactly_five_through() -> None:
    group = f"race-{uuid.uuid4().hex}"  # the cache table outlives each test: a group of its own
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1")
    results = at_once(20, lambda: over(request, group, "5/15m", key="one-key"))
    assert results.count(False) == 5 and results.count(True) == 15


@pytest.mark.django_db
def test_an_increment_of_a_missing_or_expired_counter_says_so_and_writes_nothing() -> None:
    with pytest.raises(ValueError, match="not found"):
        cache.incr(f"missing-{uuid.uuid4().hex}")
    key = f"expired-{uuid.uuid4().hex}"
    cache.set(key, 3, timeout=-1)
    with pytest.raises(ValueError, match="not found"):
        cache.incr(key)
    cache.set(key, 3)
    assert cache.incr(key) == 4 and cache.decr(key, 2) == 2 and cache.get(key) == 2


@pytest.mark.django_db
def test_refund_takes_back_one_count_in_the_same_window() -> None:
    group = f"refund-{uuid.uuid4().hex}"
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
    for _ in range(10):  # ten successes, each refunded, never reach a limit of 2
        assert over(request, group, "2/15m") is False
        refund(request, group, "2/15m")
    assert [over(request, group, "2/15m", key="k") for _ in range(3)] == [False, False, True]
    refund(request, group, "2/15m", key="k")
    assert over(request, group, "2/15m", key="k") is True  # 3 - 1 + 1 = 3: still over


@pytest.fixture
def checker(registry) -> str:
    email = f"ann-{uuid.uuid4().hex[:8]}@example.nhs.uk"  # a fresh account: counters outlive each test
    register_organisation(registry, Organisation(OdsCode("RR8"), "Leeds Teaching Hospitals"), by=TESTER)
    add_organisation_user(registry, OdsCode("RR8"), email, OrganisationRole.CHECKER, by=TESTER,
                          password=PASSWORD)
    return email


@pytest.mark.django_db(transaction=True)
def test_twenty_wrong_passwords_at_once_get_five_tries_then_too_many(checker) -> None:
    def guess() -> int:
        return Client().post("/org/sign-in", {"email": checker, "password": "a wrong guess"}).status_code

    statuses = at_once(20, guess)
    assert statuses.count(200) == 5 and statuses.count(429) == 15
    # and the right password now waits too: the account is over its limit
    assert Client().post("/org/sign-in", {"email": checker, "password": PASSWORD}).status_code == 429


@pytest.mark.django_db
def test_successful_sign_ins_do_not_count_toward_the_limit(checker) -> None:
    for _ in range(8):
        assert Client().post("/org/sign-in", {"email": checker, "password": PASSWORD}).status_code == 302
    for _ in range(5):
        assert Client().post("/org/sign-in", {"email": checker, "password": "wrong"}).status_code == 200
    assert Client().post("/org/sign-in", {"email": checker, "password": "wrong"}).status_code == 429


@pytest.mark.django_db
def test_an_incomplete_form_is_not_counted_as_a_guess(checker) -> None:
    for _ in range(8):
        assert Client().post("/org/sign-in", {"email": checker, "password": ""}).status_code == 200
    assert Client().post("/org/sign-in", {"email": checker, "password": PASSWORD}).status_code == 302
