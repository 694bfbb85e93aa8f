"""`/forms/` in Debian's chromium at 1280 and 320 px: axe-clean, no sideways scrolling, each form's PDF
downloads, and the patient service's "download the form" link leads there."""

from __future__ import annotations

import pytest

from ndop.domain.paper_forms.forms import FORMS, SEND_TO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 320])
def test_forms_page_is_axe_clean_fits_and_downloads_each_form(page, axe, width) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/forms/")
    assert page.get_by_role("heading", name="Paper forms", level=1).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe.check(page)
    for form in FORMS:
        page.get_by_text(f'What the form "{form.title}" asks for').click()  # open the details
        assert page.get_by_text(form.fields()[-1].label).first.is_visible()
        link = page.get_by_role("link", name=f'Download the form "{form.title}" (PDF)')
        response = page.request.get(link.get_attribute("href"))
        assert response.ok and response.headers["content-type"] == "application/pdf"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe.check(page)  # with the details open
    assert page.get_by_text(SEND_TO.address[-1]).is_visible()


def test_patient_start_links_to_the_forms(page, axe) -> None:
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto("/your-data-matters/")
    page.get_by_role("link", name='download the form "Make and manage your choice"').click()
    assert page.get_by_role("heading", name="Paper forms", level=1).is_visible()
