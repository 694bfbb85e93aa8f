"""Ports of the registry: the patient index, the choice history, and the unit of work over them."""

from __future__ import annotations

from typing import Protocol

from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.common.ports import UnitOfWork
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


class Registry(UnitOfWork, Protocol):
    """The registry's unit of work: its stores, with the audit log, the clock and the transaction."""

    @property
    def patients(self) -> PatientIndex: ...

    @property
    def choices(self) -> ChoiceStore: ...

    @property
    def organisations(self) -> OrganisationDirectory: ...
