"""The policy questionnaire and the register in a real browser (Debian's chromium), axe on every page.

JavaScript is switched off for the questionnaire walk: the pages must work without it. The browser
and axe fixtures are in tests/browser/conftest.py.
"""

from __future__ import annotations

import pytest

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole
from ndop.services.organisations.accounts import add_organisation_user, register_organisation
from tests.conftest import TESTER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def choose(page, axe_no_script, label: str) -> None:
    page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    axe_no_script(page)


def test_policy_questionnaire_without_javascript_then_save_to_the_register(no_script_page, axe_no_script) -> None:
    page = no_script_page
    registry = container.registry()
    register_organisation(registry, Organisation(OdsCode("RR8"), "Leeds Teaching Hospitals"), by=TESTER)
    add_organisation_user(registry, OdsCode("RR8"), "ig@leeds.nhs.uk", OrganisationRole.IG_LEAD, by=TESTER,
                          password=PASSWORD)

    page.goto("/policy/")
    axe_no_script(page)
    page.get_by_role("button", name="Start now").click()
    axe_no_script(page)
    page.get_by_role("button", name="Continue").click()  # nothing chosen: an error summary
    assert page.get_by_role("alert").is_visible() or page.locator(".nhsuk-error-summary").is_visible()
    axe_no_script(page)
    choose(page, axe_no_script, "Research")
    choose(page, axe_no_script, "Identifiable")
    choose(page, axe_no_script, "Yes")  # NHS numbers obtainable
    choose(page, axe_no_script, "Section 251 support, regulation 5")
    choose(page, axe_no_script, "No")  # the approval does not set the opt-out aside
    choose(page, axe_no_script, "Someone else")
    choose(page, axe_no_script, "Health or adult social care in England")
    choose(page, axe_no_script, "No")  # not from GP records
    page.get_by_role("button", name="Continue").click()  # the date: empty for today
    axe_no_script(page)
    assert page.get_by_role("heading", name="Check your answers").is_visible()
    page.get_by_role("button", name="See the decision").click()
    axe_no_script(page)
    assert page.get_by_role("heading", name="The national data opt-out applies").is_visible()

    page.get_by_role("button", name="Save to your register").click()  # asks to sign in first
    page.get_by_label("Email address").fill("ig@leeds.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    axe_no_script(page)
    page.get_by_label("Name of the data flow").fill("Monthly extract to CPRD")
    page.get_by_role("button", name="Save").click()
    axe_no_script(page)
    assert page.get_by_role("heading", name="Monthly extract to CPRD", level=1).is_visible()
    page.get_by_role("link", name="Back to the register").click()
    axe_no_script(page)
    assert page.get_by_role("link", name="Monthly extract to CPRD").is_visible()
    assert m.PolicyFlowVersion.objects.filter(decided_by="ig@leeds.nhs.uk", applies=True).count() == 1
