"""GP codes on the Django database: the imported codes, the Type 1 register, the Type 2 conversions (bulk)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Count, Q

from ndop.adapters.db import models as m
from ndop.adapters.db.integrity import events_digest_between
from ndop.adapters.db.registry import DjangoRegistry, reserve_sequences
from ndop.adapters.db.staff import DjangoLetterStore
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
from ndop.domain.letters.letters import LetterStatus
from ndop.domain.letters.ports import LetterStore
from ndop.domain.registry.choices import Channel, Choice

BATCH = 5_000
_EVENT_COLUMNS = ("sequence", "nhs_number", "choice", "made_at", "recorded_at", "channel", "proxy_role", "proxy_name",
                  "proxy_evidence_type", "proxy_evidence_reference", "case_reference", "recorded_by")
_LETTER_COLUMNS = ("id", "kind", "nhs_number", "case_reference", "created_at", "status", "recipient", "about_name",
                   "reference", "choice", "made_on", "reason", "by_proxy", "path", "provider_id")
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


def _batches(rows: Iterable[tuple[Any, ...]], size: int = BATCH) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _insert(table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]], *, jsonb: str = "") -> int:
    """INSERT rows with executemany in batches: the ORM's bulk_create spends most of a large conversion
    preparing each field of each model in Python."""
    cast = connection.vendor == "postgresql"
    marks = ", ".join("%s::jsonb" if cast and c == jsonb else "%s" for c in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    count = 0
    with connection.cursor() as cursor:
        for batch in _batches(rows):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _time(value: datetime) -> object:
    # Django's SQLite backend stores aware datetimes as naive UTC text (as the population import writes them).
    value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ") if connection.vendor == "sqlite" else value


def _day(value: date | None) -> object:
    return None if value is None else value.isoformat() if connection.vendor == "sqlite" else value


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
        _insert("gp_code", ("gp_import", "line", "nhs_number", "practice_code", "code_system", "code", "meaning",
                            "recorded_on"),
                ((import_id, line, r.nhs_number, r.practice_code, r.system.value, r.code,
                  r.meaning.value if r.meaning else "", _day(r.recorded_on)) for line, r in rows))

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
        rows = [(e.nhs_number, e.practice_code, e.objects_to_sharing, _day(e.recorded_on)) for e in entries]
        _insert("gp_type1", ("nhs_number", "practice_code", "objects_to_sharing", "recorded_on"), rows)
        return sum(1 for r in rows if r[2])

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
        recorded = _time(at)
        events, records, letters = [], [], []
        for offset, c in enumerate(conversions):
            sequence = first + offset
            events.append((sequence, c.nhs_number, Choice.OPTED_OUT.value, _time(c.made_at), recorded,
                           Channel.TYPE2_CONVERSION.value, "", "", "", "", "", recorded_by))
            letter_id = ""
            if c.letter is not None:
                lt, letter_id = c.letter, uuid.uuid4().hex
                recipient = {"name": lt.recipient.name, "address_lines": list(lt.recipient.address_lines),
                             "postcode": lt.recipient.postcode}
                letters.append((letter_id, lt.kind.value, c.nhs_number, "", _time(lt.created_at),
                                LetterStatus.PENDING.value, json.dumps(recipient), lt.about_name, f"T2-{sequence}",
                                lt.choice.value if lt.choice else "", _day(lt.made_on), lt.reason, lt.by_proxy, "", ""))
            records.append((c.nhs_number, c.code.practice_code, c.code.code, _day(c.code.recorded_on), sequence,
                            recorded, letter_id))
        _insert("choice_event", _EVENT_COLUMNS, events)
        with connection.cursor() as cursor:
            cursor.execute(_PROJECT, [first, last])
        _insert("gp_type2_conversion", ("nhs_number", "practice_code", "code", "recorded_on", "sequence",
                                        "converted_at", "letter"), records)
        _insert("letter", _LETTER_COLUMNS, letters, jsonb="recipient")
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
