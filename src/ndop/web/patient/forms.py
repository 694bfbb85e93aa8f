"""What people type on the journey's pages, as the kit's Django forms (kit.forms).

Each form's `is_valid()` gives the value in `cleaned_data`, or one message a field saying what to fix.
The messages are the NHS.UK service manual's wording for each kind of question.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from ndop.domain.common.dates import parse_month
from ndop.domain.common.nhs_number import InvalidNhsNumber, InvalidReason, NhsNumber, invalid_reason
from ndop.domain.online.identity import InvalidClaim, normalise_name, normalise_postcode
from ndop.domain.online.security_code import CODE_LIFETIME, is_well_formed, normalise_code
from ndop.web.kit.forms import NhsForm, Radios, Text


class NhsNumberForm(NhsForm):
    nhs_number = Text(limit=20, label="What is your NHS number?",
                      help_text="This is a 10 digit number, like 999 123 4567. You can find it on any letter from "
                                "the NHS, on a prescription, or in the NHS App.",
                      design={"label": {"isPageHeading": True, "size": "l"}, "inputmode": "numeric",
                              "spellcheck": False, "autocomplete": "off", "width": 10})

    def clean_nhs_number(self) -> NhsNumber:
        text = self.cleaned_data["nhs_number"]
        if not text:
            raise forms.ValidationError("Enter your NHS number")
        try:
            return NhsNumber.parse(text)
        except InvalidNhsNumber:
            compact = text.replace(" ", "").replace("-", "")
            reason = invalid_reason(compact) if compact.isdigit() else InvalidReason.NOT_DIGITS
            if reason is InvalidReason.BAD_CHECK_DIGIT:
                raise forms.ValidationError("Enter a valid NHS number. Check you have typed it correctly") from None
            if reason is InvalidReason.NOT_DIGITS:
                raise forms.ValidationError("NHS number must only include numbers") from None
            raise forms.ValidationError("NHS number must be 10 numbers") from None


class NameAndPostcodeForm(NhsForm):
    given_name = Text(label="First name", design={"autocomplete": "given-name", "spellcheck": False})
    family_name = Text(label="Last name", design={"autocomplete": "family-name", "spellcheck": False})
    postcode = Text(limit=12, label="Postcode", design={"autocomplete": "postal-code", "width": 10})

    def clean_given_name(self) -> str:
        return _name(self.cleaned_data["given_name"], "Enter your first name")

    def clean_family_name(self) -> str:
        return _name(self.cleaned_data["family_name"], "Enter your last name")

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data["postcode"]
        if not postcode:
            raise forms.ValidationError("Enter your postcode")
        try:
            return normalise_postcode(postcode)
        except InvalidClaim:
            raise forms.ValidationError("Enter a real postcode, like LS1 4AP") from None

    @property
    def claim(self) -> dict[str, str]:
        """The claim as the journey keeps it (after `is_valid()`)."""
        return {k: self.cleaned_data[k] for k in ("given_name", "family_name", "postcode")}


def _name(text: str, message: str) -> str:
    if not normalise_name(text):
        raise forms.ValidationError(message)
    return text


class DateOfBirthForm(NhsForm):
    """Day, month and year (ids `dob-day` ...); one message for the date as a whole, on the part to fix."""

    day = Text(limit=4, label="Day")
    month = Text(limit=12, label="Month")  # "September" is a month too (domain.common.dates)
    year = Text(limit=6, label="Year")
    date_design = {
        "fieldset": {"legend": {"text": "What is your date of birth?", "isPageHeading": True, "size": "l"}},
        "hint": {"text": "For example, 15 3 1984"},
        "items": {"day": {"autocomplete": "bday-day"}, "month": {"autocomplete": "bday-month"},
                  "year": {"autocomplete": "bday-year"}},
    }

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "dob-%s")
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, month, year = (data.get(part, "") for part in ("day", "month", "year"))
        failure = self._failure(day, month, year)
        if failure is not None:
            self.add_error(*failure)
        else:
            data["date_of_birth"] = date(int(year), parse_month(month) or 0, int(day))
        return data

    def _failure(self, day: str, month: str, year: str) -> tuple[str, str] | None:
        """(field, message) for the first thing wrong with the date, or None."""
        if not (day or month or year):
            return "day", "Enter your date of birth"
        for part, value in (("day", day), ("month", month), ("year", year)):
            if not value:
                return part, f"Date of birth must include a {part}"
        try:
            born = date(int(year), parse_month(month) or 0, int(day))
        except ValueError:
            return "day", "Date of birth must be a real date"
        if len(year) != 4:
            return "year", "Year must include 4 numbers"
        if born > self.today:
            return "day", "Date of birth must be in the past"
        if born.year < 1880:
            return "year", "Date of birth must be after 1880"
        return None


class SecurityCodeForm(NhsForm):
    security_code = Text(
        limit=20, label="Security code",
        help_text=f"The code is 6 numbers. It expires after {int(CODE_LIFETIME.total_seconds() // 60)} minutes.",
        design={"label": {"size": "s"}, "inputmode": "numeric", "autocomplete": "one-time-code",
                "spellcheck": False, "width": 5})

    def clean_security_code(self) -> str:
        code = normalise_code(self.cleaned_data["security_code"])
        if not code:
            raise forms.ValidationError("Enter your security code")
        if not is_well_formed(code):
            raise forms.ValidationError("Security code must be 6 numbers")
        return code


class SendCodeForm(NhsForm):
    """Where to send the code: one of the (method, masked detail) pairs found on the person's record."""

    method = Radios(label="Where should we send your security code?", message="Select where to send your security code",
                    help_text="We found these contact details on your NHS record. We have hidden part of them to "
                              "keep them safe.", design={"fieldset": {"legend": {"isPageHeading": True, "size": "l"}}})

    def __init__(self, *args: Any, contacts: list[list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [  # type: ignore[attr-defined]
            (method, ("Text message to " if method == "sms" else "Email to ") + masked) for method, masked in contacts
        ]


class YourChoiceForm(NhsForm):
    allow = Radios(label="I allow my confidential patient information to be used for research and planning",
                   message="Select yes if you allow your confidential patient information to be used for research "
                           "and planning, or no if you do not",
                   choices=[("yes", "Yes"), ("no", "No")], design={"fieldset": {"legend": {"size": "m"}}})
