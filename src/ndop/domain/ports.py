"""Ports: what the services need from the outside world. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from ndop.domain.audit import AuditEntry, AuditRecord
from ndop.domain.choices import ChoiceEvent
from ndop.domain.clock import Clock
from ndop.domain.nhs_number import NhsNumber
from ndop.domain.organisations import OdsCode, Organisation, OrganisationUser
from ndop.domain.patients import Patient


class PatientIndex(Protocol):
    def get(self, nhs_number: NhsNumber) -> Patient | None: ...

    def save(self, patient: Patient) -> bool:
        """Insert or replace the demographic record; True when it was new."""
        ...


class ChoiceStore(Protocol):
    def next_sequence(self) -> int:
        """Reserve the next registry version. Holds a lock until the transaction ends, so that
        versions become visible in order (readers catching up by `sequence > n` miss nothing)."""
        ...

    def append(self, event: ChoiceEvent) -> None:
        """Write the event and bring the current-choice projection in step."""
        ...

    def history(self, nhs_number: NhsNumber) -> list[ChoiceEvent]: ...

    def current(self, nhs_number: NhsNumber) -> ChoiceEvent | None: ...

    def registry_version(self) -> int: ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> AuditRecord: ...

    def records(self) -> Iterator[AuditRecord]: ...

    def head(self) -> tuple[int, str]: ...


class OrganisationDirectory(Protocol):
    def get(self, ods_code: OdsCode) -> Organisation | None: ...

    def save(self, organisation: Organisation) -> bool:
        """Insert or replace; True when it was new."""
        ...

    def get_user(self, email: str) -> OrganisationUser | None: ...

    def add_user(self, user: OrganisationUser, password: str) -> None:
        """Create the user's account; the adapter stores only a salted hash of `password`."""
        ...

    def set_user_active(self, email: str, active: bool) -> bool:
        """False when there is no such user."""
        ...


class Registry(Protocol):
    """A unit of work: the stores, plus a transaction that makes their writes atomic."""

    patients: PatientIndex
    choices: ChoiceStore
    audit: AuditLog
    organisations: OrganisationDirectory
    clock: Clock

    def transaction(self) -> AbstractContextManager[None]: ...
