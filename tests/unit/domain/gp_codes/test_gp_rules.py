"""The pure rules of GP codes: the code table, the extract row parser (properties), Type 1 status, Type 2
decisions and the letter rule (tables)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.common.nhs_number import complete
from ndop.domain.gp_codes.codes import CODES, CodeSystem, Meaning, meaning_of, written
from ndop.domain.gp_codes.extract import CodeRow, parse_row
from ndop.domain.gp_codes.rules import (
    Current,
    NotConverted,
    PersonCode,
    conversion,
    type1_objects,
    type2_decision,
)
from ndop.domain.registry.choices import Choice

TODAY = date(2026, 11, 23)
VALID = "9434765919"


@pytest.mark.parametrize(("system", "code", "meaning"), [
    ("read2", "9Nu0.", Meaning.TYPE1_SET), ("read2", "9Nu0", Meaning.TYPE1_SET), ("ctv3", "XaZ89", Meaning.TYPE1_SET),
    ("snomed", "827241000000103", Meaning.TYPE1_SET), ("read2", "9Nu1.", Meaning.TYPE1_WITHDRAWN),
    ("ctv3", "XaZ8A", Meaning.TYPE1_WITHDRAWN), ("snomed", "827261000000102", Meaning.TYPE1_WITHDRAWN),
    ("read2", "9Nu4.", Meaning.TYPE2_SET), ("ctv3", "XaaVL", Meaning.TYPE2_SET),
    ("snomed", "881561000000100", Meaning.TYPE2_SET), ("read2", "9Nu5", Meaning.TYPE2_WITHDRAWN),
    ("ctv3", "XaaVM", Meaning.TYPE2_WITHDRAWN),
    ("read2", "9Ndo.", None), ("ctv3", "XaXj6", None), ("ctv3", "xazs9", None), ("snomed", "9Nu4", None),
    ("read2", "9nu4.", None),  # Read codes are case-sensitive
])
def test_code_table(system, code, meaning) -> None:
    assert meaning_of(CodeSystem(system), code) is meaning


def test_every_code_has_a_source_and_reads_back() -> None:
    assert len({(c.system, c.code) for c in CODES}) == len(CODES)
    for c in CODES:
        assert c.source and meaning_of(c.system, written(c)) is c.meaning


codes = st.sampled_from([written(c) for c in CODES] + ["9Ndo.", "XaXj6", "123456"])
systems = st.sampled_from(list(CodeSystem))
days = st.dates(date(1990, 1, 1), TODAY)
practices = st.from_regex(r"[A-Z0-9]{3,8}", fullmatch=True)


@given(st.integers(100_000_000, 999_999_999), practices, systems, codes, days)
def test_parse_row_keeps_every_well_formed_row(first_nine, practice, system, code, day) -> None:
    number = complete(str(first_nine))
    row = parse_row([number.digits if number else "1234567890", practice, system.value, code, day.isoformat()],
                    TODAY)
    if number is None:
        assert isinstance(row, str) and row.startswith("nhs_number:")
        return
    assert isinstance(row, CodeRow)
    assert (row.nhs_number, row.practice_code, row.system, row.recorded_on) == (number.digits, practice, system, day)
    assert row.meaning is meaning_of(system, code)


@given(st.lists(st.one_of(st.text(max_size=12), st.from_regex(r"[0-9]{6,10}", fullmatch=True)), max_size=7))
def test_parse_row_never_raises_and_never_repeats_a_number(fields) -> None:
    result = parse_row(fields, TODAY)
    if isinstance(result, str):
        for f in fields:
            if f.strip().isdigit() and len(f.strip()) >= 6:
                assert f.strip() not in result


@pytest.mark.parametrize(("fields", "reason"), [
    ([VALID, "B82001", "read2", "9Nu4.", "2017-01-01", "x"], "must have 5 fields"),
    (["9434765918", "B82001", "read2", "9Nu4.", "2017-01-01"], "nhs_number:"),
    ([VALID, "b8", "read2", "9Nu4.", "2017-01-01"], "practice_code:"),
    ([VALID, "B82001", "icd10", "9Nu4.", "2017-01-01"], "code_system:"),
    ([VALID, "B82001", "read2", "", "2017-01-01"], "code:"),
    ([VALID, "B82001", "read2", "9Nu4.", "01/02/2017"], "recorded_date: must be a date"),
    ([VALID, "B82001", "read2", "9Nu4.", "2017-02-29"], "recorded_date: is not a real date"),
    ([VALID, "B82001", "read2", "9Nu4.", "2026-11-24"], "recorded_date: must not be in the future"),
    ([VALID, "B82001", "read2", "9Nu4.", "1989-12-31"], "recorded_date: must not be before"),
])
def test_parse_row_refusals(fields, reason) -> None:
    result = parse_row(fields, TODAY)
    assert isinstance(result, str) and result.startswith(reason)


def code(day: str, withdrawn: bool = False) -> PersonCode:
    return PersonCode(date.fromisoformat(day), withdrawn)


@pytest.mark.parametrize(("codes", "objects"), [
    ([], False),
    ([code("2014-01-01")], True),
    ([code("2014-01-01"), code("2015-01-01", True)], False),
    ([code("2014-01-01"), code("2015-01-01", True), code("2016-01-01")], True),
    ([code("2016-01-01"), code("2016-01-01", True)], False),  # the same day: the withdrawal wins
    ([code("2016-01-01", True), code("2014-01-01")], False),  # order in the file does not matter
])
def test_type1_status(codes, objects) -> None:
    assert type1_objects(codes) is objects


@pytest.mark.parametrize(("codes", "converted_on", "reason", "late"), [
    ([code("2017-01-01")], "2017-01-01", None, 0),
    ([code("2017-01-01"), code("2018-01-01", True)], None, NotConverted.WITHDRAWN, 0),
    ([code("2016-01-01"), code("2017-01-01", True), code("2018-01-01")], "2018-01-01", None, 0),
    ([code("2018-10-11")], "2018-10-11", None, 0),  # on the cut-off day
    ([code("2018-10-12")], None, NotConverted.AFTER_CUTOFF, 1),
    ([code("2017-01-01"), code("2019-01-01")], "2017-01-01", None, 1),  # converted, and the late one reported
    ([code("2017-01-01"), code("2018-11-01", True)], "2017-01-01", None, 0),  # a late withdrawal is not collected
    ([code("2017-05-05"), code("2017-05-05", True)], None, NotConverted.WITHDRAWN, 0),
])
def test_type2_decision(codes, converted_on, reason, late) -> None:
    decision = type2_decision(codes)
    assert (None if decision.convert is None else decision.convert.recorded_on.isoformat()) == converted_on
    assert decision.reason is reason
    assert len(decision.after_cutoff) == late


AS_OF = date(2026, 11, 1)
EARLY = Current(Choice.OPTED_OUT, datetime(2016, 1, 1, tzinfo=UTC))
LATER_OUT = Current(Choice.NOT_OPTED_OUT, datetime(2020, 1, 1, tzinfo=UTC))
EARLIER_IN = Current(Choice.NOT_OPTED_OUT, datetime(2015, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(("current", "born", "died", "becomes", "changed", "letter"), [
    (None, date(1970, 1, 1), None, True, True, True),
    (None, date(2013, 11, 1), None, True, True, True),  # 13 on the as-of date
    (None, date(2013, 11, 2), None, True, True, False),  # 12
    (None, date(1930, 1, 1), date(2020, 1, 1), True, True, False),  # deceased
    (LATER_OUT, date(1970, 1, 1), None, False, False, False),  # a later choice stands
    (EARLIER_IN, date(1970, 1, 1), None, True, True, True),
    (EARLY, date(1970, 1, 1), None, True, False, False),  # already opted out: nothing changed, no letter
])
def test_conversion_and_letter(current, born, died, becomes, changed, letter) -> None:
    outcome = conversion(code("2017-01-01"), current, date_of_birth=born, date_of_death=died, as_of=AS_OF)
    assert (outcome.becomes_current, outcome.changed_to_opted_out, outcome.letter) == (becomes, changed, letter)
