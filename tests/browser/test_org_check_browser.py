"""The web upload page in a real browser (Debian's chromium), without JavaScript, axe on every page.

Self-contained fixtures (prefixed `checks_`), like the policy browser test beside it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ndop import container
from ndop.domain.choices import Channel, Choice, ChoiceRequest
from ndop.domain.organisations import OdsCode, Organisation, OrganisationRole
from ndop.services.load_patients import load_patients
from ndop.services.organisation_accounts import add_organisation_user, register_organisation
from ndop.services.record_choice import record_choice
from tests.conftest import make_patient, number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = Path(os.environ.get("NDOP_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PASSWORD = "correct horse battery staple"
A, B = (number(n).digits for n in ("943476591", "900000002"))


@pytest.fixture(scope="module")
def checks_browser():
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
def checks_page(checks_browser, live_server):
    context = checks_browser.new_context(base_url=live_server.url, java_script_enabled=False, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def checks_axe(checks_browser, live_server):
    """axe runs in a second page holding the same document (the test's page runs no script)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = checks_browser.new_context(base_url=live_server.url)
    checker = context.new_page()

    def check(page) -> None:
        checker.goto("/healthz")
        checker.set_content(page.content(), wait_until="load")
        results = axe.run(checker, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert results.violations_count == 0, f"{page.url}: {results.generate_report()}"

    yield check
    context.close()


def test_org_check_upload_and_download_in_a_browser(checks_page, checks_axe, tmp_path) -> None:
    registry = container.registry()
    patient = make_patient("900000002")
    load_patients(registry, [patient], loaded_by="test", source="fixture")
    record_choice(registry, ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.ONLINE), recorded_by="patient")
    register_organisation(registry, Organisation(OdsCode("RR8"), "Leeds Teaching Hospitals"), by="test")
    add_organisation_user(registry, OdsCode("RR8"), "ann@leeds.nhs.uk", OrganisationRole.CHECKER, by="test",
                          password=PASSWORD)
    good = tmp_path / "RR8-231126-0001.dat"
    good.write_bytes(f"{A},\r\n{B},\r\n".encode())
    bad = tmp_path / "RR8-231126-0002.dat"
    bad.write_bytes(f"{A},\r\n123,\r\n".encode())

    page = checks_page
    page.goto("/org/check/")
    page.get_by_label("Email address").fill("ann@leeds.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="Check a list of NHS numbers").is_visible()
    checks_axe(page)

    page.get_by_role("button", name="Check the list").click()  # no file: an error summary
    assert page.locator(".nhsuk-error-summary").is_visible()
    checks_axe(page)

    page.get_by_label("Upload a file").set_input_files(str(good))
    page.get_by_role("button", name="Check the list").click()
    assert page.get_by_role("heading", name="Your list has been checked").is_visible()
    assert page.get_by_text("must not be added to any patient").is_visible()
    checks_axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the cleaned list").click()
    download = download_info.value
    assert download.suggested_filename == "RR8-231126-0001_RESPONSE.dat"
    assert Path(download.path()).read_bytes() == f"{A},\r\n".encode()

    page.get_by_role("link", name="Check another list").click()
    page.get_by_label("Upload a file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the list").click()
    assert page.get_by_role("heading", name="Your file was rejected").is_visible()
    checks_axe(page)
