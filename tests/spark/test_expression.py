"""The verdict as Spark SQL (ndop.spark.expression) gives the compiled kernel's verdict for any text or number."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

pytest.importorskip("pyspark", reason="the spark extra is not installed: make test-spark installs it")
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.peers.spark_sql import bitmap_frame, verdict, with_bitmap
from ndop.spark.kernel import KeyBits, verdicts
from tests.synthetic import valid_numbers

pytestmark = pytest.mark.spark

PEOPLE = valid_numbers(300, seed=23)
KEYS = np.unique((PEOPLE[::2] // 10).astype(np.uint32))  # every other person opted out
NASTY = ["+943476591", " 943476591", "943476591 ", "-943476591", "94347659.1", "1e9", "", "94347659190", "٩٤٣٤٧٦٥٩١٩",
         "0x12345678", "000000000\n", "0000000000", "9999999999", "4010232137"]


def sql_verdicts(spark, values: list, kind: str, keys: np.ndarray) -> list[int]:
    from pyspark.sql import functions as F  # noqa: N812

    bitmap, low, span = bitmap_frame(spark, keys)
    df = spark.createDataFrame([(v,) for v in values], f"n {kind}")
    return [r.v for r in with_bitmap(df, bitmap).select(verdict(F.col("n"), kind == "string", low, span).alias("v"))
            .collect()]


texts = st.one_of(
    st.sampled_from([f"{n:010d}" for n in PEOPLE]),
    st.sampled_from(NASTY),
    st.text(alphabet="0123456789 +-.e", min_size=8, max_size=11),
    st.integers(0, 9_999_999_999).map(lambda n: f"{n:010d}"),
    st.none(),
)


@settings(max_examples=10, deadline=None)
@given(values=st.lists(texts, min_size=1, max_size=200))
def test_text_verdicts_are_the_kernels(spark, values) -> None:
    expected = verdicts(pa.array(values, pa.string()), KeyBits.of(KEYS))[0].tolist()
    assert sql_verdicts(spark, values, "string", KEYS) == expected


numbers = st.one_of(st.sampled_from([int(n) for n in PEOPLE]), st.integers(-10, 10**11), st.none(),
                    st.sampled_from([0, 9_999_999_999, 10_000_000_000, -1, 4010232137]))


@settings(max_examples=10, deadline=None)
@given(values=st.lists(numbers, min_size=1, max_size=200))
def test_integer_verdicts_are_the_kernels(spark, values) -> None:
    expected = verdicts(pa.array(values, pa.int64()), KeyBits.of(KEYS))[0].tolist()
    assert sql_verdicts(spark, values, "bigint", KEYS) == expected


def test_no_keys_opts_nobody_out_and_keys_at_the_range_ends_are_found(spark) -> None:
    ends = [f"{n:010d}" for n in (PEOPLE.min(), PEOPLE.max())]
    assert sql_verdicts(spark, ends, "string", np.zeros(0, np.uint32)) == [0, 0]
    keys = np.array(sorted(int(n) // 10 for n in (PEOPLE.min(), PEOPLE.max())), np.uint32)
    assert sql_verdicts(spark, ends, "string", keys) == [1, 1]
