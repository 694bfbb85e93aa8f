"""Trust (issue 11, registry half): history that cannot be replaced, a head that only moves forward.

- SQLite's `INSERT OR REPLACE` deletes the conflicting row without firing DELETE triggers, so it
  could rewrite a choice event past migration 0002. A BEFORE INSERT trigger now refuses any insert whose
  sequence already exists, on `choice_event` and `audit_event` (PostgreSQL has no REPLACE; its
  `ON CONFLICT DO UPDATE` fires the UPDATE trigger, already refused).
- `audit_head` only moves forward, and only onto a record that exists with that hash; it cannot be
  deleted, truncated or inserted beside the first row. The maintenance permit (ADR 3) is the one way past,
  and on PostgreSQL only the owner role can write it (ADR 42).
- `check_job.snapshot_note` says when a check's snapshot had to be rebuilt, and why.
- A partial index on `patient.superseded_by` finds the numbers that a number replaced (ADR 44).
"""

from typing import Any

from django.db import migrations, models

PERMIT = "EXISTS (SELECT 1 FROM maintenance_permit)"

SQLITE = []
for _table in ("choice_event", "audit_event"):
    SQLITE.append(
        f"CREATE TRIGGER {_table}_no_replace BEFORE INSERT ON {_table} "
        f"WHEN EXISTS (SELECT 1 FROM {_table} WHERE sequence = NEW.sequence) AND NOT {PERMIT} "
        f"BEGIN SELECT RAISE(ABORT, '{_table} is append-only: that sequence exists'); END"
    )
SQLITE += [
    "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head "
    f"WHEN NOT {PERMIT} AND (NEW.id <> OLD.id OR NEW.sequence < OLD.sequence "
    "OR (NEW.sequence = OLD.sequence AND NEW.hash <> OLD.hash) "
    "OR (NEW.sequence > 0 AND NOT EXISTS (SELECT 1 FROM audit_event a WHERE a.sequence = NEW.sequence "
    "AND a.hash = NEW.hash))) "
    "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward, onto an existing record'); END",
    f"CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head WHEN NOT {PERMIT} "
    "BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END",
    f"CREATE TRIGGER audit_head_single BEFORE INSERT ON audit_head WHEN NOT {PERMIT} "
    "AND (EXISTS (SELECT 1 FROM audit_head) OR NEW.sequence <> 0) "
    "BEGIN SELECT RAISE(ABORT, 'audit_head has one row, created at sequence 0'); END",
]

POSTGRES = [
    """
    CREATE FUNCTION ndop_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM maintenance_permit) THEN
        IF TG_OP = 'TRUNCATE' THEN RETURN NULL; END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      IF TG_OP = 'TRUNCATE' OR TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_head cannot be deleted' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM audit_head) OR NEW.sequence <> 0 THEN
          RAISE EXCEPTION 'audit_head has one row, created at sequence 0'
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
      END IF;
      IF NEW.id <> OLD.id OR NEW.sequence < OLD.sequence
         OR (NEW.sequence = OLD.sequence AND NEW.hash <> OLD.hash)
         OR (NEW.sequence > 0 AND NOT EXISTS (
               SELECT 1 FROM audit_event a WHERE a.sequence = NEW.sequence AND a.hash = NEW.hash)) THEN
        RAISE EXCEPTION 'audit_head only moves forward, onto an existing record'
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER audit_head_forward BEFORE INSERT OR UPDATE OR DELETE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION ndop_audit_head_forward()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION ndop_audit_head_forward()",
]


def install(apps: Any, schema_editor: Any) -> None:
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    with schema_editor.connection.cursor() as cursor:  # a plain cursor: '%' is not a placeholder here
        for sql in statements:
            cursor.execute(sql)


def uninstall(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS audit_head_forward ON audit_head")
            cursor.execute("DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head")
            cursor.execute("DROP FUNCTION IF EXISTS ndop_audit_head_forward()")
        else:
            for name in ("choice_event_no_replace", "audit_event_no_replace", "audit_head_forward",
                         "audit_head_no_delete", "audit_head_single"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("ndop", "0009_job_leases")]
    operations = [
        migrations.RunPython(install, uninstall),
        migrations.AddField(
            model_name="checkjob", name="snapshot_note", field=models.CharField(blank=True, default="", max_length=200)
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                fields=["superseded_by"], name="patient_superseded_by", condition=~models.Q(superseded_by="")
            ),
        ),
    ]
