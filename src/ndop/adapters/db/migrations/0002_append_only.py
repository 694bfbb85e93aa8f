"""The store, not convention, keeps choice events and audit events append-only.

UPDATE, DELETE and TRUNCATE on `choice_event` and `audit_event` raise, unless a row sits in
`maintenance_permit` (a table Django does not manage, so a flush never empties it). Operators use
the permit for retention purges; the test suite uses it to clean up after transactional tests.
"""

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db import migrations

PROTECTED = ("choice_event", "audit_event")

SQLITE = ["CREATE TABLE maintenance_permit (reason TEXT NOT NULL)"]
for table in PROTECTED:
    for op in ("UPDATE", "DELETE"):
        SQLITE.append(
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"WHEN NOT EXISTS (SELECT 1 FROM maintenance_permit) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )

POSTGRES = [
    "CREATE TABLE maintenance_permit (reason TEXT NOT NULL)",
    """
    CREATE FUNCTION ndop_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM maintenance_permit) THEN
        IF TG_OP = 'TRUNCATE' THEN RETURN NULL; END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END $$
    """,
]
for table in PROTECTED:
    POSTGRES.append(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION ndop_append_only()"
    )
    POSTGRES.append(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ndop_append_only()"
    )


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    # A plain cursor: schema_editor.execute would read the '%' in RAISE as a query placeholder.
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            for table in PROTECTED:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS ndop_append_only()")
        else:
            for table in PROTECTED:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        cursor.execute("DROP TABLE IF EXISTS maintenance_permit")


def seed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("ndop", "RegistryCounter").objects.get_or_create(name="choice_sequence", defaults={"value": 0})
    apps.get_model("ndop", "AuditHead").objects.get_or_create(id=1, defaults={"sequence": 0, "hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("ndop", "0001_registry")]
    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
