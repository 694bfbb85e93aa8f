"""Structural accessibility checks of every policy page (WCAG 2.2 AA basics a parser can see).

One h1 a page; every visible form control labelled; error summary links land on a field; no
script but the design system's; headings never skip a level.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.integration.policy.test_questionnaire import S251_STUDY, answer, walk
from tests.integration.policy.test_register_pages import save_flow, sign_in

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str]] = []
        self.headings: list[int] = []
        self.links: list[str] = []
        self.scripts: list[dict[str, str]] = []
        self.html_lang = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang", "")
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "textarea", "select") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
        if tag in ("h1", "h2", "h3", "h4"):
            self.headings.append(int(tag[1]))
        if tag == "a":
            self.links.append(a.get("href", ""))
        if tag == "script":
            self.scripts.append(a)


def check(html: str) -> None:
    page = Page(html)
    assert page.html_lang == "en"
    assert page.headings.count(1) == 1, page.headings
    assert page.headings[0] == 1 or page.headings.index(1) < 2
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"heading jumps from h{before} to h{after}"
    for control in page.controls:
        assert control.get("id") in page.label_for, f"unlabelled control {control}"
    for href in page.links:
        if href.startswith("#") and href not in ("#maincontent", "#"):
            assert href[1:] in page.ids, f"link to missing #{href[1:]}"
    for script in page.scripts:
        assert script.get("src") or script.get("nonce"), "inline script without the page's nonce"


def test_questionnaire_pages_are_structurally_accessible(client) -> None:
    check(client.get("/policy/").content.decode())
    check(client.get("/policy/rules").content.decode())
    check(answer(client, "purpose").content.decode())  # with an error summary
    walk(client, {k: v for k, v in S251_STUDY.items() if k != "date"})
    check(answer(client, "date", **{"date-day": "31", "date-month": "2", "date-year": "2020"}).content.decode())
    walk(client, S251_STUDY)
    check(client.get("/policy/check-answers").content.decode())
    walk(client, {**S251_STUDY, "legal_basis": "none"})
    check(client.get("/policy/decision").content.decode())


def test_register_pages_are_structurally_accessible(client, accounts) -> None:
    sign_in(client, "ig@leeds.nhs.uk")
    check(client.get("/policy/register/").content.decode())
    check(client.get("/policy/register/new").content.decode())
    location = save_flow(client)
    walk(client, S251_STUDY)
    check(client.post("/policy/register/new", {"name": ""}).content.decode())
    check(client.get("/policy/register/").content.decode())
    check(client.get(location).content.decode())
    check(client.get(f"{location}/details").content.decode())
    check(client.get(f"{location}/versions/1").content.decode())
