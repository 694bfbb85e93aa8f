"""The footer every page of every audience shares, and the phase banner above each page.

`FOOTER_LINKS` is the one list of the footer's links, as (text, URL name): a part of the service that
has a page every audience should find (the paper forms, say) appends its entry here, and every page
(patient, organisations, policy, statistics, contact centre, errors) shows it.
"""

from __future__ import annotations

from django.urls import reverse

FOOTER_LINKS: list[tuple[str, str]] = [
    ("Privacy notice", "about:privacy"),
    ("Accessibility statement", "about:accessibility"),
    ("Cookies", "about:cookies"),
    ("Contact us", "about:contact"),
    ("Paper forms", "forms"),
]

PHASE = "Beta"  # the phase banner's tag: this is a new service (NHS service standard, phases)
FEEDBACK_URL = "about:feedback"


def footer_items() -> list[dict[str, str]]:
    """The footer's links, as the design system's footer macro takes them."""
    return [{"href": reverse(name), "text": text} for text, name in FOOTER_LINKS]


def feedback_href() -> str:
    return str(reverse(FEEDBACK_URL))
