"""GP codes on the Django database: the imported codes, the Type 1 register, the Type 2 conversions (bulk)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Count, Q

from ndop.adapters.db import models as m
from ndop.adapters.db.integrity import events_digest_between
from ndop.adapters.db.registry import DjangoRegistry, reserve_sequences
from ndop.adapters.db.staff import DjangoLetterStore, letter_row
from ndop.domain.check.snapshot import keys_of
from ndop.domain.common.clock import Clock
from ndop.domain.gp_codes.chains import Chains
from ndop.domain.gp_codes.codes import Meaning, OptOutType
from ndop.domain.gp_codes.extract import CodeRow
from ndop.domain.gp_codes.ports import (
    EarlierGpImport,
    GpCodeStore,
    NewConversion,
    PersonRecord,
    PracticeCounts,
    Type1Entry,
)
from ndop.domain.gp_codes.rules import Current, PersonCode
from ndop.domain.letters.ports import LetterStore
from ndop.domain.registry.choices import Channel, Choice

BATCH = 5_000
_MEANINGS = {
    OptOutType.TYPE1: (Meaning.TYPE1_SET.value, Meaning.TYPE1_WITHDRAWN.value),
    OptOutType.TYPE2: (Meaning.TYPE2_SET.value, Meaning.TYPE2_WITHDRAWN.value),
}

# Moves each number's current-choice projection to the new events where they are now its latest (as the
# population import's merge does).
_PROJECT = """
    INSERT INTO current_choice (nhs_number, choice, sequence, made_at, recorded_at, channel)
    SELECT nhs_number, choice, sequence, made_at, recorded_at, channel FROM choice_event
    WHERE sequence BETWEEN %s AND %s AND true
    ON CONFLICT (nhs_number) DO UPDATE SET choice = excluded.choice, sequence = excluded.sequence,
      made_at = excluded.made_at, recorded_at = excluded.recorded_at, channel = excluded.channel
      WHERE excluded.made_at > current_choice.made_at
         OR (excluded.made_at = current_choice.made_at AND excluded.sequence > current_choice.sequence)
"""


class DjangoGpCodeStore:
    def earlier_import(self, sha256: str) -> EarlierGpImport | None:
        row = m.GpImport.objects.filter(sha256=sha256).exclude(audit_sequence=0).first()
        return None if row is None else EarlierGpImport(row.audit_sequence, row.imported_at, row.source)

    def start_import(self, source: str, at: datetime) -> int:
        row = m.GpImport.objects.create(sha256=f"pending:{id(self)}:{at.timestamp()}", source=source[:200],
                                        imported_at=at, rows=0, kept=0, ignored=0, audit_sequence=0)
        return int(row.id)

    def finish_import(self, import_id: int, *, sha256: str, rows: int, kept: int, ignored: int,
                      audit_sequence: int) -> None:
        m.GpImport.objects.filter(id=import_id).update(sha256=sha256, rows=rows, kept=kept, ignored=ignored,
                                                       audit_sequence=audit_sequence)

    def unknown_numbers(self, numbers: Sequence[str]) -> set[str]:
        known: set[str] = set()
        for i in range(0, len(numbers), 900):
            part = numbers[i:i + 900]
            known.update(m.Patient.objects.filter(nhs_number__in=part).values_list("nhs_number", flat=True))
        return set(numbers) - known

    def add_codes(self, import_id: int, rows: Sequence[tuple[int, CodeRow]]) -> None:
        m.GpCode.objects.bulk_create(
            [m.GpCode(gp_import=import_id, line=line, nhs_number=r.nhs_number, practice_code=r.practice_code,
                      code_system=r.system.value, code=r.code, meaning=r.meaning.value if r.meaning else "",
                      recorded_on=r.recorded_on) for line, r in rows],
            batch_size=BATCH,
        )

    def links(self) -> dict[str, str]:
        rows = m.Patient.objects.exclude(superseded_by="").values_list("nhs_number", "superseded_by")
        return dict(rows.iterator(chunk_size=BATCH))

    def codes(self, kind: OptOutType) -> Iterator[tuple[str, PersonCode]]:
        rows = (m.GpCode.objects.filter(meaning__in=_MEANINGS[kind])
                .values_list("nhs_number", "recorded_on", "meaning", "practice_code", "code")
                .order_by("id"))
        for number, recorded_on, meaning, practice, code in rows.iterator(chunk_size=BATCH):
            yield number, PersonCode(recorded_on, Meaning(meaning).withdrawn, practice, code, number)

    def replace_type1(self, entries: Iterable[Type1Entry]) -> int:
        m.GpType1.objects.all().delete()
        rows = [m.GpType1(nhs_number=e.nhs_number, practice_code=e.practice_code,
                          objects_to_sharing=e.objects_to_sharing, recorded_on=e.recorded_on) for e in entries]
        m.GpType1.objects.bulk_create(rows, batch_size=BATCH)
        return sum(r.objects_to_sharing for r in rows)

    def type1_objectors(self) -> list[str]:
        return list(m.GpType1.objects.filter(objects_to_sharing=True).values_list("nhs_number", flat=True))

    def converted(self) -> set[str]:
        found = set(m.GpType2Conversion.objects.values_list("nhs_number", flat=True))
        found.update(m.ChoiceEvent.objects.filter(channel=Channel.TYPE2_CONVERSION.value)
                     .values_list("nhs_number", flat=True).distinct())
        return found

    def currents(self, numbers: Sequence[str]) -> dict[str, Current]:
        found: dict[str, Current] = {}
        for i in range(0, len(numbers), 900):
            rows = m.CurrentChoice.objects.filter(nhs_number__in=numbers[i:i + 900]).values_list(
                "nhs_number", "choice", "made_at", "sequence")
            for number, choice, made_at, sequence in rows:
                found[number] = Current(Choice(choice), made_at, sequence)
        return found

    def people(self, numbers: Sequence[str]) -> dict[str, PersonRecord]:
        rows = m.Patient.objects.filter(nhs_number__in=list(numbers)).values_list(
            "nhs_number", "given_name", "family_name", "date_of_birth", "date_of_death", "address_line_1",
            "address_line_2", "address_line_3", "town", "postcode")
        return {
            r[0]: PersonRecord(r[0], r[1], r[2], r[3], r[4], tuple(x for x in r[5:9] if x), r[9]) for r in rows
        }

    def record_conversions(self, conversions: Sequence[NewConversion], *, recorded_by: str,
                           at: datetime) -> tuple[int, int, str]:
        first = reserve_sequences(len(conversions))
        last = first + len(conversions) - 1
        at = at.astimezone(UTC)
        events, records, letters = [], [], []
        for offset, c in enumerate(conversions):
            sequence = first + offset
            events.append(m.ChoiceEvent(
                sequence=sequence, nhs_number=c.nhs_number, choice=Choice.OPTED_OUT.value, made_at=c.made_at,
                recorded_at=at, channel=Channel.TYPE2_CONVERSION.value, recorded_by=recorded_by,
            ))
            letter_id = ""
            if c.letter is not None:
                row = letter_row(dataclasses.replace(c.letter, reference=f"T2-{sequence}"))
                letters.append(row)
                letter_id = row.id
            records.append(m.GpType2Conversion(
                nhs_number=c.nhs_number, practice_code=c.code.practice_code, code=c.code.code,
                recorded_on=c.code.recorded_on, sequence=sequence, converted_at=at, letter=letter_id,
            ))
        m.ChoiceEvent.objects.bulk_create(events, batch_size=BATCH)
        with connection.cursor() as cursor:
            cursor.execute(_PROJECT, [first, last])
        m.GpType2Conversion.objects.bulk_create(records, batch_size=BATCH)
        m.Letter.objects.bulk_create(letters, batch_size=BATCH)
        return first, last, events_digest_between(first, last)

    def practice_counts(self, cutoff: date) -> list[PracticeCounts]:
        type1 = dict(m.GpType1.objects.filter(objects_to_sharing=True).values("practice_code")
                     .annotate(n=Count("nhs_number")).values_list("practice_code", "n"))
        converted = dict(m.GpType2Conversion.objects.values("practice_code").annotate(n=Count("nhs_number"))
                         .values_list("practice_code", "n"))
        late = dict(m.GpCode.objects.filter(Q(meaning=Meaning.TYPE2_SET.value) & Q(recorded_on__gt=cutoff))
                    .values("practice_code").annotate(n=Count("nhs_number", distinct=True))
                    .values_list("practice_code", "n"))
        practices = sorted(set(type1) | set(converted) | set(late))
        return [PracticeCounts(p, type1.get(p, 0), converted.get(p, 0), late.get(p, 0)) for p in practices]


class DjangoGpCodes(DjangoRegistry):
    """The registry's unit of work with the GP codes and the letters."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.gp: GpCodeStore = DjangoGpCodeStore()
        self.letters: LetterStore = DjangoLetterStore()


class DjangoType1Source:
    """`Type1Source`: the Type 1 register's objectors, with every number of their supersession chains."""

    def type1_keys(self) -> npt.NDArray[np.int64]:
        store = DjangoGpCodeStore()
        objectors = store.type1_objectors()
        links = store.links()
        if links:
            chains = Chains(links)
            # The register is kept under each person's current number at import; links may have changed since.
            people = {chains.current(n) for n in objectors}
            numbers = sorted({member for person in people for member in chains.members(person)} | set(objectors))
        else:
            numbers = objectors
        return keys_of(numbers)
