"""The pages every NHS.UK service has: in the footer of every audience's pages, with the facts they must give."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from ndop.web.about.views import COOKIES
from ndop.web.kit.footer import FOOTER_LINKS

pytestmark = pytest.mark.django_db

# One page of each audience (the staff and organisation pages answer their sign-in page to a stranger).
AUDIENCE_PAGES = ["/", "/your-data-matters/", "/org/sign-in", "/policy/", "/policy/rules", "/statistics/",
                  "/staff/sign-in", "/privacy", "/no-such-page"]


def footer_links(html: str) -> list[tuple[str, str]]:
    footer = html.split('<footer class="nhsuk-footer"', 1)[1]
    return [(text.strip(), href) for href, text in
            re.findall(r'class="nhsuk-footer__list-item-link" href="([^"]+)"\s*>([^<]+)</a>', footer)]


@pytest.mark.parametrize("path", AUDIENCE_PAGES)
def test_every_audience_page_has_the_footer_links_and_the_phase_banner(client, path) -> None:
    html = client.get(path).content.decode()
    assert footer_links(html) == [(text, reverse(name)) for text, name in FOOTER_LINKS]
    assert '<strong class="nhsuk-tag ndop-phase-banner__tag">Beta</strong>' in html
    assert f'href="{reverse("about:feedback")}"' in html


def test_the_footer_lists_privacy_accessibility_cookies_and_contact() -> None:
    assert [text for text, _ in FOOTER_LINKS][:4] == [
        "Privacy notice", "Accessibility statement", "Cookies", "Contact us"]


@pytest.mark.parametrize(("name", "title"), [
    ("about:privacy", "Privacy notice"), ("about:accessibility", "Accessibility statement"),
    ("about:cookies", "Cookies"), ("about:contact", "Contact us"),
    ("about:feedback", "Give feedback about this service"),
])
def test_each_page_answers_with_its_heading(client, name, title) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<title>{title} – National Data Opt-out – NHS</title>" in html
    assert f'<h1 class="nhsuk-heading-xl">{title}</h1>' in html


def test_the_contact_page_gives_phone_text_relay_hours_email_and_address(client) -> None:
    html = client.get(reverse("about:contact")).content.decode()
    for fact in ("0300 303 5678", "18001 0300 303 5678", "Monday to Friday, 9am to 5pm, except bank holidays",
                 "enquiries@nhsdigital.nhs.uk", "7 and 8 Wellington Place", "LS1 4AP"):
        assert fact in html


def test_the_privacy_notice_gives_controller_basis_retention_and_how_to_complain(client) -> None:
    html = client.get(reverse("about:privacy")).content.decode()
    for fact in ("NHS England is the controller", "legal obligation", "Direction",
                 "at least 3 years after it is no longer needed", "Information Commissioner", "How to complain"):
        assert fact in html


def test_the_cookies_page_lists_exactly_the_cookies_the_service_sets(client) -> None:
    assert [name for name, _, _ in COOKIES] == [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME]
    html = client.get(reverse("about:cookies")).content.decode()
    assert "strictly necessary" in html and "no cookie banner" in html
    for name, _, _ in COOKIES:
        assert f'<span class="ndop-wrap">{name}</span>' in html


def test_the_accessibility_statement_says_what_was_tested(client) -> None:
    html = client.get(reverse("about:accessibility")).content.decode()
    for fact in ("WCAG", "2.2", "AA", "axe", "only the keyboard", "320 pixels", "200% zoom", "JavaScript switched off",
                 "Known issues", "Reporting accessibility problems"):
        assert fact in html
