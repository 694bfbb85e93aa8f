"""The organisation's register of data flows, for its IG lead (signed in, role `ig_lead`).

A flow enters the register from the questionnaire's decision page. Its page shows the current
decision and every earlier version; the name, the description and the answers can be changed,
each change appending a version. The register downloads as CSV, as evidence of compliance.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ndop import container
from ndop.domain.common.actors import Actor
from ndop.domain.organisations.accounts import OrganisationRole
from ndop.domain.policy import InvalidFlow
from ndop.domain.policy.register import FlowDetails, FlowNotFound, FlowVersion, InvalidFlowDetails, csv_rows
from ndop.services.policy.register import flow_history, record_flow, revise_flow
from ndop.web.org.access import organisation_user_required
from ndop.web.policy.questionnaire import (
    EDITING_KEY,
    SESSION_KEY,
    answers_of,
    flow_input,
    reasons_view,
    summary_rows,
)

ig_lead_required = organisation_user_required(OrganisationRole.IG_LEAD)
SERVICE = {"service_name": "National Data Opt-out for organisations", "service_href": "/org/"}


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    context = {**SERVICE, "organisation": organisation, "localtime": timezone.localtime, **context}
    return render(request, template, context, status=status)


def _who(request: HttpRequest) -> Actor:
    return Actor.organisation_user(str(request.organisation_user.email))  # type: ignore[attr-defined]


def _history(request: HttpRequest, flow_id: UUID) -> list[FlowVersion]:
    try:
        return flow_history(container.policy_register(), ods_code=request.organisation.ods_code, flow_id=flow_id)  # type: ignore[attr-defined]
    except FlowNotFound:
        raise Http404 from None


def _details_form(request: HttpRequest) -> tuple[FlowDetails | None, dict[str, str], dict[str, str]]:
    """(details or None, values typed, errors by field) from a POSTed name and description."""
    values = {"name": request.POST.get("name", ""), "description": request.POST.get("description", "")}
    try:
        return FlowDetails.clean(values["name"], values["description"]), values, {}
    except InvalidFlowDetails as exc:
        return None, values, {exc.field: exc.message}


def _error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    return [{"text": text, "href": f"#{field}"} for field, text in errors.items()]


@require_GET
@ig_lead_required
def home(request: HttpRequest) -> HttpResponse:
    flows = container.policy_register().flows.current(request.organisation.ods_code)  # type: ignore[attr-defined]
    return _page(request, "policy/register/home.jinja", {"title": "Register of data flows", "flows": flows})


@require_http_methods(["GET", "POST"])
@ig_lead_required
def new(request: HttpRequest) -> HttpResponse:
    answers = flow_input(answers_of(request))
    complete = bool(answers)
    errors: dict[str, str] = {}
    values = {"name": "", "description": ""}
    if request.method == "POST" and complete:
        details, values, errors = _details_form(request)
        if details is not None:
            try:
                version = record_flow(
                    container.policy_register(),
                    ods_code=request.organisation.ods_code,  # type: ignore[attr-defined]
                    details=details,
                    answers=answers,
                    by=_who(request),
                )
            except InvalidFlow:
                complete = False
            else:
                request.session.pop(SESSION_KEY, None)
                request.session.pop(EDITING_KEY, None)
                return redirect("policy:register_flow", flow_id=version.flow_id)
    return _page(
        request,
        "policy/register/details.jinja",
        {
            "title": "Add the flow to your register",
            "complete": complete,
            "values": values,
            "field_errors": errors,
            "errors": _error_list(errors),
            "rows": summary_rows(answers_of(request), change=False) if complete else [],
            "action": reverse("policy:register_new"),
            "policy_back": reverse("policy:decision"),
        },
    )


@require_GET
@ig_lead_required
def flow(request: HttpRequest, flow_id: UUID) -> HttpResponse:
    history = _history(request, flow_id)
    latest = history[-1]
    return _page(
        request,
        "policy/register/flow.jinja",
        {
            "title": latest.details.name,
            "version": latest,
            "history": list(reversed(history)),
            "decision": latest.decision,
            "reasons": reasons_view(list(latest.decision.get("reasons", []))),  # type: ignore[call-overload]
            "rows": summary_rows(dict(latest.answers), change=False),
            "policy_back": reverse("policy:register"),
        },
    )


@require_GET
@ig_lead_required
def version(request: HttpRequest, flow_id: UUID, number: int) -> HttpResponse:
    history = _history(request, flow_id)
    if not 1 <= number <= len(history):
        raise Http404
    shown = history[number - 1]
    return _page(
        request,
        "policy/register/version.jinja",
        {
            "title": f"{shown.details.name}: version {shown.version}",
            "version": shown,
            "latest": history[-1].version,
            "decision": shown.decision,
            "reasons": reasons_view(list(shown.decision.get("reasons", []))),  # type: ignore[call-overload]
            "rows": summary_rows(dict(shown.answers), change=False),
            "policy_back": reverse("policy:register_flow", args=[flow_id]),
        },
    )


@require_http_methods(["GET", "POST"])
@ig_lead_required
def details(request: HttpRequest, flow_id: UUID) -> HttpResponse:
    latest = _history(request, flow_id)[-1]
    values = {"name": latest.details.name, "description": latest.details.description}
    errors: dict[str, str] = {}
    if request.method == "POST":
        new_details, values, errors = _details_form(request)
        if new_details is not None:
            if new_details != latest.details:
                revise_flow(
                    container.policy_register(),
                    ods_code=request.organisation.ods_code,  # type: ignore[attr-defined]
                    flow_id=flow_id,
                    by=_who(request),
                    details=new_details,
                )
            return redirect("policy:register_flow", flow_id=flow_id)
    return _page(
        request,
        "policy/register/details.jinja",
        {
            "title": "Change the name or description",
            "complete": True,
            "values": values,
            "field_errors": errors,
            "errors": _error_list(errors),
            "rows": [],
            "action": reverse("policy:register_details", args=[flow_id]),
            "policy_back": reverse("policy:register_flow", args=[flow_id]),
        },
    )


@require_POST
@ig_lead_required
def change_answers(request: HttpRequest, flow_id: UUID) -> HttpResponse:
    """Load the flow's answers into the questionnaire (the date is asked again), to save a new version."""
    latest = _history(request, flow_id)[-1]
    request.session[SESSION_KEY] = {k: v for k, v in latest.answers.items() if k != "date"}
    request.session[EDITING_KEY] = {"id": str(flow_id), "name": latest.details.name}
    return HttpResponseRedirect(reverse("policy:question", args=["date"]))


@require_POST
@ig_lead_required
def save_answers(request: HttpRequest, flow_id: UUID) -> HttpResponse:
    editing = request.session.get(EDITING_KEY) or {}
    if editing.get("id") != str(flow_id):
        return redirect("policy:register_flow", flow_id=flow_id)
    try:
        revise_flow(
            container.policy_register(),
            ods_code=request.organisation.ods_code,  # type: ignore[attr-defined]
            flow_id=flow_id,
            by=_who(request),
            answers=flow_input(answers_of(request)),
        )
    except FlowNotFound:
        raise Http404 from None
    except InvalidFlow:
        return redirect("policy:check_answers")
    request.session.pop(SESSION_KEY, None)
    request.session.pop(EDITING_KEY, None)
    return redirect("policy:register_flow", flow_id=flow_id)


@require_GET
@ig_lead_required
def export(request: HttpRequest) -> HttpResponse:
    """The register as CSV: the current version of each flow, or with `?history=all` every version."""
    unit = container.policy_register()
    ods_code = request.organisation.ods_code  # type: ignore[attr-defined]
    everything = request.GET.get("history") == "all"
    versions = unit.flows.everything(ods_code) if everything else unit.flows.current(ods_code)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows(versions))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = unit.clock.now().date().isoformat()
    kind = "history" if everything else "register"
    response["Content-Disposition"] = f'attachment; filename="data-flows-{ods_code.value}-{kind}-{stamp}.csv"'
    return response
