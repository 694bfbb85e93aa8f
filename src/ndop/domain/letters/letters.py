"""Letters to people and their proxies, and what each one says.

The words are built here, as plain data (a title and paragraphs), so that the PDF adapter only lays them out:
one place for the wording, and the renderer can be made fast without knowing what a letter means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.registry.choices import Choice

HELPLINE: Final = "0300 303 5678"
TEXT_RELAY: Final = "18001 0300 303 5678"
ONLINE: Final = "www.nhs.uk/your-nhs-data-matters"
RETURN_ADDRESS: Final = ("National Data Opt-out", "NHS England", "PO Box 884", "Leeds", "LS1 9TZ")


class LetterKind(StrEnum):
    CHOICE_CONFIRMATION = "choice_confirmation"
    PROXY_REJECTION = "proxy_rejection"
    CANNOT_MATCH = "cannot_match"
    TYPE2_CONVERSION = "type2_conversion"  # issue 14: a Type 2 opt-out converted into the national opt-out


class LetterStatus(StrEnum):
    PENDING = "pending"  # written with the case, in its transaction; not rendered yet
    # Claimed by one sender, being rendered and dispatched: no other sender can take it, so two senders at
    # once (a portal request and `ndop letters send`, two workers) never post the same letter twice.
    SENDING = "sending"
    IN_OUTBOX = "in_outbox"  # rendered to the letters outbox, waiting for a print run
    SENT = "sent"  # handed to GOV.UK Notify


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    address_lines: tuple[str, ...]
    postcode: str

    @property
    def address_block(self) -> tuple[str, ...]:
        """At most 7 lines, the postcode last (what a window envelope and Notify expect)."""
        lines = (self.name, *self.address_lines[:5], self.postcode)
        return tuple(line for line in lines if line)


@dataclass(frozen=True, slots=True)
class Letter:
    """One letter. `id` is assigned by the store; `reference` is the case reference printed on it."""

    id: str
    kind: LetterKind
    nhs_number: NhsNumber | None  # None: a form that matched nobody
    recipient: Recipient
    about_name: str  # the person the choice is for (the recipient, or the child or adult a proxy acts for)
    reference: str
    created_at: datetime
    choice: Choice | None = None
    made_on: date | None = None
    reason: str = ""  # the rejection or cannot-match reason, in words
    by_proxy: bool = False
    status: LetterStatus = LetterStatus.PENDING
    path: str = ""
    provider_id: str = ""


@dataclass(frozen=True, slots=True)
class LetterText:
    title: str
    paragraphs: tuple[str, ...]


_MEANS: Final = {
    Choice.OPTED_OUT: (
        "This means {whose} confidential patient information will only be used for {their} individual care "
        "and treatment. It will not be used for research and planning, except where the law requires it or "
        "there is an overriding public interest."
    ),
    Choice.NOT_OPTED_OUT: (
        "This means {whose} confidential patient information can be used for research and planning, as well "
        "as for {their} individual care and treatment."
    ),
}
_CHOICE_WORDS: Final = {
    Choice.OPTED_OUT: "not to share confidential patient information for research and planning (opted out)",
    Choice.NOT_OPTED_OUT: "to allow confidential patient information to be used for research and planning",
}
_CHANGE: Final = (
    f"You can change this choice at any time. Call {HELPLINE} (Monday to Friday, 9am to 5pm, text relay "
    f"{TEXT_RELAY}), or, if you are 13 or over and choosing for yourself, go to {ONLINE}."
)


# What the converted opt-out means and does not mean: from the public description of the national data
# opt-out (nhs.uk, "Your NHS data matters") and the practice leaflets among the seeds (what it will NOT do).
_TYPE2_CONVERSION: Final = (
    "You previously asked your GP practice to record a type 2 opt-out{made}, so that confidential patient "
    "information about you held by NHS Digital would not be shared for purposes beyond your own care.",
    "The type 2 opt-out has been replaced by the national data opt-out. Your type 2 opt-out has been "
    "converted into a national data opt-out: you do not need to do anything, and your choice is respected.",
    "This means your confidential patient information will only be used for your individual care and "
    "treatment. It will not be used for research and planning, except where the law requires it or there "
    "is an overriding public interest, such as a public health emergency.",
    "It does not change the care you receive or the sharing of information between the people who care for "
    "you, such as your GP and a hospital. It does not affect your Summary Care Record, national screening "
    "programmes, information shared when you have given your explicit consent (for example to take part in "
    "a research study), or information that has been anonymised so that it cannot identify you.",
    "A type 1 opt-out, recorded at your GP practice, is separate and is not changed by this letter: speak "
    "to your GP practice about it.",
    f"You can change your choice at any time, for example if you are happy for your information to be "
    f"used for research and planning. Go to {ONLINE} or call {HELPLINE} (Monday to Friday, 9am to 5pm, text "
    f"relay {TEXT_RELAY}).",
)


def text_of(letter: Letter) -> LetterText:
    """The title and paragraphs of `letter`, in plain English."""
    whose = f"{letter.about_name}'s" if letter.by_proxy else "your"
    their = "their" if letter.by_proxy else "your"
    if letter.kind is LetterKind.CHOICE_CONFIRMATION:
        assert letter.choice is not None
        made = f" on {letter.made_on.day} {letter.made_on:%B %Y}" if letter.made_on else ""
        subject = f"for {letter.about_name}" if letter.by_proxy else "for yourself"
        return LetterText(
            "Your National Data Opt-out choice has been recorded",
            (
                f"We have recorded the choice you made{made} {subject}: "
                f"{_CHOICE_WORDS[letter.choice]}.",
                _MEANS[letter.choice].format(whose=whose, their=their),
                _CHANGE,
                f"If you did not make this choice, call us on {HELPLINE} and quote the reference above.",
            ),
        )
    if letter.kind is LetterKind.TYPE2_CONVERSION:
        made = f" on {letter.made_on.day} {letter.made_on:%B %Y}" if letter.made_on else ""
        first, *rest = _TYPE2_CONVERSION
        return LetterText("Your type 2 opt-out is now a national data opt-out", (first.format(made=made), *rest))
    if letter.kind is LetterKind.PROXY_REJECTION:
        return LetterText(
            "We could not record the choice you made for someone else",
            (
                f"We could not record the choice you made for {letter.about_name}. {letter.reason}.",
                "Nothing has changed: the choice we hold for them is the one they had before.",
                "To try again, send us the form with evidence of your legal authority, for example a birth "
                "certificate, a certified lasting power of attorney, the Office of the Public Guardian access "
                "code, or a court order.",
                f"If you have any questions, call us on {HELPLINE} and quote the reference above.",
            ),
        )
    return LetterText(
        "We could not process your form",
        (
            f"We received your National Data Opt-out form but could not process it. {letter.reason}.",
            "Nothing has changed: any choice we already hold stays as it is.",
            f"Please check the details and send the form again, or call us on {HELPLINE} "
            "and quote the reference above.",
        ),
    )
