"""Ports of the patient online service: where security codes live and how people are found."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.online.security_code import Challenge
from ndop.domain.registry.patients import Patient


class SecurityCodeStore(Protocol):
    def add(self, challenge: Challenge) -> None: ...

    def get_for_update(self, challenge_id: str) -> Challenge | None:
        """The challenge, locked until the transaction ends (two tries never race)."""
        ...

    def save(self, challenge: Challenge) -> None: ...

    def recent(self, nhs_number: NhsNumber, since: datetime) -> list[Challenge]:
        """Challenges for this number created, or locked until, after `since`."""
        ...


class PatientFinder(Protocol):
    def by_postcode_and_birth(self, postcode: str, date_of_birth: date) -> list[Patient]: ...
