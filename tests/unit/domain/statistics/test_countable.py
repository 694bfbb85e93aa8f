"""The engine's vectorised rule for the numbers the publication counts (check digit from two look-up
tables, ADR 86) agrees with the registry's own NHS number validation, number by number."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ndop.domain.common.nhs_number import is_valid
from ndop.domain.statistics.engine import countable
from ndop.domain.statistics.rules import TEST_RANGE_START


def _counted(key: int, include_test_range: bool) -> bool:
    return (0 < key < 10_000_000_000 and is_valid(f"{key:010d}") and key % 1_111_111_111 != 0
            and (include_test_range or key < TEST_RANGE_START))


_keys = st.integers(min_value=-5, max_value=10_000_000_005) | st.sampled_from(
    [0, 1_111_111_111, 9_999_999_999, 4_010_232_137, 9_434_765_919, 9_434_765_870, 10_000_000_000])


@settings(deadline=None)
@given(st.lists(_keys, max_size=60), st.booleans())
def test_countable_is_the_registry_validation_without_repeated_digits(keys: list[int], include: bool) -> None:
    got = countable(np.asarray(keys, dtype=np.int64), include).tolist()
    assert got == [_counted(k, include) for k in keys]


def test_countable_over_many_numbers_agrees_with_validation() -> None:
    keys = np.random.default_rng(11).integers(0, 10_000_000_000, 20_000)
    assert countable(keys, True).tolist() == [_counted(int(k), True) for k in keys]
