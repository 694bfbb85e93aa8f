"""The engine's figures equal a plain reference that looks at every person at every date.

The engine reads each month's age bands from a histogram of the steady people and only looks at the
people with choices and those born or dying inside the window (ADR 74). The reference below is the
first engine (ADR 56): per month, masks over the whole population. Random registries, with births and
deaths on and around the reporting dates, superseded numbers and numbers held twice, must agree exactly.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from ndop.domain.statistics.engine import (
    _GENDER_INDEX,
    BANDS,
    GENDER_AXIS,
    ChoiceColumns,
    Engine,
    PatientColumns,
    chain_ends,
    countable,
)
from ndop.domain.statistics.rules import UNKNOWN_BAND, ReportingPeriod, start_of_day, ymd


def reference(patients: PatientColumns, choices: ChoiceColumns, day: date, include_test_range: bool) -> dict:
    superseded = patients.superseded_by != 0
    keep = countable(patients.key, include_test_range) & ~superseded
    order = np.argsort(patients.key[keep], kind="stable")
    key = patients.key[keep][order]
    dob, dod = patients.date_of_birth[keep][order], patients.date_of_death[keep][order]
    gender = _GENDER_INDEX[patients.gender[keep][order].astype(np.uint8)]
    practice, lsoa = patients.practice[keep][order], patients.lsoa[keep][order]
    ends = chain_ends(patients.key[superseded], patients.superseded_by[superseded], choices.key)
    at = np.minimum(np.searchsorted(key, ends), max(key.size - 1, 0))
    known = (key[at] == ends) if key.size else np.zeros(ends.size, dtype=np.bool_)
    opted = np.zeros(key.size, dtype=np.bool_)
    latest: dict[int, tuple[int, int, bool]] = {}
    for person, made, seq, out in zip(at[known].tolist(), choices.made_at[known].tolist(),
                                      choices.sequence[known].tolist(), choices.opted_out[known].tolist(), strict=True):
        if made < start_of_day(day) and (person not in latest or (made, seq) > latest[person][:2]):
            latest[person] = (made, seq, out)
    for person, (_, _, out) in latest.items():
        opted[person] = out
    d = ymd(day)
    born = dob <= d
    dead = (dod != 0) & (dod <= d)
    living = born & ~dead
    band = np.where(dob > 0, np.minimum((d - dob) // 100000, UNKNOWN_BAND - 1), UNKNOWN_BAND)
    group = band.astype(np.int64) * GENDER_AXIS + gender
    cells, practices, lsoas = BANDS * GENDER_AXIS, len(patients.practice_codes), len(patients.lsoa_codes)
    return {
        "list_size": np.bincount(group[living], minlength=cells).tolist(),
        "opt_out": np.bincount(group[living & opted], minlength=cells).tolist(),
        "deceased_opt_out": int((born & dead & opted).sum()),
        "practice_list_size": np.bincount(practice[living], minlength=practices).tolist(),
        "practice_opt_out": np.bincount(practice[living & opted], minlength=practices).tolist(),
        "practice_deceased_opt_out": np.bincount(practice[born & dead & opted], minlength=practices).tolist(),
        "lsoa_list_size": np.bincount(lsoa[living], minlength=lsoas).tolist(),
        "lsoa_opt_out": np.bincount(lsoa[living & opted], minlength=lsoas).tolist(),
    }


def _ymd(rng: np.random.Generator, size: int, first: int, last: int) -> npt.NDArray[np.int32]:
    days = rng.integers(np.datetime64(f"{first}-01-01").astype(int), np.datetime64(f"{last}-12-31").astype(int), size)
    text = np.datetime_as_string(days.astype("datetime64[D]"))
    return np.array([int(t.replace("-", "")) for t in text], dtype=np.int32)


def registry(seed: int, size: int) -> tuple[PatientColumns, ChoiceColumns]:
    rng = np.random.default_rng(seed)
    stems = rng.integers(100_000_000, 999_999_999, size * 2)
    keys = []
    for stem in stems.tolist():
        digits = [int(c) for c in str(stem)]
        check = 11 - sum(dg * w for dg, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        keys.append(stem * 10 + (0 if check == 11 else check if check != 10 else 1))  # some invalid on purpose
    key = np.array(keys[:size], dtype=np.int64)
    if size > 3:
        key[rng.integers(0, size)] = 4444444444
        key[rng.integers(0, size)] = key[rng.integers(0, size)]  # a number held twice
    # Births up to 110 years back and into the window; deaths on and around the reporting dates.
    dob = np.where(rng.random(size) < 0.05, 0, _ymd(rng, size, 1915, 2027)).astype(np.int32)
    month_firsts = np.array([ymd(date(2025 + (m // 12), m % 12 + 1, 1)) for m in range(24)], dtype=np.int32)
    dod = np.where(rng.random(size) < 0.3, _ymd(rng, size, 2024, 2027), 0).astype(np.int32)
    on_the_day = rng.random(size) < 0.1
    dod[on_the_day] = month_firsts[rng.integers(0, 24, int(on_the_day.sum()))]
    dob[rng.random(size) < 0.05] = month_firsts[rng.integers(0, 24)] - 900000  # turning 90 on a reporting date
    superseded = np.zeros(size, dtype=np.int64)
    if size > 1:
        old = rng.random(size) < 0.1
        superseded[old] = key[rng.integers(0, size, int(old.sum()))]
        superseded[old & (superseded == key)] = 0
    practices, lsoas = 4, 5
    patients = PatientColumns(key, dob, dod, rng.choice(np.array([0, 1, 2, 9], dtype=np.int8), size),
                              rng.integers(0, practices, size).astype(np.int32),
                              rng.integers(0, lsoas, size).astype(np.int32), superseded,
                              tuple(f"P{i}" for i in range(practices)), tuple(f"L{i}" for i in range(lsoas)))
    events = int(size * 1.5)
    made = rng.integers(int(np.datetime64("2024-06-01T00:00:00").astype(int)),
                        int(np.datetime64("2027-01-01T00:00:00").astype(int)), events)
    starts = np.array([start_of_day(date(2025 + (m // 12), m % 12 + 1, 1)) for m in range(24)])
    exact = rng.random(events) < 0.1
    made[exact] = starts[rng.integers(0, 24, int(exact.sum()))] - rng.integers(0, 2, int(exact.sum()))
    event_key = key[rng.integers(0, size, events)] if size else np.zeros(0, dtype=np.int64)
    event_key[rng.random(events) < 0.05] = 4857773457  # nobody's
    choices = ChoiceColumns(event_key, made, rng.permutation(events).astype(np.int64) + 1, rng.random(events) < 0.6)
    return patients, choices


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 400), months=st.integers(1, 14),
       include_test_range=st.booleans())
def test_engine_equals_the_reference_at_every_date(seed: int, size: int, months: int, include_test_range: bool) -> None:
    patients, choices = registry(seed, size)
    period = ReportingPeriod.parse("2026-06", months)
    figures = Engine(patients, choices, include_test_range=include_test_range).figures(period.dates)
    for month in figures.months:
        want = reference(patients, choices, month.ach_date, include_test_range)
        got = {name: (np.asarray(getattr(month, name)).reshape(-1).tolist() if name != "deceased_opt_out"
                      else month.deceased_opt_out) for name in want}
        assert got == want, month.ach_date
    assert figures.people == int((countable(patients.key, include_test_range) & (patients.superseded_by == 0)).sum())


def test_a_single_month_equals_the_same_month_of_a_window() -> None:
    patients, choices = registry(3, 300)
    engine = Engine(patients, choices)
    one = engine.month(date(2026, 3, 1))
    window = engine.figures(ReportingPeriod.parse("2026-06", 12).dates)
    same = next(m for m in window.months if m.ach_date == date(2026, 3, 1))
    assert one.list_size.tolist() == same.list_size.tolist() and one.opt_out.tolist() == same.opt_out.tolist()
    assert one.practice_list_size.tolist() == same.practice_list_size.tolist()
