"""HTTP methods, the same for every page and the API: HEAD wherever GET, and 405 in the API's envelope.

HEAD is answered as GET with the body left out (RFC 9110 9.3.2), here once rather than in each view's
list of methods, so no page or API operation can forget it. A GET-only view answers HEAD; a POST-only
view answers 405 to both.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ndop.web.kit.errors import API_PREFIX, api_error


class HttpMethodsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        response = self.get_response(request)
        if response.status_code == 405:
            response = _not_allowed(request, response)
        if head:
            request.method = "HEAD"
            _drop_body(response)
        return response


def _not_allowed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    methods = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
    if "GET" in methods and "HEAD" not in methods:
        methods.append("HEAD")
    allowed = ", ".join(sorted(methods))
    if request.path.startswith(API_PREFIX):
        response = api_error(405, "method_not_allowed", f"This address answers only {allowed or 'nothing'}.")
    response["Allow"] = allowed
    return response


def _drop_body(response: HttpResponse) -> None:
    if response.streaming:
        # The file stays open until the response is closed, then closes.
        response.streaming_content = []  # type: ignore[attr-defined]
        return
    response["Content-Length"] = str(len(response.content))
    response.content = b""
