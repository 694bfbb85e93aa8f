"""The month parser: numbers and names in, 1 to 12 or None out (properties and a table)."""

from __future__ import annotations

import calendar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.common.dates import MONTH_NAMES, parse_month

months = st.integers(min_value=1, max_value=12)


def spellings(n: int) -> list[str]:
    name = MONTH_NAMES[n - 1]
    return [name, name[:3], str(n), f"{n:02d}"] + (["sept"] if n == 9 else [])


def recase(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))


@given(st.data(), months)
def test_every_spelling_of_a_month_in_any_case_with_spaces_and_a_full_stop_is_that_month(data, n) -> None:
    spelling = data.draw(st.sampled_from(spellings(n)))
    typed = recase(data.draw, spelling)
    typed = data.draw(st.sampled_from(["", " ", "  "])) + typed + data.draw(st.sampled_from(["", ".", " ", ". "]))
    assert parse_month(typed) == n


@given(st.text(max_size=12))
def test_anything_parsed_is_a_month_named_by_the_text(text) -> None:
    month = parse_month(text)
    assert month is None or (1 <= month <= 12 and text.strip().lower().rstrip(". ").lstrip("0")
                             in {s.lstrip("0") for s in spellings(month)})


@given(st.integers())
def test_numbers_outside_1_to_12_are_not_months(n) -> None:
    if not 1 <= n <= 12:
        assert parse_month(str(n)) is None


@given(months)
def test_the_names_agree_with_the_calendar(n) -> None:
    assert parse_month(calendar.month_name[n]) == n
    assert parse_month(calendar.month_abbr[n]) == n


@pytest.mark.parametrize(("typed", "month"), [
    ("Sept", 9), ("September", 9), ("sep", 9), ("SEPT.", 9), ("9", 9), ("09", 9), (" 12 ", 12), ("may", 5),
    ("0", None), ("13", None), ("009", None), ("Septem", None), ("Se", None), ("", None), ("٩", None),
    ("9.5", None), ("-1", None), ("June July", None),
])
def test_month_table(typed, month) -> None:
    assert parse_month(typed) == month
