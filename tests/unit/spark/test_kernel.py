"""The executors' verdicts (numpy, no Spark needed) are the scalar rule and a set look-up, for any column."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.common.nhs_number import invalid_reason
from ndop.spark.kernel import INVALID, KEPT, OPTED_OUT, KeyBits, bools, int8s, verdicts
from tests.synthetic import valid_numbers

NUMBERS = [int(n) for n in valid_numbers(30, seed=3)]
KEYS = np.array(sorted({n // 10 for n in NUMBERS[:15]}), np.uint32)
_TEXT = st.one_of(
    st.sampled_from([f"{n:010d}" for n in NUMBERS]),
    st.text(alphabet="0123456789 +-.x", min_size=0, max_size=12),
    st.none(),
)
_INTEGER = st.one_of(st.sampled_from(NUMBERS), st.integers(-(2**63), 2**63 - 1), st.none())


def _expected(value: str | None) -> int:
    if value is None or invalid_reason(value) is not None:
        return INVALID
    return OPTED_OUT if int(value) // 10 in set(KEYS.tolist()) else KEPT


@given(st.lists(_TEXT, max_size=50), st.integers(0, 5), st.booleans())
def test_text_verdicts_are_the_rule(values: list[str | None], skip: int, large: bool) -> None:
    column = pa.array(["x"] * skip + values, pa.large_string() if large else pa.string()).slice(skip)
    out, invalid, removed = verdicts(column, KeyBits.of(KEYS))
    expected = [_expected(v) for v in values]
    assert out.tolist() == expected
    assert (invalid, removed) == (expected.count(INVALID), expected.count(OPTED_OUT))


@given(st.lists(_INTEGER, max_size=50), st.sampled_from([pa.int64(), pa.uint64()]))
def test_integer_verdicts_are_the_rule(values: list[int | None], kind: pa.DataType) -> None:
    if kind == pa.uint64():
        values = [v if v is None else v % 2**64 for v in values]
    out, _, _ = verdicts(pa.array(values, kind), KeyBits.of(KEYS))
    as_text = [None if v is None or not 0 <= v <= 9_999_999_999 else f"{v:010d}" for v in values]
    assert out.tolist() == [_expected(v) for v in as_text]


def test_the_bitmap_holds_exactly_the_keys() -> None:
    keys = np.array([5, 6, 6, 7, 8, 13, 64, 65, 1000], np.uint32)  # a repeated key too
    bits = KeyBits.of(keys)
    probe = np.arange(-3, 1100, dtype=np.int64)
    assert np.flatnonzero(bits.contains(probe)).tolist() == [k + 3 for k in sorted(set(keys.tolist()))]
    assert KeyBits.of(np.zeros(0, np.uint32)).contains(probe).sum() == 0


@given(st.lists(st.tuples(st.booleans(), st.booleans()), max_size=40))
def test_arrow_arrays_from_buffers_are_the_values(pairs: list[tuple[bool, bool]]) -> None:
    values = np.array([v for v, _ in pairs], np.bool_)
    null = np.array([n for _, n in pairs], np.bool_)
    assert bools(values).to_pylist() == values.tolist()
    assert bools(values, null).to_pylist() == [None if n else v for v, n in pairs]
    verdict = np.array([2 * n + v for v, n in pairs], np.uint8)
    assert int8s(verdict).to_pylist() == verdict.tolist()


def test_a_saved_bitmap_maps_back_to_the_same_keys(tmp_path) -> None:
    bits = KeyBits.of(KEYS)
    path = tmp_path / "keys.bits"
    bits.save(path)
    mapped = KeyBits.mapped(path)
    probe = np.array([*NUMBERS, 0, -1, 10**10], np.int64) // 10
    assert mapped.low == bits.low
    assert mapped.contains(probe).tolist() == bits.contains(probe).tolist()
    assert [p.name for p in tmp_path.iterdir()] == ["keys.bits"]  # the partial file was renamed, not left


def test_a_python_worker_imports_neither_the_signature_check_nor_pyarrow_compute() -> None:
    # What a worker unpickling ndop's UDF imports: ndop.spark.kernel, through the package ndop.spark (ADR 97).
    code = ("import sys, ndop.spark.kernel; "
            "print(sorted(m for m in ('cryptography', 'pyarrow.compute', 'ndop.spark.apply') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    from ndop.spark import kernel

    assert kernel.verdict_udf.__module__ == "ndop.spark.kernel"
