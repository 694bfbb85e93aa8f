"""Staff sign-in: a password and a second factor, through the `StaffSignIn` port. Locks after repeated
failures; every attempt is audited (the username only, never the password or the code)."""

from __future__ import annotations

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.contact_centre.ports import ContactCentre
from ndop.domain.contact_centre.staff import MAX_FAILED_SIGN_INS, NotPermitted, StaffMember
from ndop.services.staff.common import audit

_REFUSED = "The username, password or security code is not right. Check them and try again."
_LOCKED = "This account is locked or disabled. Ask an administrator to reset it."


class SignInRefused(NotPermitted):
    code = "sign_in_refused"


def sign_in(unit: ContactCentre, username: str, password: str, code: str, *, client: str = "") -> StaffMember:
    """The member, when all three are right. Otherwise SignInRefused, the same words whatever was wrong
    (so that the answer does not tell which accounts exist). The failure and its audit record are committed
    before the refusal is raised."""
    name = username.strip().lower()
    refusal: SignInRefused | None = None
    with unit.transaction():
        member = unit.staff.get(name)
        if member is None:
            audit(unit, AuditAction.STAFF_SIGN_IN_FAILED, Actor.anonymous(), "", client=client)
            refusal = SignInRefused(_REFUSED)
        elif member.locked or not member.active:
            audit(unit, AuditAction.STAFF_SIGN_IN_FAILED, Actor.anonymous(), member.username, client=client,
                  why="locked" if member.locked else "disabled")
            refusal = SignInRefused(_LOCKED, code="account_locked")
        elif unit.sign_in.check_password(name, password) and unit.sign_in.check_second_factor(name, code):
            unit.staff.set_failed_sign_ins(name, 0)
            audit(unit, AuditAction.STAFF_SIGNED_IN, member.actor, member.username, client=client)
            return unit.staff.get(name) or member
        else:
            failures = member.failed_sign_ins + 1
            unit.staff.set_failed_sign_ins(name, failures)
            audit(unit, AuditAction.STAFF_SIGN_IN_FAILED, Actor.anonymous(), member.username, client=client,
                  failures=failures)
            if failures >= MAX_FAILED_SIGN_INS:
                audit(unit, AuditAction.STAFF_LOCKED, Actor.system(), member.username)
            refusal = SignInRefused(_REFUSED)
    raise refusal
