"""The contact-centre walk in a real browser (Debian's chromium), axe on every page: TOTP sign-in, a trace
and a phone opt-out, a GUARDIAN opt-out that stays pending, the same agent cannot approve, an approver does,
`ndop choice show --json` shows it, POA for a child is refused."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from ndop import container
from ndop.adapters.db import models as m
from ndop.cli import main
from ndop.domain.contact_centre.evidence import ROLE_LABELS, EvidenceType
from ndop.domain.contact_centre.staff import StaffRole
from ndop.domain.registry.choices import ProxyRole
from ndop.services.registry.load_patients import load_patients
from ndop.services.staff.accounts import add_staff
from tests.conftest import TESTER, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
ADDRESS = {"address_line_1": "1 Wellington Place", "town": "Leeds"}


def _sign_in(page, username: str, secret: str, axe) -> None:
    page.goto("/staff/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Security code").fill(container.totp_code(secret))
    axe.check(page)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="Contact centre").is_visible()
    axe.check(page)


def _proxy_form(page, role: str, evidence: str) -> None:
    page.get_by_label("Someone acting for them").check()
    page.get_by_label(ROLE_LABELS[ProxyRole(role)], exact=True).check()
    page.get_by_label("Proxy's full name").fill("Jane Smith")
    page.get_by_label("Relationship to the person").fill("Mother")
    page.get_by_label("Proxy's address line 1").fill("1 Wellington Place")
    page.get_by_label("Proxy's address line 2 (town)").fill("Leeds")
    page.get_by_label("Proxy's postcode").fill("LS1 4AP")
    page.get_by_label(EvidenceType(evidence).label, exact=True).check()
    page.get_by_label("Evidence reference").fill("BC123456")


def _identity_and_choice(page, nic: str) -> None:
    for detail in ("Full name", "Date of birth", "Postcode"):
        page.get_by_label(detail, exact=True).check()
    page.get_by_label("Opt out: do not use it").check()
    page.get_by_label("NIC reference").fill(nic)


def test_contact_centre_walk(browser, live_server, axe) -> None:
    centre = container.contact_centre()
    adult = make_patient("943476591", born=date(1980, 3, 1), given_name="Jane", family_name="Smith", **ADDRESS)
    child = make_patient("943476592", born=date(2017, 6, 1), given_name="Sam", family_name="Smith", **ADDRESS)
    load_patients(centre, [adult, child], loaded_by=TESTER, source="test")
    _, agent = add_staff(centre, "alice.agent", "Alice Agent", frozenset({StaffRole.AGENT}), by=TESTER,
                         password=PASSWORD)
    _, approver = add_staff(centre, "ann.approver", "Ann Approver", frozenset({StaffRole.APPROVER, StaffRole.AGENT}),
                            by=TESTER, password=PASSWORD)

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, "alice.agent", agent.totp_secret, axe)

    # Find an adult by family name, date of birth and postcode; open the record with a reason.
    page.get_by_role("link", name="Find a person").click()
    page.get_by_label("Family name").fill("smith")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("1980")
    page.get_by_label("Postcode").fill("ls1 4ap")
    page.get_by_role("button", name="Search").click()
    axe.check(page)
    page.locator("#reason-1").fill("call 12345-A")
    page.get_by_role("button", name="Open record for Jane Smith").click()
    assert page.get_by_role("heading", name="Jane Smith").is_visible()
    axe.check(page)
    _identity_and_choice(page, "12345-A")
    page.get_by_role("button", name="Record the choice").click()
    assert page.get_by_text("Choice recorded").first.is_visible()
    axe.check(page)
    assert m.ChoiceEvent.objects.get(nhs_number=adult.nhs_number.digits).channel == "CC"

    # A GUARDIAN opt-out for a 9-year-old with a birth certificate stays pending.
    page.goto("/staff/find")
    page.get_by_label("NHS number").fill(child.nhs_number.digits)
    page.locator("#reason").fill("call 12345-C")
    page.get_by_role("button", name="Open record").click()
    _identity_and_choice(page, "12345-C")
    _proxy_form(page, "GUARDIAN", "birth_certificate")
    page.get_by_role("button", name="Record the choice").click()
    assert page.get_by_role("heading", name="Waiting for approval").is_visible()
    axe.check(page)
    assert not m.ChoiceEvent.objects.filter(nhs_number=child.nhs_number.digits).exists()
    # The same agent cannot approve it.
    assert page.goto("/staff/approvals").status == 403

    # POA for a child is refused with a clear message.
    page.goto("/staff/find")
    page.get_by_label("NHS number").fill(child.nhs_number.digits)
    page.locator("#reason").fill("call 12345-D")
    page.get_by_role("button", name="Open record").click()
    _identity_and_choice(page, "12345-D")
    _proxy_form(page, "POA", "certified_lpa")
    page.get_by_role("button", name="Record the choice").click()
    assert page.get_by_text("can only act for an adult").first.is_visible()
    axe.check(page)
    context.close()

    # An approver approves it; the registry now holds it, with the proxy role.
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, "ann.approver", approver.totp_secret, axe)
    page.get_by_role("link", name="Proxy choices waiting for approval").click()
    axe.check(page)
    reference = m.ContactCase.objects.get(status="pending_approval").reference
    page.get_by_role("button", name=f"Approve case {reference}").click()
    assert page.get_by_text(f"Case {reference}: recorded").is_visible()
    axe.check(page)
    page.goto(f"/staff/cases/{reference}")
    assert page.locator("#letters li").count() == 2
    axe.check(page)
    context.close()

    shown = json.loads(CliRunner().invoke(main, ["choice", "show", child.nhs_number.digits, "--json"]).output)
    assert [e["proxy_role"] for e in shown["history"]] == ["GUARDIAN"]
    viewed = m.AuditEvent.objects.filter(action="patient.viewed", actor="staff:alice.agent")
    assert {v.details["purpose"] for v in viewed} == {"call 12345-A", "call 12345-C", "call 12345-D"}
