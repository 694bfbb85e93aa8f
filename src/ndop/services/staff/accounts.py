"""Manage staff accounts. Each change is audited; passwords and second factors never are."""

from __future__ import annotations

import secrets

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.contact_centre.ports import ContactCentre, Enrolment
from ndop.domain.contact_centre.staff import (
    InvalidStaff,
    StaffMember,
    StaffRole,
    check_display_name,
    check_password,
    normalise_username,
)
from ndop.services.staff.common import audit


def _new_password(password: str | None) -> str:
    if password is None:
        return secrets.token_urlsafe(15)
    check_password(password)
    return password


def add_staff(
    unit: ContactCentre, username: str, display_name: str, roles: frozenset[StaffRole], *, by: Actor,
    password: str | None = None,
) -> tuple[str, Enrolment]:
    """Create an account; returns the password (generated when none is given) and its second factor,
    to hand over once."""
    username = normalise_username(username)
    name = check_display_name(display_name)
    if not roles:
        raise InvalidStaff("Give the account at least one role: agent, approver or admin.")
    password = _new_password(password)
    with unit.transaction():
        if unit.staff.get(username) is not None:
            raise InvalidStaff("There is already a staff account with this username.")
        unit.staff.add(StaffMember(username, name, roles))
        enrolment = unit.sign_in.enrol(username, password)
        audit(unit, AuditAction.STAFF_ADDED, by, username, roles=sorted(r.value for r in roles))
    return password, enrolment


def _existing(unit: ContactCentre, username: str) -> StaffMember:
    member = unit.staff.get(normalise_username(username))
    if member is None:
        raise InvalidStaff("There is no staff account with this username.")
    return member


def set_staff_active(unit: ContactCentre, username: str, active: bool, *, by: Actor) -> None:
    with unit.transaction():
        member = _existing(unit, username)
        unit.staff.set_active(member.username, active)
        audit(unit, AuditAction.STAFF_ENABLED if active else AuditAction.STAFF_DISABLED, by, member.username)


def set_staff_roles(unit: ContactCentre, username: str, roles: frozenset[StaffRole], *, by: Actor) -> None:
    if not roles:
        raise InvalidStaff("Give the account at least one role: agent, approver or admin.")
    with unit.transaction():
        member = _existing(unit, username)
        unit.staff.set_roles(member.username, roles)
        audit(unit, AuditAction.STAFF_ROLES_CHANGED, by, member.username, roles=sorted(r.value for r in roles))


def reset_staff(unit: ContactCentre, username: str, *, by: Actor, password: str | None = None) -> tuple[str, Enrolment]:
    """An admin's reset: a new password, a new TOTP secret and recovery codes, and the lock lifted."""
    password = _new_password(password)
    with unit.transaction():
        member = _existing(unit, username)
        enrolment = unit.sign_in.enrol(member.username, password)
        unit.staff.set_failed_sign_ins(member.username, 0)
        audit(unit, AuditAction.STAFF_RESET, by, member.username)
    return password, enrolment


def list_staff(unit: ContactCentre) -> list[StaffMember]:
    with unit.transaction():
        return unit.staff.all()
