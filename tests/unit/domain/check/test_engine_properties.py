"""The engine against a plain-Python reference, for random registries and requests."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndop.domain.check.engine import check_stream
from ndop.domain.check.rejections import REJECTION_LINE, CheckFormat, RejectionCode
from ndop.domain.check.snapshot import BITMAP_BYTES, OptOutSnapshot, keys_of
from ndop.domain.common.nhs_number import complete, is_valid

# A small pool of valid numbers, so that requests and registries overlap often.
POOL = [n.digits for n in (complete(f"{i:09d}") for i in range(943476500, 943476600)) if n is not None]
INVALID = ["943476591", "94347659190", "943476591X", "9434765918", "", " 943476591", "9434765919 "]

_BITMAP = np.zeros(BITMAP_BYTES, np.uint8)


def snapshot_for(opted_out: set[str]) -> OptOutSnapshot:
    _BITMAP.flags.writeable = True
    _BITMAP[943476 * 125 : 943477 * 125] = 0  # the pool's keys all fall in here
    return OptOutSnapshot.build([keys_of(sorted(opted_out))], {}, version=1, links_version=0, bitmap=_BITMAP)


def reference_dat(rows: list[str], newline: str, final_newline: bool, opted_out: set[str]) -> bytes:
    """Build the expected response from the rows that make up the request."""
    lines = [f"{row},{newline}" for row in rows]
    if not final_newline:
        lines[-1] = lines[-1][: -len(newline)]
    return "".join(line for row, line in zip(rows, lines, strict=True) if row not in opted_out).encode()


def run(data: bytes, opted_out: set[str], chunk: int, fmt: CheckFormat | None = None, report=None):
    snapshot = snapshot_for(opted_out)
    sink = io.BytesIO()
    result = check_stream(io.BytesIO(data), sink, snapshot.bitmap, fmt=fmt, report=report, chunk_size=chunk)
    return result, sink.getvalue()


registries = st.sets(st.sampled_from(POOL), max_size=40)
dat_rows = st.lists(st.sampled_from(POOL), min_size=1, max_size=60)
chunks = st.sampled_from([64, 100, 4096])
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(registries, dat_rows, st.sampled_from(["\n", "\r\n"]), st.booleans(), chunks)
def test_dat_response_equals_reference_row_for_row(opted_out, rows, newline, final_newline, chunk) -> None:
    data = "".join(f"{row},{newline}" for row in rows)
    if not final_newline:
        data = data[: -len(newline)]
    result, response = run(data.encode(), opted_out, chunk)
    assert result.rejection is None
    assert result.format is CheckFormat.DAT
    assert response == reference_dat(rows, newline, final_newline, opted_out)
    removed = sum(row in opted_out for row in rows)
    assert (result.rows_in, result.rows_removed, result.rows_kept) == (len(rows), removed, len(rows) - removed)


@SETTINGS
@given(registries, dat_rows, st.sampled_from(INVALID), st.data(), chunks)
def test_dat_invalid_row_anywhere_rejects_the_whole_file(opted_out, rows, bad, data, chunk) -> None:
    at = data.draw(st.integers(0, len(rows)))
    request = [*rows[:at], bad, *rows[at:]]
    body = "".join(f"{row},\n" for row in request)
    report = io.StringIO()
    result, _ = run(body.encode(), opted_out, chunk, report=report)
    assert result.rejection is not None
    assert result.rejection.code is RejectionCode.INVALID_NHS_NUMBERS
    assert result.rejection.message == REJECTION_LINE
    assert result.rows_invalid == 1
    assert report.getvalue().splitlines()[1].startswith(f"{at + 1},")


@SETTINGS
@given(
    registries,
    st.lists(
        st.tuples(st.sampled_from(POOL), st.text(alphabet='ab ,"\n\r', max_size=6)),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    chunks,
)
def test_csv_rows_kept_or_dropped_whole_as_sent(opted_out, rows, newline, number_first, chunk) -> None:
    def line(fields: list[str]) -> str:
        # RFC 4180 quoting (csv.writer leaves a lone CR unquoted when the line ends in LF).
        quoted = ['"' + f.replace('"', '""') + '"' if any(c in f for c in ',"\r\n') else f for f in fields]
        return ",".join(quoted) + newline

    header = line(["NHS_Number", "note"] if number_first else ["note", "nhs_number"])
    raws = [line([n, note] if number_first else [note, n]) for n, note in rows]
    data = (header + "".join(raws)).encode()
    result, response = run(data, opted_out, chunk)
    assert result.rejection is None, result.rejection
    assert result.format is CheckFormat.CSV
    expected = header + "".join(raw for (n, _), raw in zip(rows, raws, strict=True) if n not in opted_out)
    assert response == expected.encode()


@SETTINGS
@given(registries, st.lists(st.sampled_from(POOL), min_size=1, max_size=30), st.sampled_from(INVALID), st.data())
def test_csv_invalid_number_anywhere_rejects_the_whole_file(opted_out, rows, bad, data) -> None:
    at = data.draw(st.integers(0, len(rows)))
    values = [*rows[:at], bad, *rows[at:]]
    body = "nhs_number,x\n" + "".join(f"{v},1\n" for v in values)
    report = io.StringIO()
    result, _ = run(body.encode(), opted_out, 4096, report=report)
    assert result.rejection is not None and result.rejection.code is RejectionCode.INVALID_NHS_NUMBERS
    assert report.getvalue().splitlines()[1].startswith(f"{at + 2},")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", RejectionCode.EMPTY),
        (b"\xef\xbb\xbf9434765919,\n", RejectionCode.BOM),
        (b"9434765919,\n\x00\x01\x02\x03\xff\xfe\n", RejectionCode.NOT_TEXT),
        (b"9434765919,\n" + b"7" * (1 << 20) + b"\n", RejectionCode.LINE_TOO_LONG),
        (b"9434765919,\n\n", RejectionCode.INVALID_NHS_NUMBERS),
        (b"9434765919,\n94347", RejectionCode.INVALID_NHS_NUMBERS),
        (b'nhs_number,name\n9434765919,"Smith\n', RejectionCode.TRUNCATED),
        (b"nhs_number,name\n", RejectionCode.EMPTY),
        (b"nhs_number,name\n9434765919,\xff\xfe\n", RejectionCode.NOT_TEXT),
    ],
)
def test_engine_bad_files_get_a_clear_rejection(data, code) -> None:
    result, _ = run(data, set(), 8 * 1024 * 1024)
    assert result.rejection is not None
    assert result.rejection.code is code


def test_engine_forced_csv_without_header_is_bad_header() -> None:
    result, _ = run(b"9434765919,\n", set(), 4096, fmt=CheckFormat.CSV)
    assert result.rejection is not None and result.rejection.code is RejectionCode.BAD_HEADER


def test_engine_request_hash_covers_every_byte_across_chunks() -> None:
    import hashlib

    data = "".join(f"{n},\r\n" for n in POOL * 20).encode()
    result, response = run(data, set(POOL[:3]), 64)
    assert result.request_sha256 == hashlib.sha256(data).hexdigest()
    assert result.response_sha256 == hashlib.sha256(response).hexdigest()
    assert result.bytes_in == len(data)


def test_engine_dat_without_comma_is_accepted() -> None:
    result, response = run(b"9434765919\n9434765870\n", {"9434765919"}, 4096)
    assert result.rejection is None
    assert response == b"9434765870\n"


def test_pool_is_valid() -> None:
    assert all(is_valid(n) for n in POOL)
    assert not any(is_valid(n) for n in INVALID)
