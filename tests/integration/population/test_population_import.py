"""Importing the population files: a round trip on the real database, and refusals that load nothing."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndop import container
from ndop.adapters.db import models as m
from ndop.demo.population.generator import PopulationSpec
from ndop.demo.population.writer import generate_population
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.population.files import CHOICE_COLUMNS, PATIENT_COLUMNS
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.population.import_population import (
    MAX_REPORTED,
    AlreadyImported,
    PopulationRefused,
    import_population,
)
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from ndop.services.registry.verify_audit import verify_audit
from tests.conftest import TESTER, make_patient

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 1)  # the tests' clock reads 2026-11-23


def files(patients: int = 1_500, seed: int = 5) -> tuple[bytes, bytes]:
    p, c = io.BytesIO(), io.BytesIO()
    generate_population(PopulationSpec(patients, 0.08, seed, AS_OF), p, c)
    return p.getvalue(), c.getvalue()


@pytest.fixture(scope="module")
def small() -> tuple[bytes, bytes]:
    return files()


def load(registry, patients: bytes, choices: bytes, *, again: bool = False):
    return import_population(
        registry, container.population_store, io.BytesIO(patients), io.BytesIO(choices),
        imported_by=TESTER, source="population:test", again=again,
    )


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))[1:]


def counts() -> tuple[int, int, int, int]:
    return (m.Patient.objects.count(), m.ChoiceEvent.objects.count(), m.CurrentChoice.objects.count(),
            m.AuditEvent.objects.count())


def test_import_round_trip_loads_every_row_and_the_projection(registry, small) -> None:
    patients, choices = small
    summary = load(registry, patients, choices)
    patient_rows, choice_rows = rows(patients), rows(choices)
    assert summary.patients_added == len(patient_rows) == m.Patient.objects.count()
    assert summary.choice_events == len(choice_rows) == m.ChoiceEvent.objects.count()
    assert (summary.first_version, summary.last_version) == (1, len(choice_rows))
    assert registry.choices.registry_version() == len(choice_rows)
    # Every field comes back as written.
    first = patient_rows[0]
    stored = registry.patients.get(NhsNumber(first[0]))
    assert [stored.given_name, stored.family_name, stored.date_of_birth.isoformat(), str(int(stored.gender)),
            stored.postcode, stored.lsoa_code, stored.gp_practice_code, stored.mobile, stored.email] == first[1:10]
    # The projection is each person's last event in the file, and versions follow recorded_at.
    last = {}
    for number, choice, *_ in choice_rows:
        last[number] = choice
    projected = dict(m.CurrentChoice.objects.values_list("nhs_number", "choice"))
    assert projected == last
    for number in list(last)[:50]:
        history = registry.choices.history(NhsNumber(number))
        assert [e.recorded_at for e in history] == sorted(e.recorded_at for e in history)
        assert m.CurrentChoice.objects.get(nhs_number=number).sequence == history[-1].sequence
    assert summary.people_with_choices == len(last)


def test_import_writes_one_audit_event_naming_the_files(registry, small) -> None:
    patients, choices = small
    summary = load(registry, patients, choices)
    assert m.AuditEvent.objects.count() == 1
    event = m.AuditEvent.objects.get()
    assert event.action == "population.imported" and event.sequence == summary.audit_sequence
    assert event.details["patients.csv"]["sha256"] == hashlib.sha256(patients).hexdigest()
    assert event.details["choices.csv"]["sha256"] == hashlib.sha256(choices).hexdigest()
    assert event.details["patients.csv"]["rows"] == len(rows(patients))
    assert event.details["choices.csv"]["rows"] == len(rows(choices))
    assert verify_audit(registry)[1] is None


def test_import_again_updates_demographics_and_appends_choices(registry, small) -> None:
    patients, choices = small
    load(registry, patients, choices)
    renamed = patients.replace(b",Smith,", b",Smyth,")
    again = load(registry, renamed, choices, again=True)  # the same choices: refused without --again
    n = len(rows(choices))
    assert (again.patients_added, again.patients_updated) == (0, len(rows(patients)))
    assert m.Patient.objects.filter(family_name="Smith").count() == 0 < m.Patient.objects.filter(
        family_name="Smyth").count()
    assert m.ChoiceEvent.objects.count() == 2 * n and (again.first_version, again.last_version) == (n + 1, 2 * n)
    assert set(m.CurrentChoice.objects.values_list("sequence", flat=True)) <= set(range(n + 1, 2 * n + 1))


def test_import_back_dated_choice_does_not_override_a_later_live_choice(registry) -> None:
    # The latest expression of will wins (made_at), not the latest write: the 2019 row enters the history only.
    person = make_patient()
    load_patients(registry, [person], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(person.nhs_number, Choice.OPTED_OUT, Channel.ONLINE), recorded_by=TESTER)
    header = ",".join(PATIENT_COLUMNS) + "\n"
    choices = ",".join(CHOICE_COLUMNS) + "\n" + f"{person.nhs_number},not_opted_out,2019-01-01T09:00:00Z,PP,,A1\n"
    summary = load(registry, header.encode(), choices.encode())
    assert summary.first_version == 2
    assert len(registry.choices.history(person.nhs_number)) == 2
    assert registry.choices.current(person.nhs_number).choice is Choice.OPTED_OUT
    assert m.CurrentChoice.objects.get(nhs_number=person.nhs_number.digits).sequence == 1


def refused(registry, patients: bytes, choices: bytes) -> PopulationRefused:
    before = counts()
    version = registry.choices.registry_version()
    with pytest.raises(PopulationRefused) as caught:
        load(registry, patients, choices)
    assert counts() == before and registry.choices.registry_version() == version  # nothing loaded
    return caught.value


def test_import_bad_rows_refused_with_line_numbers(registry, small) -> None:
    patients, choices = small
    lines = patients.decode().splitlines(keepends=True)
    lines[4] = lines[4].replace(",false", ",maybe")  # line 5 of the file
    lines[9] = "9434765918" + lines[9][10:]  # line 10: bad check digit
    error = refused(registry, "".join(lines).encode(), choices)
    assert [(e.file, e.line) for e in error.errors] == [("patients.csv", 5), ("patients.csv", 10)]
    assert error.errors[0].reason == "sensitive: must be true or false"
    assert error.total == 2
    assert "9434765918" not in str(error) and "9434765918" not in " ".join(str(e) for e in error.errors)


def test_import_many_bad_rows_lists_the_first_twenty_and_counts_all(registry, small) -> None:
    patients, choices = small
    lines = patients.decode().splitlines(keepends=True)
    for i in range(1, 31):
        lines[i] = lines[i].replace(",false,", ",,", 1).replace(",true,", ",,", 1)  # sensitive, then the address
    error = refused(registry, "".join(lines).encode(), choices)
    assert len(error.errors) == MAX_REPORTED and error.total == 30
    assert [e.line for e in error.errors] == list(range(2, 22))


def test_import_refuses_a_wrong_header_an_empty_file_and_bad_bytes(registry, small) -> None:
    patients, choices = small
    assert refused(registry, patients.replace(b"gender", b"sex", 1), choices).errors[0].line == 1
    assert refused(registry, b"", choices).errors[0].reason.startswith("the file is empty")
    broken = patients.replace(b"Smith", b"Sm\xffth", 1)
    assert refused(registry, broken, choices).errors[0].reason.startswith("is not UTF-8")


def test_import_refuses_rows_that_fail_checks_across_the_files(registry) -> None:
    p = ",".join(PATIENT_COLUMNS) + "\n"
    a, b, c = "9434765919", "9000000025", "9000000068"
    p += f"{a},Jane,Smith,1990-05-17,2,,,,,,,,false\n"
    p += f"{b},Omar,Khan,1970-01-01,1,,,,,,,{c},false\n"  # line 3: replaced by a number nobody knows
    p += f"{a},Jane,Smith,1990-05-17,2,,,,,,,,false\n"  # line 4: repeats line 2
    ch = ",".join(CHOICE_COLUMNS) + "\n"
    ch += f"{a},opted_out,2021-06-01T10:00:00Z,OP,,\n"
    ch += "9000000076,opted_out,2021-06-01T10:00:00Z,OP,,\n"  # line 3: not in either
    error = refused(registry, p.encode(), ch.encode())
    found = {(e.file, e.line, e.reason.split(":")[0]) for e in error.errors}
    assert found == {("patients.csv", 4, "nhs_number"), ("patients.csv", 3, "superseded_by"),
                     ("choices.csv", 3, "nhs_number")}


def test_import_accepts_a_historical_choice_under_a_now_superseded_number(registry) -> None:
    # Finding / build item 5: the opt-out made under the old number is the person's, and is upheld for the new.
    old, new = "9000000106", "9000000114"
    p = ",".join(PATIENT_COLUMNS) + "\n"
    p += f"{new},Sam,Taylor,1999-01-01,9,,,,,,,,false\n{old},Sam,Taylor,1999-01-01,9,,,,,,,{new},false\n"
    ch = ",".join(CHOICE_COLUMNS) + "\n" + f"{old},opted_out,2021-06-01T10:00:00Z,OP,,\n"
    load(registry, p.encode(), ch.encode())
    assert registry.choices.current(NhsNumber(new)).choice is Choice.OPTED_OUT
    assert verify_audit(registry)[1] is None


def test_reimport_of_the_same_files_is_refused_naming_the_earlier_import(registry, small) -> None:
    # Finding 8: a second import of the same files added every event again and rolled back later choices.
    patients, choices = small
    first = load(registry, patients, choices)
    counts = (m.ChoiceEvent.objects.count(), m.AuditEvent.objects.count())
    with pytest.raises(AlreadyImported) as refused_again:
        load(registry, patients, choices)
    assert refused_again.value.earlier.audit_sequence == first.audit_sequence
    assert f"audit record {first.audit_sequence}" in refused_again.value.message
    assert (m.ChoiceEvent.objects.count(), m.AuditEvent.objects.count()) == counts
    # The same choices with other demographics are the same content too.
    with pytest.raises(AlreadyImported):
        load(registry, patients.replace(b",Smith,", b",Smyth,"), choices)


CORRUPTIONS = {
    0: ["", "123", "9434765918"],
    3: ["", "1990-13-01", "tomorrow"],
    4: ["", "7"],
    12: ["", "no"],
}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_import_any_single_bad_cell_is_named_and_nothing_loaded(registry, small, data) -> None:
    patients, choices = small
    lines = patients.decode().splitlines(keepends=True)
    target = data.draw(st.integers(min_value=1, max_value=len(lines) - 1), label="line index")
    column = data.draw(st.sampled_from(sorted(CORRUPTIONS)), label="column")
    fields = lines[target].rstrip("\n").split(",")
    fields[column] = data.draw(st.sampled_from(CORRUPTIONS[column]), label="value")
    lines[target] = ",".join(fields) + "\n"
    error = refused(registry, "".join(lines).encode(), choices)
    assert [(e.file, e.line) for e in error.errors] == [("patients.csv", target + 1)]
    assert error.errors[0].reason.startswith(PATIENT_COLUMNS[column])
