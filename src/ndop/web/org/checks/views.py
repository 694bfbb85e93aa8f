"""Upload a list, see the outcome, download the cleaned list. HTTP only: the work is in services."""

from __future__ import annotations

import re

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from ndop import container
from ndop.domain.check.clients import LICENCE_TERMS
from ndop.domain.check.mesh import response_filename
from ndop.domain.check.stored import StoredCheck, StoredCheckStatus
from ndop.domain.organisations.accounts import Organisation, OrganisationRole
from ndop.services.check.channel_checks import queue_check, run_queued
from ndop.services.check.run_check import CheckChannel
from ndop.web.org.access import organisation_user_required

SERVICE = {"service_name": "National Data Opt-out for organisations"}
_ID = re.compile(r"^[0-9a-f]{32}$")


def _page(request: HttpRequest, template: str, context: dict[str, object], status: int = 200) -> HttpResponse:
    return render(request, template, {**SERVICE, "service_href": reverse("org:home"), **context}, status=status)


def _upload_page(request: HttpRequest, organisation: Organisation, error: str = "", status: int = 200) -> HttpResponse:
    limits = container.check_clients().limits(organisation.ods_code)
    return _page(request, "org/check_upload.jinja", {
        "organisation": organisation, "error": error, "max_mb": f"{limits.max_request_bytes / 1_000_000:g}",
        "checks_back": reverse("org:home"),
    }, status)


@organisation_user_required(OrganisationRole.CHECKER)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    organisation: Organisation = request.organisation  # type: ignore[attr-defined]
    if request.method == "GET":
        return _upload_page(request, organisation)
    limits = container.check_clients().limits(organisation.ods_code)
    if is_ratelimited(request, group="web-checks", key=lambda _g, _r: organisation.ods_code.value,
                      rate=f"{limits.requests_per_minute}/m", increment=True):
        return _upload_page(request, organisation, "You have checked too many lists in the last minute. "
                            "Wait a minute, then try again.", 429)
    uploaded = request.FILES.get("list_file")
    if uploaded is None or not uploaded.size:
        return _upload_page(request, organisation, "Select a file with a list of NHS numbers", 400)
    if uploaded.size > limits.max_request_bytes:
        too_big = f"The file must be smaller than {limits.max_request_bytes / 1e6:g} MB. Split it, or use MESH."
        return _upload_page(request, organisation, too_big, 413)
    name = (uploaded.name or "list.dat").rsplit("/", 1)[-1][:200]
    fmt = "csv" if name.lower().endswith(".csv") else ""
    user = request.organisation_user  # type: ignore[attr-defined]
    check = queue_check(container.stored_checks(), container.registry(), uploaded, root=container.var_dir() / "checks",
                        channel="web", organisation=organisation, fmt=fmt, filename=name,
                        requested_by=f"web:{user.email}", max_bytes=limits.max_request_bytes)
    if check is None:
        return _upload_page(request, organisation, "The file is too large. Split it, or send it over MESH.", 413)
    run_queued(container.stored_checks(), container.registry(), container.check_service(), check,
               channel=CheckChannel.WEB)
    return HttpResponseRedirect(reverse("org_checks:result", args=[check.id]))


def _own_check(request: HttpRequest, check_id: str) -> StoredCheck:
    organisation: Organisation = request.organisation  # type: ignore[attr-defined]
    check = container.stored_checks().get(check_id, organisation.ods_code.value) if _ID.match(check_id) else None
    if check is None or check.channel != "web":
        raise Http404
    return check


@organisation_user_required(OrganisationRole.CHECKER)
@require_GET
def result(request: HttpRequest, check_id: str) -> HttpResponse:
    check = _own_check(request, check_id)
    return _page(request, "org/check_result.jinja", {
        "check": check, "done": check.status is StoredCheckStatus.DONE, "licence": LICENCE_TERMS,
        "checks_back": reverse("org_checks:upload"),
    })


@organisation_user_required(OrganisationRole.CHECKER)
@require_GET
def download(request: HttpRequest, check_id: str) -> FileResponse:
    check = _own_check(request, check_id)
    if check.status is not StoredCheckStatus.DONE or check.rejected:
        raise Http404
    extension = "csv" if check.format == "csv" else "dat"
    response = FileResponse(open(check.result_path, "rb"), as_attachment=True,  # noqa: SIM115
                            filename=response_filename(check.filename, "RESPONSE", extension),
                            content_type="text/csv" if extension == "csv" else "text/plain")
    response["Cache-Control"] = "no-store"
    response["X-Licence"] = LICENCE_TERMS
    return response
