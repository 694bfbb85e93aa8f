"""NHS login and "Your choice history" in Debian's chromium, at 1280 and 320 px, axe on every page of ours.

NHS login is the local provider process (src/ndop/demo/nhs_login_provider.py): the browser really goes to it and
back. Its own page is not ours, so axe does not judge it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ndop import container
from ndop.domain.contact_centre.staff import StaffRole
from ndop.domain.registry.choices import Channel, Choice
from ndop.services.registry.load_patients import load_patients
from ndop.services.staff import phone
from ndop.services.staff.accounts import add_staff
from ndop.services.staff.find_person import open_record
from tests.browser.test_patient_journey import get_code, go
from tests.conftest import TESTER
from tests.integration.contact_centre.test_cases import ID
from tests.integration.patient.conftest import last_code
from tests.integration.patient.nhs_login import CALLBACK, PEOPLE, nhs_login_providers  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
START = "/your-data-matters/"
WIDTHS = [1280, 320]


@pytest.fixture
def provider(nhs_login_providers, live_server, settings):  # noqa: F811
    local = nhs_login_providers.get(live_server.url + CALLBACK)
    settings.CONFIG = settings.CONFIG.replace(nhs_login=local.config())
    load_patients(container.registry(), list(PEOPLE.values()), loaded_by=TESTER, source="browser test")
    return local


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


def check(page, axe, width: int) -> None:
    axe.check(page)
    fits(page, width)


def sign_in(page, axe, width: int, user: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    go(page, axe, START)
    fits(page, width)
    page.get_by_role("button", name="Continue with NHS login").click()
    assert page.title() == "NHS login (test provider)"
    page.get_by_role("button", name=f"Sign in as {user}", exact=True).click()


@pytest.mark.parametrize("width", WIDTHS)
def test_p9_goes_straight_to_their_choice_and_records_it(page, axe, provider, width) -> None:
    sign_in(page, axe, width, "p9-jane")
    assert page.title().startswith("Your choice")
    check(page, axe, width)
    page.get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Continue").click()
    check(page, axe, width)
    page.get_by_role("button", name="Confirm your choice").click()
    assert page.get_by_role("heading", name="Your choice has been recorded").is_visible()
    check(page, axe, width)
    current = container.registry().choices.current(PEOPLE["jane"].nhs_number)
    assert current is not None and current.choice is Choice.OPTED_OUT and current.channel is Channel.ONLINE


@pytest.mark.parametrize("width", WIDTHS)
def test_p5_falls_back_to_the_security_code(page, axe, provider, width) -> None:
    sign_in(page, axe, width, "p5-jane")
    assert page.title().startswith("We need to check who you are another way")
    check(page, axe, width)
    page.get_by_role("button", name="Continue with a security code").click()
    assert page.title().startswith("What is your NHS number?")
    check(page, axe, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_tampered_token_is_refused_with_the_way_on(page, axe, provider, width) -> None:
    sign_in(page, axe, width, "p9-jane-tampered")
    assert page.title().startswith("We could not sign you in with NHS login")
    check(page, axe, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_history_after_a_phone_change_and_a_staff_view_shows_both(page, axe, provider, width) -> None:
    jane = PEOPLE["jane"]
    centre = container.contact_centre()
    add_staff(centre, "alice.agent", "Alice Agent", frozenset({StaffRole.AGENT}), by=TESTER, password="x" * 20)
    phone.record_phone_choice(centre, "alice.agent", jane.nhs_number, Choice.OPTED_OUT, identity_confirmed=ID,
                              nic_reference="NIC-4471", called_at=datetime(2026, 3, 2, 11, tzinfo=UTC))
    open_record(centre, "alice.agent", jane.nhs_number, "Caller asked what her choice is")
    # Verified with a security code this time (the other route), then the link from "Your choice".
    page.set_viewport_size({"width": width, "height": 900})
    go(page, axe, START + "nhs-number")
    page.get_by_label("What is your NHS number?").fill(jane.nhs_number.display)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Day").fill(str(jane.date_of_birth.day))
    page.get_by_label("Month").fill(str(jane.date_of_birth.month))
    page.get_by_label("Year").fill(str(jane.date_of_birth.year))
    page.get_by_role("button", name="Continue").click()
    get_code(page, axe, jane)
    page.get_by_label("Security code", exact=True).fill(last_code(jane.mobile))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="View your choice history").click()
    assert page.title().startswith("Your choice history")
    check(page, axe, width)
    text = page.locator("main").inner_text()
    assert "2 March 2026" in text and "By phone" in text
    assert "Contact centre staff looked at your record" in text and "Caller asked what her choice is" in text
    assert "Alice" not in text and "alice.agent" not in text and "NIC-4471" not in text
