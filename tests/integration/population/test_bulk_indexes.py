"""A large load drops the target tables' secondary indexes and builds them again (ADR 82): afterwards
they are exactly as before, the rows are all there, and a rollback brings the old indexes back."""

from __future__ import annotations

import io

import pytest
from django.db import connection, transaction

from ndop import container
from ndop.adapters.db import models as m
from ndop.adapters.db import population as bulk
from ndop.services.population.import_population import import_population
from tests.conftest import TESTER
from tests.integration.population.test_population_import import files

pytestmark = pytest.mark.django_db
TABLES = ("patient", "choice_event", "current_choice")


def indexes() -> dict[str, object]:
    """Each table's secondary indexes and, on PostgreSQL, its primary key, as the catalogue defines them."""
    store = bulk.DjangoPopulationStore()
    found: dict[str, object] = {table: store._secondary_indexes(table) for table in TABLES}
    if connection.vendor == "postgresql":
        found |= {f"{table} key": store._primary_key(table) for table in TABLES}
    return found


def test_large_load_rebuilds_every_secondary_index_as_it_was(registry, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM", 100)  # 1,500 people count as a national load here
    before = indexes()
    assert all(before.values()), before  # each table has a secondary index (and a primary key) to rebuild
    patients, choices = files(1_500, seed=11)
    summary = import_population(registry, container.population_store, io.BytesIO(patients), io.BytesIO(choices),
                                imported_by=TESTER, source="population:test")
    assert indexes() == before
    assert m.Patient.objects.count() == summary.patients_added == 1_500
    assert m.ChoiceEvent.objects.count() == summary.choice_events > 100
    postcode = m.Patient.objects.values_list("postcode", flat=True).first()
    assert m.Patient.objects.filter(postcode=postcode).count() >= 1  # the rebuilt index answers


def test_small_load_into_a_larger_table_keeps_the_indexes_in_place(registry, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM", 100)
    patients, choices = files(1_500, seed=12)
    import_population(registry, container.population_store, io.BytesIO(patients), io.BytesIO(choices),
                      imported_by=TESTER, source="population:test")
    dropped: list[str] = []
    original = bulk.DjangoPopulationStore._execute

    def watch(self, sql, params=()):
        if sql.startswith("DROP INDEX"):
            dropped.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(bulk.DjangoPopulationStore, "_execute", watch)
    patients, choices = files(500, seed=13)
    second = import_population(registry, container.population_store, io.BytesIO(patients), io.BytesIO(choices),
                      imported_by=TESTER, source="population:test")
    assert dropped == []
    assert m.Patient.objects.count() == 1_500 + second.patients_added


def test_rollback_during_a_rebuild_brings_the_indexes_back(db) -> None:
    before = indexes()
    store = bulk.DjangoPopulationStore()
    with (pytest.raises(RuntimeError), transaction.atomic(),
          store._indexes_rebuilt("patient", 10 * bulk.REBUILD_INDEXES_FROM, empty=True) as key_dropped):
        assert store._secondary_indexes("patient") == []  # dropped inside the transaction
        assert key_dropped == (connection.vendor == "postgresql")
        raise RuntimeError("the merge failed")
    assert indexes() == before
