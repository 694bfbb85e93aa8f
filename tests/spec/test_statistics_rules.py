"""The statistics counting rules as a table: one row per rule in issue 15's "What it must show".

Each row is a tiny registry (people and their choice events), a reporting date, and the figures
computed by hand that the publication's rows must show. ACH_DATE 1 October 2026 is in British Summer
Time, so the start of that day in England is 2026-09-30 23:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, getcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ndop.domain.common.nhs_number import complete
from ndop.domain.statistics.engine import ChoiceColumns, Engine, PatientColumns
from ndop.domain.statistics.publication import Publication
from ndop.domain.statistics.rules import ReportingPeriod, ymd

OCT = date(2026, 10, 1)
getcontext().prec = 40


def n(first_nine: str) -> int:
    found = complete(first_nine)
    assert found is not None
    return int(found.digits)


A, B, C = n("485777345"), n("450557710"), n("401023213")
TEST_RANGE = n("943476591")
REPEATED = 4444444444  # passes Modulus 11, like every repeated-digit number


@dataclass
class P:
    key: int
    born: date = date(1980, 5, 17)
    gender: int = 2
    practice: str = "A81001"
    lsoa: str = "E01000001"
    died: date | None = None
    superseded_by: int = 0


@dataclass
class E:
    key: int
    choice: str
    made_at: datetime


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def figures(people: list[P], events: list[E], ach: date, include_test_range: bool = False) -> Publication:
    practices = sorted({p.practice for p in people})
    lsoas = sorted({p.lsoa for p in people})
    patients = PatientColumns(
        key=np.array([p.key for p in people], dtype=np.int64),
        date_of_birth=np.array([ymd(p.born) for p in people], dtype=np.int32),
        date_of_death=np.array([ymd(p.died) if p.died else 0 for p in people], dtype=np.int32),
        gender=np.array([p.gender for p in people], dtype=np.int8),
        practice=np.array([practices.index(p.practice) for p in people], dtype=np.int32),
        lsoa=np.array([lsoas.index(p.lsoa) for p in people], dtype=np.int32),
        superseded_by=np.array([p.superseded_by for p in people], dtype=np.int64),
        practice_codes=tuple(practices),
        lsoa_codes=tuple(lsoas),
    )
    choices = ChoiceColumns(
        key=np.array([e.key for e in events], dtype=np.int64),
        made_at=np.array([int(e.made_at.timestamp()) for e in events], dtype=np.int64),
        sequence=np.arange(1, len(events) + 1, dtype=np.int64),  # listed in the order recorded
        opted_out=np.array([e.choice == "opted_out" for e in events], dtype=np.bool_),
    )
    period = ReportingPeriod.parse(f"{ach.year}-{ach.month:02d}", months=1)
    engine = Engine(patients, choices, include_test_range=include_test_range)
    return Publication(period, engine.figures(period.dates))


@dataclass
class Row:
    rule: str
    people: list[P]
    events: list[E]
    expect: dict[tuple[str, str], tuple[int, int | str]] = field(default_factory=dict)  # age_gen cell -> figures
    ach: date = OCT
    include_test_range: bool = False
    practices: dict[str, tuple[int, int]] = field(default_factory=dict)  # reg_geog GP_PRACTICE -> (opt, size)
    lsoas: dict[str, int] = field(default_factory=dict)  # res_geog LSOA_CODE -> opt


ALL = ("All", "All")
DEAD = ("All deceased", "All deceased")
OUT = "opted_out"
IN = "not_opted_out"

ROWS = [
    Row("opted out then back in: not counted after", [P(A)],
        [E(A, OUT, utc(2026, 3, 1)), E(A, IN, utc(2026, 6, 1))], {ALL: (0, 1)}),
    Row("opted out then back in: counted while opted out", [P(A)],
        [E(A, OUT, utc(2026, 3, 1)), E(A, IN, utc(2026, 6, 1))], {ALL: (1, 1)}, ach=date(2026, 5, 1)),
    Row("back-dated postal form does not override a later online opt-out", [P(A)],
        [E(A, OUT, utc(2026, 8, 1)), E(A, IN, utc(2026, 7, 1))], {ALL: (1, 1)}),
    Row("postal form signed before ACH_DATE, recorded after it, counts at ACH_DATE", [P(A)],
        [E(A, OUT, utc(2026, 9, 20))], {ALL: (1, 1)}),
    Row("died before ACH_DATE: deceased apart, not in the list", [P(A, died=date(2026, 9, 1))],
        [E(A, OUT, utc(2026, 1, 1))], {ALL: (0, 0), DEAD: (1, "")}),
    Row("died on ACH_DATE: deceased", [P(A, died=OCT)], [E(A, OUT, utc(2026, 1, 1))], {ALL: (0, 0), DEAD: (1, "")}),
    Row("died after ACH_DATE: living", [P(A, died=date(2026, 10, 2))],
        [E(A, OUT, utc(2026, 1, 1))], {ALL: (1, 1), DEAD: (0, "")}),
    Row("deceased and not opted out: in no figure", [P(A, died=date(2026, 9, 1))], [], {ALL: (0, 0), DEAD: (0, "")}),
    Row("born after ACH_DATE: not counted", [P(A, born=date(2026, 10, 2)), P(B)],
        [E(A, OUT, utc(2026, 10, 2))], {ALL: (0, 1)}),
    Row("born on ACH_DATE: counted, aged 0", [P(A, born=OCT)], [], {ALL: (0, 1), ("0-9", "Female"): (0, 1)}),
    Row("turned 90 on ACH_DATE: 90+", [P(A, born=date(1936, 10, 1), gender=1)], [E(A, OUT, utc(2020, 1, 1))],
        {("90+", "Male"): (1, 1), ("80-89", "Male"): (0, 0)}),
    Row("90 the day after ACH_DATE: 80-89", [P(A, born=date(1936, 10, 2), gender=1)], [E(A, OUT, utc(2020, 1, 1))],
        {("90+", "Male"): (0, 0), ("80-89", "Male"): (1, 1), ("80-89", "All"): (1, 1)}),
    Row("unknown gender (0 and 9): only in All by age band", [P(A, gender=0), P(B, gender=9)],
        [E(A, OUT, utc(2026, 1, 1))],
        {("All", "Unknown / Prefer not to say"): (1, 2), ("40-49", "All"): (1, 2), ("40-49", "Female"): (0, 0),
         ("All", "Female"): (0, 0), ALL: (1, 2)}),
    Row("no practice: Unallocated", [P(A, practice=""), P(B)], [E(A, OUT, utc(2026, 1, 1))], {ALL: (1, 2)},
        practices={"Unallocated": (1, 1), "A81001": (0, 1)}),
    Row("no LSOA: Unallocated", [P(A, lsoa=""), P(B)], [E(A, OUT, utc(2026, 1, 1))], {ALL: (1, 2)},
        lsoas={"Unallocated": 1, "E01000001": 0}),
    Row("superseded: counted once, its opt-out follows the replacement", [P(A, superseded_by=B), P(B)],
        [E(A, OUT, utc(2026, 1, 1))], {ALL: (1, 1)}),
    Row("superseded: the latest choice across the chain wins", [P(A, superseded_by=B), P(B, superseded_by=C), P(C)],
        [E(A, OUT, utc(2026, 1, 1)), E(C, IN, utc(2026, 2, 1)), E(B, OUT, utc(2026, 3, 1))], {ALL: (1, 1)}),
    Row("superseded: a later opt-in under the new number wins", [P(A, superseded_by=B), P(B)],
        [E(A, OUT, utc(2026, 1, 1)), E(B, IN, utc(2026, 2, 1))], {ALL: (0, 1)}),
    Row("repeated-digit number: not counted", [P(REPEATED), P(A)], [E(REPEATED, OUT, utc(2026, 1, 1))], {ALL: (0, 1)}),
    Row("test range: excluded by default", [P(TEST_RANGE), P(A)], [E(TEST_RANGE, OUT, utc(2026, 1, 1))],
        {ALL: (0, 1)}),
    Row("test range: counted with --include-test-range", [P(TEST_RANGE), P(A)],
        [E(TEST_RANGE, OUT, utc(2026, 1, 1))], {ALL: (1, 2)}, include_test_range=True),
    Row("choice made at the start of ACH_DATE in England: counts next month", [P(A)],
        [E(A, OUT, utc(2026, 9, 30, 23, 0))], {ALL: (0, 1)}),
    Row("choice made a minute before ACH_DATE in England: counts", [P(A)],
        [E(A, OUT, utc(2026, 9, 30, 22, 59))], {ALL: (1, 1)}),
    Row("choice for a number not in the patient index: not counted", [P(A)], [E(B, OUT, utc(2026, 1, 1))],
        {ALL: (0, 1)}),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.rule for r in ROWS])
def test_rule(row: Row) -> None:
    publication = figures(row.people, row.events, row.ach, row.include_test_range)
    cells = {(r[1], r[2]): (r[3], r[4]) for r in publication.age_gen_rows()}
    for where, expected in row.expect.items():
        assert cells[where] == expected, where
    practices = {r[1]: (r[13], r[14]) for r in publication.reg_geog_rows()}
    for code, expected_practice in row.practices.items():
        assert practices[code] == expected_practice, code
    lsoas = {r[1]: r[8] for r in publication.res_geog_rows()}
    for code, expected_lsoa in row.lsoas.items():
        assert lsoas[code] == expected_lsoa, code


def test_age_gen_shape_suppresses_unknown_gender_by_band() -> None:
    rows = figures([P(A)], [], OCT).age_gen_rows()
    assert len(rows) == 11 * 3 + 4 + 1
    assert not [r for r in rows if r[1] not in ("All", "All deceased") and r[2].startswith("Unknown")]
    assert rows[-1] == ("01/10/2026", "All deceased", "All deceased", 0, "", "")


def test_rate_rounds_half_up_to_two_places_and_is_empty_for_no_one() -> None:
    from ndop.domain.statistics.rules import format_rate

    assert format_rate(1, 8) == "12.50"
    assert format_rate(1, 3) == "33.33"
    assert format_rate(2, 3) == "66.67"
    assert format_rate(1, 80000) == "0.00"  # 0.00125 rounds down
    assert format_rate(1, 200) == "0.50" and format_rate(1, 400000) == "0.00"
    assert format_rate(0, 0) == ""


@settings(deadline=None)  # pure arithmetic: on the shared 2-core machine a stalled first call took 641 ms
@given(st.integers(0, 10**8), st.integers(1, 10**8))
def test_rate_equals_decimal_half_up(opt_out: int, list_size: int) -> None:
    from ndop.domain.statistics.rules import format_rate

    exact = (Decimal(100) * opt_out / Decimal(list_size)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert format_rate(opt_out, list_size) == f"{exact:.2f}"
