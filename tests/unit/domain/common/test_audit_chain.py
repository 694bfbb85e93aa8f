from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import GENESIS_HASH, AuditEntry, AuditRecord, seal, verify_chain
from ndop.domain.common.audit_actions import AuditAction

START = datetime(2026, 1, 1, tzinfo=UTC)


def build(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    previous = GENESIS_HASH
    for i in range(1, n + 1):
        entry = AuditEntry(
            action=AuditAction.CHOICE_RECORDED, actor=Actor.staff_user(str(i % 3)), subject=f"s{i}", details={"n": i}
        )
        record = seal(entry, sequence=i, occurred_at=START + timedelta(seconds=i), previous_hash=previous)
        records.append(record)
        previous = record.hash
    return records


def verify(records: list[AuditRecord], head: AuditRecord | None):
    return verify_chain(
        records,
        head_sequence=head.sequence if head else 0,
        head_hash=head.hash if head else GENESIS_HASH,
    )


def test_verify_chain_intact_and_empty() -> None:
    records = build(5)
    assert verify(records, records[-1]) is None
    assert verify([], None) is None


@given(st.integers(min_value=1, max_value=12), st.data())
def test_verify_chain_any_changed_field_is_named(n: int, data: st.DataObject) -> None:
    records = build(n)
    head = records[-1]
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    field = data.draw(st.sampled_from(["action", "actor", "subject", "details", "occurred_at"]))
    original = records[index]
    changed_value = {
        "action": "choice.deleted",
        "actor": "intruder",
        "subject": "other",
        "details": {"n": -1},
        "occurred_at": original.occurred_at + timedelta(microseconds=1),
    }[field]
    records[index] = dataclasses.replace(original, **{field: changed_value})
    broken = verify(records, head)
    assert broken is not None
    assert broken.sequence == original.sequence


@given(st.integers(min_value=1, max_value=12), st.data())
def test_verify_chain_any_deleted_row_is_found(n: int, data: st.DataObject) -> None:
    records = build(n)
    head = records[-1]
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    del records[index]
    broken = verify(records, head)
    assert broken is not None
    assert broken.sequence == index + 1


def test_verify_chain_rehashed_forgery_is_caught_by_the_head() -> None:
    # An intruder who rewrites a row and recomputes every later hash still cannot match the head.
    records = build(3)
    head = records[-1]
    forged = seal(
        AuditEntry(AuditAction.CHOICE_RECORDED, Actor.parse("intruder"), "s3", {"n": 3}),
        sequence=3,
        occurred_at=records[2].occurred_at,
        previous_hash=records[1].hash,
    )
    assert verify(records[:2] + [forged], head) is not None
