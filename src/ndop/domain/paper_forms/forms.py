"""The paper forms, as data: one source for the `/forms/` page and the PDFs, so that neither can drift.

Each form lists what the contact centre needs to find the person and record the choice (issue "Contact
centre and post": name, date of birth, address, NHS number if known, the choice, signature and date; for
someone acting for another person, the relationship and the evidence enclosed). The web page shows every
field of a form and the PDF prints every field; tests hold both to this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class FieldKind(StrEnum):
    TEXT = "text"  # one line to write on
    LINES = "lines"  # several lines (an address)
    DATE = "date"  # day, month, year boxes
    ONE_OF = "one_of"  # tick one box
    SIGNATURE = "signature"  # a box to sign in


@dataclass(frozen=True, slots=True)
class FormField:
    label: str
    kind: FieldKind = FieldKind.TEXT
    hint: str = ""
    options: tuple[str, ...] = ()
    lines: int = 1
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    fields: tuple[FormField, ...]
    intro: str = ""


@dataclass(frozen=True, slots=True)
class PaperForm:
    slug: str  # the PDF's file name, without .pdf
    title: str
    for_whom: str  # one sentence: who fills it in
    sections: tuple[Section, ...]
    enclose: tuple[str, ...] = ()  # what to send with the form

    @property
    def filename(self) -> str:
        return f"{self.slug}.pdf"

    def fields(self) -> tuple[FormField, ...]:
        return tuple(f for s in self.sections for f in s.fields)


@dataclass(frozen=True, slots=True)
class SendTo:
    """Where a filled-in form goes, by post or by email."""

    email: str
    address: tuple[str, ...]
    takes_days: int


SEND_TO: Final = SendTo(
    email="enquiries@nhsdigital.nhs.uk",
    address=("National Data Opt Out", "Contact Centre", "NHS Digital", "HM Government", "7 and 8 Wellington Place",
             "Leeds", "LS1 4AP"),
    takes_days=14,
)

CHOICES: Final = (
    "I do not allow confidential patient information to be used for research and planning (opt out)",
    "I allow confidential patient information to be used for research and planning",
)
_DATE_HINT = "For example, 15 3 1984"
_NHS_HINT = "If you know it: 10 digits, for example 943 476 5919"


def _person(whose: str) -> tuple[FormField, ...]:
    return (
        FormField(f"{whose} full name"),
        FormField("Any previous names", optional=True),
        FormField(f"{whose} date of birth", FieldKind.DATE, _DATE_HINT),
        FormField(f"{whose} address", FieldKind.LINES, "The address your GP surgery has", lines=3),
        FormField(f"{whose} postcode"),
        FormField(f"{whose} NHS number", hint=_NHS_HINT, optional=True),
    )


MAKE_AND_MANAGE: Final = PaperForm(
    slug="make-and-manage-your-choice",
    title="Make and manage your choice",
    for_whom=("For you, if you are 13 or over, or for your child under 13 if you are their parent or legal "
              "guardian with parental responsibility."),
    sections=(
        Section("Who is the choice for", (
            FormField("This choice is for", FieldKind.ONE_OF,
                      options=("Me", "My child under 13 (I have parental responsibility)")),
        )),
        Section("About the person the choice is for", _person("Their")),
        Section("Their choice", (FormField("The choice", FieldKind.ONE_OF, options=CHOICES),)),
        Section("If you are a parent or guardian filling this in for your child", (
            FormField("Your full name", optional=True),
            FormField("Your relationship to the child", hint="For example, mother, father, legal guardian",
                      optional=True),
            FormField("Your address, if it is not the child's", FieldKind.LINES, lines=3, optional=True),
            FormField("Evidence enclosed of parental responsibility",
                      hint="For example, a copy of a birth or adoption certificate, or a parental responsibility "
                           "agreement or order", optional=True),
        ), intro="Leave this part empty if the choice is for you."),
        Section("Contact details", (
            FormField("Phone number", optional=True),
            FormField("Email address", optional=True),
        ), intro="So that the contact centre can reach you if something on the form is unclear."),
        Section("Sign the form", (
            FormField("Signature", FieldKind.SIGNATURE),
            FormField("Date signed", FieldKind.DATE, _DATE_HINT),
        ), intro="The choice counts from the date you sign the form."),
    ),
    enclose=("A copy of proof of your name, for example a passport or UK driving licence",
             "A copy of proof of your address, for example a utility bill or payslip",
             "For a child under 13: a copy of the evidence that you have parental responsibility"),
)

ACTING_FOR_SOMEONE: Final = PaperForm(
    slug="make-a-choice-for-someone-else",
    title="Make a choice for someone else",
    for_whom=("For someone with a lasting power of attorney (health and welfare, or property and financial "
              "affairs) or a court appointed deputy, making the choice for the person they act for."),
    sections=(
        Section("About the person the choice is for", _person("Their")),
        Section("Their choice", (FormField("The choice", FieldKind.ONE_OF, options=CHOICES),)),
        Section("About you", (
            FormField("Your full name"),
            FormField("Your address", FieldKind.LINES, lines=3),
            FormField("Your postcode"),
            FormField("Your phone number", optional=True),
            FormField("Your email address", optional=True),
        )),
        Section("How you act for them", (
            FormField("Your relationship to the person", FieldKind.ONE_OF,
                      options=("Lasting power of attorney for health and welfare",
                               "Lasting power of attorney for property and financial affairs",
                               "Court appointed deputy")),
            FormField("Evidence enclosed", hint="For example, a certified copy of the lasting power of attorney, "
                      "or of the court order appointing you"),
            FormField("Reference on the evidence", hint="The Office of the Public Guardian or court reference",
                      optional=True),
        )),
        Section("Sign the form", (
            FormField("Signature", FieldKind.SIGNATURE),
            FormField("Date signed", FieldKind.DATE, _DATE_HINT),
        ), intro="The choice counts from the date you sign the form."),
    ),
    enclose=("A certified copy of the lasting power of attorney, or of the court order appointing you as deputy",
             "A copy of proof of your name and address"),
)

FORMS: Final = (MAKE_AND_MANAGE, ACTING_FOR_SOMEONE)


def by_filename(filename: str) -> PaperForm | None:
    return next((f for f in FORMS if f.filename == filename), None)
