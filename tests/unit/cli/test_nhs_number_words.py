"""The CLI's NHS number argument: the number as people print it, however the shell splits it."""

from __future__ import annotations

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.cli.common import nhs_number_argument
from ndop.domain.common.nhs_number import complete

NUMBERS = st.from_regex(r"[0-9]{9}", fullmatch=True).map(complete).filter(lambda n: n is not None)


@given(NUMBERS, st.sampled_from(["spaced", "dashed", "plain"]), st.booleans())
def test_any_valid_number_as_printed_quoted_or_split_is_the_same_number(number, form, split) -> None:
    text = {"spaced": number.display, "dashed": number.display.replace(" ", "-"), "plain": number.digits}[form]
    words = tuple(text.split(" ")) if split else (text,)
    assert nhs_number_argument(None, None, words) == number  # type: ignore[arg-type]


@pytest.mark.parametrize("words", [(), ("943", "476"), ("943", "476", "5919", "0"), ("9434", "765919"),
                                   ("943", "476", "5918"), ("943", "", "476", "5919")])
def test_words_that_are_not_one_valid_number_are_a_bad_parameter(words) -> None:
    with pytest.raises(click.BadParameter):
        nhs_number_argument(None, None, words)  # type: ignore[arg-type]
