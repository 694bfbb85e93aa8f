from __future__ import annotations

from ndop.domain.check import dat_scan as scan
from ndop.domain.check.rejections import ROW_REASONS
from ndop.domain.common.nhs_number import InvalidNhsNumber, InvalidReason, NhsNumber, invalid_reason


def test_row_reasons_kernel_codes_are_the_enum_values() -> None:
    assert (scan.BLANK, scan.WRONG_LENGTH, scan.NOT_DIGITS, scan.BAD_CHECK_DIGIT, scan.TOO_LONG) == (
        InvalidReason.BLANK, InvalidReason.WRONG_LENGTH, InvalidReason.NOT_DIGITS, InvalidReason.BAD_CHECK_DIGIT,
        InvalidReason.TOO_LONG,
    )
    assert all(type(code) is int for code in (scan.BLANK, scan.TOO_LONG))  # numba compiles plain ints in


def test_row_reasons_every_reason_has_its_report_text() -> None:
    assert set(ROW_REASONS) == set(InvalidReason)
    assert ROW_REASONS[InvalidReason.BAD_CHECK_DIGIT] == "check digit is wrong"


def test_invalid_reason_is_an_enum_member() -> None:
    assert invalid_reason("943476591") is InvalidReason.WRONG_LENGTH
    assert invalid_reason("94347659１9") is InvalidReason.NOT_DIGITS
    assert invalid_reason("9434765918") is InvalidReason.BAD_CHECK_DIGIT
    assert invalid_reason("9434765919") is None


def test_invalid_nhs_number_message_says_the_reason() -> None:
    for digits, words in [("123", "must be 10 digits"), ("12345x7890", "must contain only digits"),
                          ("9434765918", "check digit is wrong")]:
        try:
            NhsNumber(digits)
        except InvalidNhsNumber as exc:
            assert str(exc) == f"NHS number {words}"
        else:
            raise AssertionError("accepted")
