"""What every contact-centre use-case needs: the acting staff member, checked inside the transaction."""

from __future__ import annotations

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.contact_centre.ports import ContactCentre
from ndop.domain.contact_centre.staff import NotPermitted, StaffMember, StaffRole


def acting(unit: ContactCentre, username: str, role: StaffRole) -> StaffMember:
    """The staff member named `username`, who must be active, unlocked and hold `role` right now
    (re-read in the transaction, so that a disabled account stops at its next step)."""
    member = unit.staff.get(username)
    if member is None:
        raise NotPermitted("Sign in to continue.", code="not_signed_in")
    member.require(role)
    return member


def audit(unit: ContactCentre, action: AuditAction, actor: Actor, subject: str = "", **details: object) -> None:
    unit.audit.append(AuditEntry(action=action, actor=actor, subject=subject, details=details))
