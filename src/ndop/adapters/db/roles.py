"""Least privilege on PostgreSQL (ADR 42): what the application role may do, as SQL.

Migrations run as the owner role (`NDOP_MIGRATE_DATABASE_URL`); only the owner (or a superuser) can alter
or disable triggers or drop them, so the application role (`DATABASE_URL`) cannot switch off the
append-only and forward-only rules. On top, the application role gets no UPDATE, DELETE or TRUNCATE on the
history and the audit trail, no write to the maintenance permit, and cannot delete the audit head.
`ndop migrate` applies these grants after migrating, whenever the two URLs name different users.
"""

from __future__ import annotations

import re
from typing import Final

HISTORY: Final = ("choice_event", "audit_event")
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_grants(app_role: str) -> list[str]:
    """The statements (run by the owner, after migrating) that give `app_role` exactly what the service needs."""
    if not _ROLE.match(app_role):
        raise ValueError("a role name is lower-case letters, digits and underscores")
    role = f'"{app_role}"'
    history = ", ".join(HISTORY)
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {history} FROM {role}",
        # The triggers read the permit (so SELECT stays); writing it is the owner's operational act.
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON maintenance_permit FROM {role}",
        f"REVOKE DELETE, TRUNCATE ON audit_head, registry_counter FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {role}",
    ]


def apply_app_role_grants(cursor, app_role: str) -> None:  # type: ignore[no-untyped-def]
    for statement in app_role_grants(app_role):
        cursor.execute(statement)
