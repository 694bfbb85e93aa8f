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


def test_type2_letters_go_to_notify_as_precompiled_pdfs_when_configured(db, clock, tmp_path) -> None:
    import base64

    from ndop import container
    from ndop.adapters.letters.dispatch import NotifyLetterDispatcher
    from ndop.domain.letters.letters import LetterStatus
    from ndop.services.gp_codes.convert_type2 import convert_type2
    from ndop.services.gp_codes.import_codes import import_codes
    from ndop.services.registry.load_patients import load_patients
    from ndop.services.staff.letters import send_pending_letters
    from tests.conftest import TESTER, make_patient
    from tests.integration.notifications.fake_notify import FakeNotify

    unit = container.gp_codes(clock)
    person = make_patient("943476591", given_name="Ann", family_name="Example", address_line_1="1 Long Road")
    load_patients(unit, [person], loaded_by=TESTER, source="t")
    extract = ("nhs_number,practice_code,code_system,code,recorded_date\n"
               f"{person.nhs_number.digits},B82001,read2,9Nu4,2017-02-03\n")
    import_codes(unit, io.BytesIO(extract.encode()), imported_by=TESTER, source="t")
    assert convert_type2(unit, converted_by=TESTER, as_of=date(2026, 11, 1)).letters == 1
    with FakeNotify() as notify:
        dispatcher = NotifyLetterDispatcher.connect(tmp_path, notify.api_key, notify.base_url)
        assert send_pending_letters(unit.letters, ReportlabLetterRenderer(), dispatcher) == 1
    assert notify.rejected == []
    [sent] = notify.received
    [letter] = unit.letters.listed(kind=LetterKind.TYPE2_CONVERSION)
    assert sent["body"]["reference"] == letter.id and letter.status is LetterStatus.SENT
    text = " ".join(PdfReader(io.BytesIO(base64.b64decode(sent["body"]["content"]))).pages[0].extract_text().split())
    assert "Your type 2 opt-out is now a national data opt-out" in text and "Ann Example" in text
