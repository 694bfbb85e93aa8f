"""The one page helper: every HTML page of every audience is rendered through `page`.

Each audience (patient, organisations, policy tool) is a `Service`: the name and link in the header,
and the folder its templates live in. A page gets the back link and the error summary from
`layout.jinja`, so no template or view builds either of them itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.urls import reverse
from markupsafe import Markup

from ndop.web.kit.footer import footer_items


@dataclass(frozen=True)
class Service:
    """An audience's header: its name, where the name links to (a URL name), its template folder."""

    name: str
    home: str
    templates: str = ""

    def href(self) -> str:
        return str(reverse(self.home))


Problem = dict[str, str]  # {"text": the message, "href": "#the-field-it-is-about"}, as errorSummary takes it


def problem(text: str, field_id: str) -> Problem:
    """One entry of the error summary, for an error that belongs to no form (an upload refused, a rate limit)."""
    return {"text": text, "href": f"#{field_id}"}


def page(request: HttpRequest, service: Service, template: str, context: dict[str, Any] | None = None, *,
         status: int = 200, back: str | None = None, errors: list[Problem] | None = None) -> HttpResponse:
    """Render `template` (in the service's folder) with the service header, a back link and the error summary.

    `back` is a path (or URL name) for the back link. `errors` is the error summary; when left out it is the
    summary of the context's `form`, if there is one.
    """
    ctx: dict[str, Any] = {"service_name": service.name, "service_href": service.href(), "chrome": chrome(service)}
    ctx.update(context or {})
    if errors is None:
        form = ctx.get("form")
        errors = form.error_summary if form is not None and hasattr(form, "error_summary") else []
    ctx["errors"] = errors
    ctx["back_href"] = _href(back) if back else None
    name = f"{service.templates}/{template}" if service.templates else template
    return render(request, name, ctx, status=status)


def _href(back: str) -> str:
    return back if back.startswith("/") else reverse(back)


@lru_cache(maxsize=32)
def chrome(service: Service) -> dict[str, Markup]:
    """The header and footer of a service's pages, rendered once per process.

    They are about a third of a page's CPU time, and they are made of the `Service` alone (a constant of
    the module that declares it), so nothing of a request can be in them.
    """
    env = engines["jinja2"].env  # type: ignore[attr-defined]

    def macro(component: str, name: str, params: dict[str, Any]) -> Markup:
        return Markup(getattr(env.get_template(f"nhsuk/components/{component}/macro.jinja").module, name)(params))

    return {
        "header": macro("header", "header", {"service": {"text": service.name, "href": service.href()}}),
        "footer": macro("footer", "footer", {"meta": {"items": footer_items()}}),
    }
