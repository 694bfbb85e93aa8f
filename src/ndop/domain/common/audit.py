"""The audit trail: append-only and hash-chained.

Each record carries the hash of the previous one, so a changed field or a deleted row breaks the
chain at a point `verify_chain` can name. The hash covers a canonical JSON form of every field.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit_actions import AuditAction

GENESIS_HASH: Final = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What happened, before it is placed in the chain.

    `actor` is who did it (`actors.Actor`: stored as its string form);
    `subject` is what it was done to (an NHS number, a job id, an organisation code).
    """

    action: AuditAction
    actor: Actor
    subject: str = ""
    details: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Typed at run time too: a bare string here would be an action or actor nobody listed.
        if not isinstance(self.action, AuditAction):
            raise TypeError(f"an audit action is an AuditAction, not {type(self.action).__name__}")
        if not isinstance(self.actor, Actor):
            raise TypeError(f"an audit actor is an Actor, not {type(self.actor).__name__}")


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A record in the chain, as stored: the action's value and the actor's stored form."""

    sequence: int
    occurred_at: datetime
    action: str
    actor: str
    subject: str
    details: Mapping[str, object]
    previous_hash: str
    hash: str


def chain_hash(
    *,
    sequence: int,
    occurred_at: datetime,
    action: str,
    actor: str,
    subject: str,
    details: Mapping[str, object],
    previous_hash: str,
) -> str:
    payload = json.dumps(
        {
            "sequence": sequence,
            "occurred_at": occurred_at.isoformat(),
            "action": action,
            "actor": actor,
            "subject": subject,
            "details": details,
            "previous_hash": previous_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def seal(entry: AuditEntry, *, sequence: int, occurred_at: datetime, previous_hash: str) -> AuditRecord:
    details = dict(entry.details)
    action = entry.action.value
    actor = str(entry.actor)
    digest = chain_hash(
        sequence=sequence,
        occurred_at=occurred_at,
        action=action,
        actor=actor,
        subject=entry.subject,
        details=details,
        previous_hash=previous_hash,
    )
    return AuditRecord(sequence, occurred_at, action, actor, entry.subject, details, previous_hash, digest)


@dataclass(frozen=True, slots=True)
class BrokenLink:
    sequence: int
    reason: str


def verify_chain(
    records: Iterable[AuditRecord], *, head_sequence: int, head_hash: str
) -> BrokenLink | None:
    """Check every record in sequence order against its predecessor and the stored head.

    The head (last sequence and hash, kept apart from the rows) catches a deleted last row.
    """
    expected_sequence = 1
    previous = GENESIS_HASH
    for record in records:
        if record.sequence != expected_sequence:
            return BrokenLink(expected_sequence, "record is missing")
        if record.previous_hash != previous:
            return BrokenLink(record.sequence, "previous hash does not match the record before it")
        recomputed = chain_hash(
            sequence=record.sequence,
            occurred_at=record.occurred_at,
            action=record.action,
            actor=record.actor,
            subject=record.subject,
            details=record.details,
            previous_hash=record.previous_hash,
        )
        if recomputed != record.hash:
            return BrokenLink(record.sequence, "record was changed after it was written")
        previous = record.hash
        expected_sequence += 1
    if expected_sequence - 1 < head_sequence:
        return BrokenLink(expected_sequence, "record is missing (the chain is shorter than its head)")
    if expected_sequence - 1 > head_sequence:
        return BrokenLink(head_sequence + 1, "record is beyond the chain head (the chain is longer than its head)")
    if previous != head_hash:
        return BrokenLink(head_sequence, "last record does not match the chain head")
    return None
