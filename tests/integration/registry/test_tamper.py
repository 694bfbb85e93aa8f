"""Issue 11, findings 1-3 and 8: each attack on the real database, and how it now fails or is detected."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from ndop import container
from ndop.adapters.db import models as m
from ndop.adapters.db.check import DjangoCheckJobStore, DjangoOptOutSource
from ndop.adapters.db.integrity import DjangoHistoryReader
from ndop.adapters.files import checkpoints as files
from ndop.adapters.files.snapshots import FileSnapshotStore
from ndop.domain.common.actors import PATIENT_ONLINE, Actor
from ndop.domain.common.checkpoints import Checkpoint
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.check.run_check import CheckChannel, CheckService
from ndop.services.check.snapshot import SnapshotKeeper
from ndop.services.check.verify_snapshots import verify_snapshots
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from ndop.services.registry.verify_audit import verify_registry
from tests.conftest import NOW, TESTER, make_patient

pytestmark = pytest.mark.django_db
KEY = b"test snapshot key"


def sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def refused(statement: str, params: list | None = None) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        sql(statement, params)


def permit() -> None:
    sql("INSERT INTO maintenance_permit (reason) VALUES ('attacker')")


def unpermit() -> None:
    sql("DELETE FROM maintenance_permit")


def verdict(checkpoints=()) -> str | None:
    return verify_registry(container.registry(), DjangoHistoryReader(), checkpoints=checkpoints).problem


@pytest.fixture
def person(registry):
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)
    assert verdict() is None
    return patient


def test_finding_1_replace_cannot_rewrite_a_choice_event(person) -> None:
    if connection.vendor == "sqlite":
        refused("INSERT OR REPLACE INTO choice_event SELECT sequence, nhs_number, 'not_opted_out', made_at, "
                "recorded_at, channel, proxy_role, proxy_name, proxy_evidence_type, proxy_evidence_reference, "
                "case_reference, recorded_by FROM choice_event WHERE sequence = 1")
        refused("REPLACE INTO audit_event SELECT * FROM audit_event WHERE sequence = 1")
    else:
        refused("INSERT INTO choice_event SELECT * FROM choice_event WHERE sequence = 1 "
                "ON CONFLICT (sequence) DO UPDATE SET choice = 'not_opted_out'")
    assert m.ChoiceEvent.objects.get(sequence=1).choice == "opted_out"
    assert verdict() is None


def test_finding_1_a_changed_event_breaks_verification_even_with_a_permit(person) -> None:
    permit()
    sql("UPDATE choice_event SET choice = 'not_opted_out' WHERE sequence = 1")
    unpermit()
    assert verdict().startswith("choice history broken at registry version 1: choice event 1 differs")


def test_finding_1_an_inserted_or_deleted_event_breaks_verification(person, registry) -> None:
    sql("INSERT INTO choice_event (sequence, nhs_number, choice, made_at, recorded_at, channel, proxy_role, "
        "proxy_name, proxy_evidence_type, proxy_evidence_reference, case_reference, recorded_by) "
        "SELECT 2, nhs_number, 'not_opted_out', made_at, recorded_at, channel, '', '', '', '', '', 'x' "
        "FROM choice_event WHERE sequence = 1")
    assert "registry version 2: choice event is not in the audit chain" in verdict()
    permit()
    sql("DELETE FROM choice_event")
    unpermit()
    assert "registry version 1: choice event is missing" in verdict()


def test_finding_2_a_tampered_projection_is_detected_and_never_reaches_a_check(person, tmp_path) -> None:
    sql("UPDATE current_choice SET choice = 'not_opted_out'")
    assert verdict().startswith("current-choice projection differs from the history")
    # The snapshot is built from the history, so a rebuild still removes the person.
    service = CheckService(container.registry(), DjangoCheckJobStore(),
                           SnapshotKeeper(DjangoOptOutSource(), FileSnapshotStore(tmp_path, KEY)))
    out = io.BytesIO()
    service.run(io.BytesIO(f"{person.nhs_number.digits}\r\n".encode()), out, channel=CheckChannel.CLI,
                requested_by=TESTER)
    assert out.getvalue() == b""


def test_finding_2_a_flipped_snapshot_bit_is_never_used_and_the_job_says_so(person, tmp_path) -> None:
    store = FileSnapshotStore(tmp_path, KEY)
    SnapshotKeeper(DjangoOptOutSource(), store).current()
    assert verify_snapshots(DjangoOptOutSource(), store).problem is None
    (bitmap,) = tmp_path.glob("*.bin")
    key = int(person.nhs_number.digits[:9])
    with open(bitmap, "r+b") as handle:
        handle.seek(key >> 3)
        byte = handle.read(1)[0]
        handle.seek(key >> 3)
        handle.write(bytes([byte ^ (1 << (key & 7))]))
    assert "does not verify" in verify_snapshots(DjangoOptOutSource(), store).problem
    service = CheckService(container.registry(), DjangoCheckJobStore(), SnapshotKeeper(DjangoOptOutSource(), store))
    out = io.BytesIO()
    outcome = service.run(io.BytesIO(f"{person.nhs_number.digits}\r\n".encode()), out, channel=CheckChannel.CLI,
                          requested_by=TESTER)
    assert out.getvalue() == b""  # still removed
    job = m.CheckJob.objects.get(id=outcome.job_id)
    assert job.snapshot_note.startswith("rebuilt: the persisted snapshot did not verify")
    assert verify_snapshots(DjangoOptOutSource(), store).problem is None  # the rebuilt one replaced it


def test_finding_2_a_snapshot_resealed_with_the_key_but_wrong_content_is_detected(person, tmp_path) -> None:
    from ndop.domain.check.snapshot import OptOutSnapshot

    store = FileSnapshotStore(tmp_path, KEY)
    good = SnapshotKeeper(DjangoOptOutSource(), store).current()
    store.save(DjangoOptOutSource().identity(), OptOutSnapshot.build(
        [], {}, version=good.version, links_version=good.links_version, fingerprint=good.fingerprint))
    assert "differs from the history at registry version 1" in verify_snapshots(DjangoOptOutSource(), store).problem


def test_finding_3_the_head_only_moves_forward(person) -> None:
    head = m.AuditHead.objects.get(id=1)
    refused("UPDATE audit_head SET sequence = sequence - 1")
    refused("UPDATE audit_head SET hash = %s", ["f" * 64])
    refused("UPDATE audit_head SET sequence = sequence + 1")  # onto a record that does not exist
    refused("DELETE FROM audit_head")
    refused("INSERT INTO audit_head (id, sequence, hash) VALUES (2, 0, %s)", ["0" * 64])
    assert (m.AuditHead.objects.get(id=1).sequence, m.AuditHead.objects.get(id=1).hash) == (head.sequence, head.hash)


def test_finding_3_a_row_appended_without_the_head_is_named_as_longer(person) -> None:
    from ndop.domain.common.audit import chain_hash

    last = m.AuditEvent.objects.order_by("-sequence").first()
    # The intruder writes any strings they like, hashed as the chain would hash them.
    digest = chain_hash(sequence=last.sequence + 1, occurred_at=NOW, action="x", actor="x", subject="", details={},
                        previous_hash=last.hash)
    m.AuditEvent.objects.create(sequence=last.sequence + 1, occurred_at=NOW, action="x", actor="x", subject="",
                                details={}, previous_hash=last.hash, hash=digest)
    problem = verdict()
    assert "longer than its head" in problem and "shorter" not in problem


@pytest.fixture
def signing(tmp_path):
    key_path = tmp_path / "keys" / "checkpoint.pem"
    files.generate_key(key_path)
    return files.load_private(key_path), tmp_path / "checkpoints"


def _checkpoint(signing) -> list:
    key, directory = signing
    sequence, digest = container.registry().audit.head()
    files.write(directory, Checkpoint(sequence, digest, NOW, 1), key)
    return files.read_all(directory, key.public_key())


def test_finding_3_truncation_and_wind_back_fail_against_a_checkpoint(person, signing) -> None:
    checkpoints = _checkpoint(signing)
    assert verdict(checkpoints) is None
    head = m.AuditHead.objects.get(id=1)
    permit()  # only the owner role can do this on PostgreSQL (ADR 42)
    sql("DELETE FROM audit_event WHERE sequence = %s", [head.sequence])
    previous = m.AuditEvent.objects.get(sequence=head.sequence - 1)
    sql("UPDATE audit_head SET sequence = %s, hash = %s", [previous.sequence, previous.hash])
    unpermit()
    assert verdict() is not None  # the choice.recorded record sealing event 1 is gone too
    assert "(truncated or wound back)" in verdict(checkpoints)


def test_finding_3_a_rewritten_tail_and_head_fail_against_a_checkpoint(person, signing, registry) -> None:
    checkpoints = _checkpoint(signing)
    from ndop.domain.common.audit import AuditRecord, chain_hash

    rows = list(m.AuditEvent.objects.order_by("sequence"))
    permit()
    sql("DELETE FROM audit_event WHERE sequence >= %s", [rows[-1].sequence])
    last = rows[-1]
    details = {**last.details, "x": 1}
    forged = AuditRecord(last.sequence, last.occurred_at, last.action, last.actor, last.subject, details,
                         last.previous_hash,
                         chain_hash(sequence=last.sequence, occurred_at=last.occurred_at, action=last.action,
                                    actor=last.actor, subject=last.subject, details=details,
                                    previous_hash=last.previous_hash))
    m.AuditEvent.objects.create(sequence=forged.sequence, occurred_at=forged.occurred_at, action=forged.action,
                                actor=forged.actor, subject=forged.subject, details=dict(forged.details),
                                previous_hash=forged.previous_hash, hash=forged.hash)
    sql("UPDATE audit_head SET hash = %s", [forged.hash])
    unpermit()
    assert "differs from checkpoint" in verdict(checkpoints)


def test_checkpoint_with_a_forged_signature_is_refused(person, signing) -> None:
    _checkpoint(signing)
    other = signing[1].parent / "other.pem"
    files.generate_key(other)
    with pytest.raises(files.CheckpointError, match="signature does not verify"):
        files.read_all(signing[1], files.load_private(other).public_key())


def test_postal_form_dated_before_a_later_online_choice_changes_nothing(person, tmp_path, registry) -> None:
    keeper = SnapshotKeeper(DjangoOptOutSource(), FileSnapshotStore(tmp_path, KEY))
    assert keeper.current().removes_number(person.nhs_number.digits)
    record_choice(registry, ChoiceRequest(person.nhs_number, Choice.NOT_OPTED_OUT, Channel.PAPER,
                                          case_reference="P1", made_at=NOW - timedelta(days=30)),
                  recorded_by=Actor.staff_user("a"))
    assert registry.choices.current(person.nhs_number).choice is Choice.OPTED_OUT
    assert keeper.current().removes_number(person.nhs_number.digits)
    assert verdict() is None
