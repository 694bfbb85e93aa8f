"""Check the audit chain from its first record to its head; and, for `ndop audit verify`, everything the
chain vouches for: the choice history sealed in it, the current-choice projection, the checkpoints."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ndop.domain.common.audit import AuditRecord, BrokenLink, verify_chain
from ndop.domain.common.checkpoints import Checkpoint, checkpoint_problem
from ndop.domain.registry.integrity import Anchor, EventRow, HistoryReader, anchor_of, verify_history
from ndop.domain.registry.ports import Registry


def verify_audit(registry: Registry) -> tuple[int, BrokenLink | None]:
    """Return (records checked, first broken link or None)."""
    with registry.transaction():
        head_sequence, head_hash = registry.audit.head()
        broken = verify_chain(registry.audit.records(), head_sequence=head_sequence, head_hash=head_hash)
    return head_sequence, broken


@dataclass(frozen=True, slots=True)
class RegistryVerdict:
    records: int
    events: int
    problem: str | None  # the first difference found, for people (no NHS numbers); None when intact


def verify_registry(
    registry: Registry, history: HistoryReader, *, checkpoints: Sequence[tuple[str, Checkpoint]] = ()
) -> RegistryVerdict:
    """The chain, then the checkpoints it must extend, then the history it seals, then the projection."""
    anchors: list[Anchor] = []
    wanted = {checkpoint.sequence for _, checkpoint in checkpoints}
    hashes: dict[int, str] = {}

    def walked() -> Iterator[AuditRecord]:
        for record in registry.audit.records():
            anchor = anchor_of(record)
            if anchor is not None:
                anchors.append(anchor)
            if record.sequence in wanted:
                hashes[record.sequence] = record.hash
            yield record

    events = 0

    def counted(rows: Iterator[EventRow]) -> Iterator[EventRow]:
        nonlocal events
        for row in rows:
            events += 1
            yield row

    with registry.transaction():
        head_sequence, head_hash = registry.audit.head()
        broken = verify_chain(walked(), head_sequence=head_sequence, head_hash=head_hash)
        if broken is not None:
            return RegistryVerdict(head_sequence, 0, f"audit chain broken at record {broken.sequence}: {broken.reason}")
        problem = checkpoint_problem(checkpoints, hashes, head_sequence)
        if problem is not None:
            return RegistryVerdict(head_sequence, 0, f"audit chain does not extend its checkpoints: {problem}")
        broken = verify_history(anchors, counted(history.event_rows()), registry_version=history.registry_version())
        if broken is not None:
            return RegistryVerdict(head_sequence, events,
                                   f"choice history broken at registry version {broken.sequence}: {broken.reason}")
        difference = history.projection_difference()
        if difference is not None:
            return RegistryVerdict(head_sequence, events, f"current-choice projection differs from the history: "
                                                          f"{difference}")
    return RegistryVerdict(head_sequence, events, None)
