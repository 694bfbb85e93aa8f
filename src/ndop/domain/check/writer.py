"""What both request formats share around their compiled scans: the background writer and the report."""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, TextIO

import numpy as np
import numpy.typing as npt

from ndop.domain.check.rejections import ROW_REASONS
from ndop.domain.common.nhs_number import InvalidReason


class BackgroundWriter:
    """Hashes and writes on one background thread, in order. `wait` re-raises its failures."""

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ndop-check-io")
        self.request_hash = hashlib.sha256()
        self.response_hash = hashlib.sha256()
        self.writing = True

    def hash_request(self, data: memoryview) -> Future[None]:
        return self._pool.submit(self.request_hash.update, data)

    def write(self, data: memoryview) -> Future[None]:
        return self._pool.submit(self._write, data)

    def _write(self, data: memoryview) -> None:
        if self.writing:
            self.response_hash.update(data)
            self._sink.write(data)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def wait(future: Future[None] | None) -> None:
    if future is not None:
        future.result()


def report_rows(report: TextIO, lines: npt.NDArray[np.int64], codes: npt.NDArray[np.int8]) -> None:
    report.write(
        "".join(f"{line},{ROW_REASONS[InvalidReason(int(code))]}\n" for line, code in zip(lines, codes, strict=True))
    )
