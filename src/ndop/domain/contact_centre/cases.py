"""Cases: every choice that reaches the contact centre by phone (`CC`) or post (`PP`) becomes one.

A case for the person themself (13 or over) is recorded at once: on the call, or when the details on the
form match the record. A case for someone else (a proxy, or a Detained and Secure Estate form completed by a
healthcare professional) is **pending** until a second staff member with the approver role, never the one
who recorded it, verifies the evidence; only then does the choice enter the registry. A postal form that
cannot be matched to one person is closed as "cannot match" with its reason. `made_at` is the call, or the
date the form was signed, so a form signed before a later online choice never overrides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from ndop.domain.common.errors import DomainError
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.contact_centre.evidence import ProxyDetails
from ndop.domain.contact_centre.staff import NotPermitted, StaffMember, StaffRole
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.domain.registry.patients import Patient

# [S20 Derby, Staverton] "It can take up to 14 days to process the form once it arrives".
PROCESSING_TARGET: Final = timedelta(days=14)
_REFERENCE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/]{0,39}$")


class InvalidCase(DomainError):
    code = "invalid_case"


class CaseStatus(StrEnum):
    OPEN = "open"  # a form received, not processed yet
    PENDING_APPROVAL = "pending_approval"  # a choice for someone else, waiting for a second pair of eyes
    RECORDED = "recorded"  # the choice is in the registry
    REJECTED = "rejected"  # the approver did not accept the evidence
    CANNOT_MATCH = "cannot_match"  # the form matches nobody (or not the record it names)

    @property
    def is_open(self) -> bool:
        return self in (CaseStatus.OPEN, CaseStatus.PENDING_APPROVAL)


class ActingFor(StrEnum):
    """Who the choice is made by."""

    SELF = "self"
    PROXY = "proxy"  # GUARDIAN, POA, COURTDEP with evidence
    DETAINED_ESTATE = "detained_estate"  # the Detained and Secure Estate form, by a healthcare professional


class IdentityDetail(StrEnum):
    """What a caller may give to confirm who they are; the agent ticks those given correctly."""

    NHS_NUMBER = "nhs_number"
    FULL_NAME = "full_name"
    DATE_OF_BIRTH = "date_of_birth"
    ADDRESS = "address"
    POSTCODE = "postcode"
    GP_PRACTICE = "gp_practice"


# ASSUMPTION (no published NDOP script): the caller gives their name and date of birth, and one more detail
# that only the record would hold (NHS number, address, postcode or GP practice).
_REQUIRED_IDENTITY: Final = frozenset({IdentityDetail.FULL_NAME, IdentityDetail.DATE_OF_BIRTH})


class CannotMatchReason(StrEnum):
    NOT_FOUND = "not_found"
    DETAILS_DIFFER = "details_differ"
    INCOMPLETE = "incomplete"
    NOT_SIGNED = "not_signed"

    @property
    def label(self) -> str:
        return {
            CannotMatchReason.NOT_FOUND: "We could not find a record with the details on the form",
            CannotMatchReason.DETAILS_DIFFER: "The details on the form do not match the record",
            CannotMatchReason.INCOMPLETE: "The form was not complete",
            CannotMatchReason.NOT_SIGNED: "The form was not signed",
        }[self]


class RejectionReason(StrEnum):
    EVIDENCE_MISSING = "evidence_missing"
    EVIDENCE_NOT_VALID = "evidence_not_valid"
    EVIDENCE_DOES_NOT_NAME_PROXY = "evidence_does_not_name_proxy"
    NOT_ELIGIBLE = "not_eligible"

    @property
    def label(self) -> str:
        return {
            RejectionReason.EVIDENCE_MISSING: "The evidence of legal authority was not included",
            RejectionReason.EVIDENCE_NOT_VALID: "The evidence could not be verified",
            RejectionReason.EVIDENCE_DOES_NOT_NAME_PROXY: "The evidence does not name the person acting",
            RejectionReason.NOT_ELIGIBLE: "The person acting cannot make this choice for this person",
        }[self]


@dataclass(frozen=True, slots=True)
class Decision:
    by: str
    at: datetime
    reason: str = ""  # a RejectionReason or CannotMatchReason value
    note: str = ""


@dataclass(frozen=True, slots=True)
class StatedDetails:
    """What a postal form says about the person it is for (checked against the record before recording)."""

    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    address_lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    reference: str  # ours, e.g. CC-000012 or PP-000034 (assigned by the store)
    channel: Channel
    status: CaseStatus
    acting_for: ActingFor
    created_at: datetime
    created_by: str
    nhs_number: NhsNumber | None = None
    choice: Choice | None = None
    made_at: datetime | None = None  # the call, or the day the form was signed
    nic_reference: str = ""  # the contact centre CRM's case number (FHIR NICReference)
    identity_confirmed: frozenset[IdentityDetail] = field(default_factory=frozenset)
    received_on: date | None = None  # post only
    scanned_reference: str = ""  # post only
    submitted_by: str = ""  # who sent the form when not the person: a proxy, or a healthcare professional
    stated: StatedDetails | None = None  # post only: the person's details as written on the form
    proxy: ProxyDetails | None = None
    note: str = ""
    decision: Decision | None = None
    event_sequence: int | None = None

    @property
    def needs_approval(self) -> bool:
        return self.acting_for is not ActingFor.SELF

    @property
    def case_reference(self) -> str:
        """The reference the registry's event carries: the NIC reference for calls, ours for forms."""
        return self.nic_reference or self.reference

    def choice_request(self) -> ChoiceRequest:
        if self.nhs_number is None or self.choice is None:
            raise InvalidCase("This case has no person or no choice yet.", code="case_incomplete")
        return ChoiceRequest(
            nhs_number=self.nhs_number,
            choice=self.choice,
            channel=self.channel,
            proxy=None if self.proxy is None else self.proxy.to_proxy(),
            case_reference=self.case_reference,
            made_at=self.made_at,
        )


def check_reference(text: str, what: str) -> str:
    value = text.strip()
    if not _REFERENCE.match(value):
        raise InvalidCase(
            f"Enter the {what}: up to 40 letters, numbers, hyphens or slashes, like 12345-A.",
            code=f"{what.replace(' ', '_')}",
        )
    return value


def check_note(text: str) -> str:
    note = text.strip()
    if len(note) > 1000:
        raise InvalidCase("A note must be 1,000 characters or fewer.", code="note_too_long")
    return note


def check_identity(details: frozenset[IdentityDetail]) -> None:
    if not details >= _REQUIRED_IDENTITY or len(details) < 3:
        raise InvalidCase(
            "Confirm the caller's identity: their full name, date of birth and one more detail from the record "
            "(NHS number, address, postcode or GP practice).",
            code="identity_not_confirmed",
        )


def check_signed_and_received(signed_on: date, received_on: date, today: date) -> None:
    if received_on > today:
        raise InvalidCase("The date the form was received cannot be in the future.", code="received_in_future")
    if signed_on > received_on:
        raise InvalidCase("The date the form was signed must be on or before the date it was received.",
                          code="signed_after_received")


def check_decider(case: Case, staff: StaffMember) -> None:
    """Four eyes: an approver other than the person who recorded the case decides it."""
    staff.require(StaffRole.APPROVER)
    if case.status is not CaseStatus.PENDING_APPROVAL:
        raise InvalidCase("This case is not waiting for approval.", code="not_pending")
    if str(staff.actor) == case.created_by:
        raise NotPermitted(
            "You recorded this case, so someone else must verify the evidence and approve it.",
            code="four_eyes",
        )


def _norm(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def form_mismatches(patient: Patient, stated: StatedDetails) -> list[str]:
    """What on the form differs from the record (empty: it matches). Names compare without case or spaces."""
    problems = []
    if _norm(stated.family_name) != _norm(patient.family_name):
        problems.append("family name")
    if _norm(stated.given_name) != _norm(patient.given_name):
        problems.append("given name")
    if stated.date_of_birth != patient.date_of_birth:
        problems.append("date of birth")
    if re.sub(r"\s", "", stated.postcode.upper()) != re.sub(r"\s", "", patient.postcode.upper()):
        problems.append("postcode")
    return problems


@dataclass(frozen=True, slots=True)
class QueueEntry:
    case: Case
    age_days: int
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def postal_queue(cases: list[Case], today: date) -> list[QueueEntry]:
    """Open postal cases by age against the 14-day target: overdue first, the oldest first."""
    entries = []
    for case in cases:
        if case.channel is not Channel.PAPER or not case.status.is_open or case.received_on is None:
            continue
        age = (today - case.received_on).days
        entries.append(QueueEntry(case, age, PROCESSING_TARGET.days - age))
    return sorted(entries, key=lambda e: (not e.overdue, -e.age_days, e.case.reference))
