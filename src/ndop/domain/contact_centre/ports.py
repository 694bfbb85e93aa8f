"""Ports of the contact centre: staff accounts, sign-in, cases, and the unit of work over them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ndop.domain.contact_centre.cases import Case, CaseStatus
from ndop.domain.contact_centre.staff import StaffMember, StaffRole
from ndop.domain.letters.ports import LetterStore
from ndop.domain.registry.choices import Channel
from ndop.domain.registry.patients import Patient
from ndop.domain.registry.ports import Registry


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A new second factor, shown once: the TOTP secret (base32), its otpauth:// URI, recovery codes."""

    totp_secret: str
    otpauth_uri: str
    recovery_codes: tuple[str, ...]


class StaffSignIn(Protocol):
    """The one port through which staff prove who they are. Today a password and a TOTP code (django-otp);
    NHS Care Identity Service 2 could replace it (ADR 0052)."""

    def check_password(self, username: str, password: str) -> bool: ...

    def check_second_factor(self, username: str, code: str) -> bool:
        """A TOTP code, or a recovery code (each works once)."""
        ...

    def enrol(self, username: str, password: str) -> Enrolment:
        """Set the password and replace every second factor with a new TOTP secret and recovery codes."""
        ...


class StaffDirectory(Protocol):
    def get(self, username: str) -> StaffMember | None: ...

    def add(self, member: StaffMember) -> None: ...

    def all(self) -> list[StaffMember]: ...

    def set_active(self, username: str, active: bool) -> None: ...

    def set_roles(self, username: str, roles: frozenset[StaffRole]) -> None: ...

    def set_failed_sign_ins(self, username: str, count: int) -> None: ...


class CaseStore(Protocol):
    def add(self, case: Case) -> Case:
        """Store a new case (its reference empty); returns it with its reference."""
        ...

    def get(self, reference: str) -> Case | None: ...

    def get_for_update(self, reference: str) -> Case | None:
        """The case, locked until the transaction ends (two approvers never both decide it)."""
        ...

    def save(self, case: Case) -> None: ...

    def by_status(self, statuses: tuple[CaseStatus, ...], channel: Channel | None = None) -> list[Case]: ...

    def for_person(self, nhs_number: str) -> list[Case]: ...


class PatientTrace(Protocol):
    def trace(self, family_name: str, date_of_birth: object, postcode: str, limit: int) -> list[Patient]:
        """People whose family name, date of birth and postcode all match; at most `limit`."""
        ...


class ContactCentre(Registry, Protocol):
    """The registry's unit of work plus the contact centre's stores."""

    staff: StaffDirectory
    sign_in: StaffSignIn
    cases: CaseStore
    trace: PatientTrace
    letters: LetterStore
