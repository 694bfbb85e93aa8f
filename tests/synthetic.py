"""Synthetic NHS numbers in bulk (the 9xx test range, never issued to real patients)."""

from __future__ import annotations

import numpy as np

WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)


def valid_numbers(count: int, *, seed: int = 4) -> np.ndarray:
    """`count` valid 10-digit NHS numbers as int64, starting with 9."""
    rng = np.random.default_rng(seed)
    out = np.empty(0, dtype=np.int64)
    while out.size < count:
        stems = rng.integers(900_000_000, 1_000_000_000, size=int((count - out.size) * 1.15) + 16, dtype=np.int64)
        digits = (stems[:, None] // 10 ** np.arange(8, -1, -1, dtype=np.int64)) % 10
        check = 11 - (digits @ WEIGHTS) % 11
        check[check == 11] = 0
        keep = check != 10
        out = np.concatenate([out, stems[keep] * 10 + check[keep]])
    return out[:count]


def dat_body(numbers: np.ndarray, newline: bytes = b"\r\n") -> bytes:
    """A .dat request: each number followed by a comma and `newline`."""
    width = 11 + len(newline)
    rows = np.empty((numbers.size, width), dtype=np.uint8)
    rows[:, :10] = (numbers[:, None] // 10 ** np.arange(9, -1, -1, dtype=np.int64)) % 10 + ord("0")
    rows[:, 10] = ord(",")
    rows[:, 11:] = np.frombuffer(newline, dtype=np.uint8)
    return rows.tobytes()
