"""The bulk NHS number helpers give the scalar rule's answer (`nhs_number.invalid_reason`) for any input."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.common.nhs_number import invalid_reason
from ndop.domain.common.nhs_number_arrays import modulus11_valid, ten_digit_numbers, ten_digits

# Ten bytes: mostly digits, sometimes the bytes either side of "0"-"9" and anything else.
_BYTE = st.one_of(st.integers(48, 57), st.sampled_from([0, 32, 43, 45, 46, 47, 58, 127, 128, 255]))
_VALUES = st.lists(st.lists(_BYTE, min_size=10, max_size=10).map(bytes), max_size=40)


def _scalar(value: bytes) -> tuple[int, bool]:
    text = value.decode("latin-1")
    digits = text.isascii() and text.isdigit()
    return (int(text) if digits else 0), digits and invalid_reason(text) is None


@given(_VALUES)
def test_ten_digit_numbers_are_the_scalar_rule(values: list[bytes]) -> None:
    data = np.frombuffer(b"".join(values), np.uint8)
    numbers, valid = ten_digit_numbers(data, len(values))
    expected = [_scalar(v) for v in values]
    assert numbers.tolist() == [n for n, _ in expected]
    assert valid.tolist() == [ok for _, ok in expected]
    assert ten_digits(data, len(values)).tolist() == [n for n, _ in expected]


@given(st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(0, 9_999_999_999), max_size=40))
def test_modulus11_valid_is_the_scalar_rule(values: list[int]) -> None:
    expected = [0 <= v <= 9_999_999_999 and invalid_reason(f"{v:010d}") is None for v in values]
    assert modulus11_valid(np.array(values, dtype=np.int64)).tolist() == expected


def test_every_check_digit_edge() -> None:
    # 0000000000 is valid by Modulus 11 (sum 0, check 0); 9434765919 is the Data Dictionary's example.
    data = np.frombuffer(b"00000000009434765919943476591094347659180000000010", np.uint8)
    assert ten_digit_numbers(data, 5)[1].tolist() == [True, True, False, False, False]
