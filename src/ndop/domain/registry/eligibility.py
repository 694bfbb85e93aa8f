"""Who may record a choice for whom, and when. Each rule cites where it comes from.

Sources (see shared/reference/ndop-system.md): §1.2 minimum age 13 [S1]; §2.3 proxies with formal
legal powers only, and the proxy-role XOR rule [S1, S7 A3.1.2, S15]; §0 the choice stands after death
[S31]; §8 superseded numbers are not carried over automatically, so we refuse and name the new one.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from ndop.domain.common.errors import NotEligible, SupersededNumber
from ndop.domain.registry.choices import Channel, ChoiceRequest, ProxyRole
from ndop.domain.registry.patients import Patient

MINIMUM_AGE_FOR_OWN_CHOICE: Final = 13  # [S1] aligns with the digital-services consent age
ADULT_AGE: Final = 18  # lasting powers of attorney and deputies act for adults


def check(patient: Patient, request: ChoiceRequest, on: date) -> None:
    """Raise a DomainError when `request` may not be recorded for `patient` on day `on`."""
    if patient.superseded_by is not None:
        raise SupersededNumber(patient.superseded_by.digits)
    if patient.is_deceased_on(on):
        raise NotEligible(
            "This person has died. The last choice they made stands and cannot be changed.",
            code="deceased",
        )
    if request.channel is Channel.TYPE2_CONVERSION:
        # The 2018 conversion carried over a choice the GP had already recorded, at any age [S22].
        if request.proxy is not None:
            raise NotEligible("A converted Type 2 opt-out is the patient's own choice.", code="proxy_not_allowed")
        return
    age = patient.age_on(on)
    if request.proxy is None:
        _check_self(age)
    else:
        _check_proxy(age, request)


def _check_self(age: int) -> None:
    if age < MINIMUM_AGE_FOR_OWN_CHOICE:
        raise NotEligible(
            "People under 13 cannot make this choice themselves. "
            "Someone with parental responsibility can make it for them by phone or post.",
            code="under_13",
        )


def _check_proxy(age: int, request: ChoiceRequest) -> None:
    proxy = request.proxy
    assert proxy is not None
    if not request.channel.is_staff_assisted:
        # [S19] nobody can manage someone else's choice online; proxies use the phone or post.
        raise NotEligible(
            "A choice for someone else can only be recorded by the contact centre (phone or post).",
            code="proxy_channel",
        )
    if not proxy.name.strip():
        raise NotEligible("Enter the name of the person acting for the patient.", code="proxy_name_missing")
    if not proxy.evidence_type.strip() or not proxy.evidence_reference.strip():
        raise NotEligible(
            "Record the evidence of the proxy's legal power: its type and reference.",
            code="proxy_evidence_missing",
        )
    if proxy.role is ProxyRole.GUARDIAN and age >= MINIMUM_AGE_FOR_OWN_CHOICE:
        raise NotEligible(
            "A parent or guardian can only act for a child under 13. "
            "People aged 13 or over make their own choice.",
            code="guardian_child_13_or_over",
        )
    if proxy.role in (ProxyRole.POWER_OF_ATTORNEY, ProxyRole.COURT_APPOINTED_DEPUTY) and age < ADULT_AGE:
        raise NotEligible(
            "A lasting power of attorney or a court appointed deputy can only act for an adult.",
            code="proxy_for_child",
        )
