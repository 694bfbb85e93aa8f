"""Register organisations and their users. Each change is audited; passwords never are."""

from __future__ import annotations

import secrets

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.organisations.accounts import (
    InvalidOrganisation,
    OdsCode,
    Organisation,
    OrganisationRole,
    OrganisationUser,
    normalise_email,
)
from ndop.domain.registry.ports import Registry

MINIMUM_PASSWORD_LENGTH = 12


def register_organisation(registry: Registry, organisation: Organisation, *, by: Actor) -> bool:
    """Add or update an organisation; True when it was new."""
    with registry.transaction():
        created = registry.organisations.save(organisation)
        registry.audit.append(
            AuditEntry(
                action=AuditAction.ORGANISATION_REGISTERED if created else AuditAction.ORGANISATION_UPDATED,
                actor=by,
                subject=organisation.ods_code.value,
                details={"name": organisation.name, "mesh_mailbox": organisation.mesh_mailbox,
                         "active": organisation.active},
            )
        )
    return created


def add_organisation_user(
    registry: Registry, ods_code: OdsCode, email: str, role: OrganisationRole, *, by: Actor, password: str | None = None
) -> str:
    """Create a user's account; returns the password (generated when none is given) to hand over once."""
    email = normalise_email(email)
    if password is None:
        password = secrets.token_urlsafe(15)
    elif len(password) < MINIMUM_PASSWORD_LENGTH:
        raise InvalidOrganisation(f"A password must be at least {MINIMUM_PASSWORD_LENGTH} characters long.")
    with registry.transaction():
        if registry.organisations.get(ods_code) is None:
            raise InvalidOrganisation("There is no organisation with this ODS code. Register it first.")
        if registry.organisations.get_user(email) is not None:
            raise InvalidOrganisation("There is already a user with this email address.")
        registry.organisations.add_user(OrganisationUser(email, ods_code, role), password)
        registry.audit.append(
            AuditEntry(action=AuditAction.ORGANISATION_USER_ADDED, actor=by, subject=ods_code.value,
                       details={"email": email, "role": role.value})
        )
    return password


def set_organisation_user_active(registry: Registry, email: str, active: bool, *, by: Actor) -> None:
    email = normalise_email(email)
    with registry.transaction():
        user = registry.organisations.get_user(email)
        if user is None or not registry.organisations.set_user_active(email, active):
            raise InvalidOrganisation("There is no organisation user with this email address.")
        action = AuditAction.ORGANISATION_USER_ENABLED if active else AuditAction.ORGANISATION_USER_DISABLED
        registry.audit.append(
            AuditEntry(action=action, actor=by, subject=user.ods_code.value, details={"email": email})
        )


def record_sign_in(registry: Registry, email: str, *, succeeded: bool, client: str) -> None:
    """Audit a sign-in attempt. `client` is a coarse, non-personal client label (never a full IP log)."""
    with registry.transaction():
        user = registry.organisations.get_user(email) if succeeded else None
        registry.audit.append(
            AuditEntry(
                action=(AuditAction.ORGANISATION_USER_SIGNED_IN if succeeded
                        else AuditAction.ORGANISATION_USER_SIGN_IN_FAILED),
                actor=Actor.organisation_user(email) if succeeded else Actor.anonymous(),
                subject=user.ods_code.value if user else "",
                details={"client": client},
            )
        )
