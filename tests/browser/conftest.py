"""Playwright for Python driving Debian's chromium (never a downloaded browser), plus axe checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("NDOP_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests make
    # (and the database set-up) are still plain synchronous calls, so Django's guard is lifted while
    # the browser runs, and put back after.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def no_script_page(browser, live_server):
    """A page with JavaScript switched off: the pages must work without it."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


class AxeChecker:
    """Runs axe on every page a test visits; the test fails on the first violation."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self._axe = Axe()
        self.pages_checked: list[str] = []

    def check(self, page) -> None:
        # A click that navigates returns once the new document is committed, not parsed: on a loaded
        # machine axe then saw half a page (a footer link with its text not yet parsed). Wait for it.
        page.wait_for_load_state("load")
        results = self._axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        self.pages_checked.append(page.title())
        assert results.violations_count == 0, f"{page.url}: {results.generate_report()}"


@pytest.fixture(scope="session")
def axe() -> AxeChecker:
    return AxeChecker()


@pytest.fixture
def axe_no_script(browser, live_server, axe):
    """axe for a page that runs no script: the same document is loaded into a page that does, at the
    same address so that its styles apply, and checked there."""
    context = browser.new_context(base_url=live_server.url)
    checker = context.new_page()

    def check(page) -> None:
        checker.goto("/healthz")
        checker.set_content(page.content(), wait_until="load")
        axe.check(checker)

    yield check
    context.close()
