"""The vendored design-system CSS asks for nothing outside the service (the CSP would block it)."""

from __future__ import annotations

import re
from pathlib import Path

import ndop.web

STATIC = Path(ndop.web.__file__).parent / "static"


def test_the_vendored_css_declares_no_web_font_and_no_outside_address() -> None:
    css = (STATIC / "nhsuk-frontend.min.css").read_text()
    assert "@font-face" not in css
    assert re.findall(r"url\((?:[\"']?)(https?:)?//", css) == []
    assert "Frutiger W01" in css  # the family is still named first: a copy installed on the device is used


def test_our_css_asks_for_nothing_either() -> None:
    css = (STATIC / "ndop.css").read_text()
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
