"""NHS numbers in bulk, with numpy only: ten ASCII digits read as integers, and the Modulus 11 rule.

Shared by the statistics engine (ADR 86) and the Spark executors (ADR 89), which must not load a compiler
(numba and LLVM were most of a Python worker's memory). The rule is `nhs_number`'s: weights 10..2 on the
first nine digits, check = 11 - (sum mod 11), 11 means 0 and 10 means never valid.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from ndop.domain.common.nhs_number import WEIGHTS


def _weighted(weights: tuple[int, ...]) -> npt.NDArray[np.int16]:
    """For every integer below 10^len(weights), the sum of its digits (left to right, zero-padded) times weights."""
    value = np.arange(10 ** len(weights), dtype=np.int64)
    total = np.zeros(value.size, dtype=np.int64)
    for weight in reversed(weights):
        total += value % 10 * weight
        value //= 10
    return total.astype(np.int16)


# The weighted sum of a number's first nine digits, read from two tables (100,000 entries each, in cache):
# of the first five digits (weights 10 to 6) and of the next four with the check digit (weights 5 to 2,
# then 0). Two look-ups a number instead of nine divisions by ten.
_HIGH_FIVE: Final = _weighted(WEIGHTS[:5])
_LOW_FIVE: Final = _weighted((*WEIGHTS[5:], 0))
# The check digit for each weighted sum (at most 9 x 54 = 486, so 512 entries, indexed by the sum's low nine
# bits): 11 - sum mod 11, 11 meaning 0 and 10 never equal to a digit. A look-up instead of a division.
_CHECK: Final = ((11 - np.arange(512) % 11) % 11).astype(np.uint8)


def modulus11_valid(values: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """True where a value is 0..9,999,999,999 (ten digits, leading zeros implied) with a right check digit."""
    in_range = (values >= 0) & (values <= 9_999_999_999)
    safe = np.where(in_range, values, 0)
    high = safe // 100_000
    low = safe - high * 100_000
    check = _CHECK[_HIGH_FIVE[high] + _LOW_FIVE[low]]
    return np.asarray(in_range & (check == low % 10), dtype=np.bool_)


def _lanes(data: npt.NDArray[np.uint8], size: int
           ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
    """(the first eight digits as bytes of a uint64, the last two as bytes of another, which were not digits).

    Each value's first eight bytes are one little-endian uint64 and its last two a uint16 (strided views,
    no copy of the buffer), less "0" in every byte."""
    u64 = np.uint64
    head = np.ndarray((size,), dtype="<u8", buffer=data, offset=0, strides=(10,)) - u64(0x3030303030303030)
    tail = np.ndarray((size,), dtype="<u2", buffer=data, offset=8, strides=(10,)).astype(u64) - u64(0x3030)
    # A byte was a digit when, after subtracting "0", it is below 10: adding 118 then leaves its top bit clear.
    bad = (((head + u64(0x7676767676767676)) | head) & u64(0x8080808080808080)) != 0
    bad |= (((tail + u64(0x7676)) | tail) & u64(0x8080)) != 0
    return head, tail, bad


def _value(head: npt.NDArray[np.uint64], tail: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    u64 = np.uint64
    head = (head * u64(10) + (head >> u64(8))) & u64(0x00FF00FF00FF00FF)  # pairs of digits
    head = (head * u64(100) + (head >> u64(16))) & u64(0x0000FFFF0000FFFF)  # fours
    head = (head * u64(10000) + (head >> u64(32))) & u64(0xFFFFFFFF)  # the first eight digits
    return np.asarray(head * u64(100) + (tail & u64(0xFF)) * u64(10) + (tail >> u64(8)), dtype=np.int64)


def ten_digits(data: npt.NDArray[np.uint8], size: int) -> npt.NDArray[np.int64]:
    """`size` values of ten ASCII bytes each, side by side, as integers; 0 where a byte is not a digit.

    The digits are checked and combined pairwise inside the integers ("SWAR"): a handful of numpy passes,
    with no (n, 10) matrix of int64."""
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    head, tail, bad = _lanes(data, size)
    value = _value(head, tail)
    value[bad] = 0
    return value


# The Modulus 11 weights of the even and the odd bytes of the first eight digits, one a 16-bit lane, in
# reverse: a product's top lane is then the weighted sum of the four (each lane's sum is below 256, so
# nothing carries between lanes).
_EVEN: Final = np.uint64(sum(w << (16 * (3 - k)) for k, w in enumerate(WEIGHTS[0:8:2])))
_ODD: Final = np.uint64(sum(w << (16 * (3 - k)) for k, w in enumerate(WEIGHTS[1:8:2])))
_BYTES: Final = np.uint64(0x00FF00FF00FF00FF)


def ten_digit_numbers(data: npt.NDArray[np.uint8], size: int
                      ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """(the integers, which are valid NHS numbers: ten digits and a right check digit) for `size` values of
    ten ASCII bytes each, side by side (0 where a byte is not a digit); the check digit from the digits'
    bytes in the same SWAR passes."""
    if size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.bool_)
    head, tail, bad = _lanes(data, size)
    u48 = np.uint64(48)
    total = ((head & _BYTES) * _EVEN >> u48) + ((head >> np.uint64(8) & _BYTES) * _ODD >> u48)
    total += (tail & np.uint64(0xFF)) * np.uint64(WEIGHTS[8])
    ok = ~bad & (_CHECK[total & np.uint64(511)] == tail >> np.uint64(8))  # a non-digit's sum: any entry
    value = _value(head, tail)
    value[bad] = 0
    return value, ok
