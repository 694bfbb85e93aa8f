from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from ndop.adapters.db import models as m
from ndop.domain.common.actors import PATIENT_ONLINE, Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.errors import NotEligible, PatientNotFound, SupersededNumber
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest, Proxy, ProxyRole
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from ndop.services.registry.verify_audit import verify_audit
from ndop.services.registry.view_choice import view_choice
from tests.conftest import TESTER, make_patient, number

pytestmark = pytest.mark.django_db


def opt_out(nhs, channel=Channel.ONLINE, proxy=None):
    return ChoiceRequest(nhs, Choice.OPTED_OUT, channel, proxy)


def test_record_choice_writes_event_projection_and_audit(registry) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    event = record_choice(registry, opt_out(patient.nhs_number), recorded_by=PATIENT_ONLINE)

    row = m.ChoiceEvent.objects.get(sequence=event.sequence)
    assert (row.nhs_number, row.choice, row.channel) == (patient.nhs_number.digits, "opted_out", "OP")
    current = m.CurrentChoice.objects.get(nhs_number=patient.nhs_number.digits)
    assert (current.choice, current.sequence) == ("opted_out", event.sequence)
    last = m.AuditEvent.objects.order_by("-sequence").first()
    assert (last.action, last.subject, last.details["sequence"]) == (
        "choice.recorded",
        patient.nhs_number.digits,
        event.sequence,
    )
    assert registry.choices.registry_version() == event.sequence


def test_record_choice_history_keeps_every_event_and_latest_wins(registry, clock) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    first = record_choice(registry, opt_out(patient.nhs_number), recorded_by=PATIENT_ONLINE)
    clock.set(clock.now() + timedelta(days=30))
    second = record_choice(
        registry, ChoiceRequest(patient.nhs_number, Choice.NOT_OPTED_OUT, Channel.ONLINE), recorded_by=PATIENT_ONLINE
    )
    view = view_choice(registry, patient.nhs_number, viewed_by=Actor.staff_user("1"), purpose="test")
    assert [e.sequence for e in view.history.events] == [first.sequence, second.sequence]
    assert view.history.current_choice is Choice.NOT_OPTED_OUT
    assert m.CurrentChoice.objects.get(nhs_number=patient.nhs_number.digits).sequence == second.sequence
    assert m.AuditEvent.objects.filter(action="patient.viewed", actor="staff:1").count() == 1


def test_record_choice_no_event_means_not_opted_out(registry) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    view = view_choice(registry, patient.nhs_number, viewed_by=Actor.staff_user("1"), purpose="test")
    assert view.history.current is None
    assert view.history.current_choice is Choice.NOT_OPTED_OUT


def test_record_choice_proxy_fields_round_trip(registry) -> None:
    child = make_patient("900000006", born=date(2018, 3, 1))
    load_patients(registry, [child], loaded_by=TESTER, source="fixture")
    proxy = Proxy(ProxyRole.GUARDIAN, "Sarah Jones", "birth certificate", "BC-123")
    request = ChoiceRequest(child.nhs_number, Choice.OPTED_OUT, Channel.PAPER, proxy, case_reference="12345-C")
    record_choice(registry, request, recorded_by=Actor.staff_user("7"))
    (event,) = registry.choices.history(child.nhs_number)
    assert event.proxy == proxy
    assert event.case_reference == "12345-C"
    assert event.recorded_by == "staff:7"


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ({"born": date(2020, 1, 1)}, NotEligible),
        ({"date_of_death": date(2026, 1, 1)}, NotEligible),
        ({"superseded_by": number("900000011")}, SupersededNumber),
    ],
)
def test_record_choice_refused_writes_nothing(registry, setup, error) -> None:
    patient = make_patient(**setup)
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    before = (m.ChoiceEvent.objects.count(), m.AuditEvent.objects.count(), registry.choices.registry_version())
    with pytest.raises(error):
        record_choice(registry, opt_out(patient.nhs_number), recorded_by=PATIENT_ONLINE)
    after = (m.ChoiceEvent.objects.count(), m.AuditEvent.objects.count(), registry.choices.registry_version())
    assert after == before
    assert not m.CurrentChoice.objects.filter(nhs_number=patient.nhs_number.digits).exists()


def test_record_choice_unknown_patient_is_refused(registry) -> None:
    with pytest.raises(PatientNotFound):
        record_choice(registry, opt_out(number("943476591")), recorded_by=PATIENT_ONLINE)
    assert m.ChoiceEvent.objects.count() == 0


def test_record_choice_audit_failure_rolls_back_the_event(registry, monkeypatch) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")

    def broken_append(entry: AuditEntry):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(registry.audit, "append", broken_append)
    with pytest.raises(RuntimeError):
        record_choice(registry, opt_out(patient.nhs_number), recorded_by=PATIENT_ONLINE)
    assert m.ChoiceEvent.objects.count() == 0
    assert not m.CurrentChoice.objects.exists()


@pytest.mark.parametrize("table", ["choice_event", "audit_event"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET recorded_by = 'x'", "DELETE FROM {t}"])
def test_store_refuses_update_and_delete_of_history(registry, table, statement) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, opt_out(patient.nhs_number), recorded_by=PATIENT_ONLINE)
    sql = statement.format(t=table)
    if table == "audit_event":
        sql = sql.replace("recorded_by", "actor")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert m.ChoiceEvent.objects.filter(recorded_by="patient:online").count() == 1


def test_store_refuses_orm_delete_of_choice_events(registry) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, opt_out(patient.nhs_number), recorded_by=PATIENT_ONLINE)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        m.ChoiceEvent.objects.all().delete()
    assert m.ChoiceEvent.objects.count() == 1


@pytest.mark.postgres_only
def test_store_refuses_truncate_on_postgres(registry) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE choice_event")


def test_verify_audit_passes_after_writes(registry) -> None:
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, opt_out(patient.nhs_number), recorded_by=PATIENT_ONLINE)
    count, broken = verify_audit(registry)
    assert broken is None
    assert count == 2
