"""Ports every feature shares: the audit log (hash-chained, append-only) and the unit of work.

Every use-case runs in one unit of work: its stores, the audit log, the clock, and one transaction
that makes their writes atomic. Each feature's unit of work (`registry.ports.Registry`,
`policy.register.PolicyRegisterUnit`) is a `UnitOfWork` with that feature's stores added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from ndop.domain.common.audit import AuditEntry, AuditRecord
from ndop.domain.common.clock import Clock


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> AuditRecord:
        """Seal `entry` onto the chain, in the caller's transaction."""
        ...

    def commit_with(self, entry: AuditEntry, write: Callable[[], None]) -> AuditRecord:
        """`write` (the use-case's own rows) and `entry`'s record, committed together before it returns.
        Outside a transaction concurrent callers may share one commit (group commit, ADR 76); inside
        one, it is `write()` then `append` in that transaction."""
        ...

    def records(self) -> Iterator[AuditRecord]: ...

    def head(self) -> tuple[int, str]: ...


class UnitOfWork(Protocol):
    clock: Clock  # settable: the demo back-dates choices by shifting it

    # The stores are read-only members, so that an implementation may hold its own concrete types.
    @property
    def audit(self) -> AuditLog: ...

    def transaction(self) -> AbstractContextManager[None]:
        """Writes inside are atomic; transactions nest (savepoints)."""
        ...
