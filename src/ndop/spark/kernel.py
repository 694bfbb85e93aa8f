"""The executors' inner loop: a verdict a row for an Arrow column of NHS numbers, in numpy alone.

For text it reads the number straight from the Arrow buffers (the offsets and the UTF-8 data: ten bytes,
each a digit, read eight and two at a time by `ten_digits`), for integers the values; it checks the
Modulus 11 digit (`modulus11_valid`: two table look-ups) and looks the key (the first nine digits) up in the
snapshot. It writes one verdict a row (`KEPT`, `OPTED_OUT`, `INVALID`) and returns the counts, so
`invalid="reject"` needs no second pass.

Why no numba here (ADR 89): loading numba and LLVM, and the compiled functions from its cache, was about
190 MB of each Python worker's 270 MB, and Spark starts a worker a core. Over Arrow batches of thousands of
rows the numpy passes cost about as much CPU as the compiled loop (docs/benchmarks/spark.md).

The look-up is a bitmap over the range the snapshot's keys span (bit `key - low`), built from the broadcast
sorted keys: for the synthetic 9xx range 12 MB, for the whole nine-digit space at most 125 MB. A bucketed
sorted array was tried first (ADR 79): its buckets crowded where issued numbers crowd. One copy a machine
(ADR 97): the first Python worker to need it writes it to a file among the executor's files and every worker
maps that file, so the page cache holds it once whatever the number of cores; the workers that find the file
never load the broadcast keys at all.

This module is all a Python worker imports of ndop (the UDFs are defined here, and `ndop.spark` loads the
rest lazily): not `pyarrow.compute`, not the snapshot's signature check (`cryptography`).
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ndop.domain.common.nhs_number_arrays import modulus11_valid, ten_digit_numbers

if TYPE_CHECKING:
    from pyspark.core.broadcast import Broadcast

KEPT: Final = 0
OPTED_OUT: Final = 1
INVALID: Final = 2


@dataclass(frozen=True, eq=False)
class KeyBits:
    """The snapshot's keys as one bit each over the range they span: bit `key - low` of the bitmap."""

    low: int
    bits: npt.NDArray[np.uint8]

    @classmethod
    def of(cls, sorted_keys: npt.NDArray[np.uint32]) -> KeyBits:
        if len(sorted_keys) == 0:
            return cls(0, np.zeros(1, np.uint8))
        low = int(sorted_keys[0])
        b = sorted_keys.astype(np.int64) - low
        # One spare zero byte at the end: the bit that keys outside the range are tested against.
        bits = np.zeros(int(b[-1]) // 8 + 2, np.uint8)
        # The keys are sorted, so the bits of one byte are adjacent: one OR-reduction a byte. Temporaries of
        # the keys' size, never of the range's (a bool a bit would be 95 MB for the 9xx range).
        byte = b >> 3
        first = np.flatnonzero(np.r_[True, byte[1:] != byte[:-1]])
        bits[byte[first]] = np.bitwise_or.reduceat(np.left_shift(1, b & 7).astype(np.uint8), first)
        return cls(low, bits)

    def save(self, path: Path) -> None:
        """Written whole under another name, then renamed: a worker that maps `path` never sees half of it."""
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        with open(partial, "wb") as f:
            f.write(np.int64(self.low).tobytes())
            f.write(self.bits.tobytes())
        os.replace(partial, path)

    @classmethod
    def mapped(cls, path: Path) -> KeyBits:
        """The bitmap of a file written by `save`, mapped read-only: its pages are shared by every process."""
        with open(path, "rb") as f:
            view = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        return cls(int(np.frombuffer(view, np.int64, 1)[0]), np.frombuffer(view, np.uint8, offset=8))

    def contains(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
        """1 where a key is in the snapshot, else 0 (any int64: outside the range tests the spare zero bit)."""
        zero_bit = np.uint64((self.bits.shape[0] - 1) * 8)
        # Below the range wraps around to above it as unsigned: one minimum takes both ends to the zero bit.
        b = np.minimum((keys - self.low).view(np.uint64), zero_bit)
        hit: npt.NDArray[np.uint8] = (self.bits[b >> 3] >> (b & 7).astype(np.uint8)) & np.uint8(1)
        return hit


# The worker's one structure: (the snapshot's token, its bitmap). A worker applies one snapshot at a time.
_BITS: list[tuple[str, KeyBits]] = []


def key_bits(keys: Broadcast[npt.NDArray[np.uint32]], token: str) -> KeyBits:
    """The bitmap of a broadcast's sorted keys, one copy a machine (see the module's docstring); `token` names
    the broadcast (unique per call that broadcast it). Outside a Spark worker it is built in memory."""
    if _BITS and _BITS[0][0] == token:
        return _BITS[0][1]
    from pyspark import SparkFiles, TaskContext

    try:
        import fcntl
    except ImportError:  # not a POSIX executor: no file lock, so each worker keeps its own bitmap
        fcntl = None  # type: ignore[assignment]
    if TaskContext.get() is None or fcntl is None:  # not in a task (a test calling the UDF on the driver)
        bits = KeyBits.of(keys.value)
    else:
        directory = Path(SparkFiles.getRootDirectory())
        path = directory / f"ndop-keys-{token}.bits"
        with open(directory / "ndop-keys.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # workers starting together: one builds, the others wait, then map
            if not path.exists():
                KeyBits.of(keys.value).save(path)
            bits = KeyBits.mapped(path)
            if _BITS:  # the previous snapshot's file: a worker that maps it keeps its pages, one that needs it
                (directory / f"ndop-keys-{_BITS[0][0]}.bits").unlink(missing_ok=True)  # again rebuilds it
    _BITS[:] = [(token, bits)]
    return bits


def verdict_udf(keys: Broadcast[npt.NDArray[np.uint32]], token: str) -> Any:
    """The function of ndop's Arrow UDF: only the number column crosses to Python (as pyarrow arrays, no
    pandas), one byte a row comes back. Defined here so that a worker unpickling it imports this module only."""

    def verdict(values: pa.Array) -> pa.Array:
        return int8s(verdicts(values, key_bits(keys, token))[0])

    return verdict


# Arrow arrays made from their buffers: `pa.array(numpy_array)` first asks whether the value is a pandas
# object, which imports pandas (about 50 MB) into every Python worker that would otherwise never load it.
def int8s(values: npt.NDArray[np.uint8]) -> pa.Array:
    """The verdicts as an Arrow int8 array (no copy)."""
    return pa.Array.from_buffers(pa.int8(), len(values), [None, pa.py_buffer(values)])


def bools(values: npt.NDArray[np.bool_], null: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """An Arrow boolean array, null where `null` is True."""
    validity = None if null is None else pa.py_buffer(np.packbits(~null, bitorder="little"))
    data = pa.py_buffer(np.packbits(values, bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(values), [validity, data])


def _present(column: pa.Array) -> npt.NDArray[np.bool_] | None:
    """Which rows are not null, or None when none is."""
    return None if column.null_count == 0 else column.is_valid().to_numpy(zero_copy_only=False)


def _text_numbers(column: pa.Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """(the values as integers, which are valid NHS numbers) for a text column."""
    n = len(column)
    _, offsets_buffer, data_buffer = column.buffers()
    wide = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, wide)[column.offset:column.offset + n + 1]
    data = np.frombuffer(data_buffer, np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    ten = np.diff(offsets) == 10
    present = _present(column)
    if present is not None:
        ten &= present
    if ten.all():  # the usual case: every value ten bytes, side by side in the data buffer
        return ten_digit_numbers(data[offsets[0]:offsets[-1]], n)
    values = np.zeros(n, np.int64)
    digits = np.zeros(n, np.bool_)
    starts = np.asarray(offsets[:-1][ten], dtype=np.int64)
    values[ten], digits[ten] = ten_digit_numbers(data[starts[:, None] + np.arange(10)].reshape(-1), int(starts.size))
    return values, digits


def _integer_numbers(column: pa.Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """(the values as int64, which are valid NHS numbers) for an integer column (`434765919` is `0434765919`)."""
    n = len(column)
    raw = np.frombuffer(column.buffers()[1], column.type.to_pandas_dtype())[column.offset:column.offset + n]
    if raw.dtype == np.uint64:  # above int64's range is never a number: clip before the cast wraps it
        raw = np.minimum(raw, np.uint64(10_000_000_000))
    values = raw.astype(np.int64)
    valid = modulus11_valid(values)
    present = _present(column)
    return values, (valid if present is None else valid & present)


def verdicts(column: pa.Array | pa.ChunkedArray, keys: KeyBits) -> tuple[npt.NDArray[np.uint8], int, int]:
    """(a verdict a row, invalid count, opted-out count) for a text or integer column of NHS numbers."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    n = len(column)
    if n == 0:
        return np.empty(0, np.uint8), 0, 0
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values, valid = _text_numbers(column)
    elif pa.types.is_integer(kind):
        values, valid = _integer_numbers(column)
    else:
        raise TypeError(f"An NHS number column must be text or whole numbers, not {kind}.")
    out = np.where(valid, keys.contains(values // 10), np.uint8(INVALID))
    invalid = n - int(np.count_nonzero(valid))
    return out, invalid, int(np.count_nonzero(out == OPTED_OUT))
