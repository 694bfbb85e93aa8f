"""`llvm_memory`: copy_bytes (LLVM's memcpy in compiled loops) against numpy's slice assignment; prefetch compiles."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numba import njit

from ndop.domain.check.llvm_memory import copy_bytes, prefetch


@njit(cache=False)
def _copy(dst, dst_at, src, src_at, n):  # type: ignore[no-untyped-def]
    copy_bytes(dst, dst_at, src, src_at, n)


@given(st.binary(min_size=1, max_size=300), st.data())
def test_copy_bytes_equals_a_slice_assignment(data: bytes, draw: st.DataObject) -> None:
    src = np.frombuffer(data, np.uint8).copy()
    src_at = draw.draw(st.integers(0, len(src)))
    n = draw.draw(st.integers(0, len(src) - src_at))
    dst_at = draw.draw(st.integers(0, 50))
    got = np.full(n + 100, 7, np.uint8)
    want = got.copy()
    _copy(got, dst_at, src, src_at, n)
    want[dst_at : dst_at + n] = src[src_at : src_at + n]
    assert got.tobytes() == want.tobytes()


@njit(cache=False)
def _sum_with_prefetch(a):  # type: ignore[no-untyped-def]
    total = 0
    for i in range(a.shape[0]):
        prefetch(a, min(i + 64, a.shape[0] - 1))
        total += a[i]
    return total


def test_prefetch_is_only_a_hint() -> None:
    a = np.arange(1000, dtype=np.uint8)
    a.flags.writeable = False  # the snapshot's bitmap is read-only
    assert _sum_with_prefetch(a) == int(a.sum(dtype=np.int64))
