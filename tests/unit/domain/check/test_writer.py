"""The check's background writer: small pieces inline, large ones on its thread, always in order."""

from __future__ import annotations

import hashlib
import io
import threading

from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.check.writer import INLINE_BYTES, BackgroundWriter, wait


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("ndop-check-io")}


def test_a_small_request_starts_no_thread() -> None:
    sink = io.BytesIO()
    before = _threads()
    writer = BackgroundWriter(sink)
    assert writer.hash_request(memoryview(b"9434765919\n")) is None
    assert writer.write(memoryview(b"9434765919\n")) is None
    writer.close()
    assert _threads() == before
    assert sink.getvalue() == b"9434765919\n"
    assert writer.request_hash.hexdigest() == hashlib.sha256(b"9434765919\n").hexdigest()


@given(st.lists(st.sampled_from([1, 100, INLINE_BYTES - 1, INLINE_BYTES, 3 * INLINE_BYTES]), max_size=12))
def test_small_and_large_writes_arrive_in_the_order_given(sizes: list[int]) -> None:
    sink = io.BytesIO()
    writer = BackgroundWriter(sink)
    pieces = [bytes([i % 251]) * size for i, size in enumerate(sizes)]
    futures = [writer.write(memoryview(piece)) for piece in pieces]
    for future in futures:
        wait(future)
    writer.close()
    assert sink.getvalue() == b"".join(pieces)
    assert writer.response_hash.hexdigest() == hashlib.sha256(b"".join(pieces)).hexdigest()


@given(st.lists(st.tuples(st.booleans(), st.sampled_from([1, INLINE_BYTES - 1, 3 * INLINE_BYTES])), max_size=12))
def test_request_hashing_and_writes_each_keep_their_order_on_their_own_threads(pieces: list[tuple[bool, int]]) -> None:
    sink = io.BytesIO()
    writer = BackgroundWriter(sink)
    data = [(is_request, bytes([i % 251]) * size) for i, (is_request, size) in enumerate(pieces)]
    futures = [
        (writer.hash_request if is_request else writer.write)(memoryview(piece)) for is_request, piece in data
    ]
    for future in futures:
        wait(future)
    writer.close()
    requested = b"".join(piece for is_request, piece in data if is_request)
    written = b"".join(piece for is_request, piece in data if not is_request)
    assert writer.request_hash.hexdigest() == hashlib.sha256(requested).hexdigest()
    assert sink.getvalue() == written
    assert writer.response_hash.hexdigest() == hashlib.sha256(written).hexdigest()
