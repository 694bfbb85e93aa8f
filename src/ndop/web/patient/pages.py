"""Rendering shared by the journey's pages."""

from __future__ import annotations

import json
import threading
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.urls import reverse
from markupsafe import Markup

SERVICE_NAME = "Manage your choice"
PHONE = "0300 303 5678"


# The design system's macros are most of a page's CPU time (a date input is ~150 macro calls). Their
# output depends only on their parameters, so pages render each (component, parameters) once and reuse
# it. Templates pass cache=false where the parameters hold what a person typed or their contact details.
MACROS = {
    "input": "nhsuk/components/input/macro.jinja",
    "dateInput": "nhsuk/components/date-input/macro.jinja",
    "radios": "nhsuk/components/radios/macro.jinja",
    "button": "nhsuk/components/button/macro.jinja",
    "insetText": "nhsuk/components/inset-text/macro.jinja",
    "summaryList": "nhsuk/components/summary-list/macro.jinja",
    "panel": "nhsuk/components/panel/macro.jinja",
    "backLink": "nhsuk/components/back-link/macro.jinja",
    "header": "nhsuk/components/header/macro.jinja",
    "footer": "nhsuk/components/footer/macro.jinja",
}
_RENDERED: dict[str, Markup] = {}
_RENDERED_MAX = 1024
_lock = threading.Lock()


def component(name: str, params: dict[str, Any], cache: bool = True) -> Markup:
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    macro = getattr(env.get_template(MACROS[name]).module, name)
    if not cache:
        return Markup(macro(params))
    key = name + json.dumps(params, sort_keys=True, default=str)
    html = _RENDERED.get(key)
    if html is None:
        html = Markup(macro(params))
        with _lock:
            if len(_RENDERED) < _RENDERED_MAX:
                _RENDERED[key] = html
    return html


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
         back: str | None = None) -> HttpResponse:
    ctx: dict[str, Any] = {
        "service_name": SERVICE_NAME,
        "service_href": reverse("patient:start"),
        "phone": PHONE,
        "component": component,
        "patient_back": reverse(back) if back else None,
    }
    ctx.update(context or {})
    return render(request, f"patient/{template}", ctx, status=status)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return page(request, "too_many_requests.jinja", {"title": "You have tried too many times"}, status=429)
