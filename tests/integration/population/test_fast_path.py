"""The column-wise fast path for patients.csv (ADR 91) loads exactly what the row-by-row path loads, and its
direct load into an empty patient table (PostgreSQL, ADR 91; SQLite, ADR 98) leaves the table's key, indexes
and trigger working."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from ndop.adapters.db import models as m
from ndop.adapters.db import population as bulk
from ndop.services.population import patient_columns
from tests.integration.population.test_population_import import files, load, refused

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def small() -> tuple[bytes, bytes]:
    return files()


class _Undo(Exception):
    pass


def loaded() -> dict[str, list[tuple[object, ...]]]:
    return {
        "patient": list(m.Patient.objects.order_by("nhs_number").values_list()),
        "events": list(m.ChoiceEvent.objects.order_by("sequence").values_list(
            "nhs_number", "choice", "made_at", "recorded_at", "channel", "proxy_role", "case_reference")),
        "current": list(m.CurrentChoice.objects.order_by("nhs_number").values_list(
            "nhs_number", "choice", "made_at", "channel")),
    }


def test_fast_path_loads_the_same_rows_as_the_row_by_row_path(registry, small, monkeypatch) -> None:
    patients, choices = small
    staged: list[int | None] = []
    original = bulk.DjangoPopulationStore.stage_patients_csv

    def spy(self, pieces, columns):
        staged.append(original(self, pieces, columns))
        return staged[-1]

    monkeypatch.setattr(bulk.DjangoPopulationStore, "stage_patients_csv", spy)
    try:
        with transaction.atomic():
            fast_summary = load(registry, patients, choices)
            fast_rows = loaded()
            raise _Undo
    except _Undo:
        pass
    assert staged == [1_500]  # the fast path staged the whole file
    assert m.Patient.objects.count() == 0

    def give_up(self):
        raise patient_columns.NotFast("forced")

    monkeypatch.setattr(patient_columns.FastPatients, "read_header", give_up)
    slow_summary = load(registry, patients, choices)
    assert staged == [1_500]  # not called again
    assert loaded() == fast_rows
    same = ("patients_rows", "patients_added", "patients_updated", "choice_events", "people_with_choices",
            "patients_sha256", "choices_sha256")
    assert [getattr(fast_summary, f) for f in same] == [getattr(slow_summary, f) for f in same]


def test_a_bad_row_late_in_a_file_is_named_after_the_fast_path_gives_up(registry, small) -> None:
    patients, choices = small
    lines = patients.decode().splitlines(keepends=True)
    lines[-1] = lines[-1].replace(",false,", ",maybe,", 1).replace(",true,", ",maybe,", 1)
    error = refused(registry, "".join(lines).encode(), choices)
    assert [(e.line, e.reason) for e in error.errors] == [(len(lines), "sensitive: must be true or false")]
    assert m.Patient.objects.count() == 0


def _direct_method() -> str:
    return "_copy_into_patient" if connection.vendor == "postgresql" else "_insert_into_patient"


def _triggers() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'patient'::regclass "
                           "AND NOT tgisinternal ORDER BY 1")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'patient' "
                           "ORDER BY 1")
        return [(str(a), str(b)) for a, b in cursor.fetchall()]


def test_direct_load_leaves_the_supersession_trigger_on_and_bumps_its_counter(registry, monkeypatch) -> None:
    patients, choices = files(3_000, seed=21)
    counter = m.RegistryCounter.objects.get(name="patient_links")
    triggers = _triggers()
    direct: list[int] = []
    original = getattr(bulk.DjangoPopulationStore, _direct_method())

    def spy(self, columns, pieces):
        direct.append(original(self, columns, pieces))
        return direct[-1]

    monkeypatch.setattr(bulk.DjangoPopulationStore, _direct_method(), spy)
    load(registry, patients, choices)
    assert direct == [3_000]  # straight into the empty table, with the trigger off
    assert m.Patient.objects.exclude(superseded_by="").exists()
    after_load = m.RegistryCounter.objects.get(pk=counter.pk).value
    assert after_load > counter.value
    assert _triggers() == triggers  # the same triggers, enabled, with the same definitions
    if connection.vendor == "postgresql":
        assert [enabled for _, enabled in triggers] == ["O"]
    one = m.Patient.objects.filter(superseded_by="").first()
    m.Patient.objects.filter(pk=one.pk).update(superseded_by="9434765919")
    assert m.RegistryCounter.objects.get(pk=counter.pk).value == after_load + 1  # the trigger fires again
    m.Patient.objects.create(nhs_number="9434765870", given_name="A", family_name="B", date_of_birth="1980-01-01",
                             gender=1, superseded_by="9434765919")
    assert m.RegistryCounter.objects.get(pk=counter.pk).value == after_load + 2  # on insert too


def test_direct_load_with_a_repeated_number_rolls_back_to_the_row_by_row_path(registry, small, monkeypatch) -> None:
    from tests.integration.population.test_bulk_indexes import indexes

    patients, choices = small
    lines = patients.decode().splitlines(keepends=True)
    lines.append(lines[7])  # a number repeated: the key refuses it, so the rows are staged again
    before, triggers = indexes(), _triggers()
    direct: list[str] = []
    original = getattr(bulk.DjangoPopulationStore, _direct_method())

    def spy(self, columns, pieces):
        direct.append("tried")
        return original(self, columns, pieces)

    monkeypatch.setattr(bulk.DjangoPopulationStore, _direct_method(), spy)
    error = refused(registry, "".join(lines).encode(), choices)
    assert direct == ["tried"]
    assert [(e.line, e.reason.split(":")[0]) for e in error.errors] == [(len(lines), "nhs_number")]
    assert indexes() == before and _triggers() == triggers  # the database is as it was
    assert m.Patient.objects.count() == 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'patient'::regclass AND contype = 'p'")
            assert cursor.fetchone()[0] == 1


def test_direct_load_with_an_unknown_replacement_is_refused_with_its_line(registry, small) -> None:
    from tests.integration.population.test_bulk_indexes import indexes

    patients, choices = small
    lines = patients.decode().splitlines(keepends=True)
    fields = lines[9].split(",")
    fields[11] = "9434765919"  # a valid number that is in neither the file nor the registry
    lines[9] = ",".join(fields)
    before, triggers = indexes(), _triggers()
    error = refused(registry, "".join(lines).encode(), choices)
    assert [e.line for e in error.errors] == [10]
    assert indexes() == before and _triggers() == triggers
    assert m.Patient.objects.count() == 0


def test_a_staged_fast_load_into_a_registry_names_the_line_of_a_repeated_number(registry, small) -> None:
    """Not a first load: the vouched-for rows are staged with their line numbers (SQLite: a `range` zipped in
    front of each piece's rows), and the check across rows names the second line of a repeated number."""
    load(registry, *files(200, seed=31))
    patients, choices = small
    lines = patients.decode().splitlines(keepends=True)
    lines.insert(len(lines) - 3, lines[1100])  # a number repeated, three lines before the end
    staged: list[int | None] = []
    original = bulk.DjangoPopulationStore.stage_patients_csv

    def spy(self, pieces, columns):
        staged.append(original(self, pieces, columns))
        return staged[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk.DjangoPopulationStore, "stage_patients_csv", spy)
        error = refused(registry, "".join(lines).encode(), choices)
    assert staged == [1_501]  # staged by the fast path, not by the row-by-row one
    assert [e.line for e in error.errors] == [len(lines) - 3]


def test_the_progress_counts_each_byte_once_when_the_fast_path_gives_up(registry, small) -> None:
    import io

    from ndop import container
    from ndop.services.population.import_population import import_population
    from tests.conftest import TESTER

    patients, choices = small
    lines = patients.decode().splitlines(keepends=True)
    lines[-1] = lines[-1][:-1] + " \n"  # a value that needs normalising, on the last line: read twice
    patients = "".join(lines).encode()
    shown: list[int] = []
    import_population(registry, container.population_store, io.BytesIO(patients), io.BytesIO(choices),
                      imported_by=TESTER, source="population:test", progress=shown.append)
    assert sum(shown) == len(patients) + len(choices)
