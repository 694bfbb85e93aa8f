"""Row checks of the population files: one row at a time, and many at once (which must agree)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ndop.domain.population.files import (
    CHOICE_COLUMNS,
    PATIENT_COLUMNS,
    RowInvalid,
    header_problem,
    nhs_numbers_valid,
    parse_choice,
    parse_patient,
    parse_patients,
)

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
GOOD = ["9434765919", "Jane", "Smith", "1990-05-17", "2", "LS1 4AP", "E01011365", "B86016", "07700900123",
        "jane.smith@example.com", "", "", "false"]
GOOD_CHOICE = ["9434765919", "opted_out", "2021-06-14T10:22:31+01:00", "CC", "GUARDIAN", "1234ABC"]


def with_field(row: list[str], column: str, value: str, columns: tuple[str, ...] = PATIENT_COLUMNS) -> list[str]:
    changed = list(row)
    changed[columns.index(column)] = value
    return changed


def test_parse_patient_types_and_normalises_a_good_row() -> None:
    row = parse_patient(with_field(GOOD, "postcode", "ls14ap"), TODAY)
    assert row[0] == "9434765919" and row[3] == date(1990, 5, 17) and row[4] == 2
    assert row[5] == "LS1 4AP" and row[10] is None and row[12] is False


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("nhs_number", "9434765918", "nhs_number: check digit is wrong"),
        ("nhs_number", "943476591", "nhs_number: must be 10 digits"),
        ("given_name", " ", "given_name: must not be empty"),
        ("family_name", "x" * 101, "family_name: must be at most 100"),
        ("date_of_birth", "17/05/1990", "date_of_birth: must be a date written YYYY-MM-DD"),
        ("date_of_birth", "1990-02-30", "date_of_birth: is not a real date"),
        ("date_of_birth", "2030-01-01", "date_of_birth: is in the future"),
        ("gender", "3", "gender: must be 0, 1, 2 or 9"),
        ("postcode", "QQ1", "postcode: must be empty or a UK postcode"),
        ("lsoa_code", "X01011365", "lsoa_code: must be empty or an LSOA code"),
        ("gp_practice_code", "b86-016", "gp_practice_code: must be empty or an ODS code"),
        ("mobile", "call me", "mobile: must be empty or a phone number"),
        ("email", "jane.smith", "email: must be empty or an e-mail address"),
        ("date_of_death", "1980-01-01", "date_of_death: must be on or after the date of birth"),
        ("superseded_by", "9434765919", "superseded_by: must be a different NHS number"),
        ("superseded_by", "1234567890", "superseded_by: check digit is wrong"),
        ("sensitive", "yes", "sensitive: must be true or false"),
    ],
)
def test_parse_patient_refuses_a_bad_field_naming_the_column_not_the_value(column, value, reason) -> None:
    with pytest.raises(RowInvalid) as caught:
        parse_patient(with_field(GOOD, column, value), TODAY)
    assert str(caught.value).startswith(reason)
    if value.strip():
        assert value not in str(caught.value)


def test_parse_patient_refuses_a_short_row() -> None:
    with pytest.raises(RowInvalid, match="expected 13 or 17 fields, found 12"):
        parse_patient(GOOD[:-1], TODAY)


def test_parse_choice_converts_the_time_to_utc() -> None:
    row = parse_choice(GOOD_CHOICE, NOW)
    assert row[2] == datetime(2021, 6, 14, 9, 22, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("choice", "opt_out", "choice: must be opted_out or not_opted_out"),
        ("recorded_at", "2021-06-14T10:22:31", "recorded_at: must be ISO 8601 with an offset"),
        ("recorded_at", "2021-06-31T10:22:31Z", "recorded_at: is not a real date"),
        ("recorded_at", "2027-01-01T00:00:00Z", "recorded_at: is in the future"),
        ("channel", "EMAIL", "channel: must be one of OP, PFSP, FN, CC, PP, T2"),
        ("channel", "OP", "proxy_role: a proxy's choice must come by phone (CC) or post (PP)"),
        ("proxy_role", "MUM", "proxy_role: must be empty"),
        ("case_reference", "a b", "case_reference: must be empty or up to 40"),
    ],
)
def test_parse_choice_refuses_a_bad_field(column, value, reason) -> None:
    with pytest.raises(RowInvalid) as caught:
        parse_choice(with_field(GOOD_CHOICE, column, value, CHOICE_COLUMNS), NOW)
    assert str(caught.value).startswith(reason)


def test_header_must_match_exactly() -> None:
    assert header_problem(list(PATIENT_COLUMNS), PATIENT_COLUMNS) is None
    assert header_problem(list(PATIENT_COLUMNS[:-1]), PATIENT_COLUMNS) is not None
    assert header_problem(list(reversed(CHOICE_COLUMNS)), CHOICE_COLUMNS) is not None


# ---- the batch checks agree with the one-row checks --------------------------------------------------

FIELD_VALUES = {
    "nhs_number": ["9434765919", "9434765918", "943476591", "94347659190", "９４３４７６５９１９", "abcdefghij"],
    "given_name": ["Jane", " Jane", "", "Zoë", "A" * 100, "A" * 101, "Jo\tanne", "O'Neil"],
    "family_name": ["Smith", "Smith ", "", "de la Cruz"],
    "date_of_birth": ["1990-05-17", "2026-11-24", "1990-5-17", "1990-02-30", "", "19900517"],
    "gender": ["0", "1", "2", "9", "3", "", "02"],
    "postcode": ["LS1 4AP", "ls1 4ap", "LS14AP", "SW1A 2AA", "", "LS1", "LS1  4AP"],
    "lsoa_code": ["E01011365", "", "e01011365", "E0101136"],
    "gp_practice_code": ["B86016", "", "b86016", "AB"],
    "mobile": ["07700900123", "", "+447700900123", "0770090012", "077009001234567890"],
    "email": ["a@example.com", "", "a@b", "x" * 250 + "@example.com"],
    "date_of_death": ["", "2020-01-01", "1980-01-01", "2030-01-01", "2020-13-01"],
    "superseded_by": ["", "9434765919", "9000000025", "9000000026"],
    "sensitive": ["true", "false", "True", ""],
}

patient_rows = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in FIELD_VALUES.items()}).map(
    lambda d: [d[c] for c in PATIENT_COLUMNS]
)


def one_by_one(row: list[str]) -> object:
    try:
        return parse_patient(row, TODAY)
    except RowInvalid as exc:
        return str(exc)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(patient_rows, st.lists(st.text(max_size=5), max_size=14)), min_size=1, max_size=30))
def test_parse_patients_batch_agrees_with_one_row_at_a_time(rows) -> None:
    assert parse_patients(rows, TODAY) == [one_by_one(r) for r in rows]


@given(st.lists(st.text(alphabet="0123456789x９ ", min_size=0, max_size=11), max_size=40))
def test_nhs_numbers_valid_agrees_with_the_value_type(values) -> None:
    from ndop.domain.common.nhs_number import is_valid

    assert nhs_numbers_valid(values).tolist() == [is_valid(v) for v in values]


def test_the_address_columns_are_optional_in_the_header() -> None:
    from ndop.domain.population.files import PATIENT_COLUMNS_WITH_ADDRESS

    assert header_problem(list(PATIENT_COLUMNS_WITH_ADDRESS), PATIENT_COLUMNS) is None
    assert "optionally followed by" in header_problem(list(PATIENT_COLUMNS_WITH_ADDRESS[:-1]), PATIENT_COLUMNS)


@given(st.lists(st.text(max_size=110), min_size=4, max_size=4))
def test_batch_and_row_parsers_agree_on_addresses(lines) -> None:
    from datetime import date

    from ndop.domain.population.files import parse_patient, parse_patients

    row = ["9434765919", "Jane", "Smith", "1980-01-01", "2", "LS1 4AP", "", "", "", "", "", "", "false", *lines]
    [batch] = parse_patients([row], date(2026, 1, 1))
    try:
        single: object = parse_patient(row, date(2026, 1, 1))
    except RowInvalid as exc:
        single = str(exc)
    assert batch == single


GOOD_ROW = ["9434765919", "Jane", "Smith", "1980-01-01", "2", "LS1 4AP", "E01011365", "B86016", "07700900123",
            "a@example.com", "2020-01-01", "9000000025", "false", "1 High St", "", "", "Leeds"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(GOOD_ROW) - 1),
                          st.text(alphabet=st.sampled_from("0129aZ@.-+ \x1f\t,ï9"), max_size=14)), max_size=20))
def test_batch_and_row_parsers_agree_when_any_field_of_a_good_row_is_changed(changes) -> None:
    # The batch check matches a whole row at once with its fields joined by \x1f: a field holding that
    # character, or one field's value in another's place, must not slip through it.
    rows = []
    for column, value in changes:
        row = list(GOOD_ROW)
        row[column] = value
        rows.append(row)
    assert parse_patients([GOOD_ROW, *rows], TODAY) == [one_by_one(r) for r in [GOOD_ROW, *rows]]
