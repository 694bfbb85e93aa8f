"""The compiled CSV scan against the old csv-module path (csv_reference.py), for generated requests.

Kept rows, counts, digests and the --report file must be identical; a refused request must be
refused with the same code. Requests are built both the RFC 4180 way and as arbitrary text over the
characters that matter (quotes, commas, CR, LF, non-ASCII), so that malformed quoting is covered too.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ndop.domain.check.engine import check_stream
from ndop.domain.check.rejections import CheckFormat, RejectionCode
from tests.unit.domain.check import csv_reference
from tests.unit.domain.check.test_engine_properties import INVALID, POOL, snapshot_for

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Buffers big enough for every generated record (a record over half a buffer is refused: ADR 0072).
chunks = st.sampled_from([512, 1024, 1 << 16])
registries = st.sets(st.sampled_from(POOL), max_size=40)


def both(data: bytes, opted_out: set[str], chunk: int):
    bitmap = snapshot_for(opted_out).bitmap
    new_sink, new_report = io.BytesIO(), io.StringIO()
    new = check_stream(io.BytesIO(data), new_sink, bitmap, fmt=CheckFormat.CSV, report=new_report, chunk_size=chunk)
    old_sink, old_report = io.BytesIO(), io.StringIO("line,reason\n")
    old_report.seek(0, io.SEEK_END)
    old = csv_reference.check_csv(io.BytesIO(b""), data, old_sink, bitmap, report=old_report, progress=None)
    return (new, new_sink.getvalue(), new_report.getvalue()), (old, old_sink.getvalue(), old_report.getvalue())


def assert_same(data: bytes, opted_out: set[str], chunk: int) -> None:
    (new, new_out, new_report), (old, old_out, old_report) = both(data, opted_out, chunk)
    new_code = None if new.rejection is None else new.rejection.code
    old_code = None if old.rejection is None else old.rejection.code
    assert new_code == old_code, (data, new_code, old_code)
    assert new.request_sha256 == old.request_sha256
    assert new.bytes_in == old.bytes_in
    if old_code is RejectionCode.NOT_TEXT:
        return  # the old path stopped wherever its decoder's window met the bad bytes
    assert (new.rows_in, new.rows_invalid, new.rows_removed, new.rows_kept) == (
        old.rows_in,
        old.rows_invalid,
        old.rows_removed,
        old.rows_kept,
    ), data
    assert new.response_sha256 == old.response_sha256
    assert new_report == old_report, data
    if old_code is None:
        assert new_out == old_out, data


def quote(field: str) -> str:
    return '"' + field.replace('"', '""') + '"' if any(c in field for c in ',"\r\n') else field


notes = st.text(alphabet='ab ,"\r\né€', max_size=8)
values = st.one_of(st.sampled_from(POOL), st.sampled_from(POOL), st.sampled_from(INVALID))


@st.composite
def rfc_requests(draw) -> bytes:
    width = draw(st.integers(1, 5))
    column = draw(st.integers(0, width - 1))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    names = [draw(st.sampled_from(["a", "b c", "x,y", 'q"'])) for _ in range(width)]
    names[column] = draw(st.sampled_from(["NHS_NUMBER", "nhs_number", " Nhs_Number "]))
    lines = [",".join(quote(n) for n in names) + newline]
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.integers(0, 30)) == 0:
            lines.append(newline)  # an empty line
            continue
        fields = [draw(notes) for _ in range(width)]
        fields[column] = draw(values)
        always = draw(st.booleans())
        fields = [
            ('"' + f.replace('"', '""') + '"') if always and k == column else quote(f) for k, f in enumerate(fields)
        ]
        if draw(st.integers(0, 20)) == 0:
            fields = fields[: draw(st.integers(0, width))]  # a short row
        lines.append(",".join(fields) + newline)
    text = "".join(lines)
    if draw(st.booleans()):
        text = text[: -len(newline)]
    return text.encode()


@SETTINGS
@given(rfc_requests(), registries, chunks)
def test_csv_scan_equals_the_old_path_for_rfc4180_requests(data, opted_out, chunk) -> None:
    assert_same(data, opted_out, chunk)


@SETTINGS
@given(
    st.sampled_from(["NHS_NUMBER,n\n", "n,nhs_number\r\n", '"nhs_number",n\n']),
    st.lists(st.one_of(st.sampled_from(POOL), st.text(alphabet='9,"\r\né\x00a', max_size=14)), max_size=12),
    registries,
    chunks,
)
@example("NHS_NUMBER,n\n", ['9434765919,"a"b'], set(), 512)
@example("NHS_NUMBER,n\n", ['"9434765919'], set(), 512)
@example("NHS_NUMBER,n\n", ["9434765919,\x00"], set(), 512)
@example("NHS_NUMBER,n\n", ["\r\r\n", "9434765919\r"], set(), 512)
def test_csv_scan_equals_the_old_path_for_any_text(header, pieces, opted_out, chunk) -> None:
    assert_same((header + ",".join(pieces) + "\n".join(pieces)).encode(), opted_out, chunk)


# Fields as they come, quoted or not, chosen to sit on each edge of the plain-record path (`_plain_record`,
# which decides the common record sooner and hands every other to the full state machine): a quote inside
# an unquoted field, doubled quotes, a quoted field with a comma or a line break, text that is not ASCII,
# a character after a closing quote, a NUL, a lone CR.
raw_fields = st.sampled_from(
    ["x", "", "ab\"c", "a\"", '"a,b"', '""', '"a""b"', '""""', '"é, x"', "é", "€€", '"a\nb"', '"a\r\nb"',
     '"a"b', '"a" ', "a\x00b", "a\rb", " ", '"x"'])
raw_numbers = st.one_of(
    st.sampled_from(POOL),
    st.sampled_from(POOL).map(lambda n: f'"{n}"'),
    st.sampled_from(INVALID),
    st.sampled_from(["", "943476591", "94347659"]),
    st.sampled_from(['"943476591""9"', "9434765919é", '"9434765919"x', "943476\"5919", "94347659199"]),
)


@st.composite
def plain_edge_requests(draw) -> bytes:
    width = draw(st.integers(1, 6))
    column = draw(st.integers(0, width - 1))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    names = ["f"] * width
    names[column] = "NHS_NUMBER"
    lines = [",".join(names) + newline]
    for _ in range(draw(st.integers(1, 10))):
        fields = [draw(raw_fields) for _ in range(width)]
        fields[column] = draw(raw_numbers)
        if draw(st.integers(0, 10)) == 0:
            fields = fields[: draw(st.integers(0, width))]  # a short row
        lines.append(",".join(fields) + draw(st.sampled_from([newline, newline, newline, "\r", "\n", "\r\n"])))
    text = "".join(lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return text.encode()


@SETTINGS
@given(plain_edge_requests(), registries, chunks)
@example(b'NHS_NUMBER,f\n9434765919,ab"c\n9434765919,"a""b"\n', set(), 512)
@example(b'f,NHS_NUMBER,f\n"a,b",9434765919,"\xc3\xa9, x"\r\n', set(), 512)
@example(b'NHS_NUMBER,f\n9434765919,"a"b\n', set(), 512)
@example(b'NHS_NUMBER,f\n9434765919,"a\nb"\n9434765919\r\r\n', set(), 512)
@example(b"NHS_NUMBER,f,f\n943476591,,x\n", set(), 512)  # ten bytes before a comma, not ten digits
@example(b"f,NHS_NUMBER\nx,\n12345678,\n", set(), 512)  # ... nor one field: a line break among them
def test_csv_plain_records_equal_the_old_path_on_every_edge(data, opted_out, chunk) -> None:
    assert_same(data, opted_out, chunk)


@SETTINGS
@given(
    rfc_requests(), st.data(), st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"])
)
def test_csv_scan_refuses_bytes_that_are_not_utf8_as_the_old_path_did(data, draw, bad) -> None:
    at = draw.draw(st.integers(0, len(data)))
    assert_same(data[:at] + bad + data[at:], set(), 1024)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"nhs_number,x\n" + b"9434765919," + b"y" * 70000 + b"\n", RejectionCode.LINE_TOO_LONG),
        (b"nhs_number,x\n" + b'9434765919,"' + (b"y" * 60000 + b"\n") * 3 + b'"\n', RejectionCode.BAD_CSV),
        (b"nhs_number,x\n" + b'9434765919,"' + (b"\xc3\xa9" * 30000 + b"\n") * 2 + b'"\n', None),
        (b"nhs_number,x\n" + b"9434765919," + b"\xc3\xa9" * 40000 + b"\n", None),
        (b"nhs_number,x\n" + b"9434765919,\x00" + b"y" * 70000 + b"\n", RejectionCode.LINE_TOO_LONG),
    ],
)
def test_csv_scan_limits_are_the_csv_modules(data, code) -> None:
    (new, new_out, _), (old, old_out, _) = both(data, set(), 1 << 20)
    assert (None if old.rejection is None else old.rejection.code) is code
    assert (None if new.rejection is None else new.rejection.code) is code
    assert new_out == old_out or code is not None


def test_csv_scan_record_over_half_a_buffer_is_a_line_far_too_long() -> None:
    data = b"nhs_number,x\n" + b"9434765919,\n" * 40 + b"9434765919," + b"y" * 600 + b"\n" + b"9434765919,\n" * 40
    (new, _, _), _ = both(data, set(), 1024)
    assert new.rejection is not None and new.rejection.code is RejectionCode.LINE_TOO_LONG


def test_csv_scan_obeys_a_lowered_csv_field_limit() -> None:
    import csv

    before = csv.field_size_limit(8)
    try:
        for data in (
            b"nhs_number,x\n9434765919,abcdefghij\n",
            b"nhs_number,x\n9434765919,abcdefghij",
            b'nhs_number,x\n9434765919,"abcdefghij"\n',
            b"x,nhs_number\nabcdefgh,9434765919\n",
        ):
            assert_same(data, set(), 1024)
    finally:
        csv.field_size_limit(before)


# Every number valid, so that the request is kept and rows are removed between kept ones: the runs of
# kept rows the scan copies whole (`_copy_kept`, by memcpy: ADR 0096) start and end on every edge (the
# first row, the last, one row alone between two removed ones, a removed row at the buffer's edge).
@st.composite
def valid_requests(draw) -> bytes:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    rows = [
        f'{k},{draw(st.sampled_from(POOL))},"{draw(notes).replace(chr(34), chr(34) * 2)}"{newline}'
        for k in range(draw(st.integers(1, 40)))
    ]
    return (f"id,NHS_NUMBER,name{newline}" + "".join(rows)).encode()


@SETTINGS
@given(valid_requests(), st.sets(st.sampled_from(POOL), max_size=60), chunks)
@example(b'id,NHS_NUMBER,name\n1,9434765005,"a"\n2,9434765013,"b, c"\n3,9434765021,"d"\n', {"9434765013"}, 512)
def test_csv_scan_copies_the_runs_of_kept_rows_as_the_old_path(data, opted_out, chunk) -> None:
    assert_same(data, opted_out, chunk)
