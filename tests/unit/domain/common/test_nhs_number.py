from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.common.nhs_number import (
    InvalidNhsNumber,
    NhsNumber,
    check_digit,
    complete,
    invalid_reason,
    is_valid,
    to_int64,
    valid_mask,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
ten_chars = st.text(alphabet="0123456789 -a,", min_size=0, max_size=12)


def reference_is_valid(text: str) -> bool:
    """The Data Dictionary algorithm written out longhand, as the oracle for the fast versions."""
    if len(text) != 10 or not all(c in "0123456789" for c in text):
        return False
    total = 0
    for position, char in enumerate(text[:9]):
        total += int(char) * (10 - position)
    remainder = total % 11
    check = 11 - remainder
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(text[9])


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("9434765919", True),
        ("4505577104", True),  # FHIR IG example
        ("4857773457", True),
        ("4857773456", False),  # nhs.uk's example fails the check digit
        ("6105551234", False),
        ("9000543664", False),  # UKRR 'dummy' value
        ("1111111111", True),  # passes Modulus 11; the statistics exclude it separately
        ("943476591", False),
        ("94347659190", False),
        ("943476591a", False),
        ("", False),
    ],
)
def test_is_valid_known_examples(text: str, valid: bool) -> None:
    assert is_valid(text) is valid


def test_nhs_number_parse_accepts_spaces_and_hyphens_and_stores_digits() -> None:
    for typed in ("943 476 5919", "943-476-5919", " 9434765919 "):
        number = NhsNumber.parse(typed)
        assert number.digits == "9434765919"
        assert str(number) == "9434765919"
        assert number.display == "943 476 5919"


@pytest.mark.parametrize(
    "typed", ["943 4765 919", "94-3476-5919", "943_476_5919", "943 476 591", "９４３４７６５９１９", "943  476 5919"]
)
def test_nhs_number_parse_refuses_other_shapes(typed: str) -> None:
    with pytest.raises(InvalidNhsNumber):
        NhsNumber.parse(typed)


def test_nhs_number_error_message_never_repeats_the_number() -> None:
    with pytest.raises(InvalidNhsNumber) as info:
        NhsNumber("9434765918")
    assert "943" not in str(info.value)


def test_check_digit_ten_means_never_valid() -> None:
    # 1 in 11 prefixes has no valid check digit; `complete` says so rather than inventing one.
    prefixes = [f"{n:09d}" for n in range(900000000, 900000200)]
    impossible = [p for p in prefixes if check_digit(p) is None]
    assert impossible, "expected some prefixes with check value 10 in 200 tries"
    for prefix in impossible:
        assert complete(prefix) is None
        assert not any(is_valid(prefix + d) for d in "0123456789")


@given(nine_digits)
def test_complete_gives_the_only_valid_number_for_a_prefix(prefix: str) -> None:
    valid = [prefix + d for d in "0123456789" if reference_is_valid(prefix + d)]
    result = complete(prefix)
    assert [result.digits] == valid if result else valid == []


@given(ten_chars)
def test_invalid_reason_agrees_with_reference(text: str) -> None:
    assert (invalid_reason(text) is None) == reference_is_valid(text)


@given(st.lists(st.text(alphabet="0123456789x", min_size=10, max_size=10), min_size=1, max_size=200))
def test_valid_mask_agrees_with_reference(rows: list[str]) -> None:
    array = np.frombuffer("".join(rows).encode(), dtype=np.uint8).reshape(-1, 10)
    assert valid_mask(array).tolist() == [reference_is_valid(r) for r in rows]


@given(st.lists(st.integers(min_value=0, max_value=9_999_999_999), min_size=1, max_size=100))
def test_to_int64_round_trips(values: list[int]) -> None:
    text = "".join(f"{v:010d}" for v in values).encode()
    array = np.frombuffer(text, dtype=np.uint8).reshape(-1, 10)
    assert to_int64(array).tolist() == values


def test_valid_mask_refuses_wrong_shape() -> None:
    with pytest.raises(ValueError):
        valid_mask(np.zeros((3, 9), dtype=np.uint8))


def test_masked_shows_only_last_three_digits() -> None:
    assert NhsNumber("9434765919").masked == "*** *** *919"
