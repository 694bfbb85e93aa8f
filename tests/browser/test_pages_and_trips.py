"""The footer's pages and what a new user tripped on, in Debian's chromium at 1280 and 320 px; axe on every page.

Each page is also checked for reflow (nothing scrolls sideways: WCAG 1.4.10), for requests that leave the
service (the Frutiger web font the CSP used to block) and for console errors. 200% zoom is a 1280 px window
zoomed to 200%: a 640 CSS px layout drawn at device scale 2, which is what the browser lays out when zoomed.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from playwright.sync_api import expect

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole
from ndop.domain.registry.choices import Choice
from ndop.services.organisations.accounts import add_organisation_user, register_organisation
from ndop.services.registry.load_patients import load_patients
from ndop.web.kit.footer import FOOTER_LINKS
from tests.browser.test_patient_journey import START
from tests.conftest import TESTER, make_patient
from tests.integration.patient.conftest import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 320)
ABOUT = ["/privacy", "/accessibility-statement", "/cookies", "/contact-us", "/feedback"]
AUDIENCES = ["/", "/your-data-matters/", "/org/sign-in", "/policy/", "/policy/rules", "/statistics/",
             "/staff/sign-in"]
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def no_counters_left():
    """Rate-limit counters live in the database cache table, which the test database flush leaves alone."""
    cache.clear()
    yield
    cache.clear()


class Tab:
    """A page in its own context at a width, watching for console errors and requests outside the service."""

    def __init__(self, browser, base_url: str, width: int, *, scale: int = 1, javascript: bool = True) -> None:
        self.width = width
        self.context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900 // scale},
                                           device_scale_factor=scale, java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("requestfailed", lambda request: self.errors.append(f"failed: {request.url}"))
        self.page.on("request", lambda request: None if request.url.startswith((base_url, "data:"))
                     else self.outside.append(request.url))

    def check(self, axe, *, console: bool = True) -> None:
        """axe, reflow, nothing asked of another site, no console error: on the page as it is now."""
        axe.check(self.page)
        wide = self.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= self.width, f"{self.page.url} is {wide} px wide at {self.width} px"
        assert self.outside == [], self.outside
        if console:
            assert self.errors == [], self.errors
        self.errors.clear()

    def go(self, axe, path: str) -> None:
        self.page.goto(path)
        self.check(axe)

    def click(self, axe, name: str) -> None:
        self.page.get_by_role("button", name=name).click()
        self.check(axe)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def tab(request, browser, live_server):
    opened = Tab(browser, live_server.url, request.param)
    yield opened
    opened.close()


@pytest.fixture
def jane(live_server):
    person = make_patient("943476591", given_name="Jane", family_name="Smith", born=date(1990, 9, 2),
                          mobile="07700900123", email="jane.smith@example.com")
    load_patients(container.registry(), [person], loaded_by=TESTER, source="browser test")
    return person


# --------------------------------------------------------------------------- the footer's pages


def test_the_footer_pages_are_accessible_and_fit(tab, axe) -> None:
    for path in ABOUT:
        tab.go(axe, path)
        expect(tab.page.get_by_role("heading", level=1)).to_be_visible()
    tab.page.goto("/no-such-page")  # the error page has the footer too (the console logs the 404 itself)
    tab.check(axe, console=False)
    expect(tab.page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(tab.page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice")).to_be_visible()


def test_every_audience_page_has_the_footer_the_phase_banner_and_asks_for_no_font(tab, axe) -> None:
    for path in AUDIENCES:
        tab.go(axe, path)
        footer = tab.page.get_by_role("contentinfo")
        for text, _ in FOOTER_LINKS:
            assert footer.get_by_role("link", name=text).is_visible(), (path, text)
        assert tab.page.get_by_role("region", name="Service phase").get_by_text("Beta").is_visible()
    tab.page.get_by_role("link", name="feedback").click()
    tab.page.wait_for_url("**/feedback")
    expect(tab.page.get_by_role("heading", name="Give feedback about this service")).to_be_visible()
    tab.check(axe)
    tab.page.get_by_role("contentinfo").get_by_role("link", name="Contact us").click()
    tab.page.wait_for_url("**/contact-us")
    assert "18001 0300 303 5678" in tab.page.content()
    tab.check(axe)


def test_the_text_falls_back_to_arial_without_asking_for_frutiger(tab, axe) -> None:
    tab.go(axe, "/your-data-matters/")
    fonts = tab.page.evaluate("Array.from(document.fonts).map(f => f.family)")
    assert fonts == []  # no @font-face: nothing to download
    assert "Frutiger" in tab.page.evaluate("getComputedStyle(document.body).fontFamily")


def test_pages_fit_at_200_percent_zoom(browser, live_server, axe, jane) -> None:
    zoomed = Tab(browser, live_server.url, 640, scale=2)
    try:
        for path in [*ABOUT, *AUDIENCES, START + "nhs-number", START + "name-and-postcode"]:
            zoomed.go(axe, path)
        walk_to_your_choice(zoomed, axe, jane)
        zoomed.page.get_by_role("radio", name="No").check()
        zoomed.click(axe, "Continue")
        zoomed.click(axe, "Confirm your choice")
        expect(zoomed.page.get_by_role("heading", name="Your choice has been recorded")).to_be_visible()
    finally:
        zoomed.close()


# --------------------------------------------------------------------------- the patient's trips


def enter_who(tab: Tab, axe, patient, month: str | None = None) -> None:
    tab.go(axe, START + "nhs-number")
    tab.page.get_by_label("What is your NHS number?").fill(patient.nhs_number.display)
    tab.click(axe, "Continue")
    tab.page.get_by_label("Day").fill(str(patient.date_of_birth.day))
    tab.page.get_by_label("Month").fill(month or str(patient.date_of_birth.month))
    tab.page.get_by_label("Year").fill(str(patient.date_of_birth.year))
    tab.click(axe, "Continue")


def walk_to_your_choice(tab: Tab, axe, patient) -> None:
    enter_who(tab, axe, patient)
    tab.page.get_by_label("Text message", exact=False).check()
    tab.click(axe, "Send security code")
    tab.page.get_by_label("Security code", exact=True).fill(last_code(patient.mobile))
    tab.click(axe, "Continue")
    assert tab.page.title().startswith("Your choice")


@pytest.mark.parametrize("month", ["Sept", "September"])
def test_the_month_of_birth_in_words_is_accepted(tab, axe, jane, month) -> None:
    enter_who(tab, axe, jane, month=month)
    assert tab.page.title().startswith("Where should we send your security code?")


def test_send_a_new_code_says_so_and_that_the_earlier_code_no_longer_works(tab, axe, jane) -> None:
    enter_who(tab, axe, jane)
    tab.page.get_by_label("Text message", exact=False).check()
    tab.click(axe, "Send security code")
    first = last_code(jane.mobile)
    assert not tab.page.get_by_text("We have sent you a new security code").is_visible()
    tab.click(axe, "Send a new code")
    banner = tab.page.locator(".nhsuk-notification-banner--success")
    assert banner.get_by_text("We have sent you a new security code").is_visible()
    assert banner.get_by_text("Any code we sent you before this one no longer works").is_visible()
    second = last_code(jane.mobile)
    if first != second:
        tab.page.get_by_label("Security code", exact=True).fill(first)
        tab.click(axe, "Continue")
        assert "Use the code in the newest message we sent you" in tab.page.content()
    tab.page.get_by_label("Security code", exact=True).fill(second)
    tab.click(axe, "Continue")
    assert tab.page.title().startswith("Your choice")


def test_a_timed_out_session_says_so_and_why(tab, axe, jane) -> None:
    enter_who(tab, axe, jane)
    tab.page.get_by_label("Text message", exact=False).check()
    tab.click(axe, "Send security code")
    Session.objects.all().delete()  # 20 minutes without a request: the server has forgotten the session
    tab.page.get_by_label("Security code", exact=True).fill(last_code(jane.mobile))
    tab.click(axe, "Continue")
    expect(tab.page.get_by_role("heading", name="Your session has timed out")).to_be_visible()
    assert "20 minutes" in tab.page.content()
    tab.page.get_by_role("button", name="Start again").click()
    assert tab.page.title().startswith("Make your choice")


def test_confirming_the_same_choice_records_nothing_and_says_so(tab, axe, jane) -> None:
    walk_to_your_choice(tab, axe, jane)
    tab.click(axe, "Continue")  # nothing chosen: the whole question in the message
    message = ("Select yes if you allow your confidential patient information to be used for research and planning, "
               "or no if you do not")
    assert tab.page.locator(".nhsuk-error-summary").get_by_text(message).is_visible()
    assert tab.page.locator(".nhsuk-error-message").get_by_text(message).is_visible()
    tab.page.get_by_role("radio", name="Yes").check()  # no choice recorded yet: that already is "yes"
    tab.click(axe, "Continue")
    tab.click(axe, "Confirm your choice")
    expect(tab.page.get_by_role("heading", name="Your choice has not changed")).to_be_visible()
    assert "21 days" not in tab.page.content()
    assert m.ChoiceEvent.objects.count() == 0
    assert container.registry().choices.current(jane.nhs_number) is None


# --------------------------------------------------------------------------- keyboard only


def press_tab_to(page, name: str, *, role: str | None = None, limit: int = 60) -> None:
    """Tab until the focused element's accessible text is `name`; assert the focus can be seen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = page.evaluate("""() => {
            const e = document.activeElement;
            const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
            const s = getComputedStyle(e);
            return {text: (label || e.innerText || e.value || '').trim(), tag: e.tagName, type: e.type || '',
                    seen: s.outlineStyle !== 'none' || s.boxShadow !== 'none'};
        }""")
        if here["text"].startswith(name) and (role is None or here["tag"].lower() == role or here["type"] == role):
            assert here["seen"], f"no visible focus on {name}"
            return
    raise AssertionError(f"{name} cannot be reached with the Tab key")


def test_the_whole_journey_with_the_keyboard_only(browser, live_server, axe, jane) -> None:
    opened = Tab(browser, live_server.url, 1280)
    page = opened.page
    try:
        opened.go(axe, "/")
        press_tab_to(page, "Skip to main content")
        press_tab_to(page, "Manage your choice", role="a")
        page.keyboard.press("Enter")
        page.wait_for_url("**/your-data-matters/")
        press_tab_to(page, "Start now")
        page.keyboard.press("Enter")
        page.wait_for_url("**/nhs-number")
        press_tab_to(page, "What is your NHS number?")
        page.keyboard.type(jane.nhs_number.display)
        page.keyboard.press("Enter")  # submits the form
        page.wait_for_url("**/date-of-birth")
        opened.check(axe)
        press_tab_to(page, "Day")
        page.keyboard.type(str(jane.date_of_birth.day))
        page.keyboard.press("Tab")
        page.keyboard.type("Sept")
        page.keyboard.press("Tab")
        page.keyboard.type(str(jane.date_of_birth.year))
        press_tab_to(page, "Continue")
        page.keyboard.press("Enter")
        page.wait_for_url("**/send-code")
        opened.check(axe)
        press_tab_to(page, "Text message", role="radio")
        page.keyboard.press("Space")
        press_tab_to(page, "Send security code")
        page.keyboard.press("Enter")
        page.wait_for_url("**/security-code")
        opened.check(axe)
        press_tab_to(page, "Security code")
        page.keyboard.type(last_code(jane.mobile))
        page.keyboard.press("Enter")
        page.wait_for_url("**/your-choice")
        opened.check(axe)
        press_tab_to(page, "Yes", role="radio")  # a radio group is one Tab stop; the arrow keys choose in it
        page.keyboard.press("ArrowDown")
        assert page.get_by_role("radio", name="No").is_checked()
        press_tab_to(page, "Continue")
        page.keyboard.press("Enter")
        page.wait_for_url("**/check")
        opened.check(axe)
        press_tab_to(page, "Confirm your choice")
        page.keyboard.press("Enter")
        page.wait_for_url("**/confirmation")
        opened.check(axe)
        expect(page.get_by_role("heading", name="Your choice has been recorded")).to_be_visible()
        assert container.registry().choices.current(jane.nhs_number).choice is Choice.OPTED_OUT
        press_tab_to(page, "Accessibility statement", role="a")
        page.keyboard.press("Enter")
        page.wait_for_url("**/accessibility-statement")
        opened.check(axe)
    finally:
        opened.close()


# --------------------------------------------------------------------------- the policy register at 320 px


def test_the_register_and_a_flow_fit_at_320_px_and_show_reasons_in_words(tab, axe) -> None:
    from ndop.demo.policy_flows import install_demo_policy_flows

    registry = container.registry()
    register_organisation(registry, Organisation(OdsCode("RR8"), "Leeds Teaching Hospitals"), by=TESTER)
    add_organisation_user(registry, OdsCode("RR8"), "ig@leeds.nhs.uk", OrganisationRole.IG_LEAD, by=TESTER,
                          password=PASSWORD)
    install_demo_policy_flows(container.policy_register(), OdsCode("RR8"), by=TESTER)
    tab.page.goto("/org/sign-in?next=/policy/register/")
    tab.page.get_by_label("Email address").fill("ig@leeds.nhs.uk")
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.click(axe, "Sign in")
    assert tab.page.get_by_role("heading", name="Your register of data flows").is_visible() or \
        tab.page.url.endswith("/policy/register/")
    tab.check(axe)
    html = tab.page.content()
    assert "Section 251 support with the standard condition" in html
    assert "section_251_standard_condition" not in html and "ndop-system" not in html
    tab.page.get_by_role("link", name="Monthly extract to CPRD").click()
    tab.check(axe)
    html = tab.page.content()
    assert "ndop-system" not in html and "list item" not in html and "Reason code" not in html
    tab.page.get_by_role("link", name="Version 1").click()
    tab.check(axe)


def test_the_decision_page_fits_and_says_its_headline_once(tab, axe) -> None:
    tab.go(axe, "/policy/")
    tab.click(axe, "Start now")
    for label in ("Research", "Identifiable", "Yes", "Section 251 support, regulation 5", "No", "Someone else",
                  "Health or adult social care in England", "No"):  # the last: not from GP records
        tab.page.get_by_label(label, exact=True).check()
        tab.click(axe, "Continue")
    tab.click(axe, "Continue")  # the date: empty for today
    tab.click(axe, "See the decision")
    expect(tab.page.get_by_role("heading", name="The national data opt-out applies")).to_be_visible()
    explanation = tab.page.locator(".nhsuk-card__description").first.inner_text()
    assert tab.page.content().count(explanation) == 1
