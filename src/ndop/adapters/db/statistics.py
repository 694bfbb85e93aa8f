"""The registry streamed into the statistics engine's columns, and the record of publications.

The patient index and the choice history are read in one read-only transaction (REPEATABLE READ on
PostgreSQL, a read transaction on SQLite), so the two agree. The SQL does the type conversions (NHS
numbers to integers, dates to yyyymmdd, times to epoch seconds), so only integers and codes move into
preallocated numpy columns (ADR 56). They arrive as Arrow record batches over ADBC
(statistics_arrow, ADR 74) or, inside a caller's transaction, through Django's cursor (a server-side
cursor on PostgreSQL, SQLite's stepping cursor): either way one batch is in memory at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import connection, transaction

from ndop.adapters.db import models as m
from ndop.adapters.db import statistics_arrow as arrow
from ndop.adapters.db.statistics_arrow import ArrowRead, Part, driver_errors, integers
from ndop.adapters.db.statistics_arrow import Codes as ArrowCodes
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.clock import Clock, SystemClock
from ndop.domain.statistics.engine import ChoiceColumns, PatientColumns, holders
from ndop.domain.statistics.ports import PublishedRecord, RegistryUnreadable

FETCH: Final = 50_000

# Dates of birth and death and the gender travel packed in one integer (yyyymmdd * 10^9 + yyyymmdd * 10 +
# gender): each value handed from the driver to Python costs more than the arithmetic, so fewer, wider
# columns stream faster. Supersession links are few and come in a query of their own.
_PACK: Final = 1_000_000_000
_PATIENTS: Final = {
    "sqlite": """
        SELECT CASE WHEN length(nhs_number) = 10 AND nhs_number NOT GLOB '*[^0-9]*'
                    THEN CAST(nhs_number AS INTEGER) ELSE 0 END,
               CAST(replace(substr(date_of_birth, 1, 10), '-', '') AS INTEGER) * 1000000000
               + COALESCE(CAST(replace(substr(date_of_death, 1, 10), '-', '') AS INTEGER), 0) * 10
               + CASE WHEN gender IN (1, 2) THEN gender ELSE 0 END,
               gp_practice_code, lsoa_code
        FROM patient""",
    "postgresql": """
        SELECT CASE WHEN nhs_number ~ '^[0-9]{10}$' THEN nhs_number::bigint ELSE 0 END,
               to_char(date_of_birth, 'YYYYMMDD')::bigint * 1000000000
               + COALESCE(to_char(date_of_death, 'YYYYMMDD')::bigint, 0) * 10
               + CASE WHEN gender IN (1, 2) THEN gender ELSE 0 END,
               gp_practice_code, lsoa_code
        FROM patient""",
}
_LINKS: Final = {
    "sqlite": """
        SELECT CAST(nhs_number AS INTEGER),
               CASE WHEN length(superseded_by) = 10 AND superseded_by NOT GLOB '*[^0-9]*'
                    THEN CAST(superseded_by AS INTEGER) ELSE -1 END
        FROM patient WHERE superseded_by <> ''""",
    "postgresql": """
        SELECT CASE WHEN nhs_number ~ '^[0-9]{10}$' THEN nhs_number::bigint ELSE 0 END,
               CASE WHEN superseded_by ~ '^[0-9]{10}$' THEN superseded_by::bigint ELSE -1 END
        FROM patient WHERE superseded_by <> ''""",
}
_CHOICES: Final = {
    "sqlite": """
        SELECT CASE WHEN length(nhs_number) = 10 AND nhs_number NOT GLOB '*[^0-9]*'
                    THEN CAST(nhs_number AS INTEGER) ELSE 0 END,
               CAST(strftime('%s', made_at) AS INTEGER), sequence, choice = 'opted_out'
        FROM choice_event""",
    "postgresql": """
        SELECT CASE WHEN nhs_number ~ '^[0-9]{10}$' THEN nhs_number::bigint ELSE 0 END,
               FLOOR(EXTRACT(EPOCH FROM made_at))::bigint, sequence, (choice = 'opted_out')::integer
        FROM choice_event""",
}


class _Columns:
    """Preallocated columns filled batch by batch; grown (rarely) if rows arrived after the count."""

    def __init__(self, dtypes: Sequence[npt.DTypeLike], capacity: int) -> None:
        self.arrays = [np.empty(capacity, dtype=d) for d in dtypes]
        self.size = 0
        self.lock = threading.Lock()  # the parts of a read append from their own threads

    def extend(self, columns: Sequence[Sequence[Any] | npt.NDArray[Any]]) -> None:
        count = len(columns[0])
        if self.size + count > self.arrays[0].size:
            grown = max(self.size + count, int(self.arrays[0].size * 1.25) + FETCH)
            self.arrays = [np.resize(a, grown) for a in self.arrays]
        for array, values in zip(self.arrays, columns, strict=True):
            array[self.size : self.size + count] = values
        self.size += count

    def done(self) -> list[npt.NDArray[Any]]:
        return [a[: self.size].copy() if a.size != self.size else a for a in self.arrays]

    def filled(self) -> list[npt.NDArray[Any]]:
        """The filled part of each column, as views: no copy, at the cost of the estimate's spare rows."""
        return [a[: self.size] for a in self.arrays]


class _Codes:
    """Practice or LSOA codes to small integers, in order of first sight."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def of(self, values: Sequence[str | None]) -> list[int]:
        index = self.index
        return [index.setdefault(v or "", len(index)) for v in values]

    def codes(self) -> tuple[str, ...]:
        return tuple(self.index)


_PATIENT_TYPES: Final = (np.int64, np.int64, np.int32, np.int32)  # number, dates and gender packed, codes
_UNPACKED_TYPES: Final = (np.int64, np.int32, np.int32, np.int8, np.int32, np.int32)
_CHOICE_TYPES: Final = (np.int64, np.int64, np.int64, np.bool_)


class DjangoRegistryColumns:
    """The registry as the engine's columns: Arrow batches over ADBC, or the cursor inside a caller's transaction."""

    def read(self) -> tuple[PatientColumns, ChoiceColumns]:
        vendor = connection.vendor
        if vendor not in _PATIENTS:
            raise RegistryUnreadable(f"statistics do not support the {vendor} database")
        if connection.in_atomic_block:
            # A caller's transaction fixes what is seen, and only its own connection sees it (uncommitted
            # rows, the tests' transactions): read through that connection, row by row.
            return self._patients_by_cursor(vendor), self._choices_by_cursor(vendor)
        readers = settings.CONFIG.read_connection_count
        with driver_errors(), ArrowRead(vendor, connection.settings_dict, readers) as read:
            return self._by_arrow(read)

    # ---- Arrow batches (ADBC): the fast path, ADR 74 ----

    def _by_arrow(self, read: ArrowRead) -> tuple[PatientColumns, ChoiceColumns]:
        """Every part of both tables, and the supersession links, as jobs on the read's connections (on
        PostgreSQL several at once, ADR 86). Each job converts its batches in its own thread and appends
        them to one set of columns under its lock (a copy of a batch): the engine does not depend on
        the order of the people, so the parts need no joining, and memory is the columns and a batch a job."""
        vendor = read.vendor
        packed = vendor == "postgresql"
        parts, events = read.parts("patient"), read.parts("choice_event")
        people = _Columns(_UNPACKED_TYPES, sum(p.rows for p in parts))
        history = _Columns(_CHOICE_TYPES, sum(p.rows for p in events))
        practices, lsoas = ArrowCodes(), ArrowCodes()

        def patients(part: Part) -> Callable[[Any], None]:
            def job(reader: Any) -> None:
                for batch in reader.batches((arrow.PATIENTS_PACKED if packed else arrow.PATIENTS) + part.where):
                    if packed:  # the dates and gender in one column (PostgreSQL: fewer fields, a cheaper read)
                        columns = (arrow.numbers(batch.column(0)), *arrow.unpacked(batch.column(1)))
                    else:
                        columns = (arrow.numbers(batch.column(0)), arrow.dates(batch.column(1)),
                                   arrow.dates(batch.column(2)), arrow.genders(batch.column(3)))
                    practice, lsoa = arrow.encoded(batch.column(-2)), arrow.encoded(batch.column(-1))
                    with people.lock:
                        people.extend((*columns, practices.number(*practice), lsoas.number(*lsoa)))
            return job

        def choices(part: Part) -> Callable[[Any], None]:
            def job(reader: Any) -> None:
                for batch in reader.batches(arrow.CHOICES[vendor] + part.where):
                    columns = (arrow.numbers(batch.column(0)), arrow.epoch_seconds(batch.column(1)),
                               integers(batch.column(2)), integers(batch.column(3)))
                    with history.lock:
                        history.extend(columns)
            return job

        def links(reader: Any) -> list[tuple[int, int]]:
            return [(int(a), int(b)) for batch in reader.batches(_LINKS[vendor])
                    for a, b in zip(integers(batch.column(0)).tolist(), integers(batch.column(1)).tolist(),
                                    strict=True)]

        jobs: list[Callable[[Any], Any]] = [*map(patients, parts), *map(choices, events), links]
        found = read.run(jobs)[-1]
        key, made_at, sequence, opted = history.filled()
        return (_patients(people.filled(), found, practices.codes(), lsoas.codes()),
                ChoiceColumns(key, made_at, sequence, opted))

    # ---- the caller's connection, row by row (FETCH rows in Python at a time) ----

    def _count(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            return int(cursor.fetchone()[0])

    def _stream(self, sql: str):  # type: ignore[no-untyped-def]
        # chunked_cursor is a server-side (named) cursor on PostgreSQL; SQLite's cursor already steps.
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(FETCH):
                yield list(zip(*rows, strict=True))

    def _patients_by_cursor(self, vendor: str) -> PatientColumns:
        out = _Columns(_PATIENT_TYPES, self._count("patient"))
        practices, lsoas = _Codes(), _Codes()
        for key, packed, practice, lsoa in self._stream(_PATIENTS[vendor]):
            out.extend((key, packed, practices.of(practice), lsoas.of(lsoa)))
        with connection.cursor() as cursor:
            cursor.execute(_LINKS[vendor])
            links = [(int(a), int(b)) for a, b in cursor.fetchall()]
        key, packed, practice, lsoa = out.done()
        born = (packed // _PACK).astype(np.int32)
        died = ((packed % _PACK) // 10).astype(np.int32)
        gender = (packed % 10).astype(np.int8)
        del packed
        return _patients([key, born, died, gender, practice, lsoa], links, practices.codes(), lsoas.codes())

    def _choices_by_cursor(self, vendor: str) -> ChoiceColumns:
        out = _Columns(_CHOICE_TYPES, self._count("choice_event"))
        for columns in self._stream(_CHOICES[vendor]):
            out.extend(columns)
        key, made_at, sequence, opted = out.done()
        return ChoiceColumns(key, made_at, sequence, opted)


def _patients(columns: list[npt.NDArray[Any]], links: list[tuple[int, int]], practice_codes: tuple[str, ...],
              lsoa_codes: tuple[str, ...]) -> PatientColumns:
    """The columns with the (few) supersession links set on their records."""
    key, born, died, gender, practice, lsoa = columns
    superseded = np.zeros(key.size, dtype=np.int64)
    if links:
        old, new = (np.asarray(c, dtype=np.int64) for c in zip(*links, strict=True))
        numbers, which = np.unique(old, return_inverse=True)
        at = holders(key, numbers)[which]  # a few links: no sort of the whole population
        superseded[at[at >= 0]] = np.where(new == 0, -1, new)[at >= 0]  # never 0: 0 means not superseded
    return PatientColumns(key, born, died, gender, practice, lsoa, superseded,
                          practice_codes=practice_codes, lsoa_codes=lsoa_codes)


class DjangoPublicationRecords:
    def __init__(self, clock: Clock | None = None) -> None:
        from ndop.adapters.db.registry import DjangoAuditLog

        self._audit = DjangoAuditLog(clock or SystemClock())

    def latest(self) -> PublishedRecord | None:
        row = m.StatisticsPublication.objects.order_by("-published_at", "-id").first()
        return None if row is None else _record(row)

    def get(self, publication_id: int) -> PublishedRecord | None:
        row = m.StatisticsPublication.objects.filter(id=publication_id).first()
        return None if row is None else _record(row)

    def all(self) -> Sequence[PublishedRecord]:
        return [_record(r) for r in m.StatisticsPublication.objects.order_by("-published_at", "-id")]

    def add(self, record: PublishedRecord, audit: AuditEntry) -> None:
        with transaction.atomic():
            m.StatisticsPublication.objects.create(
                month=record.month,
                label=record.label,
                published_at=record.published_at.astimezone(UTC),
                opt_out=record.opt_out,
                list_size=record.list_size,
                deceased_opt_out=record.deceased_opt_out,
                rate_hundredths=record.rate_hundredths,
                directory=record.directory,
                files=list(record.files),
                summary=dict(record.summary),
            )
            self._audit.append(audit)


def _record(row: m.StatisticsPublication) -> PublishedRecord:
    return PublishedRecord(
        month=row.month,
        label=row.label,
        published_at=row.published_at,
        opt_out=row.opt_out,
        list_size=row.list_size,
        deceased_opt_out=row.deceased_opt_out,
        rate_hundredths=row.rate_hundredths,
        directory=row.directory,
        files=tuple(row.files),
        summary=row.summary,
        id=row.id,
    )


__all__ = ["DjangoPublicationRecords", "DjangoRegistryColumns"]
