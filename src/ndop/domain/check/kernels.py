"""Compiled inner loops of the bulk check (numba).

`scan_dat` is `dat_scan.scan_dat` (one pass over a buffer of `dat` lines: validate, look up, copy kept
lines) compiled, with no per-row Python; `set_bits` and `test_bits` build and read the snapshot's
bitmap. numba compiles them on first use and caches the machine code on disk (`cache=True`), so later
processes start warm. Importing this module imports numba (about half a second of CPU with its cache
load), so it is imported where a compiled loop is about to run, never at the top of a module on the
check's path (ADR 88). The numpy fallback of `nhs_number.valid_mask` was measured at about 390 ns a
row; the compiled scan runs at a few tens (docs/benchmarks/check.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from ndop.domain.check import dat_scan

scan_dat = njit(cache=True, nogil=True, boundscheck=False)(dat_scan.scan_dat)


@njit(cache=True, nogil=True, boundscheck=False)
def set_bits(bitmap: Any, keys: Any, value: bool) -> None:
    """Set (or clear) the bits of `keys` (first nine digits) in the bitmap."""
    for q in keys:
        if value:
            bitmap[q >> 3] |= np.uint8(1 << (q & 7))
        else:
            bitmap[q >> 3] &= np.uint8(~(1 << (q & 7)) & 0xFF)


@njit(cache=True, nogil=True, boundscheck=False)
def test_bits(bitmap: Any, keys: Any, result: Any) -> None:
    for r in range(keys.shape[0]):
        q = keys[r]
        result[r] = (bitmap[q >> 3] >> (q & 7)) & 1
