"""`ndop gp import`: load a GP extract (`gp_codes.csv`), all of it or nothing, then rebuild the Type 1 register.

The file is read once, streamed in batches (bounded memory): each row is checked by the domain
(`gp_codes.extract`), then the batch's numbers are looked up in the patient index; opt-out codes are stored
in this transaction, other codes are counted and ignored. Any bad row refuses the whole file, naming the
first `MAX_REPORTED` lines; a file whose content was imported before is refused, naming that import.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.errors import DomainError
from ndop.domain.gp_codes.chains import Chains
from ndop.domain.gp_codes.codes import OptOutType
from ndop.domain.gp_codes.extract import CodeRow, header_problem, parse_row
from ndop.domain.gp_codes.ports import GpCodes, GpCodeStore, Type1Entry
from ndop.domain.gp_codes.rules import PersonCode, latest

MAX_REPORTED = 20
BATCH = 5_000
FILE = "gp_codes.csv"


class CodesRefused(DomainError):
    code = "gp_codes_refused"

    def __init__(self, errors: list[tuple[int, str]], total: int) -> None:
        super().__init__(f"Nothing was imported: {total} bad row{'s' if total != 1 else ''} in {FILE}.")
        self.errors = tuple(errors)
        self.total = total


class CodesAlreadyImported(DomainError):
    code = "gp_codes_already_imported"


@dataclass(frozen=True, slots=True)
class CodesImported:
    rows: int
    kept: int  # opt-out codes stored
    ignored: int  # other codes, counted
    by_meaning: dict[str, int]
    type1_objectors: int
    sha256: str
    audit_sequence: int


class _Hashing(io.RawIOBase):
    def __init__(self, stream: BinaryIO, progress: Callable[[int], None] | None) -> None:
        self.digest = hashlib.sha256()
        self._stream, self._progress = stream, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        if self._progress is not None and data:
            self._progress(len(data))
        return len(data)


class _Errors:
    def __init__(self) -> None:
        self.shown: list[tuple[int, str]] = []
        self.total = 0

    def add(self, line: int, reason: str) -> None:
        self.total += 1
        if len(self.shown) < MAX_REPORTED:
            self.shown.append((line, reason))


@dataclass
class _Counts:
    rows: int = 0
    kept: int = 0
    ignored: int = 0
    by_meaning: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _rows(raw: _Hashing, errors: _Errors, counts: _Counts, today: date) -> Iterator[tuple[int, CodeRow]]:
    """The well-formed rows of the file with their line numbers; bad rows go to `errors`."""
    text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            errors.add(1, "the file is empty: it needs the header row")
            return
        if (problem := header_problem(header)) is not None:
            errors.add(1, problem)
            return
        for fields in reader:
            if not fields:
                continue
            counts.rows += 1
            result = parse_row(fields, today)
            if isinstance(result, str):
                errors.add(reader.line_num, result)
                continue
            if result.meaning is None:
                counts.ignored += 1
            else:
                counts.by_meaning[result.meaning.value] += 1
            yield reader.line_num, result
    except UnicodeDecodeError:
        errors.add(reader.line_num + 1, "is not UTF-8 text; the rest was not read")
    except csv.Error:
        errors.add(reader.line_num, "is not valid CSV (check the quotes); the rest was not read")


def _store_batch(store: GpCodeStore, import_id: int, batch: list[tuple[int, CodeRow]], errors: _Errors,
                 counts: _Counts) -> None:
    unknown = store.unknown_numbers(sorted({r.nhs_number for _, r in batch}))
    good = []
    for line, row in batch:
        if row.nhs_number in unknown:
            errors.add(line, "nhs_number: is not in the patient index")
        elif row.meaning is not None:
            good.append((line, row))
    if not errors.total:
        store.add_codes(import_id, good)
        counts.kept += len(good)


def import_codes(unit: GpCodes, stream: BinaryIO, *, imported_by: Actor, source: str,
                 progress: Callable[[int], None] | None = None) -> CodesImported:
    """Import the extract in one transaction, or raise CodesRefused / CodesAlreadyImported having stored nothing."""
    now = unit.clock.now()
    raw = _Hashing(stream, progress)
    errors = _Errors()
    counts = _Counts()
    with unit.transaction():
        store = unit.gp
        import_id = store.start_import(source, now)
        batch: list[tuple[int, CodeRow]] = []
        for item in _rows(raw, errors, counts, now.date()):
            batch.append(item)
            if len(batch) >= BATCH:
                _store_batch(store, import_id, batch, errors, counts)
                batch = []
        if batch:
            _store_batch(store, import_id, batch, errors, counts)
        while raw.readinto(memoryview(bytearray(1 << 20))):  # the digest covers the whole file
            pass
        if errors.total:
            raise CodesRefused(errors.shown, errors.total)
        sha256 = raw.digest.hexdigest()
        earlier = store.earlier_import(sha256)
        if earlier is not None:
            raise CodesAlreadyImported(
                f"Nothing was imported: this file was already imported (audit record {earlier.audit_sequence}, "
                f"{earlier.imported_at.isoformat(timespec='seconds')}, {earlier.source})."
            )
        objectors = rebuild_type1(store)
        by_meaning = dict(sorted(counts.by_meaning.items()))
        record = unit.audit.append(AuditEntry(
            action=AuditAction.GP_CODES_IMPORTED, actor=imported_by, subject=source,
            details={"sha256": sha256, "rows": counts.rows, "kept": counts.kept, "ignored": counts.ignored,
                     "by_meaning": by_meaning, "type1_objectors": objectors},
        ))
        store.finish_import(import_id, sha256=sha256, rows=counts.rows, kept=counts.kept, ignored=counts.ignored,
                            audit_sequence=record.sequence)
    return CodesImported(counts.rows, counts.kept, counts.ignored, by_meaning, objectors, sha256, record.sequence)


def type1_register(store: GpCodeStore) -> list[Type1Entry]:
    """Each person's Type 1 status by their latest code, under their current number (codes recorded under a
    superseded number count for the person)."""
    chains = Chains(store.links())
    people: dict[str, list[PersonCode]] = defaultdict(list)
    for number, code in store.codes(OptOutType.TYPE1):
        people[chains.current(number)].append(code)
    entries = []
    for number, codes in people.items():
        last = latest(codes)
        assert last is not None
        entries.append(Type1Entry(number, last.practice_code, not last.withdrawn, last.recorded_on))
    return entries


def rebuild_type1(store: GpCodeStore) -> int:
    return store.replace_type1(type1_register(store))
