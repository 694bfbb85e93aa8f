"""What the patient online service's use-cases need, handed over by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from ndop.domain.notifications.ports import Notifier
from ndop.domain.online.ports import GuardStore, PatientFinder, SecurityCodeStore
from ndop.domain.registry.ports import Registry


@dataclass(frozen=True)
class OnlineDeps:
    registry: Registry
    codes: SecurityCodeStore
    finder: PatientFinder
    notifier: Notifier
    code_key: bytes  # keys the security code hashes; derived from the secret key
    guards: GuardStore  # per-number limits in the database (ADR 0045)
