"""`remove_opted_out` and `flag_opted_out`: the snapshot applied to Arrow batches on the executors."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ndop.domain.check.export import valid_numbers
from ndop.domain.check.rejections import REJECTION_LINE
from ndop.spark.kernel import INVALID, KEPT, OPTED_OUT, KeyBits, bools, key_bits, verdict_udf, verdicts
from ndop.spark.snapshot import Snapshot

if TYPE_CHECKING:
    from pyspark.core.broadcast import Broadcast
    from pyspark.sql import Column, DataFrame

Invalid = Literal["reject", "drop", "flag"]
_TEN_DIGITS = "^[0-9]{10}$"


class InvalidNhsNumbers(ValueError):
    """The input has invalid NHS numbers and `invalid="reject"`: nothing is returned."""

    def __init__(self, count: int, column: str) -> None:
        self.count = count
        super().__init__(
            f"{REJECTION_LINE} {count:,} row{'s' if count != 1 else ''} in column {column!r} "
            "(empty, not 10 digits, or a wrong check digit). Correct them, or choose invalid='drop' or 'flag'."
        )


def numbers(column: pa.Array | pa.ChunkedArray) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """(the numbers as integers, which of them are valid NHS numbers) for a text or integer column.

    The vectorised pyarrow/numpy route, kept as the reference the compiled kernel is tested against."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    if pa.types.is_integer(kind):
        present = column.is_valid().to_numpy(zero_copy_only=False)
        values = pc.fill_null(column, 0).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        digits = pc.fill_null(pc.match_substring_regex(column, _TEN_DIGITS), False)
        present = digits.to_numpy(zero_copy_only=False)
        values = pc.cast(pc.if_else(digits, column, "0000000000"), pa.int64()).to_numpy(zero_copy_only=False)
    else:
        raise TypeError(f"An NHS number column must be text or whole numbers, not {kind}.")
    return values, present & valid_numbers(values)


def _verdict(batch: pa.RecordBatch, name: str, keys: Broadcast[npt.NDArray[np.uint32]], token: str
             ) -> tuple[npt.NDArray[np.uint8], int, int]:
    """(KEPT, OPTED_OUT or INVALID for each row of the batch, invalid count, opted-out count)."""
    return verdicts(batch.column(name), key_bits(keys, token))


def broadcast_keys(df: DataFrame, snapshot: Snapshot, gp_data: bool
                   ) -> tuple[Broadcast[npt.NDArray[np.uint32]], str]:
    """The snapshot's keys broadcast once, and the token that names their bitmap on each machine."""
    return df.sparkSession.sparkContext.broadcast(snapshot.keys_for(gp_data)), uuid.uuid4().hex


_VERDICT = "__ndop_verdict"


def _arrow_udf() -> Any:
    """pyspark's `arrow_udf` (4.1 and later), or None."""
    from pyspark.sql import functions as F  # noqa: N812

    return getattr(F, "arrow_udf", None)


def _verdict_column(keys: Broadcast[npt.NDArray[np.uint32]], token: str, column: str) -> Column:
    """KEPT, OPTED_OUT or INVALID for each row, from an Arrow UDF (`kernel.verdict_udf`): the other columns
    stay in the JVM."""
    from pyspark.sql import functions as F  # noqa: N812
    from pyspark.sql.types import ByteType

    udf = _arrow_udf()(verdict_udf(keys, token), ByteType())
    return udf(F.col(column))  # type: ignore[no-any-return, unused-ignore]  # typed only where pyspark is installed


def _check(df: DataFrame, column: str) -> None:
    if column not in df.columns:
        raise ValueError(f"The DataFrame has no column {column!r}; its columns are {', '.join(df.columns)}.")


def count_invalid(df: DataFrame, column: str = "nhs_number") -> int:
    """How many rows have an invalid NHS number (reads only that column)."""
    from pyspark.sql.types import LongType, StructField, StructType

    _check(df, column)

    def counts(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        total = 0
        no_keys = KeyBits.of(np.zeros(0, np.uint32))
        for batch in batches:
            total += verdicts(batch.column(0), no_keys)[1]
        yield pa.RecordBatch.from_pydict({"invalid": [total]})

    schema = StructType([StructField("invalid", LongType(), False)])
    rows = df.select(column).mapInArrow(counts, schema).groupBy().sum("invalid").collect()
    return int(rows[0][0] or 0)


def remove_opted_out(
    df: DataFrame,
    snapshot: Snapshot,
    column: str = "nhs_number",
    gp_data: bool = False,
    invalid: Invalid = "reject",
) -> DataFrame:
    """The rows that may be used: people with a national data opt-out removed (and, for GP data, people
    with a Type 1 objection). With `invalid="flag"` invalid rows stay, marked in `<column>_invalid`."""
    if invalid not in ("reject", "drop", "flag"):
        raise ValueError("invalid must be 'reject', 'drop' or 'flag'")
    _check(df, column)
    if invalid == "reject":
        bad = count_invalid(df, column)
        if bad:
            raise InvalidNhsNumbers(bad, column)
    keys, token = broadcast_keys(df, snapshot, gp_data)
    flag_name = f"{column}_invalid"
    if _arrow_udf() is None:
        return _remove_in_batches(df, keys, token, column, invalid, flag_name)
    from pyspark.sql import functions as F  # noqa: N812 - the name every Spark user writes

    if invalid != "flag":
        return df.filter(_verdict_column(keys, token, column) == KEPT)
    verdict = F.col(_VERDICT)
    return (df.withColumn(_VERDICT, _verdict_column(keys, token, column)).filter(verdict != OPTED_OUT)
            .withColumn(flag_name, verdict == INVALID).drop(_VERDICT))


def _remove_in_batches(df: DataFrame, keys: Broadcast[npt.NDArray[np.uint32]], token: str, column: str,
                       invalid: Invalid, flag_name: str) -> DataFrame:
    """The same with mapInArrow (pyspark 4.0, which has no Arrow UDF): every column crosses to Python."""
    from pyspark.sql.types import BooleanType, StructField, StructType

    schema = df.schema
    if invalid == "flag":
        schema = StructType([*schema.fields, StructField(flag_name, BooleanType(), False)])

    def keep(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            verdict, _, _ = _verdict(batch, column, keys, token)
            if invalid == "flag":
                batch = batch.append_column(flag_name, bools(verdict == INVALID))
                yield batch.filter(bools(verdict != OPTED_OUT))
            else:
                yield batch.filter(bools(verdict == KEPT))

    return df.mapInArrow(keep, schema)


def flag_opted_out(
    df: DataFrame,
    snapshot: Snapshot,
    column: str = "nhs_number",
    as_column: str = "opted_out",
    gp_data: bool = False,
) -> DataFrame:
    """Every row, with `as_column` True where the person's data may not be used, False where it may, and
    null where the NHS number is invalid (the check service would refuse it)."""
    from pyspark.sql.types import BooleanType, StructField, StructType

    _check(df, column)
    if as_column in df.columns:
        raise ValueError(f"The DataFrame already has a column {as_column!r}: choose another as_column.")
    keys, token = broadcast_keys(df, snapshot, gp_data)
    if _arrow_udf() is not None:
        from pyspark.sql import functions as F  # noqa: N812

        verdict = F.col(_VERDICT)
        return (df.withColumn(_VERDICT, _verdict_column(keys, token, column))
                .withColumn(as_column, F.when(verdict == INVALID, F.lit(None)).otherwise(verdict == OPTED_OUT))
                .drop(_VERDICT))
    schema = StructType([*df.schema.fields, StructField(as_column, BooleanType(), True)])

    def flag(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            verdict, _, _ = _verdict(batch, column, keys, token)
            yield batch.append_column(as_column, bools(verdict == OPTED_OUT, null=verdict == INVALID))

    return df.mapInArrow(flag, schema)
