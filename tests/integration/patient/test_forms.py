"""The journey's forms: whatever is typed, a value or one field error, never an exception."""

from __future__ import annotations

import calendar
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ndop.web.patient.forms import DateOfBirthForm, NameAndPostcodeForm, NhsNumberForm, SecurityCodeForm

TODAY = date(2026, 11, 23)


def dob(**typed: str) -> DateOfBirthForm:
    form = DateOfBirthForm(typed, today=TODAY)
    form.is_valid()
    return form


def summary(form) -> dict[str, str]:
    """The error summary as {href: message}, the way the page links each message to its field."""
    return {e["href"]: e["text"] for e in form.error_summary}


@given(st.integers(1, 28), st.integers(1, 12), st.integers(1880, 2025), st.booleans())
def test_date_of_birth_form_takes_the_month_in_words_as_well_as_numbers(day, month, year, short) -> None:
    name = calendar.month_name[month]
    typed = ("Sept" if month == 9 else name[:3]) if short else name
    assert dob(day=str(day), month=typed, year=str(year)).cleaned_data["date_of_birth"] == date(year, month, day)


def test_date_of_birth_form_takes_sept_and_september_and_refuses_other_words() -> None:
    assert dob(day="2", month="Sept", year="1990").cleaned_data["date_of_birth"] == date(1990, 9, 2)
    assert dob(day="2", month="September", year="1990").cleaned_data["date_of_birth"] == date(1990, 9, 2)
    assert summary(dob(day="2", month="Septembre", year="1990")) == {"#dob-day": "Date of birth must be a real date"}


@given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=30))
def test_date_of_birth_form_gives_a_past_date_or_one_error(day: str, month: str, year: str) -> None:
    form = DateOfBirthForm({"day": day, "month": month, "year": year}, today=TODAY)
    valid = form.is_valid()
    assert valid == (len(form.error_summary) == 0)
    assert len(form.error_summary) <= 1
    if valid:
        assert date(1880, 1, 1) <= form.cleaned_data["date_of_birth"] <= TODAY


def test_date_of_birth_form_names_what_is_missing_or_wrong() -> None:
    assert summary(dob(day="", month="", year="")) == {"#dob-day": "Enter your date of birth"}
    assert summary(dob(day="1", month="", year="1990")) == {"#dob-month": "Date of birth must include a month"}
    assert summary(dob(day="31", month="2", year="1990")) == {"#dob-day": "Date of birth must be a real date"}
    assert summary(dob(day="1", month="1", year="2030")) == {"#dob-day": "Date of birth must be in the past"}
    assert summary(dob(day="1", month="1", year="90")) == {"#dob-year": "Year must include 4 numbers"}
    assert dob(day=" 5", month="03 ", year="1984").cleaned_data["date_of_birth"] == date(1984, 3, 5)


@given(st.text(max_size=40))
def test_nhs_number_form_gives_a_valid_number_or_an_error(text: str) -> None:
    form = NhsNumberForm({"nhs_number": text})
    assert form.is_valid() != bool(form.error_summary)


def nhs_error(text: str) -> str | None:
    form = NhsNumberForm({"nhs_number": text})
    form.is_valid()
    return form.first_error("nhs_number")


def test_nhs_number_form_messages() -> None:
    form = NhsNumberForm({"nhs_number": "943 476 5919"})
    assert form.is_valid() and form.cleaned_data["nhs_number"].digits == "9434765919"
    assert nhs_error("") == "Enter your NHS number"
    assert nhs_error("943 476 5918").startswith("Enter a valid")
    assert nhs_error("94347659") == "NHS number must be 10 numbers"
    assert nhs_error("94347659ab").endswith("only include numbers")


@given(st.text(max_size=20))
def test_code_form_accepts_only_six_digits(text: str) -> None:
    form = SecurityCodeForm({"security_code": text})
    if form.is_valid():
        code = form.cleaned_data["security_code"]
        assert len(code) == 6 and code.isdigit()
    else:
        assert len(form.error_summary) == 1


@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=12))
def test_name_and_postcode_form_never_raises(given_name: str, family: str, postcode: str) -> None:
    form = NameAndPostcodeForm({"given_name": given_name, "family_name": family, "postcode": postcode})
    assert form.is_valid() != bool(form.error_summary)


def test_long_input_is_cut_to_the_fields_limit_not_refused() -> None:
    form = NhsNumberForm({"nhs_number": "9434765919" + " " * 10 + "x" * 10_000})
    assert form.is_valid()


def test_a_null_character_gets_the_forms_own_message_only() -> None:
    assert summary(dob(day="", month="", year="\x00")) == {"#dob-day": "Date of birth must include a day"}
    assert nhs_error("943476\x005919") == "NHS number must only include numbers"
