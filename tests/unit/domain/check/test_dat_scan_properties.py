"""The plain-Python `dat` scan (used for small requests, ADR 88) against the compiled one (`kernels.scan_dat`,
the same source compiled by numba): for any bytes, any bitmap, chunk edges and report caps, the same
counts, flags, line numbers, recorded invalid rows and output bytes."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndop.domain.check import dat_scan, kernels
from ndop.domain.common.nhs_number import complete

POOL = [n.digits for n in (complete(f"{i:09d}") for i in range(943476500, 943476560)) if n is not None]
BITMAP_SPAN = 1_000_000_000 // 8

line = st.one_of(
    st.sampled_from(POOL).map(lambda n: f"{n},"),
    st.sampled_from(POOL),
    st.sampled_from(["", ",", "943476591,", "94347659190,", "943476591X,", "9434765918,", "\x00\x00", " 9434765919,"]),
    st.text(alphabet="0123456789,\r\x00x ", max_size=14),
)
requests = st.tuples(st.lists(line, max_size=40), st.sampled_from(["\n", "\r\n"]), st.booleans()).map(
    lambda t: ("".join(f"{row}{t[1]}" for row in t[0]) + ("9434765919" if t[2] else "")).encode("latin-1")
)

_BITMAP = np.zeros(BITMAP_SPAN, np.uint8)


def scan(fn, data: bytes, opted_out: set[str], final: bool, cap: int, max_line: int):
    _BITMAP[943476 * 125 : 943477 * 125] = 0
    for number in opted_out:
        key = int(number[:9])
        _BITMAP[key >> 3] |= 1 << (key & 7)
    buf = np.frombuffer(data, np.uint8).copy() if data else np.zeros(1, np.uint8)
    out = np.zeros(len(buf), np.uint8)
    inv_line = np.zeros(max(cap, 1), np.int64)
    inv_code = np.zeros(max(cap, 1), np.int8)
    result = fn(buf, 0, len(data), final, _BITMAP, out, 0, True, inv_line, inv_code, cap, 0, max_line)
    n_inv = result[5]
    counts = tuple(int(x) for x in result)
    return counts, out[: result[1]].tobytes(), inv_line[:n_inv].tolist(), inv_code[:n_inv].tolist()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests, st.sets(st.sampled_from(POOL), max_size=30), st.booleans(), st.sampled_from([0, 1, 3, 64]),
       st.sampled_from([12, 20, 1024]))
def test_plain_scan_equals_compiled_scan_for_any_bytes(data, opted_out, final, cap, max_line) -> None:
    assert scan(dat_scan.scan_dat, data, opted_out, final, cap, max_line) == scan(
        kernels.scan_dat, data, opted_out, final, cap, max_line
    )


def test_plain_scan_removes_an_opted_out_number_and_keeps_the_rest() -> None:
    data = f"{POOL[0]},\n{POOL[1]},\n".encode()
    result, out, _, _ = scan(dat_scan.scan_dat, data, {POOL[0]}, True, 0, 1024)
    assert out == f"{POOL[1]},\n".encode()
    assert result[2:5] == (2, 0, 1)  # rows, invalid, removed
