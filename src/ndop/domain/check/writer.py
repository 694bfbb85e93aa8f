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


class BackgroundWriter:
    """Hashes and writes on one background thread, in order. `wait` re-raises its failures.

    Small pieces are done at once on the caller's thread when nothing is queued (so the order still
    holds); the thread starts on the first large piece, so a small request never starts it."""

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink
        self._pool: ThreadPoolExecutor | None = None
        self._last: Future[None] | None = None
        self.request_hash = hashlib.sha256()
        self.response_hash = hashlib.sha256()
        self.writing = True

    def hash_request(self, data: memoryview) -> Future[None] | None:
        return self._run(self.request_hash.update, data)

    def write(self, data: memoryview) -> Future[None] | None:
        return self._run(self._write, data)

    def _run(self, work: Callable[[memoryview], None], data: memoryview) -> Future[None] | None:
        if len(data) < INLINE_BYTES and (self._last is None or self._last.done()):
            work(data)
            return None
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ndop-check-io")
        self._last = self._pool.submit(work, data)
        return self._last

    def _write(self, data: memoryview) -> None:
        if self.writing:
            self.response_hash.update(data)
            self._sink.write(data)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def wait(future: Future[None] | None) -> None:
    if future is not None:
        future.result()


def report_rows(report: TextIO, lines: npt.NDArray[np.int64], codes: npt.NDArray[np.int8]) -> None:
    report.write(
        "".join(f"{line},{ROW_REASONS[InvalidReason(int(code))]}\n" for line, code in zip(lines, codes, strict=True))
    )
