"""The policy questionnaire and the register in a real browser (Debian's chromium), axe on every page.

Self-contained fixtures (prefixed `policy_`), so that this module runs whatever tests/browser/conftest.py
holds. JavaScript is switched off for the questionnaire walk: the pages must work without it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.organisations import OdsCode, Organisation, OrganisationRole
from ndop.services.organisation_accounts import add_organisation_user, register_organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = Path(os.environ.get("NDOP_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def policy_browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def policy_page(policy_browser, live_server):
    context = policy_browser.new_context(base_url=live_server.url, java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def axe_check(policy_browser, live_server):
    """Checks the page the test is on. axe is a script, and the test's page runs none: the same
    document is loaded into a page that does, at the same address so that its styles apply."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = policy_browser.new_context(base_url=live_server.url)
    checker = context.new_page()

    def check(page) -> None:
        checker.goto("/healthz")
        checker.set_content(page.content(), wait_until="load")
        results = axe.run(checker, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert results.violations_count == 0, f"{page.url}: {results.generate_report()}"

    yield check
    context.close()


def choose(page, axe_check, label: str) -> None:
    page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    axe_check(page)


def test_policy_questionnaire_without_javascript_then_save_to_the_register(policy_page, axe_check) -> None:
    page = policy_page
    registry = container.registry()
    register_organisation(registry, Organisation(OdsCode("RR8"), "Leeds Teaching Hospitals"), by="test")
    add_organisation_user(registry, OdsCode("RR8"), "ig@leeds.nhs.uk", OrganisationRole.IG_LEAD, by="test",
                          password=PASSWORD)

    page.goto("/policy/")
    axe_check(page)
    page.get_by_role("button", name="Start now").click()
    axe_check(page)
    page.get_by_role("button", name="Continue").click()  # nothing chosen: an error summary
    assert page.get_by_role("alert").is_visible() or page.locator(".nhsuk-error-summary").is_visible()
    axe_check(page)
    choose(page, axe_check, "Research")
    choose(page, axe_check, "Identifiable")
    choose(page, axe_check, "Yes")  # NHS numbers obtainable
    choose(page, axe_check, "Section 251 support, regulation 5")
    choose(page, axe_check, "No")  # the approval does not set the opt-out aside
    choose(page, axe_check, "Someone else")
    choose(page, axe_check, "Health or adult social care in England")
    page.get_by_role("button", name="Continue").click()  # the date: empty for today
    axe_check(page)
    assert page.get_by_role("heading", name="Check your answers").is_visible()
    page.get_by_role("button", name="See the decision").click()
    axe_check(page)
    assert page.get_by_role("heading", name="The national data opt-out applies").is_visible()

    page.get_by_role("button", name="Save to your register").click()  # asks to sign in first
    page.get_by_label("Email address").fill("ig@leeds.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    axe_check(page)
    page.get_by_label("Name of the data flow").fill("Monthly extract to CPRD")
    page.get_by_role("button", name="Save").click()
    axe_check(page)
    assert page.get_by_role("heading", name="Monthly extract to CPRD", level=1).is_visible()
    page.get_by_role("link", name="Back to the register").click()
    axe_check(page)
    assert page.get_by_role("link", name="Monthly extract to CPRD").is_visible()
    assert m.PolicyFlowVersion.objects.filter(decided_by="ig@leeds.nhs.uk", applies=True).count() == 1
