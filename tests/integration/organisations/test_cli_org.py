from __future__ import annotations

import pytest
from click.testing import CliRunner

from ndop.adapters.db import models as m
from ndop.cli import main

pytestmark = pytest.mark.django_db


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def test_cli_org_add_registers_and_audits() -> None:
    result = run("org", "add", "rr8", "--name", "Leeds Teaching Hospitals", "--mailbox", "x26hc001")
    assert result.exit_code == 0, result.output
    row = m.Organisation.objects.get(ods_code="RR8")
    assert (row.name, row.mesh_mailbox) == ("Leeds Teaching Hospitals", "X26HC001")
    assert m.AuditEvent.objects.filter(action="organisation.registered", subject="RR8").count() == 1


def test_cli_org_add_bad_ods_code_exits_2_and_writes_nothing() -> None:
    result = run("org", "add", "R!", "--name", "Nowhere")
    assert result.exit_code == 2
    assert "ODS code" in result.output
    assert not m.Organisation.objects.exists()
    assert not m.AuditEvent.objects.exists()


def test_cli_org_user_add_prints_password_once_and_stores_only_a_hash() -> None:
    run("org", "add", "RR8", "--name", "Leeds")
    result = run("org", "user", "add", "RR8", "Ann.Lee@Example.NHS.uk", "--role", "checker")
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown once, hand it over securely): ")[1].strip()
    user = m.OrganisationUser.objects.select_related("user").get()
    assert user.user.username == "ann.lee@example.nhs.uk"
    assert user.role == "checker"
    assert password not in user.user.password and user.user.check_password(password)
    audit = m.AuditEvent.objects.get(action="organisation_user.added")
    assert password not in str(audit.details)


def test_cli_org_user_add_refuses_unknown_organisation_duplicate_user_and_short_password() -> None:
    assert run("org", "user", "add", "RR8", "a@example.com", "--role", "checker").exit_code == 2
    run("org", "add", "RR8", "--name", "Leeds")
    assert run("org", "user", "add", "RR8", "a@example.com", "--role", "ig_lead").exit_code == 0
    duplicate = run("org", "user", "add", "RR8", "A@example.com", "--role", "checker")
    assert duplicate.exit_code == 2 and "already a user" in duplicate.output
    short = run("org", "user", "add", "RR8", "b@example.com", "--role", "checker", "--password-stdin", stdin="short\n")
    assert short.exit_code == 2 and "at least 12" in short.output
    assert m.OrganisationUser.objects.count() == 1


def test_cli_org_user_disable_unknown_email_exits_2() -> None:
    result = run("org", "user", "disable", "nobody@example.com")
    assert result.exit_code == 2
