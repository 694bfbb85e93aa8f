"""Ports every feature shares: the audit log (hash-chained, append-only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from ndop.domain.common.audit import AuditEntry, AuditRecord


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> AuditRecord: ...

    def records(self) -> Iterator[AuditRecord]: ...

    def head(self) -> tuple[int, str]: ...
