"""The fast path for patients.csv: the file parsed by pyarrow's CSV reader and checked column by column.

A national load is tens of millions of rows; parsing and checking them one row at a time in Python was
most of the import (ADR 91). This path accepts a file only when the row-by-row check would accept every row
*unchanged*: each value already in normal form (names trimmed, postcodes upper case with one space), no
quote character anywhere, one row a line, no blank lines, one kind of line end. Then the file's own bytes
are the staged rows, and the store copies them as they are (`PopulationStore.stage_patients_csv`).

At the first doubt (a row that fails or needs normalising, a quote, a blank line, bytes that are not
UTF-8) it stops with `NotFast`, and the caller reads the file again through the row-by-row path, which
gives the reasons and line numbers. So the fast path never decides that a file is bad; it only ever says
"this part is good exactly as it stands". Property tests hold it to the row-by-row check
(tests/unit/services/population/test_patient_columns.py).

The checks are the row-by-row check's own forms (`PATIENT_FIELD_FORMS`), matched by RE2 in pyarrow over the
whole batch with the fields joined by `\\x1f` (as the batch check does in Python); check digits and real
dates are numpy over the fixed-width bytes of the column.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from datetime import date
from typing import BinaryIO, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ndop.domain.common.nhs_number import valid_mask
from ndop.domain.population.files import (
    MAX_EMAIL,
    PATIENT_COLUMNS,
    PATIENT_COLUMNS_WITH_ADDRESS,
    PATIENT_FIELD_FORMS,
    header_problem,
    iso_dates,
)

# A piece of the file parsed and checked at once: large enough that pyarrow's per-call cost vanishes,
# small enough that memory stays flat (the COPY queue holds a few of them).
PIECE_BYTES: Final = 8 << 20
_EPOCH: Final = date(1970, 1, 1)
# Python's `\s` (and `str.strip`) is Unicode whitespace; RE2's is ASCII only. Spell Python's set out, so
# that the forms mean the same in both engines.
_PYTHON_SPACE: Final = "".join(f"\\x{{{c:x}}}" for c in range(0x110000) if chr(c).isspace())
_SEPARATOR: Final = "\x1f"


def _re2(form: str) -> str:
    return form.replace(r"\s", _PYTHON_SPACE)


_ROW_FORMS: Final = {
    width: "^" + r"\x1f".join(f"(?:{_re2(form)})" for form in PATIENT_FIELD_FORMS[:width]) + "$"
    for width in (len(PATIENT_COLUMNS), len(PATIENT_COLUMNS_WITH_ADDRESS))
}
_NHS, _BORN, _EMAIL, _DIED, _SUPERSEDED = (PATIENT_COLUMNS.index(c) for c in (
    "nhs_number", "date_of_birth", "email", "date_of_death", "superseded_by"))


class NotFast(Exception):  # a signal to take the row-by-row path, not an error anyone sees
    """The fast path cannot vouch for this file; read it row by row instead."""


def _fixed(values: pa.Array, width: int) -> npt.NDArray[np.uint8]:
    """The bytes of a string column whose every value is `width` bytes long, as an (n, width) array."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset: values.offset + len(values) + 1]
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    if len(data) != width * len(values):
        raise NotFast("a fixed-width column holds a value of another width")
    return data.reshape(len(values), width)


def columns_good(table: pa.Table, today: date) -> bool:
    """True when every row of `table` (string columns in patients.csv order) is valid and in normal form."""
    rows = table.num_rows
    if not rows:
        return True
    columns = [table.column(i).combine_chunks() for i in range(table.num_columns)]
    joined = pc.binary_join_element_wise(*columns, _SEPARATOR)
    if pc.sum(pc.match_substring_regex(joined, _ROW_FORMS[len(columns)])).as_py() != rows:
        return False
    today_days = (today - _EPOCH).days
    numbers = _fixed(columns[_NHS], 10)
    if not valid_mask(numbers).all():
        return False
    born_ok, born = iso_dates(_fixed(columns[_BORN], 10))
    if not born_ok.all() or (born > today_days).any():
        return False
    if pc.max(pc.utf8_length(columns[_EMAIL])).as_py() > MAX_EMAIL:
        return False
    died_given = pc.not_equal(columns[_DIED], "")
    if pc.any(died_given).as_py():
        mask = died_given.to_numpy(zero_copy_only=False)
        died_ok, died = iso_dates(_fixed(pc.filter(columns[_DIED], died_given), 10))
        if not died_ok.all() or (died < born[mask]).any() or (died > today_days).any():
            return False
    replaced = pc.not_equal(columns[_SUPERSEDED], "")
    if pc.any(replaced).as_py():
        mask = replaced.to_numpy(zero_copy_only=False)
        replacements = _fixed(pc.filter(columns[_SUPERSEDED], replaced), 10)
        if not valid_mask(replacements).all() or not (replacements != numbers[mask]).any(axis=1).all():
            return False
    return True


class FastPatients:
    """patients.csv read once in pieces of whole lines: `read_header()`, then `pieces()` yields the data rows'
    bytes, each piece only after every row in it passed `columns_good`. The sha256 and row count cover the
    whole file once `pieces()` is done."""

    def __init__(self, stream: BinaryIO, today: date, progress: Callable[[int], None] | None = None) -> None:
        self.digest = hashlib.sha256()
        self.rows = 0
        self.columns: tuple[str, ...] = PATIENT_COLUMNS
        self._stream = stream
        self._today = today
        self._progress = progress
        self._crlf = False
        self._buffer = b""

    def _read(self) -> bytes:
        data = self._stream.read(PIECE_BYTES)
        self.digest.update(data)
        if self._progress is not None and data:
            self._progress(len(data))
        return data

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()

    def read_header(self) -> tuple[str, ...]:
        """Read and check the header row; return the file's columns (with or without the address ones)."""
        buffer = self._read()
        end = buffer.find(b"\n")
        if end < 0:
            raise NotFast("no data rows")
        header_line, self._buffer = buffer[: end + 1], buffer[end + 1:]
        try:
            header = next(csv.reader([header_line.decode("utf-8-sig").rstrip("\r\n")], strict=True))
        except (UnicodeDecodeError, csv.Error, StopIteration):
            raise NotFast("the header row") from None
        if header_problem(header, PATIENT_COLUMNS) is not None:
            raise NotFast("the header row")
        self.columns = tuple(f.strip() for f in header)
        self._crlf = header_line.endswith(b"\r\n")
        return self.columns

    def pieces(self) -> Iterator[bytes]:
        buffer, self._buffer = self._buffer, b""
        options = (
            pa_csv.ReadOptions(column_names=list(self.columns), use_threads=False, block_size=PIECE_BYTES * 2),
            pa_csv.ParseOptions(quote_char=False, double_quote=False, newlines_in_values=False),
            pa_csv.ConvertOptions(column_types=dict.fromkeys(self.columns, pa.string()), strings_can_be_null=False,
                                  quoted_strings_can_be_null=False),
        )
        exhausted = False
        while True:
            while not exhausted and len(buffer) < PIECE_BYTES:
                more = self._read()
                exhausted = not more
                buffer += more
            if exhausted:
                piece, buffer = buffer, b""
            else:
                end = buffer.rfind(b"\n")
                if end < 0:  # a line longer than a piece is no row of this file
                    raise NotFast("a very long line")
                piece, buffer = buffer[: end + 1], buffer[end + 1:]
            if piece:
                self._check(piece, options)
                yield piece
            if exhausted:
                return

    def _check(self, piece: bytes, options: tuple[pa_csv.ReadOptions, pa_csv.ParseOptions,
                                                  pa_csv.ConvertOptions]) -> None:
        lines = piece.count(b"\n") + (not piece.endswith(b"\n"))
        returns = piece.count(b"\r")
        if b'"' in piece or returns != (lines if self._crlf else 0) or (self._crlf and not piece.endswith(b"\r\n")):
            raise NotFast("quotes or line ends")
        try:
            table = pa_csv.read_csv(pa.py_buffer(piece), *options)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            raise NotFast("not plain CSV or not UTF-8") from None
        # pyarrow skips blank lines: fewer rows than lines means the line numbers would not follow the rows.
        if table.num_rows != lines or not columns_good(table, self._today):
            raise NotFast("a row to read row by row")
        self.rows += lines
