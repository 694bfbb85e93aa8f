"""SQLite's split of a vouched-for patients.csv (ADR 98): one flat split a piece, regrouped by `zip`, gives the
rows the csv module reads, at the lines it gives them, whatever the line ends and wherever the pieces are cut.
And the read-ahead thread hands on every piece in order, raises what the reader raised, and stops early."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ndop.adapters.db.population import _read_ahead, _sqlite_pieces
from tests.unit.domain.population.test_files import GOOD_ROW
from tests.unit.services.population.test_patient_columns import by_csv_module, fast, file_of, wide_rows


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.just(GOOD_ROW), st.just(GOOD_ROW[:13]), wide_rows), min_size=1, max_size=12),
       st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans(), st.lists(st.integers(0, 12), max_size=4))
def test_sqlite_split_is_the_csv_module_at_its_lines(rows, end, bom, last_end, cuts) -> None:
    width = len(rows[0])
    rows = [r for r in rows if len(r) == width]  # one width a file, as the header says
    data = file_of(rows, end=end, bom=bom, last_end=last_end)
    if fast(data) is None:
        return  # not vouched for: SQLite never sees this file split this way
    lines = data.split(b"\n", 1)[1].splitlines(keepends=True)  # the data rows' bytes, cut only at line ends
    pieces = [b"".join(lines[a:b]) for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(lines)], strict=True)]
    read = by_csv_module(data)
    assert read is not None
    with_lines = [row for piece in _sqlite_pieces(pieces, width, 2) for row in piece]
    assert with_lines == [(line, *fields) for line, fields in read]
    without = [row for piece in _sqlite_pieces(pieces, width, None) for row in piece]
    assert without == [tuple(fields) for _, fields in read]


def test_a_piece_of_another_width_is_refused() -> None:
    with pytest.raises(ValueError, match="width"):
        list(_sqlite_pieces([b"a,b,c\nd,e\n"], 3, 2))


@given(st.lists(st.integers(), max_size=20), st.integers(1, 4))
def test_read_ahead_hands_on_every_item_in_order(items, depth) -> None:
    assert list(_read_ahead(iter(items), depth)) == items


def test_read_ahead_raises_the_readers_error_where_the_caller_reached_it() -> None:
    def reader():
        yield 1
        yield 2
        raise LookupError("the third piece")

    got = []
    with pytest.raises(LookupError, match="third"):
        for item in _read_ahead(reader()):
            got.append(item)
    assert got == [1, 2]


def test_read_ahead_stops_its_thread_when_the_caller_stops() -> None:
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    before = threading.active_count()
    for item in _read_ahead(endless(), 2):
        if item == 3:
            break  # the generator is closed here: its `finally` stops and joins the thread
    time.sleep(0.05)
    assert threading.active_count() == before
    assert len(produced) <= 3 + 2 + 2  # at most a few pieces read past where the caller stopped
