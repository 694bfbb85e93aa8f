"""The parsers behind the pages: whatever is typed, a value or a field error, never an exception."""

from __future__ import annotations

from datetime import date

from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from ndop.web.patient.forms import parse_code, parse_date_of_birth, parse_name_and_postcode, parse_nhs_number

TODAY = date(2026, 11, 23)


def qd(**fields: str) -> QueryDict:
    q = QueryDict(mutable=True)
    for k, v in fields.items():
        q[k] = v
    return q


@given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=30))
def test_date_of_birth_parser_returns_a_past_date_or_one_error(day: str, month: str, year: str) -> None:
    born, form = parse_date_of_birth(qd(day=day, month=month, year=year), TODAY)
    assert (born is None) == (len(form.errors) == 1)
    if born is not None:
        assert date(1880, 1, 1) <= born <= TODAY


def test_date_of_birth_parser_names_what_is_missing_or_wrong() -> None:
    assert parse_date_of_birth(qd(day="", month="", year=""), TODAY)[1].errors == {
        "dob-day": "Enter your date of birth"}
    assert parse_date_of_birth(qd(day="1", month="", year="1990"), TODAY)[1].errors == {
        "dob-month": "Date of birth must include a month"}
    assert parse_date_of_birth(qd(day="31", month="2", year="1990"), TODAY)[1].errors == {
        "dob-day": "Date of birth must be a real date"}
    assert parse_date_of_birth(qd(day="1", month="1", year="2030"), TODAY)[1].errors == {
        "dob-day": "Date of birth must be in the past"}
    assert parse_date_of_birth(qd(day=" 5", month="03 ", year="1984"), TODAY)[0] == date(1984, 3, 5)


@given(st.text(max_size=40))
def test_nhs_number_parser_returns_a_valid_number_or_an_error(text: str) -> None:
    number, form = parse_nhs_number(qd(nhs_number=text))
    assert (number is None) == bool(form.errors)


def test_nhs_number_parser_messages() -> None:
    assert parse_nhs_number(qd(nhs_number="943 476 5919"))[0].digits == "9434765919"
    assert parse_nhs_number(qd(nhs_number="943 476 5918"))[1].errors["nhs_number"].startswith("Enter a valid")
    assert parse_nhs_number(qd(nhs_number="94347659"))[1].errors["nhs_number"] == "NHS number must be 10 numbers"
    assert parse_nhs_number(qd(nhs_number="94347659ab"))[1].errors["nhs_number"].endswith("only include numbers")


@given(st.text(max_size=20))
def test_code_parser_accepts_only_six_digits(text: str) -> None:
    code, form = parse_code(qd(security_code=text))
    assert (code is None) == bool(form.errors)
    if code is not None:
        assert len(code) == 6 and code.isdigit()


@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=12))
def test_name_and_postcode_parser_never_raises(given_name: str, family: str, postcode: str) -> None:
    claim, form = parse_name_and_postcode(qd(given_name=given_name, family_name=family, postcode=postcode))
    assert (claim is None) == bool(form.errors)
