"""The JVM-side variant in bench/spark.py: the verdict as built-in Spark SQL, no Python worker, no join.

The snapshot's range bitmap (`KeyBits`, 12 MB for the synthetic 9xx range, at most 125 MB) travels as one row
with one column, an array of 64-bit words, broadcast to every executor and attached to each row by a
broadcast nested-loop join with that single row (no hash table is built, nothing is shuffled). Each row's
verdict is then arithmetic Spark compiles with the rest of the query (whole-stage code generation):

The peer (a broadcast anti-join) uses `valid` from here, so that both apply the same, fastest plain-SQL
validity rule. Measured against ndop's Arrow UDF in docs/benchmarks/spark.md (ADR 84).

- text numbers: exactly ten digits — `lpad(try_cast(n as bigint), 10, '0')` gives back the same text only for
  ten digits (no sign, no spaces, no decimal point); integer numbers: 0 to 9,999,999,999 (leading zeros);
- the Modulus 11 check digit from the digits of that integer (a remainder giving 10 never matches a digit);
- the key (the first nine digits) looked up as bit `key - low` of word `(key - low) >> 6`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ndop.spark.kernel import INVALID, KEPT, OPTED_OUT, KeyBits

if TYPE_CHECKING:
    import numpy.typing as npt
    from pyspark.sql import Column, DataFrame, SparkSession

WORDS = "__ndop_words"


def bitmap_frame(spark: SparkSession, sorted_keys: npt.NDArray[np.uint32]) -> tuple[DataFrame, int, int]:
    """(a one-row DataFrame holding the bitmap as 64-bit words, the lowest key, how many bits it spans)."""
    bits = KeyBits.of(sorted_keys)
    padded = np.zeros(-(-len(bits.bits) // 8) * 8, np.uint8)
    padded[: len(bits.bits)] = bits.bits
    words = padded.view("<i8")  # bit b of the byte array is bit (b & 63) of word b >> 6 (little-endian)
    table = pa.table({WORDS: pa.array([words], pa.list_(pa.int64()))})
    return spark.createDataFrame(table), bits.low, (len(bits.bits) - 1) * 8


def _as_integer(column: Column, is_text: bool) -> Column:
    """The number as a bigint where it has the form of ten digits, else null."""
    from pyspark.sql import functions as F  # noqa: N812 - the name every Spark user writes

    if not is_text:
        return F.when((column >= 0) & (column <= 9_999_999_999), column.cast("bigint"))
    value = column.try_cast("bigint")
    return F.when(F.lpad(value.cast("string"), 10, "0") == column, value)


def valid(column: Column, is_text: bool) -> tuple[Column, Column]:
    """(whether each row is a valid NHS number, its key: the first nine digits as a bigint)."""
    n = _as_integer(column, is_text)
    # Spark SQL's `/` divides as doubles: for numbers below 10**10 the truncated quotient is exact (the gap
    # to the next whole number, at least 10**-9 of it, is far above a double's rounding).
    key = (n / 10).cast("bigint")
    total = sum(((key / 10**p).cast("bigint") % 10) * (p + 2) for p in range(9))  # weights 2 (9th) to 10 (1st)
    return n.isNotNull() & ((11 - total % 11) % 11 == n % 10), key


def verdict(column: Column, is_text: bool, low: int, span: int) -> Column:
    """KEPT, OPTED_OUT or INVALID (as a tinyint) for each row; needs the `WORDS` column of `bitmap_frame`."""
    from pyspark.sql import functions as F  # noqa: N812

    is_valid, key = valid(column, is_text)
    b = key - F.lit(low)
    word = F.get(F.col(WORDS), F.shiftright(b, 6).cast("int"))  # null outside the array
    bit = F.call_function("shiftright", word, b.bitwiseAND(63).cast("int"))  # F.shiftright takes a constant
    hit = (b >= 0) & (b < span) & (bit.bitwiseAND(1) == 1)
    return (F.when(~F.coalesce(is_valid, F.lit(False)), F.lit(INVALID))
            .when(hit, F.lit(OPTED_OUT)).otherwise(F.lit(KEPT)).cast("tinyint"))


def with_bitmap(df: DataFrame, bitmap: DataFrame) -> DataFrame:
    """Every row of df with the bitmap's one column: a broadcast nested-loop join with its single row."""
    from pyspark.sql import functions as F  # noqa: N812

    return df.crossJoin(F.broadcast(bitmap))
