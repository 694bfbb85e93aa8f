"""`/forms/`: the paper forms, each described field by field from the same data as its PDF, and the PDFs
themselves (`/forms/<name>.pdf`). Public, read-only, no session."""

from __future__ import annotations

from functools import lru_cache

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from ndop import container
from ndop.domain.paper_forms.forms import FORMS, SEND_TO, by_filename
from ndop.web.kit import pages

SERVICE = pages.Service("National Data Opt-out", "landing", "paper_forms")


@lru_cache(maxsize=len(FORMS))
def _pdf(filename: str) -> bytes:
    """The forms are the same for everyone: each is drawn once per process."""
    form = by_filename(filename)
    assert form is not None
    return container.paper_form_renderer().render(form, SEND_TO)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return pages.page(request, SERVICE, "index.jinja", {"title": "Paper forms", "forms": FORMS})


@require_safe
def pdf(request: HttpRequest, filename: str) -> HttpResponse:
    if by_filename(filename) is None:
        raise Http404
    response = HttpResponse(_pdf(filename), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
