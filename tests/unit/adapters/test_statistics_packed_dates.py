"""PostgreSQL's packed column (dates of birth and death and the gender in one bigint, ADR 93) unpacks to
what the separate columns give: yyyymmdd dates (0 for no death) and the gender rule (1, 2, else 0), for any
date, inside the look-up table's years or outside them, and a null."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from ndop.adapters.db.statistics_arrow import unpacked

_JD_OF_ORDINAL_ZERO = 1_721_425  # date.toordinal() counts from 0001-01-01 = 1; its Julian day number is 1,721,426


def _packed(born: date, died: date | None, gender: int) -> int:
    """The server's expression (statistics_arrow.PACKED_DATES), in Python."""
    low = died.toordinal() + _JD_OF_ORDINAL_ZERO + 1 if died else 0
    return ((born.toordinal() + _JD_OF_ORDINAL_ZERO) * 2**32 + low) * 16 + min(gender, 15)


def _ymd(day: date | None) -> int:
    return day.year * 10000 + day.month * 100 + day.day if day else 0


_dates = st.dates(min_value=date(1, 1, 1)) | st.dates(min_value=date(1790, 1, 1), max_value=date(2210, 12, 31))
_people = st.lists(st.tuples(_dates, st.none() | _dates, st.integers(min_value=0, max_value=40)), max_size=30)


@given(_people)
def test_the_packed_column_unpacks_to_the_dates_and_gender(people: list[tuple[date, date | None, int]]) -> None:
    born, died, gender = unpacked(pa.array([_packed(*p) for p in people], type=pa.int64()))
    assert born.tolist() == [_ymd(b) for b, _, _ in people]
    assert died.tolist() == [_ymd(d) for _, d, _ in people]
    assert gender.tolist() == [g if g in (1, 2) else 0 for _, _, g in people]


def test_the_edges_of_the_table_and_of_the_calendar() -> None:
    days = [date(1, 1, 1), date(1799, 12, 31), date(1800, 1, 1), date(2199, 12, 31), date(2200, 1, 1),
            date(9999, 12, 31), date(2024, 2, 29)]
    born, died, _ = unpacked(pa.array([_packed(d, d, 1) for d in days], type=pa.int64()))
    assert born.tolist() == died.tolist() == [_ymd(d) for d in days]


def test_a_null_is_an_unknown_birth_no_death_and_unknown_gender() -> None:
    born, died, gender = unpacked(pa.array([None, _packed(date(1990, 5, 17), None, 2)], type=pa.int64()))
    assert (born.tolist(), died.tolist(), gender.tolist()) == ([0, 19900517], [0, 0], [0, 2])
