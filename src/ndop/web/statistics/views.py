"""`/statistics/`: every publication newest first with its headline figures; the newest (or a chosen
one) in full: charts with their alt text and a table of the same figures beside each, the downloads
and the methodology. Public, read-only, no session."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ndop import container
from ndop.domain.statistics.ports import PublishedRecord
from ndop.services.statistics.publications import list_publications, publication, publication_file

# Django ships no type hints, hence the ignores on its decorators below.
SERVICE = {"service_name": "National Data Opt-out statistics", "service_href": "/statistics/"}


def _view(record: PublishedRecord) -> dict[str, Any]:
    headline = dict(record.summary.get("headline", {}))
    downloads = [name for name in record.files if name.endswith((".csv", ".xlsx"))]
    charts = [{**chart, "svg": next((f for f in chart.get("files", []) if f.endswith(".svg")), None)}
              for chart in record.summary.get("charts", [])]
    return {"record": record, "headline": headline, "charts": charts,
            "downloads": downloads, "month": record.month.strftime("%B %Y")}


def _page(request: HttpRequest, chosen: PublishedRecord | None, records: list[PublishedRecord]) -> HttpResponse:
    context = {**SERVICE, "title": "National Data Opt-out statistics",
               "publications": [_view(r) for r in records], "chosen": None if chosen is None else _view(chosen)}
    return render(request, "statistics/index.jinja", context)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    records = list(list_publications(container.publication_records()))
    return _page(request, records[0] if records else None, records)


@require_safe
def detail(request: HttpRequest, publication_id: int) -> HttpResponse:
    records = container.publication_records()
    chosen = publication(records, publication_id)
    if chosen is None:
        raise Http404
    return _page(request, chosen, list(list_publications(records)))


@require_safe
def download(request: HttpRequest, publication_id: int, name: str) -> FileResponse:
    chosen = publication(container.publication_records(), publication_id)
    found = None if chosen is None else publication_file(chosen, name)
    if found is None:
        raise Http404
    path, kind = found
    attach = path.suffix in (".csv", ".xlsx")
    return FileResponse(open(path, "rb"), content_type=kind, as_attachment=attach, filename=path.name)
