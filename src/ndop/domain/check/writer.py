"""What both request formats share around their compiled scans: the background writer and the report."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, TextIO

import numpy as np
import numpy.typing as npt

from ndop.domain.check.rejections import ROW_REASONS
from ndop.domain.common.nhs_number import InvalidReason

# Below this size the hand-off to the thread (starting it, queueing, waking) costs more than the work: a
# one-number API check spent about 1.2 ms of its ~5 ms of CPU starting the thread it then waited for.
INLINE_BYTES = 1 << 16


class _Lane:
    """One background thread's queue of work, done in order; small pieces at once when it is idle."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._pool: ThreadPoolExecutor | None = None
        self._last: Future[None] | None = None

    def run(self, work: Callable[[memoryview], None], data: memoryview) -> Future[None] | None:
        if len(data) < INLINE_BYTES and (self._last is None or self._last.done()):
            work(data)
            return None
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        self._last = self._pool.submit(work, data)
        return self._last

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


class BackgroundWriter:
    """Hashes the request on one background thread, and writes and hashes the response on another, each
    in order. `wait` re-raises their failures.

    Two threads, not one: on two cores the checking thread and the response's page-cache writes and
    sha256 each take about as much CPU as the other, and the request's sha256 is a third of that again
    (docs/benchmarks/check-csv.md); alone on one thread behind the writes it made that thread the
    slowest of the check. Small pieces are done at once on the caller's thread when nothing is queued
    on their thread (so the order still holds); a thread starts on the first large piece, so a small
    request starts none."""

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink
        self._hashing = _Lane("ndop-check-io-hash")
        self._writing = _Lane("ndop-check-io-write")
        self.request_hash = hashlib.sha256()
        self.response_hash = hashlib.sha256()
        self.writing = True

    def hash_request(self, data: memoryview) -> Future[None] | None:
        return self._hashing.run(self.request_hash.update, data)

    def write(self, data: memoryview) -> Future[None] | None:
        return self._writing.run(self._write, data)

    def _write(self, data: memoryview) -> None:
        if self.writing:
            self.response_hash.update(data)
            self._sink.write(data)

    def close(self) -> None:
        self._hashing.close()
        self._writing.close()


def wait(future: Future[None] | None) -> None:
    if future is not None:
        future.result()


def report_rows(report: TextIO, lines: npt.NDArray[np.int64], codes: npt.NDArray[np.int8]) -> None:
    report.write(
        "".join(f"{line},{ROW_REASONS[InvalidReason(int(code))]}\n" for line, code in zip(lines, codes, strict=True))
    )
