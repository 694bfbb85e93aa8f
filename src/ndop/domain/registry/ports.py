"""Ports of the registry: the patient index, the choice history, and the unit of work over them."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from ndop.domain.common.clock import Clock
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.common.ports import AuditLog
from ndop.domain.organisations.ports import OrganisationDirectory
from ndop.domain.registry.choices import ChoiceEvent
from ndop.domain.registry.patients import Patient


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


class Registry(Protocol):
    """A unit of work: the stores, plus a transaction that makes their writes atomic."""

    patients: PatientIndex
    choices: ChoiceStore
    audit: AuditLog
    organisations: OrganisationDirectory
    clock: Clock

    def transaction(self) -> AbstractContextManager[None]: ...
