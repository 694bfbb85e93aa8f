"""Walk "Manage your choice" as a patient would, in a real browser; axe checks every page.

The security code is read from the outbox, as a newcomer reads it from the development page.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.online.security_code import MAX_TRIES
from ndop.domain.registry.choices import Channel, Choice
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient
from tests.integration.patient.conftest import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
START = "/your-data-matters/"


def years_ago(n: int) -> date:
    today = date.today()
    return today.replace(year=today.year - n) - timedelta(days=30)


@pytest.fixture
def people(live_server):
    jane = make_patient("943476591", given_name="Jane", family_name="Smith", born=years_ago(34),
                        mobile="07700900123", email="jane.smith@example.com")
    peter = make_patient("900000007", given_name="Peter", family_name="Brown", born=years_ago(71),
                         postcode="NE1 7RU", mobile="", email="")
    amelia = make_patient("900000006", given_name="Amelia", family_name="Jones", born=years_ago(9))
    load_patients(container.registry(), [jane, peter, amelia], loaded_by=TESTER, source="browser test")
    return {"jane": jane, "peter": peter, "amelia": amelia}


def go(page, axe, path: str) -> None:
    page.goto(path)
    axe.check(page)


def click(page, axe, name: str) -> None:
    page.get_by_role("button", name=name).click()
    axe.check(page)


def enter_who(page, axe, patient) -> None:
    go(page, axe, START)
    page.get_by_role("button", name="Start now").click()
    axe.check(page)
    page.get_by_label("What is your NHS number?").fill(patient.nhs_number.display)
    click(page, axe, "Continue")
    page.get_by_label("Day").fill(str(patient.date_of_birth.day))
    page.get_by_label("Month").fill(str(patient.date_of_birth.month))
    page.get_by_label("Year").fill(str(patient.date_of_birth.year))
    click(page, axe, "Continue")


def get_code(page, axe, patient, method: str = "Text message") -> str:
    assert page.title().startswith("Where should we send your security code?")
    page.get_by_label(method, exact=False).check()
    click(page, axe, "Send security code")
    assert page.title().startswith("Enter your security code")
    return last_code(patient.mobile if method == "Text message" else patient.email)


def make_choice(page, axe, patient, allow: str) -> None:
    enter_who(page, axe, patient)
    code = get_code(page, axe, patient)
    page.get_by_label("Security code", exact=True).fill(code)
    click(page, axe, "Continue")
    assert page.title().startswith("Your choice")
    page.get_by_role("radio", name=allow).check()
    click(page, axe, "Continue")
    assert page.title().startswith("Check your choice")
    click(page, axe, "Confirm your choice")
    assert page.get_by_role("heading", name="Your choice has been recorded").is_visible()


def test_patient_opts_out_then_comes_back_and_opts_in_again(page, axe, people) -> None:
    jane = people["jane"]
    make_choice(page, axe, jane, "No")
    current = container.registry().choices.current(jane.nhs_number)
    assert current.choice is Choice.OPTED_OUT and current.channel is Channel.ONLINE
    assert "We have sent a confirmation text message to 07*** ***123" in page.content()

    enter_who(page, axe, jane)
    page.get_by_label("Email", exact=False).check()
    click(page, axe, "Send security code")
    page.get_by_label("Security code", exact=True).fill(last_code(jane.email))
    click(page, axe, "Continue")
    assert "is not used for research and planning" in page.content()  # the current choice shows
    page.get_by_role("radio", name="Yes").check()
    click(page, axe, "Continue")
    click(page, axe, "Confirm your choice")
    assert container.registry().choices.current(jane.nhs_number).choice is Choice.NOT_OPTED_OUT
    go(page, axe, START + "dev/outbox")
    assert "We have recorded your choice" in page.content()


def test_errors_are_summarised_and_focus_the_summary(page, axe, people) -> None:
    go(page, axe, START + "nhs-number")
    click(page, axe, "Continue")
    assert page.title().startswith("Error: What is your NHS number?")
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    page.get_by_role("link", name="Enter your NHS number").click()
    assert page.evaluate("document.activeElement.id") == "nhs_number"


def test_child_under_13_is_sent_to_a_parent_or_guardian_route(page, axe, people) -> None:
    enter_who(page, axe, people["amelia"])
    assert page.title().startswith("You cannot make this choice online")
    assert "parental responsibility" in page.content()


def test_no_contact_details_stops_with_the_phone_route(page, axe, people) -> None:
    peter = people["peter"]
    go(page, axe, START + "name-and-postcode")
    page.get_by_label("First name").fill("peter")
    page.get_by_label("Last name").fill("BROWN")
    page.get_by_label("Postcode").fill("ne17ru")
    click(page, axe, "Continue")
    page.get_by_label("Day").fill(str(peter.date_of_birth.day))
    page.get_by_label("Month").fill(str(peter.date_of_birth.month))
    page.get_by_label("Year").fill(str(peter.date_of_birth.year))
    click(page, axe, "Continue")
    assert page.title().startswith("We cannot send you a security code")
    assert "0300 303 5678" in page.content()


def test_wrong_code_until_locked_out(page, axe, people) -> None:
    jane = people["jane"]
    enter_who(page, axe, jane)
    right = get_code(page, axe, jane)
    wrong = "000000" if right != "000000" else "111111"
    for left in range(MAX_TRIES - 1, 0, -1):
        page.get_by_label("Security code", exact=True).fill(wrong)
        click(page, axe, "Continue")
        assert page.title().startswith("Error: Enter your security code")
        assert f"You have {left} more" in page.content()
    page.get_by_label("Security code", exact=True).fill(wrong)
    click(page, axe, "Continue")
    assert page.title().startswith("You have entered the wrong security code too many times")
    assert m.AuditEvent.objects.filter(action="online.locked_out", subject=jane.nhs_number.digits).exists()
    enter_who(page, axe, jane)  # trying again at once: still locked out
    page.get_by_label("Text message", exact=False).check()
    click(page, axe, "Send security code")
    assert page.title().startswith("You have entered the wrong security code too many times")


def test_expired_code_is_refused_and_a_new_one_works(page, axe, people) -> None:
    jane = people["jane"]
    enter_who(page, axe, jane)
    old = get_code(page, axe, jane)
    m.SecurityCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page.get_by_label("Security code", exact=True).fill(old)
    click(page, axe, "Continue")
    assert "This security code has expired" in page.content()
    click(page, axe, "Send a new code")
    page.get_by_label("Security code", exact=True).fill(last_code(jane.mobile))
    click(page, axe, "Continue")
    assert page.title().startswith("Your choice")


def test_stop_pages_are_accessible(page, axe, people, monkeypatch) -> None:
    from ndop.web.patient import limits

    stranger = make_patient("900000002", born=years_ago(40))  # not in the index
    enter_who(page, axe, stranger)
    assert page.title().startswith("We could not find a match for your details")
    go(page, axe, START + "cannot-continue")
    assert "0300 303 5678" in page.content()
    go(page, axe, START + "paused")  # a number paused after wrong dates of birth from many clients (ADR 45)
    assert "0300 303 5678" in page.content()
    monkeypatch.setitem(limits.RATES, "patient-match", (0, 0))  # the live server runs in this process
    enter_who(page, axe, people["jane"])
    assert page.title().startswith("You have tried too many times")
