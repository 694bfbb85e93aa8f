from __future__ import annotations

from datetime import date

import pytest

from ndop.domain.common.errors import NotEligible, SupersededNumber
from ndop.domain.registry import eligibility
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest, Proxy, ProxyRole
from tests.conftest import make_patient, number

TODAY = date(2026, 11, 23)
GUARDIAN = Proxy(ProxyRole.GUARDIAN, "Sarah Jones", "birth certificate", "BC-1")
ATTORNEY = Proxy(ProxyRole.POWER_OF_ATTORNEY, "Ann Lee", "lasting power of attorney", "LPA-9")
DEPUTY = Proxy(ProxyRole.COURT_APPOINTED_DEPUTY, "Court Deputy", "court order", "CO-7")



def request(channel: Channel = Channel.ONLINE, proxy: Proxy | None = None) -> ChoiceRequest:
    return ChoiceRequest(number("943476591"), Choice.OPTED_OUT, channel, proxy)


# age on TODAY, channel, proxy, expected error code (None = allowed)
CASES = [
    (13, Channel.ONLINE, None, None),
    (12, Channel.ONLINE, None, "under_13"),
    (12, Channel.CONTACT_CENTRE, None, "under_13"),
    (40, Channel.APP, None, None),
    (12, Channel.PAPER, GUARDIAN, None),
    (0, Channel.CONTACT_CENTRE, GUARDIAN, None),
    (13, Channel.PAPER, GUARDIAN, "guardian_child_13_or_over"),
    (12, Channel.ONLINE, GUARDIAN, "proxy_channel"),
    (18, Channel.CONTACT_CENTRE, ATTORNEY, None),
    (17, Channel.CONTACT_CENTRE, ATTORNEY, "proxy_for_child"),
    (80, Channel.PAPER, DEPUTY, None),
    (16, Channel.PAPER, DEPUTY, "proxy_for_child"),
    (50, Channel.ONLINE, ATTORNEY, "proxy_channel"),
    (5, Channel.TYPE2_CONVERSION, None, None),  # conversions carried over GP-recorded choices at any age
    (30, Channel.TYPE2_CONVERSION, GUARDIAN, "proxy_not_allowed"),
]


@pytest.mark.parametrize(("age", "channel", "proxy", "code"), CASES)
def test_eligibility_table(age: int, channel: Channel, proxy: Proxy | None, code: str | None) -> None:
    patient = make_patient(born=date(TODAY.year - age, TODAY.month, TODAY.day))
    if code is None:
        eligibility.check(patient, request(channel, proxy), TODAY)
    else:
        with pytest.raises(NotEligible) as info:
            eligibility.check(patient, request(channel, proxy), TODAY)
        assert info.value.code == code


def test_eligibility_thirteenth_birthday_is_the_first_day() -> None:
    patient = make_patient(born=date(2013, 11, 24))
    with pytest.raises(NotEligible):
        eligibility.check(patient, request(), TODAY)
    eligibility.check(patient, request(), date(2026, 11, 24))


def test_eligibility_leap_day_birthday_counts_from_first_of_march() -> None:
    patient = make_patient(born=date(2012, 2, 29))
    with pytest.raises(NotEligible):
        eligibility.check(patient, request(), date(2025, 2, 28))
    eligibility.check(patient, request(), date(2025, 3, 1))


def test_eligibility_refuses_after_death_but_not_before() -> None:
    patient = make_patient(date_of_death=date(2026, 1, 10))
    with pytest.raises(NotEligible) as info:
        eligibility.check(patient, request(), date(2026, 1, 10))
    assert info.value.code == "deceased"
    eligibility.check(patient, request(), date(2026, 1, 9))


def test_eligibility_superseded_names_the_replacement_for_people_not_for_logs() -> None:
    new = number("900000011")
    patient = make_patient(superseded_by=new)
    with pytest.raises(SupersededNumber) as info:
        eligibility.check(patient, request(), TODAY)
    assert info.value.replaced_by == new.digits
    assert new.digits in info.value.message
    assert new.digits not in str(info.value)


@pytest.mark.parametrize(
    ("proxy", "code"),
    [
        (Proxy(ProxyRole.GUARDIAN, " ", "birth certificate", "BC-1"), "proxy_name_missing"),
        (Proxy(ProxyRole.GUARDIAN, "Sarah", "", "BC-1"), "proxy_evidence_missing"),
        (Proxy(ProxyRole.GUARDIAN, "Sarah", "birth certificate", ""), "proxy_evidence_missing"),
    ],
)
def test_eligibility_proxy_needs_name_and_evidence(proxy: Proxy, code: str) -> None:
    patient = make_patient(born=date(2020, 1, 1))
    with pytest.raises(NotEligible) as info:
        eligibility.check(patient, request(Channel.PAPER, proxy), TODAY)
    assert info.value.code == code
