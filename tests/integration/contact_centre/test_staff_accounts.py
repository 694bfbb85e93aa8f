"""Staff accounts and sign-in: password + TOTP or a recovery code, lock after repeated failures, reset."""

from __future__ import annotations

import pytest

from ndop.adapters.db import models as m
from ndop.domain.common.actors import Actor
from ndop.domain.contact_centre.staff import MAX_FAILED_SIGN_INS, InvalidStaff, StaffRole
from ndop.services.staff.accounts import add_staff, list_staff, reset_staff, set_staff_roles
from ndop.services.staff.sign_in import SignInRefused, sign_in
from tests.conftest import TESTER
from tests.integration.contact_centre.conftest import PASSWORD


def test_sign_in_needs_the_password_and_a_current_totp_code(centre, agent) -> None:
    member = sign_in(centre, agent.username, PASSWORD, agent.code())
    assert member.roles == frozenset({StaffRole.AGENT})
    assert m.AuditEvent.objects.filter(action="staff.signed_in").count() == 1


@pytest.mark.parametrize("password,code", [("wrong password!", None), (PASSWORD, "000000"), (PASSWORD, "")])
def test_sign_in_refused_says_the_same_whatever_was_wrong(centre, agent, password, code) -> None:
    with pytest.raises(SignInRefused) as refused:
        sign_in(centre, agent.username, password, code if code is not None else agent.code())
    assert refused.value.message.startswith("The username, password or security code is not right")


def test_a_totp_code_works_once(centre, agent) -> None:
    code = agent.code()
    sign_in(centre, agent.username, PASSWORD, code)
    with pytest.raises(SignInRefused):
        sign_in(centre, agent.username, PASSWORD, code)


def test_a_recovery_code_works_once(centre, agent) -> None:
    code = agent.recovery_codes[0]
    sign_in(centre, agent.username, PASSWORD, code)
    with pytest.raises(SignInRefused):
        sign_in(centre, agent.username, PASSWORD, code)
    assert not m.StaffRecoveryCode.objects.filter(code_hash__contains=code).exists()  # stored hashed


def test_repeated_failures_lock_the_account_until_an_admin_resets_it(centre, agent) -> None:
    for _ in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(SignInRefused):
            sign_in(centre, agent.username, "wrong password!", "123456")
    with pytest.raises(SignInRefused) as refused:
        sign_in(centre, agent.username, PASSWORD, agent.code())  # even the right details
    assert refused.value.code == "account_locked"
    assert m.AuditEvent.objects.filter(action="staff.locked").count() == 1
    password, enrolment = reset_staff(centre, agent.username, by=Actor.staff_user("admin"))
    from ndop import container

    member = sign_in(centre, agent.username, password, container.totp_code(enrolment.totp_secret))
    assert member.username == agent.username


def test_unknown_user_is_refused_and_audited_without_a_name(centre) -> None:
    with pytest.raises(SignInRefused):
        sign_in(centre, "nobody.here", PASSWORD, "123456")
    assert m.AuditEvent.objects.get(action="staff.sign_in_failed").subject == ""


@pytest.mark.parametrize("username,name,password", [("A", "Name", PASSWORD), ("ok.name", "", PASSWORD),
                                                     ("ok.name", "Name", "short"), ("has space", "N", PASSWORD)])
def test_bad_account_details_are_refused_and_change_nothing(centre, username, name, password) -> None:
    with pytest.raises(InvalidStaff):
        add_staff(centre, username, name, frozenset({StaffRole.AGENT}), by=TESTER, password=password)
    assert not m.StaffAccount.objects.exists()


def test_roles_change_and_are_listed(centre, agent) -> None:
    set_staff_roles(centre, agent.username, frozenset({StaffRole.APPROVER}), by=Actor.staff_user("admin"))
    [member] = list_staff(centre)
    assert member.roles == frozenset({StaffRole.APPROVER})
    assert m.AuditEvent.objects.filter(action="staff.roles_changed").count() == 1
