"""The Type 2 conversion letter: one page, what the change means and does not mean, how to change it."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from pypdf import PdfReader

from ndop.adapters.letters.pdf import ReportlabLetterRenderer
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.letters.letters import HELPLINE, ONLINE, Letter, LetterKind, Recipient
from ndop.domain.registry.choices import Choice


def test_type2_letter_says_what_changed_and_fits_one_page() -> None:
    letter = Letter(id="abc", kind=LetterKind.TYPE2_CONVERSION, nhs_number=NhsNumber("9434765919"),
                    recipient=Recipient("Ann Example", ("1 Long Road", "Leeds"), "LS1 4AP"), about_name="Ann Example",
                    reference="T2-42", created_at=datetime(2026, 11, 2, 9, tzinfo=UTC), choice=Choice.OPTED_OUT,
                    made_on=date(2017, 2, 3))
    for pdf in (ReportlabLetterRenderer().render(letter), ReportlabLetterRenderer(via_canvas=True).render(letter)):
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        text = " ".join(reader.pages[0].extract_text().split())
        for words in ("Your type 2 opt-out is now a national data opt-out", "on 3 February 2017",
                      "will only be used for your individual care", "It does not change the care you receive",
                      "type 1 opt-out", ONLINE, HELPLINE, "T2-42", "Ann Example", "LS1 4AP"):
            assert words in text, words
