"""The Jinja2 environment: our templates first, then the NHS.UK design system's macros."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from jinja2.filters import do_indent
from markupsafe import Markup

from ndop.domain.paper_forms.forms import SEND_TO
from ndop.web.kit.footer import PHASE, feedback_href, footer_items
from ndop.web.kit.forms import JINJA_GLOBALS

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    """Jinja's `indent`, the same output, without escaping each line of safe markup again.

    The design system's templates indent every nested component (`| trim | indent(2)`), and on Markup
    Jinja's filter re-wraps and re-escapes each line: most of a form page's CPU time (a date input is
    ~6,000 escapes). Indenting the plain text of markup and marking the result safe gives the same bytes:
    the lines were safe, and the indent is spaces. Other strings go to Jinja's filter unchanged.
    """
    if isinstance(s, Markup) and not isinstance(width, str):
        return Markup(do_indent(str(s), width, first, blank))
    return do_indent(s, width, first, blank)


def environment(**options: Any) -> Environment:
    options.pop("loader", None)
    options["undefined"] = ChainableUndefined
    options["autoescape"] = True
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES_DIR), PackageLoader("nhsuk_frontend_jinja")]),
        **options,
    )
    # send_to: where the paper forms go, on every page that mentions them (the forms' one source).
    env.globals.update(static=static, url=reverse, send_to=SEND_TO, footer_items=footer_items,
                       feedback_href=feedback_href, phase=PHASE, **JINJA_GLOBALS)
    env.filters["indent"] = indent
    return env
