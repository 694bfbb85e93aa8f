"""Why a check request is refused, with the sentence the sender gets back."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ndop.domain.common.nhs_number import InvalidReason

# The real service's exact response to a file holding any invalid NHS number (reference §4.2).
REJECTION_LINE: Final = "The file contains one or more invalid NHS Numbers."


class CheckFormat(StrEnum):
    DAT = "dat"  # one NHS number a line, each followed by a comma; no header
    CSV = "csv"  # a header row naming an NHS_NUMBER column; rows kept or dropped whole


class RejectionCode(StrEnum):
    INVALID_NHS_NUMBERS = "invalid_nhs_numbers"
    EMPTY = "empty"
    NOT_TEXT = "not_text"
    BOM = "bom"
    LINE_TOO_LONG = "line_too_long"
    BAD_HEADER = "bad_header"
    TRUNCATED = "truncated"
    BAD_CSV = "bad_csv"


MESSAGES: Final[dict[RejectionCode, str]] = {
    RejectionCode.INVALID_NHS_NUMBERS: REJECTION_LINE,
    RejectionCode.EMPTY: "The file is empty. Send a file with one NHS number on each line.",
    RejectionCode.NOT_TEXT: (
        "The file is not a text file (it holds binary data or characters that are not UTF-8). "
        "Send a .dat or CSV text file."
    ),
    RejectionCode.BOM: (
        "The file starts with a byte order mark. Save it as plain text (ASCII, or UTF-8 without a BOM) "
        "and send it again."
    ),
    RejectionCode.LINE_TOO_LONG: (
        "The file has a line that is far too long for a list of NHS numbers. Check that it is the right file."
    ),
    RejectionCode.BAD_HEADER: (
        "The CSV file has no NHS_NUMBER column. Make its first row a header that names the column NHS_NUMBER."
    ),
    RejectionCode.TRUNCATED: "The file ends inside a quoted field, so it looks cut short. Send the whole file again.",
    RejectionCode.BAD_CSV: "The file is not valid CSV (a quote is out of place). Check the quoting and send it again.",
}


# A few words for each, as a list of past checks shows them.
SUMMARIES: Final[dict[RejectionCode, str]] = {
    RejectionCode.INVALID_NHS_NUMBERS: "invalid NHS numbers",
    RejectionCode.EMPTY: "the file was empty",
    RejectionCode.NOT_TEXT: "not a text file",
    RejectionCode.BOM: "the file starts with a byte order mark",
    RejectionCode.LINE_TOO_LONG: "a line was too long",
    RejectionCode.BAD_HEADER: "no NHS number column",
    RejectionCode.TRUNCATED: "the file was cut short",
    RejectionCode.BAD_CSV: "not valid CSV",
}


def summary(rejection: str) -> str:
    """A stored rejection code in words ("" for one this list does not know)."""
    try:
        return SUMMARIES[RejectionCode(rejection)]
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class Rejection:
    code: RejectionCode

    @property
    def message(self) -> str:
        return MESSAGES[self.code]


# Why a row is invalid, as the --report file (and the web upload's result page) says it.
ROW_REASONS: Final[dict[InvalidReason, str]] = {
    InvalidReason.BLANK: "blank line",
    InvalidReason.WRONG_LENGTH: "NHS number must be 10 digits",
    InvalidReason.NOT_DIGITS: "NHS number must contain only digits",
    InvalidReason.BAD_CHECK_DIGIT: "check digit is wrong",
    InvalidReason.TOO_LONG: "line is too long",
    InvalidReason.NO_VALUE: "row has no NHS_NUMBER value",
}
