"""Proxies and the evidence of their legal power.

Evidence types follow the NHS proxy standard (DAPB3051) [S45, ndop-system.md §2.3]: for parental
responsibility a birth or adoption certificate, parental order, parental responsibility agreement or order,
special guardianship order or care order; for attorneys a certified LPA or the Office of the Public
Guardian's "view" access code; for deputies a court order. Each type proves one role only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ndop.domain.common.errors import DomainError
from ndop.domain.registry.choices import Proxy, ProxyRole


class InvalidProxy(DomainError):
    code = "invalid_proxy"


class EvidenceType(StrEnum):
    BIRTH_CERTIFICATE = "birth_certificate"
    ADOPTION_CERTIFICATE = "adoption_certificate"
    PARENTAL_ORDER = "parental_order"
    PARENTAL_RESPONSIBILITY = "parental_responsibility_agreement_or_order"
    SPECIAL_GUARDIANSHIP_ORDER = "special_guardianship_order"
    CARE_ORDER = "care_order"
    CERTIFIED_LPA = "certified_lpa"
    OPG_ACCESS_CODE = "opg_access_code"
    COURT_ORDER = "court_order"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def proves(self) -> ProxyRole:
        return _PROVES[self]


_LABELS: Final = {
    EvidenceType.BIRTH_CERTIFICATE: "Birth certificate",
    EvidenceType.ADOPTION_CERTIFICATE: "Adoption certificate",
    EvidenceType.PARENTAL_ORDER: "Parental order",
    EvidenceType.PARENTAL_RESPONSIBILITY: "Parental responsibility agreement or order",
    EvidenceType.SPECIAL_GUARDIANSHIP_ORDER: "Special guardianship order",
    EvidenceType.CARE_ORDER: "Care order",
    EvidenceType.CERTIFIED_LPA: "Certified lasting power of attorney",
    EvidenceType.OPG_ACCESS_CODE: "Office of the Public Guardian access code",
    EvidenceType.COURT_ORDER: "Court order appointing a deputy",
}
_PROVES: Final = {
    EvidenceType.BIRTH_CERTIFICATE: ProxyRole.GUARDIAN,
    EvidenceType.ADOPTION_CERTIFICATE: ProxyRole.GUARDIAN,
    EvidenceType.PARENTAL_ORDER: ProxyRole.GUARDIAN,
    EvidenceType.PARENTAL_RESPONSIBILITY: ProxyRole.GUARDIAN,
    EvidenceType.SPECIAL_GUARDIANSHIP_ORDER: ProxyRole.GUARDIAN,
    EvidenceType.CARE_ORDER: ProxyRole.GUARDIAN,
    EvidenceType.CERTIFIED_LPA: ProxyRole.POWER_OF_ATTORNEY,
    EvidenceType.OPG_ACCESS_CODE: ProxyRole.POWER_OF_ATTORNEY,
    EvidenceType.COURT_ORDER: ProxyRole.COURT_APPOINTED_DEPUTY,
}

ROLE_LABELS: Final = {
    ProxyRole.GUARDIAN: "Parent or guardian (parental responsibility)",
    ProxyRole.POWER_OF_ATTORNEY: "Lasting power of attorney",
    ProxyRole.COURT_APPOINTED_DEPUTY: "Court appointed deputy",
}

# ASSUMPTION: the OPG "use a lasting power of attorney" view code is V- then 12 letters and digits, shown
# in groups of four (V-ABCD-1234-EFGH). We accept it with or without the hyphens and spaces.
_OPG_CODE: Final = re.compile(r"^V[A-Z0-9]{12}$")


def _text(value: str, what: str, limit: int, code: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise InvalidProxy(f"Enter the {what}.", code=f"{code}_missing")
    if len(text) > limit:
        raise InvalidProxy(f"The {what} must be {limit} characters or fewer.", code="proxy_field_too_long")
    return text


@dataclass(frozen=True, slots=True)
class ProxyDetails:
    """Who acts for the person, how they are related, where letters to them go, and the evidence seen."""

    role: ProxyRole
    name: str
    relationship: str
    address_lines: tuple[str, ...]
    postcode: str
    evidence_type: EvidenceType
    evidence_reference: str

    @classmethod
    def parse(
        cls, *, role: str, name: str, relationship: str, address_lines: list[str] | tuple[str, ...], postcode: str,
        evidence_type: str, evidence_reference: str,
    ) -> ProxyDetails:
        """Validate what was typed or read from a form; raises InvalidProxy naming the first problem."""
        try:
            proxy_role = ProxyRole(role.strip().upper())
        except ValueError:
            raise InvalidProxy("Choose the proxy's role: GUARDIAN, POA or COURTDEP.", code="proxy_role") from None
        try:
            evidence = EvidenceType(evidence_type.strip().lower())
        except ValueError:
            raise InvalidProxy("Choose the type of evidence seen.", code="proxy_evidence_type") from None
        if evidence.proves is not proxy_role:
            raise InvalidProxy(
                f"{evidence.label} is not evidence for {ROLE_LABELS[proxy_role].lower()}. "
                "Choose evidence that proves this role.",
                code="proxy_evidence_wrong_role",
            )
        lines = tuple(" ".join(line.split()) for line in address_lines if line.strip())
        if not lines:
            raise InvalidProxy("Enter the proxy's address, for their letters.", code="proxy_address_missing")
        if any(len(line) > 100 for line in lines) or len(lines) > 4:
            raise InvalidProxy("An address is at most 4 lines of 100 characters.", code="proxy_address_too_long")
        reference = _text(evidence_reference, "evidence reference", 100, "proxy_evidence_reference")
        if evidence is EvidenceType.OPG_ACCESS_CODE:
            compact = re.sub(r"[\s\-]", "", reference.upper())
            if not _OPG_CODE.match(compact):
                raise InvalidProxy(
                    "An Office of the Public Guardian access code is V- then 12 letters and numbers, "
                    "like V-ABCD-1234-EFGH.",
                    code="proxy_opg_code",
                )
            reference = f"V-{compact[1:5]}-{compact[5:9]}-{compact[9:]}"
        return cls(
            role=proxy_role,
            name=_text(name, "proxy's name", 200, "proxy_name"),
            relationship=_text(relationship, "relationship", 100, "proxy_relationship"),
            address_lines=lines,
            postcode=normalise_postcode(postcode),
            evidence_type=evidence,
            evidence_reference=reference,
        )

    def to_proxy(self) -> Proxy:
        """The registry's view: role, name and evidence (the FHIR rule: a proxy role, no consenting party)."""
        return Proxy(self.role, self.name, self.evidence_type.label, self.evidence_reference)


_POSTCODE: Final = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


def normalise_postcode(text: str) -> str:
    """`ls14ap` -> `LS1 4AP`; refuses what cannot be a UK postcode."""
    compact = re.sub(r"\s", "", text.upper())
    if not _POSTCODE.match(compact):
        raise DomainError("Enter a real postcode, like LS1 4AP.", code="postcode")
    return f"{compact[:-3]} {compact[-3:]}"
