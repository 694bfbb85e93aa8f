"""Proxy evidence, postcodes and the four-eyes rule, as tables and properties."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.common.errors import DomainError
from ndop.domain.contact_centre.cases import ActingFor, Case, CaseStatus, check_decider, check_identity
from ndop.domain.contact_centre.cases import IdentityDetail as D
from ndop.domain.contact_centre.evidence import EvidenceType, InvalidProxy, ProxyDetails, normalise_postcode
from ndop.domain.contact_centre.staff import NotPermitted, StaffMember, StaffRole
from ndop.domain.registry.choices import Channel, ProxyRole

PROXY = {"role": "GUARDIAN", "name": "Jane Smith", "relationship": "Mother", "address_lines": ["1 Road"],
         "postcode": "LS1 4AP", "evidence_type": "birth_certificate", "evidence_reference": "BC1"}

# Each evidence type proves exactly one role [S45].
EVIDENCE_TABLE = [
    ("birth_certificate", "GUARDIAN"), ("adoption_certificate", "GUARDIAN"), ("parental_order", "GUARDIAN"),
    ("parental_responsibility_agreement_or_order", "GUARDIAN"), ("special_guardianship_order", "GUARDIAN"),
    ("care_order", "GUARDIAN"), ("certified_lpa", "POA"), ("opg_access_code", "POA"), ("court_order", "COURTDEP"),
]


@pytest.mark.parametrize("evidence,role", EVIDENCE_TABLE)
def test_evidence_proves_one_role_only(evidence, role) -> None:
    reference = "V-ABCD-1234-EFGH" if evidence == "opg_access_code" else "REF1"
    for other in ProxyRole:
        fields = {**PROXY, "role": other.value, "evidence_type": evidence, "evidence_reference": reference}
        if other.value == role:
            assert ProxyDetails.parse(**fields).evidence_type is EvidenceType(evidence)
        else:
            with pytest.raises(InvalidProxy):
                ProxyDetails.parse(**fields)


@pytest.mark.parametrize("field,value,code", [
    ("role", "MOTHER", "proxy_role"), ("name", " ", "proxy_name_missing"),
    ("relationship", "", "proxy_relationship_missing"), ("address_lines", [], "proxy_address_missing"),
    ("postcode", "12345", "postcode"), ("evidence_type", "passport", "proxy_evidence_type"),
    ("evidence_reference", "", "proxy_evidence_reference_missing"), ("name", "x" * 201, "proxy_field_too_long"),
])
def test_each_proxy_field_rule_refuses_with_its_code(field, value, code) -> None:
    with pytest.raises(DomainError) as refused:
        ProxyDetails.parse(**{**PROXY, field: value})
    assert refused.value.code == code


def test_opg_access_code_is_normalised_and_checked() -> None:
    fields = {**PROXY, "role": "POA", "evidence_type": "opg_access_code"}
    parsed = ProxyDetails.parse(**{**fields, "evidence_reference": "vabcd 1234 efgh"})
    assert parsed.evidence_reference == "V-ABCD-1234-EFGH"
    with pytest.raises(InvalidProxy):
        ProxyDetails.parse(**{**fields, "evidence_reference": "V-ABC"})


@given(st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", fullmatch=True))
def test_postcode_normalises_to_one_space(text) -> None:
    result = normalise_postcode(text.lower())
    assert result == normalise_postcode(result) and result.count(" ") == 1 and result.upper() == result


@given(st.text(max_size=12))
def test_postcode_never_raises_anything_but_a_domain_error(text) -> None:
    with contextlib.suppress(DomainError):
        normalise_postcode(text)


@pytest.mark.parametrize("details,ok", [
    ({D.FULL_NAME, D.DATE_OF_BIRTH, D.POSTCODE}, True), ({D.FULL_NAME, D.DATE_OF_BIRTH, D.NHS_NUMBER}, True),
    ({D.FULL_NAME, D.DATE_OF_BIRTH}, False), ({D.FULL_NAME, D.POSTCODE, D.ADDRESS}, False), (set(), False),
])
def test_identity_needs_name_dob_and_one_more(details, ok) -> None:
    if ok:
        check_identity(frozenset(details))
    else:
        with pytest.raises(DomainError):
            check_identity(frozenset(details))


def _case(created_by: str) -> Case:
    return Case("CC-000001", Channel.CONTACT_CENTRE, CaseStatus.PENDING_APPROVAL, ActingFor.PROXY,
                datetime(2026, 1, 1, tzinfo=UTC), created_by)


@pytest.mark.parametrize("roles,created_by,allowed", [
    ({StaffRole.APPROVER}, "staff:agent", True),
    ({StaffRole.APPROVER}, "staff:me", False),  # four eyes
    ({StaffRole.AGENT}, "staff:agent", False),
    ({StaffRole.ADMIN}, "staff:agent", False),
])
def test_four_eyes(roles, created_by, allowed) -> None:
    me = StaffMember("me", "Me", frozenset(roles))
    if allowed:
        check_decider(_case(created_by), me)
    else:
        with pytest.raises(NotPermitted):
            check_decider(_case(created_by), me)


def test_a_locked_or_disabled_approver_cannot_decide() -> None:
    for me in (StaffMember("me", "Me", frozenset({StaffRole.APPROVER}), active=False),
               StaffMember("me", "Me", frozenset({StaffRole.APPROVER}), failed_sign_ins=5)):
        with pytest.raises(NotPermitted):
            check_decider(_case("staff:agent"), me)
