"""The CSV check as it was before the compiled scan (issue 16): Python's csv module, line by line.

Test-only: the oracle the compiled scan (`ndop.domain.check.csv_format`) is compared with, byte for
byte, in test_csv_scan_properties.py. Frozen on purpose: do not "fix" it to match the new scan.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from typing import BinaryIO, Final, TextIO

import numpy as np
import numpy.typing as npt

from ndop.domain.check import kernels
from ndop.domain.check.csv_format import header_index
from ndop.domain.check.rejections import ROW_REASONS, CheckFormat, Rejection, RejectionCode
from ndop.domain.check.result import EngineResult, newline_of
from ndop.domain.common.nhs_number import InvalidReason, invalid_reason

MAX_CSV_LINE: Final = 65536
BATCH: Final = 8192


class _HashingReader(io.RawIOBase):
    """The bytes already read (the prefix), then the rest of the request; hashes all of them."""

    def __init__(self, prefix: bytes, rest: BinaryIO, progress: Callable[[int], None] | None) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest
        self._progress = progress
        self.digest = hashlib.sha256(prefix)
        self.total = len(prefix)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.digest.update(data)
        self.total += n
        if self._progress is not None and n:
            self._progress(n)
        return n


class _Lines:
    """Feeds csv.reader line by line and keeps the raw text of the record being read."""

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self.raw: list[str] = []
        self.line_no = 0
        self.error: RejectionCode | None = None

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self._text.readline(MAX_CSV_LINE + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_CSV_LINE:
            self.error = RejectionCode.LINE_TOO_LONG
            raise StopIteration
        if "\x00" in line:
            self.error = RejectionCode.NOT_TEXT
            raise StopIteration
        self.raw.append(line)
        self.line_no += 1
        return line

    def take(self) -> tuple[int, str]:
        """The first line number and raw text of the record just read."""
        text = "".join(self.raw)
        first = self.line_no - len(self.raw) + 1
        self.raw.clear()
        return first, text


class _CsvRows:
    """Counts and writes the rows of a CSV request: valid rows in batches through the bitmap, until the
    first invalid row (a rejected list is never written out, but every row is still checked and reported)."""

    def __init__(self, sink: BinaryIO, bitmap: npt.NDArray[np.uint8], report: TextIO | None) -> None:
        self.sink, self.bitmap, self.report = sink, bitmap, report
        self.response = hashlib.sha256()
        self.rows = self.invalid = self.removed = self.kept = 0
        self.writing = True
        self.pending: list[tuple[str, int]] = []

    def emit(self, data: str) -> None:
        encoded = data.encode("utf-8")
        self.response.update(encoded)
        self.sink.write(encoded)

    def row(self, record: list[str], column: int, first_line: int, raw: str) -> None:
        self.rows += 1
        value = record[column] if column < len(record) else None
        if not record:
            reason: InvalidReason | None = InvalidReason.BLANK
        elif value is None or value == "":
            reason = InvalidReason.NO_VALUE
        else:
            reason = invalid_reason(value)
        if reason is not None:
            self.invalid += 1
            self.writing = False
            self.pending.clear()
            if self.report is not None:
                self.report.write(f"{first_line},{ROW_REASONS[reason]}\n")
        elif self.writing:
            self.pending.append((raw, int(value[:9]) if value else 0))
            if len(self.pending) >= BATCH:
                self.flush()

    def flush(self) -> None:
        if self.pending and self.writing:
            keys = np.fromiter((key for _, key in self.pending), np.int64, len(self.pending))
            hits = np.empty(len(self.pending), np.uint8)
            kernels.test_bits(self.bitmap, keys, hits)
            self.removed += int(hits.sum())
            self.kept += len(self.pending) - int(hits.sum())
            self.emit("".join(raw for (raw, _), hit in zip(self.pending, hits, strict=True) if not hit))
        self.pending.clear()


def _check_rows(lines: _Lines, out: _CsvRows) -> RejectionCode | None:
    """Read the header and every row; the request's rejection, if any (decoding and CSV errors propagate)."""
    records = csv.reader(lines, strict=True)
    header = next(records, None)
    if header is None:
        return lines.error or RejectionCode.EMPTY
    _, raw_header = lines.take()
    column = header_index(header)
    if column is None:
        return RejectionCode.BAD_HEADER
    out.emit(raw_header)
    for record in records:
        first_line, raw = lines.take()
        out.row(record, column, first_line, raw)
    out.flush()
    if lines.error is not None:
        return lines.error
    if out.invalid:
        return RejectionCode.INVALID_NHS_NUMBERS
    if out.rows == 0:
        return RejectionCode.EMPTY
    return None


def check_csv(
    request: BinaryIO,
    prefix: bytes,
    sink: BinaryIO,
    bitmap: npt.NDArray[np.uint8],
    *,
    report: TextIO | None,
    progress: Callable[[int], None] | None,
) -> EngineResult:
    reader = _HashingReader(prefix, request, progress)
    text = io.TextIOWrapper(io.BufferedReader(reader, 1 << 20), encoding="utf-8", errors="strict", newline="")
    lines = _Lines(text)
    out = _CsvRows(sink, bitmap, report)
    rejection: RejectionCode | None
    try:
        rejection = _check_rows(lines, out)
    except UnicodeDecodeError:
        rejection = RejectionCode.NOT_TEXT
    except csv.Error as exc:
        rejection = RejectionCode.TRUNCATED if "end of data" in str(exc) else RejectionCode.BAD_CSV
    if rejection is not None and lines.error is not None:
        rejection = lines.error
    # Hash the rest of a refused request too: the job records what was sent.
    while reader.readinto(memoryview(bytearray(1 << 20))):
        pass
    return EngineResult(
        format=CheckFormat.CSV,
        rows_in=out.rows,
        rows_invalid=out.invalid,
        rows_removed=out.removed if rejection is None else 0,
        rows_kept=out.kept if rejection is None else 0,
        rejection=None if rejection is None else Rejection(rejection),
        newline=newline_of(prefix),
        request_sha256=reader.digest.hexdigest(),
        response_sha256=out.response.hexdigest() if rejection is None else "",
        bytes_in=reader.total,
    )
