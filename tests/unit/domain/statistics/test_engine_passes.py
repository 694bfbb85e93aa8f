"""The engine's faster passes (ADR 93) give exactly what the plain numpy they replace gives: the events'
order (np.lexsort), the search of many numbers (np.searchsorted), and the passes in chunks on threads
(the whole engine against the reference, in chunks of 64 people on two threads)."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ndop.domain.statistics import engine
from ndop.domain.statistics.engine import _searched, event_order
from ndop.domain.statistics.rules import ReportingPeriod
from tests.unit.domain.statistics.test_engine_against_reference import reference, registry


@given(st.integers(0, 2**32 - 1), st.integers(0, 3000), st.sampled_from([3, 50, 10**6, 2**40, 2**61]))
def test_the_events_order_is_lexsorts(seed: int, size: int, spread: int) -> None:
    rng = np.random.default_rng(seed)
    person = rng.integers(0, max(size // 3, 1), size)
    made_at = rng.integers(-spread, spread, size)  # ties, negative times, and spans that would overflow a packed key
    sequence = rng.integers(0, 5, size) if seed % 2 else rng.permutation(size)  # ties in all three keys too
    assert event_order(person, made_at, sequence).tolist() == np.lexsort((sequence, made_at, person)).tolist()


@given(st.integers(0, 2**32 - 1), st.integers(0, 5000), st.integers(1, 4000),
       st.sampled_from([10**4, 10**10, 2**50]))
def test_a_search_of_many_numbers_is_searchsorteds(seed: int, wanted: int, numbers: int, high: int) -> None:
    rng = np.random.default_rng(seed)
    sorted_numbers = np.unique(rng.integers(0, high, numbers))
    queries = np.concatenate([rng.choice(sorted_numbers, wanted // 2), rng.integers(0, high, wanted - wanted // 2)])
    assert _searched(sorted_numbers, queries).tolist() == np.searchsorted(sorted_numbers, queries).tolist()


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 1200), months=st.integers(1, 13))
def test_the_engine_in_small_chunks_on_threads_equals_the_reference(seed: int, size: int, months: int) -> None:
    patients, choices = registry(seed, size)
    period = ReportingPeriod.parse("2026-06", months)
    with patch.object(engine, "CHUNK", 64), patch.object(engine, "_THREADS", 2):
        figures = engine.Engine(patients, choices, include_test_range=True).figures(period.dates)
    for month in figures.months:
        want = reference(patients, choices, month.ach_date, True)
        got = {name: (np.asarray(getattr(month, name)).reshape(-1).tolist() if name != "deceased_opt_out"
                      else month.deceased_opt_out) for name in want}
        assert got == want, month.ach_date
