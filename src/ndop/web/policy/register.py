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
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ndop import container
from ndop.domain.common.actors import Actor
from ndop.domain.organisations.accounts import OrganisationRole
from ndop.domain.policy import InvalidFlow
from ndop.domain.policy.register import FlowNotFound, FlowVersion, csv_rows
from ndop.services.policy.register import flow_history, record_flow, revise_flow
from ndop.web.kit.pages import page
from ndop.web.org.access import ORG_SERVICE, organisation_user_required
from ndop.web.policy.forms import FlowDetailsForm
from ndop.web.policy.questionnaire import (
    EDITING_KEY,
    SESSION_KEY,
    answers_of,
    flow_input,
    reasons_view,
    summary_rows,
)

ig_lead_required = organisation_user_required(OrganisationRole.IG_LEAD)


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, back: str | None = None) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    context = {"organisation": organisation, "localtime": timezone.localtime, **context}
    return page(request, ORG_SERVICE, template, context, back=back)


def _who(request: HttpRequest) -> Actor:
    return Actor.organisation_user(str(request.organisation_user.email))  # type: ignore[attr-defined]


def _history(request: HttpRequest, flow_id: UUID) -> list[FlowVersion]:
    try:
        return flow_history(container.policy_register(), ods_code=request.organisation.ods_code, flow_id=flow_id)  # type: ignore[attr-defined]
    except FlowNotFound:
        raise Http404 from None


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
    form = FlowDetailsForm(request.POST if request.method == "POST" and complete else None)
    if form.is_valid():
        details = form.cleaned_data["details"]
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
            "form": form,
            "rows": summary_rows(answers_of(request), change=False) if complete else [],
            "action": reverse("policy:register_new"),
        },
        back=reverse("policy:decision"),
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
        },
        back=reverse("policy:register"),
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
        },
        back=reverse("policy:register_flow", args=[flow_id]),
    )


@require_http_methods(["GET", "POST"])
@ig_lead_required
def details(request: HttpRequest, flow_id: UUID) -> HttpResponse:
    latest = _history(request, flow_id)[-1]
    form = FlowDetailsForm(request.POST if request.method == "POST" else None,
                           initial={"name": latest.details.name, "description": latest.details.description})
    if form.is_valid():
        new_details = form.cleaned_data["details"]
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
            "form": form,
            "rows": [],
            "action": reverse("policy:register_details", args=[flow_id]),
        },
        back=reverse("policy:register_flow", args=[flow_id]),
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
