"""Postal forms in a real browser (Debian's chromium), at 1280 and 320 pixels wide, axe on every page: an agent
receives a form, matches it to the record, and a form signed before a later online choice does not override
it; a form that matches nobody is closed as "cannot match" with a letter; bad input is refused on the page."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from ndop import container
from ndop.adapters.db import models as m
from ndop.cli import main
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.contact_centre.staff import StaffRole
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from ndop.services.staff.accounts import add_staff
from tests.conftest import TESTER, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
ADDRESS = {"address_line_1": "1 Wellington Place", "town": "Leeds"}


def _fits(page, width: int) -> None:
    """Nothing wider than the window (WCAG 1.4.10 reflow): no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _check(page, axe, width: int) -> None:
    axe.check(page)
    _fits(page, width)


def _date(page, prefix: str, day: date) -> None:
    page.locator(f"#{prefix}_day").fill(str(day.day))
    page.locator(f"#{prefix}_month").fill(str(day.month))
    page.locator(f"#{prefix}_year").fill(str(day.year))


def _fill_form(page, *, received: date, signed: date, scan: str, choice: str, given: str, family: str,
               born: date) -> None:
    _date(page, "received", received)
    _date(page, "signed", signed)
    page.get_by_label("Scanned form reference").fill(scan)
    page.get_by_label(choice).check()
    page.get_by_label("First name on the form").fill(given)
    page.get_by_label("Last name on the form").fill(family)
    _date(page, "dob", born)
    page.get_by_label("Address line 1 on the form").fill("1 Wellington Place")
    page.get_by_label("Postcode on the form").fill("ls1 4ap")
    page.get_by_label("The person themself (13 or over)").check()


@pytest.mark.parametrize("width", [1280, 320])
def test_postal_forms_walk(browser, live_server, axe, width) -> None:
    centre = container.contact_centre()
    today = centre.clock.now().date()
    adult = make_patient("943476591", born=date(1980, 3, 1), given_name="Jane", family_name="Smith", **ADDRESS)
    load_patients(centre, [adult], loaded_by=TESTER, source="test")
    # Jane opted out online three days ago.
    record_choice(centre, ChoiceRequest(adult.nhs_number, Choice.OPTED_OUT, Channel.ONLINE,
                                        made_at=centre.clock.now() - timedelta(days=3)), recorded_by=PATIENT_ONLINE)
    _, agent = add_staff(centre, "alice.agent", "Alice Agent", frozenset({StaffRole.AGENT}), by=TESTER,
                         password=PASSWORD)

    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/staff/")
    page.get_by_label("Username").fill("alice.agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Security code").fill(container.totp_code(agent.totp_secret))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Postal forms").click()
    assert page.get_by_role("heading", name="Postal forms").is_visible()
    _check(page, axe, width)

    # Bad input: the page says what to fix, and nothing is written.
    page.get_by_role("link", name="Receive a postal form").click()
    _check(page, axe, width)
    page.get_by_role("button", name="Add the form to the queue").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    summary = page.locator(".nhsuk-error-summary")
    assert summary.get_by_role("link", name="Enter the date the form was received").is_visible()
    _check(page, axe, width)
    assert not m.ContactCase.objects.exists()

    # A form signed ten days ago, before the online choice, asking to allow the use of her data.
    _fill_form(page, received=today - timedelta(days=1), signed=today - timedelta(days=10), scan="SCAN-0001",
               choice="Allow it to be used for research and planning", given="Jane", family="Smith",
               born=date(1980, 3, 1))
    page.get_by_role("button", name="Add the form to the queue").click()
    reference = m.ContactCase.objects.get().reference
    assert page.get_by_role("heading", name=f"Case {reference}").is_visible()
    assert page.locator("#status").inner_text() == "Open: not processed yet"
    _check(page, axe, width)

    # The form matches the record: recorded, but the later online choice stands.
    page.get_by_label("NHS number of the record the form matches").fill(adult.nhs_number.display)
    page.get_by_role("button", name="Record the form").click()
    assert page.locator("#status").inner_text() == "Recorded in the registry"
    assert "The later choice stands: the person is opted out" in page.locator("#later-choice").inner_text()
    assert page.locator("#letters li").count() == 1
    _check(page, axe, width)
    shown = json.loads(CliRunner().invoke(main, ["choice", "show", adult.nhs_number.digits, "--json"]).output)
    assert shown["current_choice"] == "opted_out"
    assert [(e["channel"], e["choice"]) for e in shown["history"]] == [("OP", "opted_out"), ("PP", "not_opted_out")]

    # A form whose details are not Jane's: matching is refused on the page; closed as cannot match.
    page.goto("/staff/post/receive")
    _fill_form(page, received=today - timedelta(days=16), signed=today - timedelta(days=17), scan="SCAN-0002",
               choice="Opt out: do not use it for research and planning", given="Jane", family="Smyth",
               born=date(1980, 3, 1))
    page.get_by_role("button", name="Add the form to the queue").click()
    page.get_by_label("NHS number of the record the form matches").fill(adult.nhs_number.digits)
    page.get_by_role("button", name="Record the form").click()
    assert page.get_by_text("The family name on the form do not match the record").first.is_visible()
    _check(page, axe, width)
    page.get_by_label("The details on the form do not match the record").check()
    page.get_by_role("button", name="Close as cannot match").click()
    assert page.locator("#status").inner_text() == "Closed: cannot match"
    assert "cannot_match" in page.locator("#letters").inner_text()
    _check(page, axe, width)

    # The queue: nothing open is left.
    page.get_by_role("link", name="Back", exact=True).click()
    assert page.get_by_text("No open postal forms.").is_visible()
    _check(page, axe, width)
    context.close()
    assert m.AuditEvent.objects.filter(action="case.viewed", actor="staff:alice.agent").count() >= 4
