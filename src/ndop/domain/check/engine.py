"""The streaming check engine: a request in, the rows of patients who have not opted out out.

Memory stays bounded whatever the request size: the request is read in fixed-size chunks into
reused buffers. `dat` requests go through a single-pass loop (`dat_scan.scan_dat`), compiled by numba
(`kernels.scan_dat`) unless numba is not loaded yet and the whole request is at most `SMALL_DAT` bytes,
which plain Python checks sooner than numba loads (ADR 88); CSV requests through another compiled
loop (`csv_kernel.scan_csv`: quoted fields per RFC 4180, rows kept or dropped whole).
The engine writes kept rows to `sink` while the request is valid and stops writing at the first
invalid row: the caller discards what was written and sends the rejection instead, so nothing
partial is ever sent. Hashing the request, and writing and hashing the response, run on two more threads
(hashlib and file writes release the GIL) while the next chunk is checked; a small request's pieces are
done at once, without starting them (`writer.BackgroundWriter`).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from concurrent.futures import Future
from typing import BinaryIO, Final, TextIO

import numpy as np
import numpy.typing as npt

from ndop.domain.check import dat_scan
from ndop.domain.check.ports import Progress
from ndop.domain.check.reading import fill
from ndop.domain.check.rejections import ROW_REASONS, CheckFormat, Rejection, RejectionCode
from ndop.domain.check.result import EngineResult, newline_of
from ndop.domain.check.writer import BackgroundWriter, report_rows, wait
from ndop.domain.common.nhs_number import InvalidReason

CHUNK: Final = 8 * 1024 * 1024
MAX_DAT_LINE: Final = 1024  # a `dat` line is 11 or 12 bytes; anything near this is not a number
REPORT_BATCH: Final = 65536
BOMS: Final = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# A whole `dat` request this small is scanned by plain Python (`dat_scan`, about 3 us a row), sparing a process
# that has not loaded numba its import and cache load (about 0.37 s of CPU): they cross near 1.5 MiB
# (bench/check_startup.py, ADR 88).
SMALL_DAT: Final = 1024 * 1024
_KERNELS: Final = "ndop.domain.check.kernels"

__all__ = ["EngineResult", "Progress", "check_stream", "detect_format"]


def detect_format(prefix: bytes) -> CheckFormat:
    """`csv` when the first row names an NHS_NUMBER column, else `dat` (whose rows are then checked)."""
    first = prefix.split(b"\n", 1)[0].rstrip(b"\r")
    if first.rstrip(b",").isdigit() or not first:
        return CheckFormat.DAT
    from ndop.domain.check.csv_format import detect_csv_header  # imports the compiled CSV scan (numba)

    return CheckFormat.CSV if detect_csv_header(first) else CheckFormat.DAT


def check_stream(
    request: BinaryIO,
    sink: BinaryIO,
    bitmap: npt.NDArray[np.uint8],
    *,
    fmt: CheckFormat | None = None,
    report: TextIO | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
) -> EngineResult:
    """Check `request` against the opt-out `bitmap` (see `snapshot`), writing kept rows to `sink`.

    `chunk_size` bounds memory (four buffers of it); tests make it small to cross chunk edges.
    """
    buffers = [np.empty(chunk_size, np.uint8), np.empty(chunk_size, np.uint8)]
    got = fill(request, buffers[0], 0)
    prefix = buffers[0][: min(got, 65536)].tobytes()
    if report is not None:
        report.write("line,reason\n")
    early: RejectionCode | None = None
    if got == 0:
        early = RejectionCode.EMPTY
    elif prefix.startswith(BOMS):
        early = RejectionCode.BOM
    chosen = fmt or (detect_format(prefix) if early is None else CheckFormat.DAT)
    newline = newline_of(prefix)
    if early is not None:
        digest = hashlib.sha256(buffers[0][:got].data)
        total = got + _drain(request, buffers[1], digest)
        return EngineResult(chosen, 0, 0, 0, 0, Rejection(early), newline, digest.hexdigest(), "", total)
    if chosen is CheckFormat.CSV:
        from ndop.domain.check.csv_format import check_csv  # imports the compiled CSV scan (numba)

        return check_csv(request, sink, bitmap, buffers, got, report=report, progress=progress)
    return _check_dat(request, sink, bitmap, buffers, got, newline, report, progress)


def _drain(request: BinaryIO, buffer: npt.NDArray[np.uint8], digest: hashlib._Hash) -> int:
    total = 0
    while True:
        got = fill(request, buffer, 0)
        if got == 0:
            return total
        digest.update(buffer[:got].data)
        total += got


class _DatScan:
    """The scan's running state across chunks: counts, flags, the line number, the report."""

    def __init__(self, bitmap: npt.NDArray[np.uint8], report: TextIO | None, compiled: bool) -> None:
        self.scan: Callable[..., tuple[int, int, int, int, int, int, int, int]] = dat_scan.scan_dat
        if compiled:
            from ndop.domain.check import kernels  # imports numba, worth it only for a larger request

            self.scan = kernels.scan_dat
        self.bitmap = bitmap
        self.report = report
        self.cap = REPORT_BATCH if report is not None else 0
        self.inv_line = np.empty(max(self.cap, 1), np.int64)
        self.inv_code = np.empty(max(self.cap, 1), np.int8)
        self.rows = self.invalid = self.removed = self.line_no = self.flags = 0
        self.writing = True  # until the first invalid row: a rejected list is never written out

    def chunk(self, buf: npt.NDArray[np.uint8], end: int, final: bool, out: npt.NDArray[np.uint8]) -> tuple[int, int]:
        """Scan whole lines of `buf[:end]` into `out`; where the next chunk starts and how much to write."""
        pos = out_pos = 0
        while True:  # more than once only when the report batch fills
            pos, out_pos, r, inv, rem, n_inv, f, self.line_no = self.scan(
                buf, pos, end, final, self.bitmap, out, out_pos, self.writing, self.inv_line, self.inv_code,
                self.cap, self.line_no, MAX_DAT_LINE,
            )
            self.rows += r
            self.invalid += inv
            self.removed += rem
            self.flags |= f
            if inv:
                self.writing = False
            if self.report is not None and n_inv:
                report_rows(self.report, self.inv_line[:n_inv], self.inv_code[:n_inv])
            if not f & dat_scan.REPORT_FULL:
                return pos, out_pos

    def rejection(self, too_long: bool) -> Rejection | None:
        if self.flags & dat_scan.SAW_NUL:
            return Rejection(RejectionCode.NOT_TEXT)
        if too_long or self.flags & dat_scan.SAW_TOO_LONG:
            return Rejection(RejectionCode.LINE_TOO_LONG)
        if self.invalid:
            return Rejection(RejectionCode.INVALID_NHS_NUMBERS)
        if self.rows == 0:
            return Rejection(RejectionCode.EMPTY)
        return None


def _check_dat(
    request: BinaryIO,
    sink: BinaryIO,
    bitmap: npt.NDArray[np.uint8],
    buffers: list[npt.NDArray[np.uint8]],
    first_got: int,
    newline: bytes,
    report: TextIO | None,
    progress: Progress | None,
) -> EngineResult:
    chunk = len(buffers[0])
    outs = [np.empty(chunk, np.uint8), np.empty(chunk, np.uint8)]
    hashed: list[Future[None] | None] = [None, None]
    written: list[Future[None] | None] = [None, None]
    # The plain scan only for a request read whole (the first fill stopped short of a full buffer) and small, in
    # a process without numba yet: a long-running one (the API, the MESH worker) keeps the compiled scan.
    small = first_got < chunk and first_got <= SMALL_DAT
    scan = _DatScan(bitmap, report, compiled=not small or _KERNELS in sys.modules)
    writer = BackgroundWriter(sink)
    too_long = False
    total = first_got
    k = 0
    carry = 0
    got = first_got
    try:
        hashed[0] = writer.hash_request(buffers[0].data[:got])
        while True:
            buf = buffers[k]
            end = carry + got
            final = got == 0
            out = outs[k]
            wait(written[k])
            pos, out_pos = scan.chunk(buf, end, final, out)
            if scan.writing and out_pos:
                written[k] = writer.write(out.data[:out_pos])
            if final:
                break
            carry = end - pos
            if carry >= chunk // 2:
                # No line end in half a buffer: not a list of NHS numbers. Stop checking, keep hashing.
                too_long = True
                scan.writing = False
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
            k = other
        for future in (*hashed, *written):
            wait(future)
        if too_long:
            total += _drain(request, buffers[1 - k], writer.request_hash)
            if report is not None:
                too_long_row = ROW_REASONS[InvalidReason.TOO_LONG]
                report.write(f"{scan.line_no + 1},{too_long_row}; the rest of the file was not checked\n")
    finally:
        writer.close()
    rejection = scan.rejection(too_long)
    kept = scan.rows - scan.invalid - scan.removed if rejection is None else 0
    return EngineResult(
        format=CheckFormat.DAT,
        rows_in=scan.rows + (1 if too_long else 0),
        rows_invalid=scan.invalid + (1 if too_long else 0),
        rows_removed=scan.removed if rejection is None else 0,
        rows_kept=kept,
        rejection=rejection,
        newline=newline,
        request_sha256=writer.request_hash.hexdigest(),
        response_sha256=writer.response_hash.hexdigest() if rejection is None else "",
        bytes_in=total,
    )
