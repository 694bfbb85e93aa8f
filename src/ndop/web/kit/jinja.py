"""The Jinja2 environment: our templates first, then the NHS.UK design system's macros."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader

from ndop.web.kit.forms import JINJA_GLOBALS

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def environment(**options: Any) -> Environment:
    options.pop("loader", None)
    options["undefined"] = ChainableUndefined
    options["autoescape"] = True
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES_DIR), PackageLoader("nhsuk_frontend_jinja")]),
        **options,
    )
    env.globals.update(static=static, url=reverse, **JINJA_GLOBALS)
    return env
