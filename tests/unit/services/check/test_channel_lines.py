"""The API's JSON list to `.dat` lines and back: the joined-at-once paths give exactly what the line-by-line
reading gives, for any input (ADR 92), and no item becomes more than one line."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ndop.services.check.channel_checks import dat_from_numbers, numbers_from_dat

_NOT_DIGIT = re.compile(r"[^0-9 ]")


def _lines(numbers: list[object]) -> bytes:
    """The reference: each item on a line of its own, anything but digits and spaces written as X."""
    out = []
    for item in numbers:
        text = item if isinstance(item, str) else repr(item)
        out.append(_NOT_DIGIT.sub("X", text) or "X")
    return "".join(f"{line},\n" for line in out).encode()


def _fields(data: bytes) -> list[str]:
    """The reference: the first field of each line, stripped, when it is all digits."""
    return [f.decode() for f in (raw.split(b",", 1)[0].strip() for raw in data.splitlines()) if f.isdigit()]


_ITEM_TEXT = st.text(alphabet="0123456789 ,\n\r\tX\u00e9", max_size=14)
_ITEMS = st.lists(st.one_of(_ITEM_TEXT, st.from_regex(r"[0-9]{10}", fullmatch=True), st.integers(),
                            st.none(), st.booleans()), max_size=30)


@given(_ITEMS)
def test_dat_from_numbers_is_the_line_by_line_request_for_any_list(numbers: list[object]) -> None:
    dat = dat_from_numbers(numbers)
    assert dat == _lines(numbers)
    assert dat.count(b"\n") == len(numbers)  # one line an item: none smuggled in


@given(st.lists(st.from_regex(r"[0-9]{10}", fullmatch=True), min_size=1, max_size=50))
def test_a_list_of_clean_numbers_is_one_line_each(numbers: list[str]) -> None:
    assert dat_from_numbers(numbers) == "".join(f"{n},\n" for n in numbers).encode()


_NUMBER_LINES = st.lists(st.from_regex(r"[0-9]{1,12}", fullmatch=True), max_size=20).map(
    lambda numbers: "".join(f"{n},\n" for n in numbers).encode())


@given(st.binary(max_size=200) | st.text(alphabet="0123456789 ,\n\r\tX", max_size=200).map(str.encode)
       | _NUMBER_LINES | st.tuples(_NUMBER_LINES, st.binary(max_size=3)).map(lambda parts: parts[0] + parts[1]))
def test_numbers_from_dat_is_the_line_by_line_reading_for_any_bytes(data: bytes) -> None:
    assert numbers_from_dat(data) == _fields(data)
