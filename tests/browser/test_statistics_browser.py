"""`/statistics/` in Debian's chromium: axe-clean, and usable at 320 px wide (no sideways scrolling)."""

from __future__ import annotations

import pytest

from ndop import container
from ndop.services.statistics.publish import PublishRequest, publish
from tests.integration.statistics.test_publish import small_registry  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_statistics_page_is_axe_clean_and_fits(page, axe, small_registry, clock, tmp_path) -> None:  # noqa: F811
    publish(container.statistics(clock), PublishRequest(month="2026-11", months=2, out=tmp_path))
    for width in (1024, 320):
        check_at(page, axe, width)


def check_at(page, axe, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/statistics/")
    assert page.get_by_role("heading", name="National Data Opt-out statistics").is_visible()
    images = page.get_by_role("img")
    assert images.count() >= 3
    for i in range(images.count()):
        image = images.nth(i)
        if image.get_attribute("alt") is not None and image.get_attribute("src", timeout=1000):
            assert image.evaluate("img => img.complete && img.naturalWidth > 0")  # the chart loads
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe.check(page)
    page.get_by_role("link", name="November 2026").click()
    axe.check(page)
