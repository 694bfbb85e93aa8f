"""The rebuild's PostgreSQL path reads COPY's binary format a chunk at a time: whatever the chunk
boundaries, the keys come out whole and in order, and a stream that is not one int64 a row is refused."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.adapters.db.check import _binary_int64_rows

HEADER = b"PGCOPY\n\xff\r\n\0" + struct.pack(">ii", 0, 0)


def stream(keys: list[int]) -> bytes:
    return HEADER + b"".join(struct.pack(">hiq", 1, 8, k) for k in keys) + b"\xff\xff"


@given(st.lists(st.integers(0, 999_999_999), max_size=300), st.lists(st.integers(1, 64), min_size=1))
def test_keys_survive_any_chunking(keys, sizes) -> None:
    data = stream(keys)
    chunks, at = [], 0
    while at < len(data):
        size = sizes[len(chunks) % len(sizes)]
        chunks.append(memoryview(data[at:at + size]))
        at += size
    parsed = list(_binary_int64_rows(chunks))
    got = np.concatenate(parsed).tolist() if parsed else []
    assert got == keys


def test_a_stream_that_is_not_one_int64_a_row_is_refused() -> None:
    bad = HEADER + struct.pack(">hii", 1, 4, 7) + struct.pack(">hiq", 1, 8, 1) + b"\xff\xff"
    with pytest.raises(ValueError, match="one int64 a row"):
        list(_binary_int64_rows([bad]))


def test_a_stream_cut_short_is_refused() -> None:
    with pytest.raises(ValueError, match="trailer"):
        list(_binary_int64_rows([stream([1, 2, 3])[:-5]]))
