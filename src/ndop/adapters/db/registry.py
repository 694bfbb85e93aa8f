"""The Django implementation of the domain's `Registry` port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from django.db import connection, transaction
from django.db.models import F

from ndop.adapters.db import models as m
from ndop.adapters.db.group_commit import append_records, committer
from ndop.adapters.db.mapping import (
    audit_from_row,
    event_from_row,
    event_to_row,
    patient_from_row,
    patient_to_row,
)
from ndop.adapters.db.organisations import DjangoOrganisationDirectory
from ndop.adapters.db.statements import CHOICE_SEQUENCE
from ndop.domain.common.audit import GENESIS_HASH, AuditEntry, AuditRecord
from ndop.domain.common.clock import Clock, SystemClock
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.common.ports import AuditLog
from ndop.domain.organisations.ports import OrganisationDirectory
from ndop.domain.registry.choices import ChoiceEvent
from ndop.domain.registry.patients import Patient
from ndop.domain.registry.ports import ChoiceStore, PatientIndex


def reserve_sequences(count: int) -> int:
    """Reserve `count` registry versions; returns the first. Locks the counter row to commit."""
    m.RegistryCounter.objects.filter(name=CHOICE_SEQUENCE).update(value=F("value") + count)
    last = m.RegistryCounter.objects.values_list("value", flat=True).get(name=CHOICE_SEQUENCE)
    return int(last) - count + 1


MAX_CHAIN = 64  # a longer chain of replacements (or a loop) is a data error; stop there


def linked_numbers(digits: str) -> list[str]:
    """Every number in `digits`'s chain of supersessions: the number at its end and every number that
    leads to it (found through the partial index on `superseded_by`). Just `[digits]` for most people."""
    root, seen = digits, {digits}
    for _ in range(MAX_CHAIN):
        following = m.Patient.objects.filter(nhs_number=root).exclude(superseded_by="").values_list(
            "superseded_by", flat=True).first()
        if following is None or following in seen:
            break
        root = following
        seen.add(root)
    members, frontier = {root} | seen, [root, *seen]
    for _ in range(MAX_CHAIN):
        found = set(m.Patient.objects.filter(superseded_by__in=frontier).values_list("nhs_number", flat=True))
        frontier = list(found - members)
        if not frontier:
            break
        members |= found
    return sorted(members)


class DjangoPatientIndex:
    def get(self, nhs_number: NhsNumber) -> Patient | None:
        row = m.Patient.objects.filter(nhs_number=nhs_number.digits).first()
        return None if row is None else patient_from_row(row)

    def save(self, patient: Patient) -> bool:
        row = patient_to_row(patient)
        fields = {f.attname: getattr(row, f.attname) for f in m.Patient._meta.concrete_fields}
        fields.pop("nhs_number")
        _, created = m.Patient.objects.update_or_create(nhs_number=row.nhs_number, defaults=fields)
        return created


class DjangoChoiceStore:
    def next_sequence(self) -> int:
        return reserve_sequences(1)

    def append(self, event: ChoiceEvent) -> None:
        event_to_row(event).save(force_insert=True)
        current = m.CurrentChoice.objects.select_for_update().filter(nhs_number=event.nhs_number.digits).first()
        if current is not None and (current.made_at, current.sequence) > event.precedence:
            return  # back-dated: it enters the history, the later choice stays current
        m.CurrentChoice.objects.update_or_create(
            nhs_number=event.nhs_number.digits,
            defaults={
                "choice": event.choice.value,
                "sequence": event.sequence,
                "made_at": event.effective_made_at,
                "recorded_at": event.recorded_at,
                "channel": event.channel.value,
            },
        )

    # The person's history is that of every number in their chain of supersessions (ADR 44): the current
    # choice is the latest made across them, whichever number is asked about.
    def history(self, nhs_number: NhsNumber) -> list[ChoiceEvent]:
        rows = m.ChoiceEvent.objects.filter(nhs_number__in=linked_numbers(nhs_number.digits)).order_by("sequence")
        return [event_from_row(r) for r in rows]

    def current(self, nhs_number: NhsNumber) -> ChoiceEvent | None:
        rows = m.ChoiceEvent.objects.filter(nhs_number__in=linked_numbers(nhs_number.digits))
        row = rows.order_by("-made_at", "-sequence").first()
        return None if row is None else event_from_row(row)

    def registry_version(self) -> int:
        return int(m.RegistryCounter.objects.values_list("value", flat=True).get(name=CHOICE_SEQUENCE))


class DjangoAuditLog:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def append(self, entry: AuditEntry) -> AuditRecord:
        # The head row is the chain's lock: writers queue on it, so sequences have no gaps.
        with transaction.atomic():
            return append_records([(entry, self._clock)])[0]

    def commit_with(self, entry: AuditEntry, write: Callable[[], None]) -> AuditRecord:
        # Outside a transaction, concurrent callers share one head lock and one commit (ADR 76);
        # inside one, the record belongs to that transaction, as `append`.
        if connection.in_atomic_block:
            write()
            return self.append(entry)
        return committer().commit(entry, write, self._clock)

    def records(self) -> Iterator[AuditRecord]:
        for row in m.AuditEvent.objects.order_by("sequence").iterator(chunk_size=5000):
            yield audit_from_row(row)

    def head(self) -> tuple[int, str]:
        head = m.AuditHead.objects.get(id=1)
        return head.sequence, head.hash


class DjangoRegistry:
    """One unit of work over the Django database. `transaction()` nests (savepoints)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        # Typed as the ports: a protocol's attributes are invariant, so `Registry` wants exactly these.
        self.patients: PatientIndex = DjangoPatientIndex()
        self.choices: ChoiceStore = DjangoChoiceStore()
        self.audit: AuditLog = DjangoAuditLog(self.clock)
        self.organisations: OrganisationDirectory = DjangoOrganisationDirectory()

    def transaction(self) -> AbstractContextManager[None]:
        return transaction.atomic()


__all__ = ["GENESIS_HASH", "DjangoRegistry", "reserve_sequences"]
