"""The column-wise fast path for patients.csv accepts exactly the rows the row-by-row check accepts unchanged,
and vouches for a file only when the staged bytes are the rows the csv module reads, at the right lines."""

from __future__ import annotations

import csv
import io
from datetime import date

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ndop.domain.population.files import (
    PATIENT_COLUMNS,
    PATIENT_COLUMNS_WITH_ADDRESS,
    PatientRow,
    RowInvalid,
    iso_dates,
    parse_patient,
)
from ndop.services.population.patient_columns import PIECE_BYTES, FastPatients, NotFast, columns_good
from tests.unit.domain.population.test_files import FIELD_VALUES, GOOD_ROW, TODAY

# Values that differ between Python's regular expressions and RE2 (Unicode spaces, digits, case), or between
# a value and its normal form (spaces around, lower case postcodes).
TRICKY = ["\u00a0Jane", "Jane\u2003", "Ja\u2028ne", "J\u00e9r\u00f4me", "\u0669\u0669", " ", "\x85", "Z\u0130",
          "\u3000", "a\x1fb", "e\u0301"]
EXTRA = {c: [*FIELD_VALUES[c], *TRICKY] for c in ("given_name", "family_name")} | {
    # Either side of the good row's birth (1980-01-01) and death (2020-01-01), and of the tests' today.
    "date_of_birth": [*FIELD_VALUES["date_of_birth"], "2020-01-02", "2020-01-01", "0000-01-01", "2000-02-29"],
    "date_of_death": [*FIELD_VALUES["date_of_death"], "1979-12-31", "2026-11-23", "2026-11-24", "1900-02-29"],
}
ADDRESS = ["", "1 High St", " 1 High St", "Flat\u00a0", "x" * 100, "x" * 101, "\u2029", "a,b"]


def normal_form(row: list[str], typed: PatientRow) -> bool:
    """The typed row is the input as it stands: the row-by-row check changed nothing."""
    died = typed[10].isoformat() if typed[10] is not None else ""
    shown = [typed[0], typed[1], typed[2], typed[3].isoformat(), str(typed[4]), *typed[5:10], died, typed[11],
             "true" if typed[12] else "false", *typed[13:]]
    return shown[: len(row)] == row and all(not v for v in shown[len(row):])


def accepted_unchanged(row: list[str]) -> bool:
    try:
        typed = parse_patient(list(row), TODAY)
    except RowInvalid:
        return False
    return normal_form(row, typed)


def table(rows: list[list[str]]) -> pa.Table:
    columns = PATIENT_COLUMNS if len(rows[0]) == len(PATIENT_COLUMNS) else PATIENT_COLUMNS_WITH_ADDRESS
    return pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(columns)})


VALUES = [EXTRA.get(c, FIELD_VALUES.get(c, ADDRESS)) for c in PATIENT_COLUMNS_WITH_ADDRESS]


@st.composite
def rows_near_good(draw: st.DrawFn, width: int) -> list[str]:
    """A good row with up to three fields replaced by sampled values, so that pairs of fields (a death
    before a birth, a number replacing itself) meet often."""
    row = list(GOOD_ROW[:width])
    for column in draw(st.lists(st.integers(0, width - 1), max_size=3, unique=True)):
        row[column] = draw(st.sampled_from(VALUES[column]))
    return row


narrow_rows = rows_near_good(len(PATIENT_COLUMNS))
wide_rows = rows_near_good(len(PATIENT_COLUMNS_WITH_ADDRESS))


@settings(max_examples=500, deadline=None)
@given(st.one_of(narrow_rows, wide_rows))
def test_columns_good_is_the_row_check_accepting_the_row_unchanged(row) -> None:
    assert columns_good(table([row]), TODAY) == accepted_unchanged(row)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(GOOD_ROW) - 1),
                          st.text(alphabet=st.sampled_from("0129aZ@.-+ \x1f\t\u00a0\u2028é9"), max_size=14)),
                max_size=3))
def test_columns_good_agrees_when_any_field_of_a_good_row_is_changed(changes) -> None:
    row = list(GOOD_ROW)
    for column, value in changes:
        row[column] = value
    assert columns_good(table([row]), TODAY) == accepted_unchanged(row)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(wide_rows, st.just(GOOD_ROW)), min_size=1, max_size=20))
def test_columns_good_on_a_batch_is_every_row_good(rows) -> None:
    assert columns_good(table(rows), TODAY) == all(accepted_unchanged(r) for r in rows)


@given(st.dates(), st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99))
def test_iso_dates_agree_with_the_standard_library(day, year, month, dom) -> None:
    import numpy as np

    texts = [day.isoformat() if day.year >= 1000 else f"{day.year:04d}-{day.month:02d}-{day.day:02d}",
             f"{year:04d}-{month:02d}-{dom:02d}"]
    ok, days = iso_dates(np.frombuffer("".join(texts).encode(), dtype=np.uint8).reshape(2, 10))
    for text, good, number in zip(texts, ok.tolist(), days.tolist(), strict=True):
        try:
            expected = date.fromisoformat(text)
        except ValueError:
            assert not good
        else:
            assert good and number == (expected - date(1970, 1, 1)).days


# ---- the file: pieces of whole lines, each vouched for -------------------------------------------------

def fast(data: bytes) -> tuple[list[list[str]], int, str] | None:
    """The rows the fast path would stage (split as COPY would split them), the row count and the sha256;
    None when it gives up."""
    reader = FastPatients(io.BytesIO(data), TODAY)
    try:
        columns = reader.read_header()
        pieces = list(reader.pieces())
    except NotFast:
        return None
    text = b"".join(pieces).decode()
    staged = [line.removesuffix("\r").split(",") for line in text.split("\n") if line]
    assert all(len(r) == len(columns) for r in staged)
    return staged, reader.rows, reader.sha256


def by_csv_module(data: bytes) -> list[tuple[int, list[str]]] | None:
    """(line, fields) of each data row as the row-by-row path reads them; None if it would refuse any."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), strict=True)
    header = next(reader)
    out = []
    for fields in reader:
        if fields:
            out.append((reader.line_num, fields))
    if tuple(header) not in (PATIENT_COLUMNS, PATIENT_COLUMNS_WITH_ADDRESS):
        return None
    return out


def assert_vouched_correctly(data: bytes) -> None:
    import hashlib

    result = fast(data)
    if result is None:
        return
    staged, count, digest = result
    read = by_csv_module(data)
    assert read is not None
    # Staged rows are the csv module's rows, at lines 2, 3, ... (no blank line, no line inside a field) ...
    assert [line for line, _ in read] == list(range(2, len(read) + 2))
    assert staged == [fields for _, fields in read] and count == len(read)
    # ... and each one the row-by-row check accepts unchanged.
    assert all(accepted_unchanged(fields) for fields in staged)
    assert digest == hashlib.sha256(data).hexdigest()


def file_of(rows: list[list[str]], *, end: str = "\n", bom: bool = False, last_end: bool = True) -> bytes:
    header = PATIENT_COLUMNS if len(rows[0]) == len(PATIENT_COLUMNS) else PATIENT_COLUMNS_WITH_ADDRESS
    lines = [",".join(header), *(",".join(r) for r in rows)]
    text = end.join(lines) + (end if last_end else "")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.just(GOOD_ROW), wide_rows), min_size=1, max_size=8),
       st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans(),
       st.lists(st.tuples(st.integers(0, 2000), st.sampled_from(["\n", "\r", '"', "\r\n", ",", "\n\n", "\xff"])),
                max_size=2))
def test_a_vouched_file_stages_the_rows_the_csv_module_reads(rows, end, bom, last_end, edits) -> None:
    data = file_of(rows, end=end, bom=bom, last_end=last_end)
    for position, insert in edits:  # blank lines, stray line ends, quotes, fields, bad bytes anywhere
        at = position % (len(data) + 1)
        data = data[:at] + insert.encode("latin-1") + data[at:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert fast(data) is None
        return
    assert_vouched_correctly(data)


def test_a_good_generated_file_is_vouched_for_in_several_pieces() -> None:
    from ndop.demo.population.generator import PopulationSpec
    from ndop.demo.population.writer import generate_population

    patients, choices = io.BytesIO(), io.BytesIO()
    generate_population(PopulationSpec(2_000, 0.05, 3, date(2026, 11, 1)), patients, choices)
    data = patients.getvalue()
    result = fast(data)
    assert result is not None and result[1] == 2_000
    assert_vouched_correctly(data)
    # A file larger than one piece, cut at line ends.
    body = data.split(b"\n", 1)[1]
    big = data + body * (3 * PIECE_BYTES // len(body) + 1)
    reader = FastPatients(io.BytesIO(big), TODAY)
    reader.read_header()
    pieces = list(reader.pieces())
    assert len(pieces) >= 2 and all(p.endswith(b"\n") for p in pieces)
    assert reader.rows == big.count(b"\n") - 1


@pytest.mark.parametrize("change", [
    lambda d: d.replace(b",Smith,", b", Smith,", 1),  # valid, but not in normal form (trimmed when checked)
    lambda d: d.replace(b"false", b"maybe", 1),  # invalid: the row-by-row path names it
    lambda d: d + b"\n",  # a blank line at the end: the lines would not follow the rows
    lambda d: d.replace(b"\n", b'\n"', 1),  # a quote
])
def test_the_fast_path_gives_up_rather_than_decide(change) -> None:
    row = ",".join(GOOD_ROW).replace("Smith", "Smith").encode()
    data = (",".join(PATIENT_COLUMNS_WITH_ADDRESS) + "\n").encode() + row + b"\n" + row.replace(
        b"9434765919", b"9000000025", 1).replace(b"9000000025,false", b",false") + b"\n"
    assert fast(data) is not None
    assert fast(change(data)) is None
