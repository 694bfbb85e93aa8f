"""Request and response hardening every view shares (ADR 0048).

- A body sent with `Transfer-Encoding: chunked` and no `Content-Length` is refused with 411: Django
  reads the body by its declared length, so such a body would be read as empty and acted on as if
  nothing had been sent. The production reverse proxy (deploy/nginx.conf) buffers bodies and sends
  them on with a length, so real clients never see this.
- Every response the application itself makes carries `Cache-Control: no-store` unless the view
  chose otherwise: pages and API answers carry NHS numbers, choices and contact details, and no
  shared or browser cache may keep them. Static assets are served before this (WhiteNoise) and stay
  cacheable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestHardeningMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _chunked_without_length(request):
            response: HttpResponse = JsonResponse(
                {"error": "length_required",
                 "message": "Send the body with a Content-Length header, not Transfer-Encoding: chunked."},
                status=411,
            )
        else:
            response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


def _chunked_without_length(request: HttpRequest) -> bool:
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not request.META.get("CONTENT_LENGTH")
