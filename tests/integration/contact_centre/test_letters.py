"""Letters: PDFs that say the right things, the outbox on disk, GOV.UK Notify's precompiled letters with the
real client against the local fake, and a day's print run."""

from __future__ import annotations

import base64
import io
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from ndop import container
from ndop.adapters.db.staff import DjangoLetterStore
from ndop.adapters.letters.dispatch import NotifyLetterDispatcher, OutboxDispatcher
from ndop.adapters.letters.pdf import ReportlabLetterRenderer, render_print_run
from ndop.domain.contact_centre.cases import IdentityDetail, RejectionReason
from ndop.domain.letters.letters import Letter, LetterKind, LetterStatus, Recipient
from ndop.domain.registry.choices import Choice
from ndop.services.staff import approvals, phone
from ndop.services.staff.letters import send_pending_letters
from tests.integration.contact_centre.conftest import guardian
from tests.integration.notifications.fake_notify import FakeNotify
from tests.threads import at_once

ID = frozenset({IdentityDetail.FULL_NAME, IdentityDetail.DATE_OF_BIRTH, IdentityDetail.POSTCODE})


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_confirmation_letter_names_the_person_the_choice_and_the_reference(centre, agent, people, tmp_path) -> None:
    case = phone.record_phone_choice(centre, agent.username, people["adult"].nhs_number, Choice.OPTED_OUT,
                                     identity_confirmed=ID, nic_reference="12345-A")
    assert send_pending_letters(centre.letters, ReportlabLetterRenderer(), OutboxDispatcher(tmp_path)) == 1
    [letter] = centre.letters.listed(case_reference=case.reference)
    assert letter.status is LetterStatus.IN_OUTBOX and letter.path.startswith(str(tmp_path))
    pdf = Path(letter.path).read_bytes()
    text = _text(pdf)
    for expected in ("Jane Smith", "1 Wellington Place", "LS1 4AP", case.reference, "opted out", "0300 303 5678",
                     "change this choice", "943 476 5919"):
        assert expected in text, expected
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta.title == "Your National Data Opt-out choice has been recorded"
    assert b"/Lang (en-GB)" in pdf  # screen readers pick their voice from it


def test_rejection_letter_goes_to_the_proxy_with_the_reason(centre, agent, approver, people, tmp_path) -> None:
    case = phone.record_phone_choice(centre, agent.username, people["child"].nhs_number, Choice.OPTED_OUT,
                                     identity_confirmed=ID, nic_reference="12345-C", proxy=guardian())
    approvals.reject(centre, approver.username, case.reference, RejectionReason.EVIDENCE_NOT_VALID)
    send_pending_letters(centre.letters, ReportlabLetterRenderer(), OutboxDispatcher(tmp_path))
    [letter] = centre.letters.listed(case_reference=case.reference)
    text = _text(Path(letter.path).read_bytes())
    assert "Dear Jane Smith" in text and "Sam Smith" in text and "could not be verified" in text


def test_letters_go_to_notify_as_precompiled_pdfs_when_configured(centre, agent, people, tmp_path) -> None:
    phone.record_phone_choice(centre, agent.username, people["adult"].nhs_number, Choice.OPTED_OUT,
                              identity_confirmed=ID, nic_reference="12345-A")
    with FakeNotify() as notify:
        dispatcher = NotifyLetterDispatcher.connect(tmp_path, notify.api_key, notify.base_url)
        send_pending_letters(centre.letters, ReportlabLetterRenderer(), dispatcher)
    assert notify.rejected == []
    [sent] = notify.received
    [letter] = centre.letters.listed()
    assert sent["path"] == "/v2/notifications/letter"
    assert sent["body"]["reference"] == letter.id  # no NHS number or name leaves in the reference
    assert "Jane Smith" in _text(base64.b64decode(sent["body"]["content"]))
    assert letter.status is LetterStatus.SENT and len(letter.provider_id) == 36


def test_the_fake_refuses_what_notify_refuses() -> None:
    from notifications_python_client.errors import HTTPError

    with FakeNotify() as notify:
        client = NotifyLetterDispatcher.connect(Path("/tmp"), notify.api_key, notify.base_url)
        with pytest.raises(HTTPError):
            client._client.send_precompiled_letter_notification(reference="x", pdf_file=io.BytesIO(b"not a pdf"))
    assert notify.rejected == ["Letter content is not a valid PDF"]


def test_print_run_joins_letters_one_per_page(centre, agent, people) -> None:
    for nic in ("1", "2"):
        phone.record_phone_choice(centre, agent.username, people["adult"].nhs_number, Choice.OPTED_OUT,
                                  identity_confirmed=ID, nic_reference=nic)
    pdf = render_print_run(centre.letters.listed(), "Print run")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def test_container_sends_to_the_outbox_under_the_var_directory(centre, agent, people, settings, tmp_path) -> None:

    settings.CONFIG = settings.CONFIG.replace(var_dir=tmp_path, notify=None)
    phone.record_phone_choice(centre, agent.username, people["adult"].nhs_number, Choice.OPTED_OUT,
                              identity_confirmed=ID, nic_reference="1")
    assert container.send_letters() == 1
    assert list((tmp_path / "letters").glob("*/*.pdf"))


def test_the_fast_writer_says_what_reportlab_says(centre, agent, people) -> None:
    phone.record_phone_choice(centre, agent.username, people["adult"].nhs_number, Choice.OPTED_OUT,
                              identity_confirmed=ID, nic_reference="1")
    [letter] = centre.letters.listed()
    fast = ReportlabLetterRenderer().render(letter)
    reference = ReportlabLetterRenderer(via_canvas=True).render(letter)
    assert _text(fast) == _text(reference)
    fast_pdf, reference_pdf = PdfReader(io.BytesIO(fast)), PdfReader(io.BytesIO(reference))
    assert fast_pdf.metadata.title == reference_pdf.metadata.title
    assert fast_pdf.pages[0].mediabox == reference_pdf.pages[0].mediabox


class _SlowRecordingDispatcher:
    """Records every letter handed to it, slowly enough that two senders overlap."""

    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    def dispatch(self, letter, pdf: bytes):
        time.sleep(0.01)
        self.seen.append(letter.id)
        return LetterStatus.SENT, "", f"provider-{letter.id}"


def _queued(count: int) -> list[str]:
    store = DjangoLetterStore()
    recipient = Recipient("Jane Smith", ("1 Wellington Place", "Leeds"), "LS1 4AP")
    return [store.add(Letter("", LetterKind.CHOICE_CONFIRMATION, None, recipient, "Jane Smith", f"CC-{n:06d}",
                             datetime.now(UTC), choice=Choice.OPTED_OUT)).id for n in range(count)]


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_post_each_letter_exactly_once() -> None:
    # A portal request sends its case's letters while `ndop letters send` (or a second worker) runs: before
    # letters were claimed, both read the same pending letters and GOV.UK Notify was asked to post them twice.
    ids = _queued(40)
    seen: list[str] = []
    sent = at_once(2, lambda: send_pending_letters(DjangoLetterStore(), ReportlabLetterRenderer(),
                                                   _SlowRecordingDispatcher(seen)))
    assert sorted(seen) == sorted(ids)  # every letter once, none twice
    assert sum(sent) == 40  # type: ignore[arg-type]
    assert {letter.status for letter in DjangoLetterStore().listed()} == {LetterStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_gives_the_rest_back_to_the_pending_letters() -> None:
    ids = _queued(3)

    class FailsOnTheSecond(_SlowRecordingDispatcher):
        def dispatch(self, letter, pdf: bytes):
            if len(self.seen) == 1:
                raise ConnectionError("Notify is down")
            return super().dispatch(letter, pdf)

    seen: list[str] = []
    with pytest.raises(ConnectionError):
        send_pending_letters(DjangoLetterStore(), ReportlabLetterRenderer(), FailsOnTheSecond(seen))
    status = {letter.id: letter.status for letter in DjangoLetterStore().listed()}
    assert status == {ids[0]: LetterStatus.SENT, ids[1]: LetterStatus.PENDING, ids[2]: LetterStatus.PENDING}
    assert send_pending_letters(DjangoLetterStore(), ReportlabLetterRenderer(), _SlowRecordingDispatcher(seen)) == 2
    assert seen == ids
