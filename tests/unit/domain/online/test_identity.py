from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.online.identity import (
    IdentityClaim,
    InvalidClaim,
    MatchStatus,
    decide,
    matches,
    normalise_name,
    normalise_postcode,
)
from ndop.domain.registry.patients import Gender, Patient

TODAY = date(2026, 11, 23)
JANE = Patient(NhsNumber("9434765919"), "Jane", "O'Brien-Smith", date(1992, 3, 15), Gender.FEMALE, "LS1 4AP",
               mobile="07700900123")


def by_number(**kw) -> IdentityClaim:
    fields = {"date_of_birth": date(1992, 3, 15), "nhs_number": NhsNumber("9434765919")} | kw
    return IdentityClaim(**fields)


def by_name(**kw) -> IdentityClaim:
    fields = {"date_of_birth": date(1992, 3, 15), "given_name": "jane", "family_name": "obrien smith",
              "postcode": "ls14ap"} | kw
    return IdentityClaim(**fields)


def test_claim_by_nhs_number_and_birth_date_matches() -> None:
    assert matches(JANE, by_number())


def test_claim_by_name_postcode_and_birth_date_ignores_case_spacing_and_punctuation() -> None:
    assert matches(JANE, by_name())
    assert matches(JANE, by_name(given_name=" JANE ", postcode=" LS1  4AP "))


@pytest.mark.parametrize(
    "claim",
    [
        by_number(date_of_birth=date(1992, 3, 16)),
        by_number(nhs_number=NhsNumber("9000000009")),
        by_name(family_name="Smith"),
        by_name(given_name="Joan"),
        by_name(postcode="LS1 4AQ"),
        by_name(date_of_birth=date(1993, 3, 15)),
    ],
)
def test_claim_with_any_part_wrong_does_not_match(claim: IdentityClaim) -> None:
    assert not matches(JANE, claim)


def test_every_mismatch_gives_the_same_outcome() -> None:
    outcomes = {decide([JANE], c, TODAY) for c in (by_number(date_of_birth=date(1992, 3, 16)),
                                                   by_name(postcode="LS1 4AQ"), by_name(given_name="Joan"))}
    assert outcomes == {(MatchStatus.NO_MATCH, None)}
    assert decide([], by_number(), TODAY) == (MatchStatus.NO_MATCH, None)


def test_two_people_matching_the_same_claim_match_nobody() -> None:
    twin = replace(JANE, nhs_number=NhsNumber("9000000009"))
    assert decide([JANE, twin], by_name(), TODAY) == (MatchStatus.NO_MATCH, None)


def test_under_13_is_decided_from_the_date_typed_before_any_record() -> None:
    claim = by_number(date_of_birth=date(2014, 1, 1))
    assert decide([], claim, TODAY) == (MatchStatus.UNDER_13, None)


def test_thirteenth_birthday_is_old_enough() -> None:
    teen = replace(JANE, date_of_birth=date(2013, 11, 23))
    status, _ = decide([teen], by_number(date_of_birth=date(2013, 11, 23)), TODAY)
    assert status is MatchStatus.MATCHED
    status, _ = decide([], by_number(date_of_birth=date(2013, 11, 24)), TODAY)
    assert status is MatchStatus.UNDER_13


@pytest.mark.parametrize(
    "patient",
    [
        replace(JANE, date_of_death=date(2026, 1, 1)),
        replace(JANE, superseded_by=NhsNumber("9000000009")),
        replace(JANE, sensitive=True),
    ],
)
def test_deceased_superseded_or_sensitive_record_cannot_continue_online(patient: Patient) -> None:
    assert decide([patient], by_number(), TODAY) == (MatchStatus.CANNOT_CONTINUE, None)


def test_claim_by_name_needs_a_real_postcode_and_both_names() -> None:
    with pytest.raises(InvalidClaim):
        by_name(postcode="not a postcode")
    with pytest.raises(InvalidClaim):
        by_name(given_name="  ")


@given(st.sampled_from(["LS1 4AP", "SW1A 2AA", "M1 1AE", "B1 1BB", "EC1A 1BB"]), st.sampled_from([" ", "", "  "]),
       st.booleans())
def test_postcode_normalises_spacing_and_case(postcode: str, sep: str, lower: bool) -> None:
    out, inn = postcode.split()
    typed = f"{out}{sep}{inn}"
    typed = typed.lower() if lower else typed
    assert normalise_postcode(typed) == postcode


@given(st.text(min_size=1, max_size=30))
def test_normalised_name_is_idempotent_and_letters_only(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once
    assert all(c.isalpha() for c in once)
