"""Group commit for the audit chain: concurrent audited writes share one head lock and one commit (ADR 76).

Every audited write takes the chain head's row lock, seals its record onto the previous hash, and
commits (one WAL flush). One at a time, the head is the API's serialisation point. Here a caller that
is not inside a transaction hands over its rows (a `write` callback) and its audit entry and waits. One
caller at a time is the leader: it takes everything queued, and in one transaction runs every write,
locks the head once, seals the records in queue order, inserts them, moves the head once and commits
once. Only then is any caller in the batch released: nobody answers before their record is durable in
the chain. Whoever queued while that commit was in flight forms the next batch, led by its first.

A batch that fails is not anyone's answer: each of its callers then commits alone, as before, so one
bad write cannot cost the others theirs. Sequences stay gap-free and the chain is the one chain:
`ndop audit verify` cannot tell a batched record from another. One committer a process; processes
(gunicorn workers) still queue on the head row, a batch at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext

from django.db import connection, transaction

from ndop.adapters.db import models as m
from ndop.adapters.db import prepared
from ndop.adapters.db.statements import FLUSH_WAL, INSERT_RECORD, LOCK_HEAD, MOVE_HEAD, record_row, sealed
from ndop.domain.common.audit import AuditEntry, AuditRecord
from ndop.domain.common.clock import Clock

MAX_BATCH = 500  # a bound on one transaction's size; more wait for the next batch


class _Pending:
    __slots__ = ("clock", "entry", "error", "lead", "record", "unflushed", "wake", "write")

    def __init__(self, entry: AuditEntry, write: Callable[[], None], clock: Clock) -> None:
        self.entry, self.write, self.clock = entry, write, clock
        self.wake = threading.Event()
        self.lead = False
        self.record: AuditRecord | None = None
        self.error: BaseException | None = None
        self.unflushed = False


def append_records(entries: list[tuple[AuditEntry, Clock]], *, flush_after: bool = False) -> list[AuditRecord]:
    """Seal `entries` onto the chain in order under one head lock. Inside the caller's transaction.

    `flush_after` (PostgreSQL): this transaction's commit does not wait for the WAL flush, so that the head's
    lock is not held through it; the caller must then `flush_wal()` before telling anyone it committed. Its
    statements are prepared (ADR 92): the batch of every API call runs them."""
    if not entries:
        return []
    if flush_after:
        return _append_prepared(entries)
    head = m.AuditHead.objects.select_for_update().get(id=1)
    records = sealed(entries, head.sequence, head.hash)
    m.AuditEvent.objects.bulk_create([
        m.AuditEvent(sequence=r.sequence, occurred_at=r.occurred_at, action=r.action, actor=r.actor,
                     subject=r.subject, details=dict(r.details), previous_hash=r.previous_hash, hash=r.hash)
        for r in records
    ])
    m.AuditHead.objects.filter(id=1).update(sequence=records[-1].sequence, hash=records[-1].hash)
    return records


def _append_prepared(entries: list[tuple[AuditEntry, Clock]]) -> list[AuditRecord]:
    with prepared.cursor() as cursor:
        cursor.execute(LOCK_HEAD)
        _off, sequence, previous = cursor.fetchone()
        records = sealed(entries, sequence, previous)
        cursor.executemany(INSERT_RECORD, [record_row(r) for r in records])
        cursor.execute(MOVE_HEAD, (records[-1].sequence, records[-1].hash))
    return records


def flush_wal() -> None:
    """Return once the WAL is flushed through everything this connection committed: a transaction of its
    own that takes a transaction id commits synchronously, and the WAL is flushed in order."""
    with prepared.cursor() as cursor:
        cursor.execute(FLUSH_WAL)


class GroupCommit:
    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self._max_batch = max_batch
        self._mutex = threading.Lock()
        self._queue: list[_Pending] = []
        self._leading = False
        self.batches = 0  # commits made, for tests and the benchmark
        self.records = 0

    def commit(self, entry: AuditEntry, write: Callable[[], None], clock: Clock) -> AuditRecord:
        """Run `write` and append `entry`'s record in one committed transaction, perhaps shared with
        other callers'; return the record once it is committed. Call outside any transaction."""
        pending = _Pending(entry, write, clock)
        with self._mutex:
            self._queue.append(pending)
            if not self._leading:
                self._leading = pending.lead = True
        if not pending.lead:
            pending.wake.wait()
        if pending.lead:  # the first caller, or promoted by the leader before
            self._lead()
        if pending.record is not None:
            return pending.record
        if pending.unflushed and pending.error is not None:
            raise pending.error  # committed, but not known to be durable: an error, never a second record
        # The batch failed: commit alone, so that only a write that fails by itself fails its caller.
        with transaction.atomic():
            write()
            return append_records([(entry, clock)])[0]

    def _lead(self) -> None:
        with self._mutex:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        # On PostgreSQL the batch commits without holding the head through the flush, then waits for the
        # flush before anyone is answered: other processes' batches chain on meanwhile, and their flushes
        # and this one are one flush of the WAL (a crash loses only unanswered batches, and those after them).
        flush_after = connection.vendor == "postgresql"
        try:
            # Pipelined on PostgreSQL (ADR 92): the writes go with the head's lock in one round trip, the
            # records and the head's move in the next, then the commit; no statement waits for the one before.
            with transaction.atomic(), (prepared.pipeline() if flush_after else nullcontext()):
                for pending in batch:
                    pending.write()
                records = append_records([(p.entry, p.clock) for p in batch], flush_after=flush_after)
        except Exception as exc:  # noqa: BLE001  # every caller retries alone and sees its own error
            for pending in batch:
                pending.error = exc
        else:
            try:
                if flush_after:
                    flush_wal()
            except Exception as exc:  # noqa: BLE001  # committed, durability unknown: nobody retries
                for pending in batch:
                    pending.error, pending.unflushed = exc, True
                records = []
            for pending, record in zip(batch, records, strict=False):
                pending.record = record
            self.batches += 1
            self.records += len(records)
        with self._mutex:
            following = self._queue[0] if self._queue else None
            if following is None:
                self._leading = False
            else:
                following.lead = True
        for pending in batch:
            pending.lead = False
            pending.wake.set()
        if following is not None:
            following.wake.set()


_committer: GroupCommit | None = None
_committer_mutex = threading.Lock()


def committer() -> GroupCommit:
    """This process's committer (made on first use, so each forked worker has its own)."""
    global _committer
    with _committer_mutex:
        if _committer is None:
            _committer = GroupCommit()
        return _committer
