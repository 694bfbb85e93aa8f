"""Drop the PostgreSQL `varchar_pattern_ops` copies of the NHS-number indexes.

Django adds a second, `LIKE`-friendly index beside every indexed CharField on PostgreSQL. Nothing
searches NHS numbers with `LIKE` (they are matched whole), so these indexes only slow down writes:
a bulk import of a million patients maintains four indexes on `patient` instead of three. The
postcode's `_like` index stays (prefix search by postcode is plausible). SQLite has no such indexes.
Django drops indexes with `DROP INDEX IF EXISTS`, so later migrations that alter these fields still work.
"""

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db import migrations

TABLES = ("patient", "choice_event", "current_choice")


def drop_like_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s) "
            "AND indexname LIKE %s AND indexdef LIKE %s",
            [list(TABLES), "%nhs_number%_like", "%varchar_pattern_ops%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("ndop", "0007_policy_register")]
    operations = [migrations.RunPython(drop_like_indexes, migrations.RunPython.noop)]
