"""Parse what people type. Each function returns the value, or an error message for the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.http import QueryDict

from ndop.domain.common.nhs_number import InvalidNhsNumber, InvalidReason, NhsNumber, invalid_reason
from ndop.domain.online.identity import InvalidClaim, normalise_name, normalise_postcode
from ndop.domain.online.security_code import is_well_formed, normalise_code


@dataclass
class Form:
    """Submitted values (to show again) and errors by field id, in page order."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> list[dict[str, str]]:
        return [{"text": text, "href": f"#{field_id}"} for field_id, text in self.errors.items()]


def _get(data: QueryDict, name: str, form: Form, limit: int = 100) -> str:
    value = data.get(name, "")[:limit]
    form.values[name] = value
    return value.strip()


def parse_nhs_number(data: QueryDict) -> tuple[NhsNumber | None, Form]:
    form = Form()
    text = _get(data, "nhs_number", form, 20)
    if not text:
        form.errors["nhs_number"] = "Enter your NHS number"
        return None, form
    try:
        number = NhsNumber.parse(text)
    except InvalidNhsNumber:
        compact = text.replace(" ", "").replace("-", "")
        reason = invalid_reason(compact) if compact.isdigit() else InvalidReason.NOT_DIGITS
        if reason is InvalidReason.BAD_CHECK_DIGIT:
            form.errors["nhs_number"] = "Enter a valid NHS number. Check you have typed it correctly"
        elif reason is InvalidReason.NOT_DIGITS:
            form.errors["nhs_number"] = "NHS number must only include numbers"
        else:
            form.errors["nhs_number"] = "NHS number must be 10 numbers"
        return None, form
    return number, form


def parse_name_and_postcode(data: QueryDict) -> tuple[dict[str, str] | None, Form]:
    form = Form()
    given = _get(data, "given_name", form)
    family = _get(data, "family_name", form)
    postcode = _get(data, "postcode", form, 12)
    if not normalise_name(given):
        form.errors["given_name"] = "Enter your first name"
    if not normalise_name(family):
        form.errors["family_name"] = "Enter your last name"
    if not postcode:
        form.errors["postcode"] = "Enter your postcode"
    else:
        try:
            postcode = normalise_postcode(postcode)
        except InvalidClaim:
            form.errors["postcode"] = "Enter a real postcode, like LS1 4AP"
    if form.errors:
        return None, form
    return {"given_name": given, "family_name": family, "postcode": postcode}, form


def parse_date_of_birth(data: QueryDict, today: date) -> tuple[date | None, Form]:
    form = Form()
    day = _get(data, "day", form, 4)
    month = _get(data, "month", form, 4)
    year = _get(data, "year", form, 6)
    if not (day or month or year):
        form.errors["dob-day"] = "Enter your date of birth"
        return None, form
    missing = [(n, label) for n, label, v in (("dob-day", "day", day), ("dob-month", "month", month),
                                              ("dob-year", "year", year)) if not v]
    if missing:
        form.errors[missing[0][0]] = f"Date of birth must include a {missing[0][1]}"
        return None, form
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        form.errors["dob-day"] = "Date of birth must be a real date"
        return None, form
    if len(year) != 4:
        form.errors["dob-year"] = "Year must include 4 numbers"
        return None, form
    if born > today:
        form.errors["dob-day"] = "Date of birth must be in the past"
        return None, form
    if born.year < 1880:
        form.errors["dob-year"] = "Date of birth must be after 1880"
        return None, form
    return born, form


def parse_code(data: QueryDict) -> tuple[str | None, Form]:
    form = Form()
    text = _get(data, "security_code", form, 20)
    code = normalise_code(text)
    if not code:
        form.errors["security_code"] = "Enter your security code"
    elif not is_well_formed(code):
        form.errors["security_code"] = "Security code must be 6 numbers"
    return (None if form.errors else code), form
