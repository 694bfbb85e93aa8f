"""The statistics' NHS-number column read from Arrow's string buffers (ADR 86) agrees with the plain rule
(ten ASCII digits, else 0) on any strings, nulls and slices."""

from __future__ import annotations

import re

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ndop.adapters.db.statistics_arrow import numbers

_TEN_DIGITS = re.compile(r"[0-9]{10}")
_near_numbers = st.text(alphabet="0123456789/:+- A\u0660\u00e9", min_size=8, max_size=12)
_values = st.lists(st.none() | _near_numbers | st.text(max_size=12) | st.from_regex(r"[0-9]{10}", fullmatch=True),
                   max_size=40)


def _expected(values: list[str | None]) -> list[int]:
    return [int(v) if v is not None and _TEN_DIGITS.fullmatch(v) else 0 for v in values]


@settings(deadline=None)  # the first example imports pyarrow.compute
@given(_values, st.integers(min_value=0, max_value=5), st.booleans())
def test_numbers_are_ten_ascii_digits_or_zero(values: list[str | None], skip: int, large: bool) -> None:
    column = pa.array(values, type=pa.large_string() if large else pa.string()).slice(min(skip, len(values)))
    assert numbers(column).tolist() == _expected(values[skip:])


@settings(deadline=None)
@given(st.lists(st.from_regex(r"[0-9]{10}", fullmatch=True), min_size=1, max_size=40))
def test_a_column_of_ten_digit_values_reads_in_place(values: list[str]) -> None:
    column = pa.chunked_array([pa.array(values[:3], pa.string()), pa.array(values[3:], pa.string())])
    assert numbers(column).tolist() == _expected(values)


def test_numbers_of_an_empty_or_all_null_column_are_zero() -> None:
    assert numbers(pa.array([], type=pa.string())).tolist() == []
    assert numbers(pa.array([None, None], type=pa.string())).tolist() == [0, 0]
