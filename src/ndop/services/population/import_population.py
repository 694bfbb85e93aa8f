"""Load patients.csv and choices.csv into the registry: all of both files, or nothing.

Pass 1 streams each file once: every row is checked by the domain (`population_files`) and the good
rows are staged by the bulk store in this transaction; the files' sha256 are taken on the way. Then
the checks that need all rows (repeated numbers, unknown replacements, choices for unknown or
superseded numbers) run in the database. Any bad row refuses the whole import, naming the first
`MAX_REPORTED` lines and how many there were; the transaction rolls back and nothing is loaded.

Decisions (docs/population.md, ADR 0008):
- A number already in the patient index has its demographics replaced by the file's row.
- Choices are appended to the history, never replacing earlier events. They are given new registry
  versions, reserved in one step and numbered in order of (recorded_at, line); so each person's current
  choice becomes their latest event in the file, even where an earlier one was already recorded.
- Files whose content was imported before are refused (`AlreadyImported`, naming the earlier import)
  unless `again=True`: importing the same choices twice would add every event again (ADR 40).
- Choices recorded under a number that is now superseded are accepted: they are the person's history,
  and the person's choice is the latest across the chain of numbers (ADR 44).
- The audit record seals the digest of the events it added (`events_sha256`), so `ndop audit verify`
  notices any later change to them (ADR 40).
- Rows are history as recorded elsewhere: their form is checked, not the eligibility rules of the
  day (a guardian's choice still needs phone or post). The file holds no proxy names or evidence.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO, TypeVar

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import DomainError
from ndop.domain.population.bulk_load import EarlierImport, PopulationStore, StagedCheck
from ndop.domain.population.files import (
    CHOICE_COLUMNS,
    PATIENT_COLUMNS,
    RowError,
    header_problem,
    parse_choices,
    parse_patients,
)
from ndop.domain.registry.ports import Registry
from ndop.services.population.patient_columns import FastPatients, NotFast

MAX_REPORTED = 20
PATIENTS_FILE = "patients.csv"
CHOICES_FILE = "choices.csv"
_READ_BYTES = 1 << 20
_BATCH_ROWS = 10_000

Row = TypeVar("Row")


class PopulationRefused(DomainError):
    """The files were refused and nothing was loaded. `errors` holds the first MAX_REPORTED."""

    code = "population_refused"

    def __init__(self, errors: list[RowError], total: int) -> None:
        super().__init__(f"Nothing was loaded: {total} bad row{'s' if total != 1 else ''} in the population files.")
        self.errors = tuple(errors)
        self.total = total


class AlreadyImported(DomainError):
    """The same files were imported before; nothing was loaded. `earlier` is that import's audit record."""

    code = "already_imported"

    def __init__(self, earlier: EarlierImport) -> None:
        super().__init__(
            f"Nothing was loaded: these files were already imported (audit record {earlier.audit_sequence}, "
            f"{earlier.occurred_at.isoformat(timespec='seconds')}, {earlier.source}). "
            "Importing them again adds every choice again; say --again if that is what you want."
        )
        self.earlier = earlier


def _earlier_import(store: PopulationStore, patients_sha256: str, choices_sha256: str,
                    choice_rows: int) -> EarlierImport | None:
    """The earlier import of the same content: the same choices (when there are any), or both files."""
    for earlier in store.earlier_imports():
        same_choices = choice_rows > 0 and earlier.choices_sha256 == choices_sha256
        if same_choices or (earlier.patients_sha256 == patients_sha256 and earlier.choices_sha256 == choices_sha256):
            return earlier
    return None


@dataclass(frozen=True, slots=True)
class ImportSummary:
    patients_rows: int
    patients_added: int
    patients_updated: int
    choice_events: int
    people_with_choices: int
    first_version: int | None
    last_version: int | None
    patients_sha256: str
    choices_sha256: str
    audit_sequence: int


@dataclass
class _Errors:
    shown: list[RowError] = field(default_factory=list)
    total: int = 0

    def add(self, file: str, line: int, reason: str) -> None:
        self.total += 1
        if len(self.shown) < MAX_REPORTED:
            self.shown.append(RowError(file, line, reason))


class _Hashing(io.RawIOBase):
    """Reads through to the file, hashing every byte and telling `progress` how far it got."""

    def __init__(self, stream: BinaryIO, progress: Callable[[int], None] | None) -> None:
        self.digest = hashlib.sha256()
        self._stream = stream
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self.digest.update(data)
        if self._progress is not None and count:
            self._progress(count)
        return count


class _File:
    """One input file read once as UTF-8 CSV in batches of rows; hashed and counted on the way."""

    def __init__(self, name: str, stream: BinaryIO, errors: _Errors, progress: Callable[[int], None] | None) -> None:
        self.name = name
        self.rows = 0
        self._raw = _Hashing(stream, progress)
        self._errors = errors

    @property
    def sha256(self) -> str:
        return self._raw.digest.hexdigest()

    def rows_checked(
        self, columns: tuple[str, ...], parse: Callable[[list[list[str]]], list[Row | str]]
    ) -> Iterator[tuple[int, Row]]:
        """Yield (line, row) for good rows while no error has been seen anywhere; record the bad ones."""
        text = io.TextIOWrapper(io.BufferedReader(self._raw, _READ_BYTES), encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True)
        try:
            yield from self._checked(reader, columns, parse)
        except UnicodeDecodeError:
            self._errors.add(self.name, reader.line_num + 1, "is not UTF-8 text; the rest was not read")
        except csv.Error:
            self._errors.add(self.name, reader.line_num, "is not valid CSV (check the quotes); the rest was not read")
        while self._raw.readinto(bytearray(_READ_BYTES)):  # to the end: the hash covers the whole file
            pass

    def _checked(
        self, reader: Any, columns: tuple[str, ...], parse: Callable[[list[list[str]]], list[Row | str]]
    ) -> Iterator[tuple[int, Row]]:
        header = next(reader, None)
        if header is None:
            self._errors.add(self.name, 1, "the file is empty: it needs the header row")
            return
        problem = header_problem(header, columns)
        if problem is not None:
            self._errors.add(self.name, 1, problem)
            return
        while True:
            batch: list[list[str]] = []
            lines: list[int] = []
            for fields in reader:
                if fields:  # a blank line holds no row
                    batch.append(fields)
                    lines.append(reader.line_num)
                    if len(batch) == _BATCH_ROWS:
                        break
            if not batch:
                return
            self.rows += len(batch)
            for line, result in zip(lines, parse(batch), strict=True):
                if isinstance(result, str):
                    self._errors.add(self.name, line, result)
                elif not self._errors.total:
                    yield line, result


def _stage_patients(store: PopulationStore, patients: BinaryIO, today: date, errors: _Errors,
                    progress: Callable[[int], None] | None) -> _File | FastPatients:
    """Stage patients.csv by the column-wise fast path when it can vouch for the whole file (ADR 91), else
    row by row from the start, which gives every bad row's line and reason."""
    if patients.seekable():
        start = patients.tell()
        shown = 0  # bytes the fast path reported: a second read of them does not move the bar again
        told = progress

        def fast_progress(count: int) -> None:
            nonlocal shown
            shown += count
            if told is not None:
                told(count)

        def again(count: int) -> None:
            nonlocal shown
            skipped = min(count, shown)
            shown -= skipped
            if told is not None and count > skipped:
                told(count - skipped)

        fast = FastPatients(patients, today, fast_progress)
        try:
            columns = fast.read_header()
            if store.stage_patients_csv(fast.pieces(), columns) is not None:
                return fast
        except NotFast:
            pass
        patients.seek(start)
        progress = again
    patient_file = _File(PATIENTS_FILE, patients, errors, progress)
    store.stage_patients(patient_file.rows_checked(PATIENT_COLUMNS, lambda b: parse_patients(b, today)))
    return patient_file


def import_population(
    registry: Registry,
    store_factory: Callable[[], PopulationStore],
    patients: BinaryIO,
    choices: BinaryIO,
    *,
    imported_by: Actor,
    source: str,
    progress: Callable[[int], None] | None = None,
    again: bool = False,
) -> ImportSummary:
    """Load both files in one transaction, or raise PopulationRefused (bad rows) or AlreadyImported (the
    same content imported before, unless `again`) having loaded nothing."""
    now: datetime = registry.clock.now()
    today: date = now.date()
    errors = _Errors()
    choice_file = _File(CHOICES_FILE, choices, errors, progress)
    with registry.transaction():
        store = store_factory()
        store.begin()
        patient_file = _stage_patients(store, patients, today, errors, progress)
        staged_choices = store.stage_choices(choice_file.rows_checked(CHOICE_COLUMNS, lambda b: parse_choices(b, now)))
        if not errors.total:
            for check in StagedCheck:
                lines, count = store.failing_lines(check, MAX_REPORTED)
                name = CHOICES_FILE if check.in_choices_file else PATIENTS_FILE
                for line in lines:
                    errors.add(name, line, check.reason)
                errors.total += count - len(lines)
        if errors.total:
            raise PopulationRefused(sorted(errors.shown, key=lambda e: (e.file != PATIENTS_FILE, e.line)),
                                    errors.total)
        if not again:
            earlier = _earlier_import(store, patient_file.sha256, choice_file.sha256, choice_file.rows)
            if earlier is not None:
                raise AlreadyImported(earlier)
        added, updated = store.merge_patients()
        first = last = None
        people = 0
        events_sha256 = ""
        if staged_choices:
            first = store.reserve_versions(staged_choices)
            last = first + staged_choices - 1
            people = store.merge_choices(first, imported_by)
            events_sha256 = store.events_digest(first, last)
        store.finish()
        record = registry.audit.append(
            AuditEntry(
                action=AuditAction.POPULATION_IMPORTED,
                actor=imported_by,
                subject=source,
                details={
                    PATIENTS_FILE: {
                        "sha256": patient_file.sha256,
                        "rows": patient_file.rows,
                        "added": added,
                        "updated": updated,
                    },
                    CHOICES_FILE: {
                        "sha256": choice_file.sha256,
                        "rows": choice_file.rows,
                        "first_version": first,
                        "last_version": last,
                        "people": people,
                        "events_sha256": events_sha256,
                    },
                    **({"again": True} if again else {}),
                },
            )
        )
    return ImportSummary(
        patients_rows=patient_file.rows,
        patients_added=added,
        patients_updated=updated,
        choice_events=staged_choices,
        people_with_choices=people,
        first_version=first,
        last_version=last,
        patients_sha256=patient_file.sha256,
        choices_sha256=choice_file.sha256,
        audit_sequence=record.sequence,
    )
