"""CSV requests: a header row naming an NHS_NUMBER column (any case), then rows kept or dropped whole.

Quoted fields follow RFC 4180 as Python's csv module reads them (strict), which is what this path
used before it was compiled (tests/unit/domain/check/csv_reference.py). Each kept row is written
back byte for byte as it came, quoting and line ending included. The records are found, checked and
copied by a compiled scan over fixed-size buffers (`csv_kernel.scan_csv`, ADR 0072); only the
header row goes through the csv module, for its NHS_NUMBER column.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import Future
from typing import BinaryIO, Final, TextIO

import numpy as np
import numpy.typing as npt

from ndop.domain.check import csv_kernel
from ndop.domain.check.ports import Progress
from ndop.domain.check.reading import fill
from ndop.domain.check.rejections import CheckFormat, Rejection, RejectionCode
from ndop.domain.check.result import EngineResult, newline_of
from ndop.domain.check.writer import BackgroundWriter, report_rows, wait

MAX_CSV_LINE: Final = 65536
HEADER: Final = "NHS_NUMBER"
REPORT_BATCH: Final = 65536

# The scan's reasons to stop, as the codes a sender is told.
_STOPS: Final = {
    csv_kernel.BAD_CSV: RejectionCode.BAD_CSV,
    csv_kernel.TRUNCATED: RejectionCode.TRUNCATED,
    csv_kernel.TOO_LONG: RejectionCode.LINE_TOO_LONG,
    csv_kernel.NOT_TEXT: RejectionCode.NOT_TEXT,
}


def header_index(fields: list[str]) -> int | None:
    for index, name in enumerate(fields):
        if name.strip().upper() == HEADER:
            return index
    return None


def detect_csv_header(first_line: bytes) -> bool:
    try:
        text = first_line.decode("utf-8")
        fields = next(csv.reader([text]), [])
    except (UnicodeDecodeError, csv.Error):
        return False
    return header_index(fields) is not None


class _CsvScan:
    """The compiled scan's running state across buffers: counts, the line number, the report."""

    def __init__(self, bitmap: npt.NDArray[np.uint8], report: TextIO | None, column: int, line_no: int) -> None:
        self.bitmap, self.report, self.column, self.line_no = bitmap, report, column, line_no
        self.cap = REPORT_BATCH if report is not None else 0
        self.inv_line = np.empty(max(self.cap, 1), np.int64)
        self.inv_code = np.empty(max(self.cap, 1), np.int8)
        self.rows = self.invalid = self.removed = 0
        self.status = csv_kernel.OK
        self.writing = True  # until the first invalid row: a rejected list is never written out
        self.field_limit = csv.field_size_limit()  # the csv module's, which the old path obeyed

    def chunk(
        self, buf: npt.NDArray[np.uint8], pos: int, end: int, final: bool, out: npt.NDArray[np.uint8]
    ) -> tuple[int, int]:
        """Scan the whole records of buf[pos:end] into `out`; where to go on from, and how much to write."""
        out_pos = 0
        while True:  # more than once only when the report batch fills
            pos, out_pos, rows, inv, rem, n_inv, self.status, full, self.line_no = csv_kernel.scan_csv(
                buf,
                pos,
                end,
                final,
                self.column,
                self.bitmap,
                out,
                out_pos,
                self.writing,
                self.inv_line,
                self.inv_code,
                self.cap,
                self.line_no,
                MAX_CSV_LINE,
                self.field_limit,
            )
            self.rows += rows
            self.invalid += inv
            self.removed += rem
            if inv:
                self.writing = False
            if self.report is not None and n_inv:
                report_rows(self.report, self.inv_line[:n_inv], self.inv_code[:n_inv])
            if not full:
                return pos, out_pos

    @property
    def stopped(self) -> bool:
        return self.status not in (csv_kernel.OK, csv_kernel.MORE)


def _header(buf: npt.NDArray[np.uint8], end: int, final: bool) -> tuple[RejectionCode | None, int, int, int]:
    """The header record: (its rejection, where the rows start, the NHS_NUMBER column, its lines)."""
    status, nxt, _, _, lines = csv_kernel.scan_record(buf, 0, end, final, -1, MAX_CSV_LINE, csv.field_size_limit())
    if status == csv_kernel.MORE:
        return RejectionCode.LINE_TOO_LONG, 0, 0, 0  # a header longer than a whole buffer
    if status != csv_kernel.OK:
        return _STOPS[status], 0, 0, 0
    text = buf[:nxt].tobytes().decode("utf-8")  # the scan has checked it is UTF-8
    try:
        fields = next(csv.reader(io.StringIO(text, newline=""), strict=True), [])
    except csv.Error:
        return RejectionCode.BAD_CSV, 0, 0, 0
    column = header_index(fields)
    if column is None:
        return RejectionCode.BAD_HEADER, nxt, 0, lines
    return None, nxt, column, lines


def check_csv(
    request: BinaryIO,
    sink: BinaryIO,
    bitmap: npt.NDArray[np.uint8],
    buffers: list[npt.NDArray[np.uint8]],
    got: int,
    *,
    report: TextIO | None,
    progress: Progress | None,
) -> EngineResult:
    """Check a CSV request whose first `got` bytes are in buffers[0] (both buffers are reused)."""
    newline = newline_of(buffers[0][: min(got, 65536)].tobytes())
    writer = BackgroundWriter(sink)
    try:
        return _check(request, bitmap, buffers, got, report, progress, writer, newline)
    finally:
        writer.close()


def _check(
    request: BinaryIO,
    bitmap: npt.NDArray[np.uint8],
    buffers: list[npt.NDArray[np.uint8]],
    got: int,
    report: TextIO | None,
    progress: Progress | None,
    writer: BackgroundWriter,
    newline: bytes,
) -> EngineResult:
    chunk = len(buffers[0])
    hashed: list[Future[None] | None] = [writer.hash_request(buffers[0].data[:got]), None]
    written: list[Future[None] | None] = [None, None]
    end = total = got
    final = end < chunk  # `fill` stops short of a full buffer only at the end of the request
    header_code, pos, column, lines = _header(buffers[0], end, final)
    scan = _CsvScan(bitmap, report, column, lines)
    if header_code is None:
        header = buffers[0][:pos].tobytes()
        written[1] = writer.write(memoryview(header))
    outs = [np.empty(chunk, np.uint8), np.empty(chunk, np.uint8)]
    too_long = False
    k = 0
    while header_code is None:
        buf, out = buffers[k], outs[k]
        wait(written[k])
        pos, out_pos = scan.chunk(buf, pos, end, final, out)
        if scan.writing and out_pos:
            written[k] = writer.write(out.data[:out_pos])
        if scan.stopped or final:
            break
        carry = end - pos
        if carry >= chunk // 2:
            too_long = True  # one record over half a buffer: refused as a line far too long (ADR 0072)
            break
        other = 1 - k
        wait(hashed[other])
        buffers[other][:carry] = buf[pos:end]
        got = fill(request, buffers[other], carry)
        if got:
            hashed[other] = writer.hash_request(buffers[other].data[carry : carry + got])
        total += got
        if progress is not None:
            progress(got)
        end, final, pos, k = carry + got, carry + got < chunk, 0, other
    for future in (*hashed, *written):
        wait(future)
    stopped_early = header_code is not None or scan.stopped or too_long
    text = True
    if stopped_early:
        # The old path decoded the whole request as UTF-8 before it stopped, in small files at least:
        # bytes that are not UTF-8 anywhere make the refusal NOT_TEXT, as they did.
        text, more = _rest_is_text(request, buffers[k], pos, end, final, buffers[1 - k], writer, progress)
        total += more
    rejection = _rejection(text, header_code, scan, too_long)
    return EngineResult(
        format=CheckFormat.CSV,
        rows_in=scan.rows,
        rows_invalid=scan.invalid,
        rows_removed=scan.removed if rejection is None else 0,
        rows_kept=scan.rows - scan.removed if rejection is None else 0,
        rejection=None if rejection is None else Rejection(rejection),
        newline=newline,
        request_sha256=writer.request_hash.hexdigest(),
        response_sha256=writer.response_hash.hexdigest() if rejection is None else "",
        bytes_in=total,
    )


def _rejection(text: bool, header_code: RejectionCode | None, scan: _CsvScan, too_long: bool) -> RejectionCode | None:
    if not text:
        return RejectionCode.NOT_TEXT
    if header_code is not None:
        return header_code
    if scan.stopped:
        return _STOPS[scan.status]
    if too_long:
        return RejectionCode.LINE_TOO_LONG
    if scan.invalid:
        return RejectionCode.INVALID_NHS_NUMBERS
    if scan.rows == 0:
        return RejectionCode.EMPTY
    return None


def _rest_is_text(
    request: BinaryIO,
    buf: npt.NDArray[np.uint8],
    pos: int,
    end: int,
    final: bool,
    spare: npt.NDArray[np.uint8],
    writer: BackgroundWriter,
    progress: Progress | None,
) -> tuple[bool, int]:
    """Whether buf[pos:end] and the rest of the request are UTF-8; hashes the rest (a refused request
    is hashed whole: the job records what was sent). Returns (is text, bytes read)."""
    ok, cut = csv_kernel.utf8_valid(buf, pos, end, final)
    carry = end - cut if ok else 0
    spare[:carry] = buf[end - carry : end]
    total = 0
    while not final:
        got = fill(request, spare, carry)
        total += got
        if progress is not None and got:
            progress(got)
        writer.request_hash.update(spare.data[carry : carry + got])
        final = carry + got < len(spare)
        if ok:
            ok, cut = csv_kernel.utf8_valid(spare, 0, carry + got, final)
            tail = spare[cut : carry + got].copy()
            carry = len(tail)
            spare[:carry] = tail
    return ok, total
