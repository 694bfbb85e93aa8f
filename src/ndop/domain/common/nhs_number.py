"""NHS numbers: the value type and a vectorised validator for bulk files.

The check digit is Modulus 11 as the NHS Data Dictionary defines it: weights 10..2 on the first
nine digits, check = 11 - (sum mod 11); 11 means 0 and 10 means the number can never be valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

import numpy as np
import numpy.typing as npt

WEIGHTS: Final = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# People type numbers with spaces or hyphens in the 3-3-4 groups; anything else is refused.
_HUMAN_FORM: Final = re.compile(r"^\s*([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{4})\s*$")


class InvalidReason(IntEnum):
    """Why a value, or a row of a list of NHS numbers, does not hold a valid NHS number.

    `invalid_reason` finds the three about the value (WRONG_LENGTH, NOT_DIGITS, BAD_CHECK_DIGIT); the
    others are about the row around it. The values are the codes the compiled check loop writes
    (`check.kernels`): never change one.
    """

    BLANK = 1  # an empty line
    WRONG_LENGTH = 2
    NOT_DIGITS = 3
    BAD_CHECK_DIGIT = 4
    TOO_LONG = 5  # a line far too long to be a number
    NO_VALUE = 6  # a CSV row with no NHS_NUMBER field

    @property
    def words(self) -> str:
        """The reason as the end of a sentence about the number: "NHS number must be 10 digits"."""
        return _WORDS[self]


_WORDS: Final = {
    InvalidReason.BLANK: "is blank",
    InvalidReason.WRONG_LENGTH: "must be 10 digits",
    InvalidReason.NOT_DIGITS: "must contain only digits",
    InvalidReason.BAD_CHECK_DIGIT: "check digit is wrong",
    InvalidReason.TOO_LONG: "is far too long",
    InvalidReason.NO_VALUE: "is missing",
}


class InvalidNhsNumber(ValueError):
    """Raised with a reason that never repeats the number itself (it may be patient data)."""


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None when no check digit can be valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def invalid_reason(digits: str) -> InvalidReason | None:
    """Why a wire-format string is not a valid NHS number, or None when it is valid."""
    if len(digits) != 10:
        return InvalidReason.WRONG_LENGTH
    if not digits.isascii() or not digits.isdigit():
        return InvalidReason.NOT_DIGITS
    expected = check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        return InvalidReason.BAD_CHECK_DIGIT
    return None


@dataclass(frozen=True, slots=True, order=True)
class NhsNumber:
    """A valid NHS number. Stores and sends 10 digits; displays in 3-3-4 groups."""

    digits: str

    def __post_init__(self) -> None:
        reason = invalid_reason(self.digits)
        if reason is not None:
            raise InvalidNhsNumber(f"NHS number {reason.words}")

    @classmethod
    def parse(cls, text: str) -> NhsNumber:
        """Accept what people type: `943 476 5919`, `943-476-5919` or `9434765919`."""
        match = _HUMAN_FORM.match(text)
        if match is None:
            raise InvalidNhsNumber("NHS number must be 10 digits, for example 943 476 5919")
        return cls("".join(match.groups()))

    def __str__(self) -> str:
        return self.digits

    @property
    def display(self) -> str:
        d = self.digits
        return f"{d[:3]} {d[3:6]} {d[6:]}"

    @property
    def masked(self) -> str:
        """For logs and messages that must not carry the number: the last three digits only."""
        return f"*** *** *{self.digits[7:]}"


def is_valid(text: str) -> bool:
    return invalid_reason(text) is None


_WEIGHT_VECTOR: Final = np.array(WEIGHTS, dtype=np.int64)


def valid_mask(digits: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Validate many numbers at once.

    `digits` is an (n, 10) array of ASCII bytes. Returns a boolean array of length n: True where the
    row is ten ASCII digits with a correct Modulus 11 check digit.
    """
    if digits.ndim != 2 or digits.shape[1] != 10:
        raise ValueError("expected an (n, 10) array of ASCII bytes")
    values = digits.astype(np.int16) - ord("0")
    all_digits = ((values >= 0) & (values <= 9)).all(axis=1)
    total = values[:, :9].astype(np.int64) @ _WEIGHT_VECTOR
    check = 11 - (total % 11)
    check = np.where(check == 11, 0, check)
    ok: npt.NDArray[np.bool_] = all_digits & (check != 10) & (check == values[:, 9])
    return ok


def to_int64(digits: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Turn an (n, 10) array of ASCII digits into integers (for sets and sorted lookups)."""
    values = digits.astype(np.int64) - ord("0")
    powers = 10 ** np.arange(9, -1, -1, dtype=np.int64)
    result: npt.NDArray[np.int64] = values @ powers
    return result


def complete(first_nine: str) -> NhsNumber | None:
    """The valid NHS number that starts with these nine digits, if there is one (1 in 11 has none)."""
    digit = check_digit(first_nine)
    return None if digit is None else NhsNumber(f"{first_nine}{digit}")
