"""NHS numbers: the value type and a vectorised validator for bulk files.

The check digit is Modulus 11 as the NHS Data Dictionary defines it: weights 10..2 on the first
nine digits, check = 11 - (sum mod 11); 11 means 0 and 10 means the number can never be valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

WEIGHTS: Final = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# People type numbers with spaces or hyphens in the 3-3-4 groups; anything else is refused.
_HUMAN_FORM: Final = re.compile(r"^\s*([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{4})\s*$")


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


def invalid_reason(digits: str) -> str | None:
    """Why a wire-format string is not a valid NHS number, or None when it is valid."""
    if len(digits) != 10:
        return "must be 10 digits"
    if not digits.isascii() or not digits.isdigit():
        return "must contain only digits"
    expected = check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        return "check digit is wrong"
    return None


@dataclass(frozen=True, slots=True, order=True)
class NhsNumber:
    """A valid NHS number. Stores and sends 10 digits; displays in 3-3-4 groups."""

    digits: str

    def __post_init__(self) -> None:
        reason = invalid_reason(self.digits)
        if reason is not None:
            raise InvalidNhsNumber(f"NHS number {reason}")

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
