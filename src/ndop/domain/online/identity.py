"""Who are you: matching what a person types against the patient index (ndop-system.md §1.3).

A person proves who they are with their date of birth and either their NHS number or their name
and postcode. Comparison ignores case, spacing and punctuation in names and postcodes. The result
never says which part did not match: a mismatch looks the same whatever was wrong, so the service
gives no hint of who is on the register.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.registry.eligibility import MINIMUM_AGE_FOR_OWN_CHOICE
from ndop.domain.registry.patients import Patient

# A UK postcode: outward code (2-4 characters) then inward code (digit + two letters).
_POSTCODE: Final = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")


class InvalidClaim(ValueError):
    """What was typed cannot be a claim (never repeats the value itself)."""


def normalise_name(name: str) -> str:
    """Case-, accent- and punctuation-blind form: "O'Brien-Smith " and "obrien smith" compare equal."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if c.isalpha())
    return letters.casefold()


def normalise_postcode(text: str) -> str:
    """`ls14ap`, ` LS1 4AP ` -> `LS1 4AP`. Raises InvalidClaim when it cannot be a UK postcode."""
    compact = re.sub(r"\s+", "", text).upper()
    match = _POSTCODE.match(compact)
    if match is None:
        raise InvalidClaim("Enter a real postcode, like LS1 4AP")
    return f"{match.group(1)} {match.group(2)}"


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """What the person told us. Either an NHS number, or a first name, last name and postcode."""

    date_of_birth: date
    nhs_number: NhsNumber | None = None
    given_name: str = ""
    family_name: str = ""
    postcode: str = ""

    def __post_init__(self) -> None:
        if self.nhs_number is None:
            if not normalise_name(self.given_name) or not normalise_name(self.family_name):
                raise InvalidClaim("Enter your first name and last name, or your NHS number")
            object.__setattr__(self, "postcode", normalise_postcode(self.postcode))

    @property
    def by_nhs_number(self) -> bool:
        return self.nhs_number is not None


def matches(patient: Patient, claim: IdentityClaim) -> bool:
    """True when every part of the claim agrees with the demographic record."""
    if patient.date_of_birth != claim.date_of_birth:
        return False
    if claim.nhs_number is not None:
        return patient.nhs_number == claim.nhs_number
    if not patient.postcode:
        return False
    try:
        postcode = normalise_postcode(patient.postcode)
    except InvalidClaim:
        return False
    return (
        postcode == claim.postcode
        and normalise_name(patient.given_name) == normalise_name(claim.given_name)
        and normalise_name(patient.family_name) == normalise_name(claim.family_name)
    )


class MatchStatus(StrEnum):
    MATCHED = "matched"
    NO_MATCH = "no_match"  # nothing, or more than one person, matched: the same answer either way
    CANNOT_CONTINUE = "cannot_continue"  # deceased, superseded or sensitive: the generic phone route
    UNDER_13 = "under_13"
    HELD = "held"  # this client tried too many dates of birth for this number: only it waits (ADR 0045)
    PAUSED = "paused"  # too many wrong dates of birth for this number from many clients: online paused


def age_on(date_of_birth: date, day: date) -> int:
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def too_young(claim: IdentityClaim, today: date) -> bool:
    """Decided from the date of birth typed, before any look-up, so the answer reveals nothing."""
    return age_on(claim.date_of_birth, today) < MINIMUM_AGE_FOR_OWN_CHOICE


def decide(candidates: list[Patient], claim: IdentityClaim, today: date) -> tuple[MatchStatus, Patient | None]:
    """The outcome for a claim given the records found for it (candidates may include non-matches)."""
    if too_young(claim, today):
        return MatchStatus.UNDER_13, None
    found = [p for p in candidates if matches(p, claim)]
    if len(found) != 1:
        return MatchStatus.NO_MATCH, None
    patient = found[0]
    if patient.superseded_by is not None or patient.is_deceased_on(today) or patient.sensitive:
        return MatchStatus.CANNOT_CONTINUE, None
    return MatchStatus.MATCHED, patient
