"""ndop.spark on real Spark: it keeps exactly what `ndop check` keeps, and refuses what the service refuses."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

# Without the spark extra the module is skipped; `make test-spark` (and so `make test`) installs it.
pytest.importorskip("pyspark", reason="the spark extra is not installed: make test-spark installs it")
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndop.adapters.db.check import DjangoCheckJobStore, DjangoOptOutSource
from ndop.adapters.files.snapshot_export import public_pem, write_export
from ndop.adapters.files.snapshots import FileSnapshotStore
from ndop.domain.check.export import ExportTooOld
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.check.export_snapshot import export_snapshot
from ndop.services.check.run_check import CheckChannel, CheckService
from ndop.services.check.snapshot import SnapshotKeeper
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from ndop.spark import InvalidNhsNumbers, flag_opted_out, load_snapshot, remove_opted_out
from ndop.spark.job import record_path, run
from tests.conftest import TESTER, make_patient
from tests.synthetic import valid_numbers

pytestmark = [pytest.mark.spark, pytest.mark.django_db]

PEOPLE = [f"{n:010d}" for n in valid_numbers(40, seed=11)]


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def service(registry, tmp_path) -> CheckService:
    return CheckService(registry, DjangoCheckJobStore(),
                        SnapshotKeeper(DjangoOptOutSource(), FileSnapshotStore(tmp_path / "snapshots", b"k" * 32)))


@pytest.fixture
def people(registry):
    load_patients(registry, [make_patient(n[:9]) for n in PEOPLE], loaded_by=TESTER, source="fixture")
    return PEOPLE


def choose(registry, digits: str, opted_out: bool) -> None:
    choice = Choice.OPTED_OUT if opted_out else Choice.NOT_OPTED_OUT
    record_choice(registry, ChoiceRequest(make_patient(digits[:9]).nhs_number, choice, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)


def snapshot_of(registry, service, key, tmp_path):
    path = tmp_path / f"snap-{registry.choices.registry_version()}.bin"
    export_snapshot(registry, service.snapshots, lambda s: write_export(path, s, key), exported_by=TESTER)
    return load_snapshot(path, public_pem(key), now=registry.clock.now())


def ndop_check(service: CheckService, numbers: list[str]) -> list[str]:
    out = io.BytesIO()
    service.run(io.BytesIO("".join(f"{n},\n" for n in numbers).encode()), out, channel=CheckChannel.CLI,
                requested_by=TESTER)
    return [line.rstrip(",") for line in out.getvalue().decode().splitlines()]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    choices=st.lists(st.tuples(st.sampled_from(PEOPLE), st.booleans()), max_size=25),
    rows=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=60),  # an empty file is refused by ndop check
    as_int=st.booleans(),
)
def test_remove_opted_out_keeps_exactly_what_ndop_check_keeps(
    spark, registry, service, people, key, tmp_path, choices, rows, as_int
) -> None:
    for digits, opted_out in choices:
        choose(registry, digits, opted_out)
    snapshot = snapshot_of(registry, service, key, tmp_path)
    expected = ndop_check(service, rows)
    values = [(int(n) if as_int else n, i) for i, n in enumerate(rows)]
    schema = f"nhs_number {'bigint' if as_int else 'string'}, position int"
    df = spark.createDataFrame(values, schema).coalesce(1)
    kept = remove_opted_out(df, snapshot).collect()
    assert [f"{r.nhs_number:010d}" if as_int else r.nhs_number for r in kept] == expected  # same rows, same order


def test_flag_opted_out_marks_opted_out_true_others_false_invalid_null(spark, registry, service, people, key,
                                                                      tmp_path) -> None:
    choose(registry, people[0], True)
    snapshot = snapshot_of(registry, service, key, tmp_path)
    df = spark.createDataFrame([(people[0],), (people[1],), ("123",), (None,)], "nhs_number string")
    flags = [r.opted_out for r in flag_opted_out(df, snapshot).collect()]
    assert flags == [True, False, None, None]


def test_invalid_numbers_reject_the_whole_job_with_the_count(spark, registry, service, people, key, tmp_path) -> None:
    snapshot = snapshot_of(registry, service, key, tmp_path)
    bad_check_digit = people[0][:9] + str((int(people[0][9]) + 1) % 10)
    df = spark.createDataFrame([(people[1],), ("12345",), (bad_check_digit,), (None,)], "nhs_number string")
    with pytest.raises(InvalidNhsNumbers, match=r"invalid NHS Numbers\. 3 rows"):
        remove_opted_out(df, snapshot)
    assert [r.nhs_number for r in remove_opted_out(df, snapshot, invalid="drop").collect()] == [people[1]]
    flagged = remove_opted_out(df, snapshot, invalid="flag").collect()
    assert [r.nhs_number_invalid for r in flagged] == [False, True, True, True]


def test_integer_numbers_keep_their_leading_zero(spark, registry, service, key, tmp_path) -> None:
    # 0000000019... is not issued, but any valid ten-digit number with leading zeros must work as an integer.
    leading = next(f"{n:010d}" for n in range(10_000_000, 10_100_000) if _valid(f"{n:010d}"))
    load_patients(registry, [make_patient(leading[:9])], loaded_by=TESTER, source="fixture")
    choose(registry, leading, True)
    snapshot = snapshot_of(registry, service, key, tmp_path)
    df = spark.createDataFrame([(int(leading),), (int(PEOPLE[2]),)], "nhs_number long")
    assert [r.nhs_number for r in remove_opted_out(df, snapshot, invalid="drop").collect()] == [int(PEOPLE[2])]


def _valid(text: str) -> bool:
    from ndop.domain.common.nhs_number import is_valid

    return is_valid(text)


def test_a_missing_column_or_a_stale_snapshot_is_refused(spark, registry, service, people, key, tmp_path) -> None:
    snapshot = snapshot_of(registry, service, key, tmp_path)
    df = spark.createDataFrame([(people[0],)], "nhs string")
    with pytest.raises(ValueError, match="no column 'nhs_number'"):
        remove_opted_out(df, snapshot)
    path = next(tmp_path.glob("snap-*.bin"))
    with pytest.raises(ExportTooOld, match="ndop snapshot export"):
        load_snapshot(path, public_pem(key), now=datetime.now(UTC) + timedelta(days=30))


def test_gp_data_without_type1_is_refused_with_how_to_export_it(spark, registry, service, people, key,
                                                                tmp_path) -> None:
    snapshot = snapshot_of(registry, service, key, tmp_path)
    df = spark.createDataFrame([(people[0],)], "nhs_number string")
    with pytest.raises(ValueError, match="--gp-data"):
        remove_opted_out(df, snapshot, gp_data=True)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_spark_check_job_writes_the_cleaned_data_and_its_record(spark, registry, service, people, key, tmp_path,
                                                                fmt) -> None:
    choose(registry, people[0], True)
    snapshot = snapshot_of(registry, service, key, tmp_path)
    df = spark.createDataFrame([(people[0], "a"), (people[1], "b"), (people[0], "c")], "nhs_number string, v string")
    source, target = str(tmp_path / f"in.{fmt}"), str(tmp_path / f"out.{fmt}")
    getattr(df.coalesce(1).write.option("header", True), fmt)(source)
    record = run(spark, snapshot, source, target, fmt=fmt)
    reader = spark.read.option("header", True)
    out = getattr(reader, fmt)(target).collect()
    assert [(r.nhs_number, r.v) for r in out] == [(people[1], "b")]
    saved = json.loads(record_path(target).read_text())
    assert (saved["rows_in"], saved["rows_removed"], saved["rows_kept"]) == (3, 2, 1)
    assert saved["registry_version"] == registry.choices.registry_version()
    assert np.isclose(record.rows_kept, 1)


def test_on_pyspark_without_arrow_udf_the_batch_route_gives_the_same_answers(spark, registry, service, people, key,
                                                                             tmp_path, monkeypatch) -> None:
    import ndop.spark.apply as apply

    choose(registry, people[0], True)
    snapshot = snapshot_of(registry, service, key, tmp_path)
    df = spark.createDataFrame([(people[0],), (people[1],), ("123",), (None,), (people[2],)], "nhs_number string")
    answers = []
    for route in (apply._arrow_udf, lambda: None):
        monkeypatch.setattr(apply, "_arrow_udf", route)
        answers.append((
            [r.nhs_number for r in remove_opted_out(df, snapshot, invalid="drop").collect()],
            [(r.nhs_number, r.nhs_number_invalid) for r in remove_opted_out(df, snapshot, invalid="flag").collect()],
            [r.opted_out for r in flag_opted_out(df, snapshot).collect()],
        ))
    assert answers[0] == answers[1]
    assert answers[0][0] == [people[1], people[2]]


def test_spark_check_with_invalid_numbers_fails_with_the_count_and_leaves_no_output(spark, registry, service, people,
                                                                                   key, tmp_path) -> None:
    snapshot = snapshot_of(registry, service, key, tmp_path)
    df = spark.createDataFrame([(people[1],), ("12345",), (None,)], "nhs_number string")
    source, target = str(tmp_path / "in.parquet"), str(tmp_path / "out.parquet")
    df.coalesce(1).write.parquet(source)
    with pytest.raises(InvalidNhsNumbers, match=r"invalid NHS Numbers\. 2 rows"):
        run(spark, snapshot, source, target)
    assert not (tmp_path / "out.parquet").exists()
    assert not record_path(target).exists()


def test_spark_check_counts_a_partition_computed_twice_once(spark) -> None:
    from pyspark import TaskContext

    from ndop.spark.job import _PerPartition

    counts = spark.sparkContext.accumulator({}, _PerPartition())

    def count(rows) -> None:
        counts.add({TaskContext.get().partitionId(): (sum(1 for _ in rows), 0, 0)})

    data = spark.sparkContext.parallelize(range(10), 2)
    data.foreachPartition(count)
    data.foreachPartition(count)  # the same partitions again, as a retried task or a recomputed stage sends them
    assert sorted(counts.value.items()) == [(0, (5, 0, 0)), (1, (5, 0, 0))]


def test_the_workers_map_one_bitmap_file_built_from_the_broadcast(spark, registry, service, people, key,
                                                                 tmp_path) -> None:
    from pyspark import SparkFiles

    from ndop.spark.kernel import KeyBits

    choose(registry, people[0], True)
    choose(registry, people[1], True)
    snapshot = snapshot_of(registry, service, key, tmp_path)
    df = spark.createDataFrame([(n,) for n in people], "nhs_number string").repartition(2)
    assert sorted(r.nhs_number for r in remove_opted_out(df, snapshot).collect()) == sorted(people[2:])
    files = list(Path(SparkFiles.getRootDirectory()).glob("ndop-keys-*.bits"))
    expected = KeyBits.of(snapshot.keys_for(False))
    assert any(KeyBits.mapped(f).bits.tobytes() == expected.bits.tobytes() for f in files)
    assert not list(Path(SparkFiles.getRootDirectory()).glob("*.partial"))
