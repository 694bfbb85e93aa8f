"""Development only: the notification outbox, so a newcomer can walk the journey end to end.

It exists in demo mode (NDOP_ENV dev or test) and answers 404 in production.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from ndop import container
from ndop.web.patient.pages import page


@require_http_methods(["GET"])
def outbox(request: HttpRequest) -> HttpResponse:
    if not settings.CONFIG.demo_mode:
        raise Http404
    request.session["_private"] = True
    return page(request, "outbox.jinja", {"title": "Outbox (development only)",
                                          "messages": container.outbox_messages(50)})
