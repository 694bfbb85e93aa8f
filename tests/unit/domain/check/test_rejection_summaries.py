"""Every rejection has a few words for lists of past checks, never its machine code."""

from __future__ import annotations

import pytest

from ndop.domain.check.rejections import RejectionCode, summary


@pytest.mark.parametrize("code", list(RejectionCode))
def test_every_rejection_code_has_words(code: RejectionCode) -> None:
    words = summary(code.value)
    assert words and "_" not in words and words != code.value


@pytest.mark.parametrize("stored", ["", "unknown_sender", "Not A Code"])
def test_summary_of_an_unknown_code_is_empty(stored: str) -> None:
    assert summary(stored) == ""
