"""Static pages: what they say is in their templates; the facts they share are constants here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ndop.web.kit import pages

SERVICE = pages.Service("National Data Opt-out", "landing", "about")

# The contact centre, as the service's public pages give it.
CONTACT = {
    "phone": "0300 303 5678",
    "text_relay": "18001 0300 303 5678",
    "hours": "Monday to Friday, 9am to 5pm, except bank holidays",
    "email": "enquiries@nhsdigital.nhs.uk",
    "address": ["National Data Opt Out", "Contact Centre", "NHS Digital", "HM Government", "7 and 8 Wellington Place",
                "Leeds", "LS1 4AP"],
}

# The only cookies the service sets: (name, purpose, how long it lasts). All strictly necessary.
COOKIES = [
    ("ndop_session", "Remembers where you are in the service and what you have told us, for example that you "
     "have entered the right security code. It holds only a random number: what you entered is kept on our "
     "server, not in the cookie.", "When you close your browser, or after 20 minutes without using the service"),
    ("csrftoken", "Stops other websites sending forms to this service pretending to be you.",
     "1 year"),
]


def _page(request: HttpRequest, template: str, title: str) -> HttpResponse:
    return pages.page(request, SERVICE, template, {"title": title, "contact": CONTACT, "cookies": COOKIES})


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return _page(request, "privacy.jinja", "Privacy notice")


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return _page(request, "accessibility.jinja", "Accessibility statement")


@require_GET
def cookies(request: HttpRequest) -> HttpResponse:
    return _page(request, "cookies.jinja", "Cookies")


@require_GET
def contact(request: HttpRequest) -> HttpResponse:
    return _page(request, "contact.jinja", "Contact us")


@require_GET
def feedback(request: HttpRequest) -> HttpResponse:
    return _page(request, "feedback.jinja", "Give feedback about this service")
