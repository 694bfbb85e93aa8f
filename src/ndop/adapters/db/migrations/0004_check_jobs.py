"""Check jobs, and a counter of changes to the patient index's supersession links.

The opt-out snapshot follows superseded numbers to their replacement. The patient index has no
version of its own, so a trigger bumps the `patient_links` counter whenever a row's
`superseded_by` changes (insert, update or delete); the snapshot compares the counter with the one
it was built at and rebuilds when they differ. Supersessions are rare; choices are not.
"""

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db import migrations, models

BUMP = "UPDATE registry_counter SET value = value + 1 WHERE name = 'patient_links'"

SQLITE = [
    f"CREATE TRIGGER patient_links_insert AFTER INSERT ON patient WHEN NEW.superseded_by <> '' "
    f"BEGIN {BUMP}; END",
    f"CREATE TRIGGER patient_links_update AFTER UPDATE OF superseded_by ON patient "
    f"WHEN OLD.superseded_by IS NOT NEW.superseded_by BEGIN {BUMP}; END",
    f"CREATE TRIGGER patient_links_delete AFTER DELETE ON patient WHEN OLD.superseded_by <> '' "
    f"BEGIN {BUMP}; END",
]

POSTGRES = [
    f"""
    CREATE FUNCTION ndop_patient_links() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (TG_OP = 'INSERT' AND NEW.superseded_by <> '')
         OR (TG_OP = 'UPDATE' AND OLD.superseded_by IS DISTINCT FROM NEW.superseded_by)
         OR (TG_OP = 'DELETE' AND OLD.superseded_by <> '') THEN
        {BUMP};
      END IF;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER patient_links_changed AFTER INSERT OR UPDATE OR DELETE ON patient "
    "FOR EACH ROW EXECUTE FUNCTION ndop_patient_links()",
]


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    apps.get_model("ndop", "RegistryCounter").objects.get_or_create(name="patient_links", defaults={"value": 0})


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS patient_links_changed ON patient")
            cursor.execute("DROP FUNCTION IF EXISTS ndop_patient_links()")
        else:
            for op in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS patient_links_{op}")


class Migration(migrations.Migration):
    dependencies = [("ndop", "0003_organisation_users")]
    operations = [
        migrations.CreateModel(
            name="CheckJob",
            fields=[
                ("id", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("started_at", models.DateTimeField(db_index=True)),
                ("finished_at", models.DateTimeField()),
                ("channel", models.CharField(max_length=8)),
                ("organisation", models.CharField(blank=True, db_index=True, max_length=10)),
                ("requested_by", models.CharField(blank=True, max_length=100)),
                ("reference", models.CharField(blank=True, max_length=100)),
                ("format", models.CharField(max_length=4)),
                ("rejected", models.BooleanField()),
                ("rejection", models.CharField(blank=True, max_length=32)),
                ("registry_version", models.BigIntegerField()),
                ("rows_in", models.BigIntegerField()),
                ("rows_invalid", models.BigIntegerField()),
                ("rows_removed", models.BigIntegerField()),
                ("rows_kept", models.BigIntegerField()),
                ("request_bytes", models.BigIntegerField()),
                ("request_sha256", models.CharField(max_length=64)),
                ("response_sha256", models.CharField(max_length=64)),
            ],
            options={"db_table": "check_job"},
        ),
        migrations.RunPython(install, uninstall),
    ]
