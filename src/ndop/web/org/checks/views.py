"""Upload a list, see the outcome, download the cleaned list. HTTP only: the work is in services."""

from __future__ import annotations

import re

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ndop import container
from ndop.domain.check.clients import LICENCE_TERMS
from ndop.domain.check.jobs import CheckChannel
from ndop.domain.check.mesh import response_filename
from ndop.domain.check.rejections import CheckFormat, RejectionCode
from ndop.domain.check.stored import StoredCheck, StoredCheckStatus
from ndop.domain.common.actors import Actor
from ndop.domain.organisations.accounts import Organisation, OrganisationRole
from ndop.services.check.channel_checks import queue_check, run_queued
from ndop.web.kit.forms import NhsForm, Radios
from ndop.web.kit.limits import over
from ndop.web.kit.pages import page
from ndop.web.org.access import ORG_SERVICE, organisation_user_required

_ID = re.compile(r"^[0-9a-f]{32}$")


class UploadForm(NhsForm):
    list_file = forms.FileField(label="Upload a file", error_messages={
        "required": "Select a file with a list of NHS numbers",
        "empty": "The selected file is empty. Select a file with one NHS number on each line"})
    gp_data = Radios(
        label="Is the data you will use or share GP data?", required=False,
        message="Select yes if the data you will use or share comes from GP records",
        choices=[("no", "No"), ("yes", "Yes, data from GP records")],
        hints={"yes": "People with a type 1 opt-out recorded at their GP practice are removed as well."},
        design={"fieldset": {"legend": {"size": "s"}}},
    )


# Reasons a report lists row by row; any other rejection (a binary file, a byte order mark) has one reason.
_ROW_REPORT_REJECTIONS = frozenset({RejectionCode.INVALID_NHS_NUMBERS.value, RejectionCode.LINE_TOO_LONG.value})
REPORT_ROWS_SHOWN = 100


def report_rows(check: StoredCheck) -> tuple[list[tuple[str, str]], int]:
    """The rejection report (`line,reason` CSV) as (line, reason in words) rows, at most REPORT_ROWS_SHOWN,
    and how many more there are. Empty when the rejection is not about rows."""
    if check.rejection not in _ROW_REPORT_REJECTIONS or not check.report:
        return [], 0
    lines = [line for line in check.report.splitlines()[1:] if line]
    rows = []
    for line in lines[:REPORT_ROWS_SHOWN]:
        number, _, reason = line.partition(",")
        rows.append((number, reason[:1].upper() + reason[1:]))
    return rows, len(lines) - len(rows)


def _upload_page(request: HttpRequest, organisation: Organisation, form: UploadForm, status: int = 200) -> HttpResponse:
    limits = container.check_clients().limits(organisation.ods_code)
    return page(request, ORG_SERVICE, "org/check_upload.jinja", {
        "title": "Check a list of NHS numbers", "form": form, "organisation": organisation,
        "max_mb": f"{limits.max_request_bytes / 1_000_000:g}",
    }, status=status, back="org:home")


def _refused(request: HttpRequest, organisation: Organisation, form: UploadForm, message: str,
             status: int) -> HttpResponse:
    form.only_error("list_file", message)
    return _upload_page(request, organisation, form, status)


@organisation_user_required(OrganisationRole.CHECKER)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    organisation: Organisation = request.organisation  # type: ignore[attr-defined]
    if request.method == "GET":
        return _upload_page(request, organisation, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    limits = container.check_clients().limits(organisation.ods_code)
    if over(request, "web-checks", f"{limits.requests_per_minute}/m", key=organisation.ods_code.value):
        return _refused(request, organisation, form, "You have checked too many lists in the last minute. "
                        "Wait a minute, then try again.", 429)
    if not form.is_valid():
        return _upload_page(request, organisation, form, 400)
    uploaded = form.cleaned_data["list_file"]
    if uploaded.size > limits.max_request_bytes:
        too_big = f"The file must be smaller than {limits.max_request_bytes / 1e6:g} MB. Split it, or use MESH."
        return _refused(request, organisation, form, too_big, 413)
    name = (uploaded.name or "list.dat").rsplit("/", 1)[-1][:200]
    fmt = CheckFormat.CSV if name.lower().endswith(".csv") else None
    user = request.organisation_user  # type: ignore[attr-defined]
    check = queue_check(container.stored_checks(), container.registry(), uploaded, root=container.var_dir() / "checks",
                        channel=CheckChannel.WEB, organisation=organisation, fmt=fmt, filename=name,
                        requested_by=Actor.organisation_user(user.email), max_bytes=limits.max_request_bytes,
                        gp_data=form.cleaned_data.get("gp_data") == "yes")
    if check is None:
        return _refused(request, organisation, form, "The file is too large. Split it, or send it over MESH.", 413)
    run_queued(container.stored_checks(), container.registry(), container.check_service(), check)
    return HttpResponseRedirect(reverse("org_checks:result", args=[check.id]))


def _own_check(request: HttpRequest, check_id: str) -> StoredCheck:
    organisation: Organisation = request.organisation  # type: ignore[attr-defined]
    check = container.stored_checks().get(check_id, organisation.ods_code.value) if _ID.match(check_id) else None
    if check is None or check.channel is not CheckChannel.WEB:
        raise Http404
    return check


@organisation_user_required(OrganisationRole.CHECKER)
@require_GET
def result(request: HttpRequest, check_id: str) -> HttpResponse:
    check = _own_check(request, check_id)
    done = check.status is StoredCheckStatus.DONE
    rows, more = report_rows(check)
    return page(request, ORG_SERVICE, "org/check_result.jinja", {
        "check": check, "done": done, "licence": LICENCE_TERMS, "report_rows": rows, "report_more": more,
    }, back="org_checks:upload", errors=[{"text": check.message}] if done and check.rejected else [])


@organisation_user_required(OrganisationRole.CHECKER)
@require_GET
def download(request: HttpRequest, check_id: str) -> FileResponse:
    check = _own_check(request, check_id)
    if check.status is not StoredCheckStatus.DONE or check.rejected:
        raise Http404
    extension = "csv" if check.format is CheckFormat.CSV else "dat"
    response = FileResponse(open(check.result_path, "rb"), as_attachment=True,  # noqa: SIM115
                            filename=response_filename(check.filename, "RESPONSE", extension),
                            content_type="text/csv" if extension == "csv" else "text/plain")
    response["Cache-Control"] = "no-store"
    response["X-Licence"] = LICENCE_TERMS
    return response
