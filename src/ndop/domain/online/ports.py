"""Ports of the patient online service: where security codes live and how people are found."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.online.guard import Failure, NumberGuard
from ndop.domain.online.history import StaffView
from ndop.domain.online.nhs_login import NhsLoginIdentity
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


class GuardStore(Protocol):
    """Per-number limits (ADR 0045). Every method runs inside the caller's transaction."""

    def lock(self, key: str, since: datetime) -> NumberGuard:
        """The number's guard, created if new and row-locked until the transaction ends, with its
        failures after `since`."""
        ...

    def add_failure(self, key: str, failure: Failure) -> None: ...

    def set_lock(self, key: str, until: datetime, reason: str) -> None: ...

    def set_noticed(self, key: str, at: datetime) -> None: ...


class NhsLoginProvider(Protocol):
    """NHS login, the OpenID provider (ADR 68). Its adapter checks every token; callers see claims or
    `NhsLoginFailed`."""

    def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the person: the authorization request (code flow, PKCE S256, vtr, nonce)."""
        ...

    def identify(self, *, code: str, code_verifier: str, nonce: str) -> NhsLoginIdentity:
        """Exchange the code (private_key_jwt), check the id_token (signature, issuer, audience, expiry,
        nonce), read the userinfo claims. Raises `NhsLoginFailed`."""
        ...


class StaffViewLog(Protocol):
    def staff_views(self, nhs_number: NhsNumber) -> list[StaffView]:
        """Every time contact-centre staff opened this person's record (any of their numbers), oldest first,
        from the audit trail."""
        ...
