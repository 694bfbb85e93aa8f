"""The choice history inside the audit chain (ADR 40).

Every choice event is anchored in an audit record: `choice.recorded` carries the sha256 of its one event,
`population.imported` the sha256 of the range of versions it added. The audit chain protects those
digests, so changing, replacing, inserting or deleting an event breaks verification at a named place,
with no second chain to keep in step: writers already serialise on the audit head.

The digest is over a canonical line per event, in sequence order, of every stored field.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from ndop.domain.common.audit import AuditRecord, BrokenLink
from ndop.domain.registry.choices import ChoiceEvent

# The stored columns of a choice event, in the order the digest takes them.
EVENT_FIELDS: Final = (
    "sequence", "nhs_number", "choice", "made_at", "recorded_at", "channel", "proxy_role", "proxy_name",
    "proxy_evidence_type", "proxy_evidence_reference", "case_reference", "recorded_by",
)
EventRow = tuple[Any, ...]


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def event_line(row: EventRow) -> bytes:
    return json.dumps([_canonical(v) for v in row], separators=(",", ":")).encode() + b"\n"


def events_digest(rows: Iterable[EventRow]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(event_line(row))
    return digest.hexdigest()


def event_row(event: ChoiceEvent) -> EventRow:
    proxy = event.proxy
    return (
        event.sequence, event.nhs_number.digits, event.choice.value, event.effective_made_at, event.recorded_at,
        event.channel.value, proxy.role.value if proxy else "", proxy.name if proxy else "",
        proxy.evidence_type if proxy else "", proxy.evidence_reference if proxy else "", event.case_reference,
        event.recorded_by,
    )


@dataclass(frozen=True, slots=True)
class Anchor:
    """Registry versions first..last, whose events' digest audit record `audit_sequence` holds."""

    first: int
    last: int
    digest: str
    audit_sequence: int


def anchor_of(record: AuditRecord) -> Anchor | None:
    details: Mapping[str, Any] = record.details
    if record.action == "choice.recorded" and "sequence" in details:
        sequence = int(details["sequence"])
        return Anchor(sequence, sequence, str(details.get("event_sha256", "")), record.sequence)
    if record.action == "population.imported":
        choices = details.get("choices.csv") or {}
        if choices.get("first_version") is not None:
            return Anchor(int(choices["first_version"]), int(choices["last_version"]),
                          str(choices.get("events_sha256", "")), record.sequence)
    if record.action == "gp_codes.type2_converted" and details.get("first_version") is not None:
        return Anchor(int(details["first_version"]), int(details["last_version"]),
                      str(details.get("events_sha256", "")), record.sequence)
    return None


def verify_history(anchors: Iterable[Anchor], rows: Iterator[EventRow], *, registry_version: int) -> BrokenLink | None:
    """Check the stored events (in sequence order) against the anchors: each event in exactly one anchored
    range, every anchored version present, every range's digest equal. The first difference is returned,
    named by registry version (the message carries no NHS number)."""
    pending = sorted(anchors, key=lambda a: a.first)
    index = 0
    for a, b in zip(pending, pending[1:], strict=False):
        if b.first <= a.last:
            return BrokenLink(b.first, f"choice event is claimed by audit records {a.audit_sequence} and "
                                       f"{b.audit_sequence}")
    row = next(rows, None)
    while index < len(pending):
        anchor = pending[index]
        while row is not None and row[0] < anchor.first:
            return BrokenLink(int(row[0]), "choice event is not in the audit chain (written outside the service)")
        digest = hashlib.sha256()
        for expected in range(anchor.first, anchor.last + 1):
            if row is None or row[0] != expected:
                return BrokenLink(expected, f"choice event is missing (audit record {anchor.audit_sequence} "
                                            f"covers it)")
            digest.update(event_line(row))
            row = next(rows, None)
        if digest.hexdigest() != anchor.digest:
            where = anchor.first if anchor.first == anchor.last else f"{anchor.first}..{anchor.last}"
            return BrokenLink(anchor.first, f"choice event {where} differs from what audit record "
                                            f"{anchor.audit_sequence} sealed (changed or replaced)")
        index += 1
    if row is not None:
        return BrokenLink(int(row[0]), "choice event is not in the audit chain (written outside the service)")
    last = pending[-1].last if pending else 0
    if last != registry_version:
        return BrokenLink(min(last, registry_version) + 1,
                          f"the registry version is {registry_version} but the audit chain seals events to {last}")
    return None


class HistoryReader(Protocol):
    """The stored history, the projection and the audit chain as `ndop audit verify` reads them."""

    def event_rows(self) -> Iterator[EventRow]:
        """Every choice event as EVENT_FIELDS, in sequence order."""
        ...

    def registry_version(self) -> int: ...

    def projection_difference(self) -> str | None:
        """The first difference between the stored current-choice projection and one rebuilt from the
        history (latest made_at, then sequence), described without NHS numbers; None when they agree."""
        ...
