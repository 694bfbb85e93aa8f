"""Finding 1 and build item 3 on PostgreSQL: the application role cannot switch off or go around the rules.

Roles are cluster-wide: each test creates its own with a unique name and drops it afterwards.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import connection

from ndop.adapters.db.roles import app_role_grants
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles and grants are PostgreSQL's"),
]

FORBIDDEN = {
    "disable a trigger": "ALTER TABLE choice_event DISABLE TRIGGER ALL",
    "drop a trigger": "DROP TRIGGER choice_event_append_only ON choice_event",
    "disable the head's trigger": "ALTER TABLE audit_head DISABLE TRIGGER ALL",
    "switch off all triggers for the session": "SET session_replication_role = replica",
    "write the maintenance permit": "INSERT INTO maintenance_permit (reason) VALUES ('mine')",
    "update history": "UPDATE choice_event SET choice = 'not_opted_out'",
    "delete history": "DELETE FROM choice_event",
    "truncate history": "TRUNCATE choice_event",
    "update the audit trail": "UPDATE audit_event SET actor = 'nobody'",
    "delete the audit trail": "DELETE FROM audit_event",
    "delete the audit head": "DELETE FROM audit_head",
    "wind the audit head back": "UPDATE audit_head SET sequence = 0",
    "drop the history": "DROP TABLE choice_event",
}


@pytest.fixture
def app_role(registry):
    patient = make_patient()
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)
    role = f"ndop_app_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" LOGIN')
        for statement in app_role_grants(role):
            cursor.execute(statement)
    settings = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, dbname=settings["NAME"], user=role)
    yield conninfo
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


@pytest.mark.parametrize("what", sorted(FORBIDDEN))
def test_the_application_role_is_refused(app_role, what) -> None:
    with psycopg.connect(app_role, autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as error:
            conn.execute(FORBIDDEN[what])
        refusals = psycopg.errors.InsufficientPrivilege | psycopg.errors.IntegrityConstraintViolation
        assert isinstance(error.value, refusals)
        assert conn.execute("SELECT choice FROM choice_event").fetchall() == [("opted_out",)]
        assert conn.execute("SELECT count(*) FROM maintenance_permit").fetchone() == (0,)


def test_the_application_role_can_do_its_work(app_role) -> None:
    with psycopg.connect(app_role, autocommit=True) as conn:
        conn.execute("UPDATE current_choice SET channel = channel")
        conn.execute("UPDATE registry_counter SET value = value WHERE name = 'choice_sequence'")
        assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] >= 1
