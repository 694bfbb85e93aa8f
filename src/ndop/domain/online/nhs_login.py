"""Who NHS login says someone is, and where that lets them go (pure; issue 12, ADR 68).

NHS login proves identity to a level: P0 (an email and phone), P5 (details checked against PDS), P9
(photo ID compared with the person). Only P9 is proof enough to set someone's opt-out without a
security code. The decision is made from the claims NHS login signed and the record in our own index:

| what we got | where the person goes |
|---|---|
| below P9, no NHS number, a number that is not valid | the security-code route |
| a P9 number not in the index, or a birth date that differs from the index | the security-code route |
| under 13 on the index's date of birth | the under-13 page |
| deceased, superseded or sensitive | the cannot-continue page (the phone route) |
| P9, in the index, 13 or over | straight to their choice (channel OP) |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ndop.domain.common.nhs_number import InvalidNhsNumber, NhsNumber
from ndop.domain.online.identity import age_on
from ndop.domain.registry.eligibility import MINIMUM_AGE_FOR_OWN_CHOICE
from ndop.domain.registry.patients import Patient

HIGH_LEVEL = "P9"


class LoginOutcome(StrEnum):
    VERIFIED = "verified"
    NOT_HIGH_LEVEL = "not_high_level"  # P0 or P5: the security-code route
    NO_NHS_NUMBER = "no_nhs_number"  # no valid nhs_number claim: the security-code route
    NOT_FOUND = "not_found"  # not in our index, or another date of birth: the security-code route
    UNDER_13 = "under_13"
    CANNOT_CONTINUE = "cannot_continue"  # deceased, superseded or sensitive

    @property
    def falls_back(self) -> bool:
        """True when the person may still prove who they are with a security code."""
        return self in (LoginOutcome.NOT_HIGH_LEVEL, LoginOutcome.NO_NHS_NUMBER, LoginOutcome.NOT_FOUND)


@dataclass(frozen=True, slots=True)
class NhsLoginIdentity:
    """The claims NHS login signed (id_token) and returned (userinfo), already checked for authenticity."""

    proofing_level: str
    nhs_number: str = ""  # as claimed: digits, perhaps missing
    birthdate: date | None = None

    @property
    def number(self) -> NhsNumber | None:
        try:
            return NhsNumber(self.nhs_number) if self.nhs_number else None
        except InvalidNhsNumber:
            return None


def screen(identity: NhsLoginIdentity) -> LoginOutcome | None:
    """What the claims alone decide, before any look-up (None: look the number up)."""
    if identity.proofing_level != HIGH_LEVEL:
        return LoginOutcome.NOT_HIGH_LEVEL
    if identity.number is None:
        return LoginOutcome.NO_NHS_NUMBER
    return None


def decide(identity: NhsLoginIdentity, patient: Patient | None, today: date) -> LoginOutcome:
    """Where someone NHS login vouched for goes, given the record found for their number (or None)."""
    early = screen(identity)
    if early is not None:
        return early
    if patient is None:
        return LoginOutcome.NOT_FOUND
    if identity.birthdate is not None and identity.birthdate != patient.date_of_birth:
        return LoginOutcome.NOT_FOUND
    if age_on(patient.date_of_birth, today) < MINIMUM_AGE_FOR_OWN_CHOICE:
        return LoginOutcome.UNDER_13
    if patient.superseded_by is not None or patient.is_deceased_on(today) or patient.sensitive:
        return LoginOutcome.CANNOT_CONTINUE
    return LoginOutcome.VERIFIED


class NhsLoginFailed(Exception):
    """The sign-in could not be trusted or finished. `reason` is a code for the audit trail (never a claim)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
