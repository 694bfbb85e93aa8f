"""Postal forms (`PP`): receive a form (a case in the queue), open the case, match it to the record (the
choice is recorded, or goes to an approver), or close it as "cannot match" with the reason (a letter).
The queue shows open forms by age against the 14-day target, overdue first.

Every case page is audited (`case.viewed`): the form carries a person's details."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ndop import container
from ndop.domain.common.errors import DomainError
from ndop.domain.contact_centre.cases import ActingFor, StatedDetails
from ndop.domain.contact_centre.staff import StaffMember, StaffRole
from ndop.domain.registry.choices import Choice
from ndop.services.staff import postal
from ndop.web.kit.forms import NhsForm
from ndop.web.kit.pages import problem
from ndop.web.staff.access import staff_required
from ndop.web.staff.forms import CannotMatchForm, MatchForm, ReceiveFormForm
from ndop.web.staff.pages import page

# Which field of the receive form a refusal of `postal.receive_form` belongs to (its code).
RECEIVE_FIELDS = {"received_in_future": "received_day", "signed_after_received": "signed_day",
                  "submitted_by": "submitted_by", "stated_name": "given_name", "proxy_xor": "acting_for"}


def _me(request: HttpRequest) -> StaffMember:
    member: StaffMember = getattr(request, "staff")  # noqa: B009 - set by staff_required
    return member


@staff_required(StaffRole.AGENT)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    entries = postal.queue_for(container.contact_centre(), _me(request).username)
    return page(request, "queue", {"title": "Postal forms", "entries": entries})


@staff_required(StaffRole.AGENT)
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    centre = container.contact_centre()
    today = centre.clock.now().date()
    form = ReceiveFormForm(request.POST if request.method == "POST" else None, today=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        address = tuple(line for line in (data["address_1"], data["address_2"], data["town"]) if line)
        stated = StatedDetails(data["given_name"], data["family_name"], data["date_of_birth"], data["postcode"],
                               address)
        try:
            case = postal.receive_form(
                centre, _me(request).username, received_on=data["received_on"], signed_on=data["signed_on"],
                scanned_reference=data["scanned_reference"], choice=Choice(data["choice"]), stated=stated,
                acting_for=ActingFor(data["acting_for"]), proxy=data["proxy"], submitted_by=data["submitted_by"],
                note=data["note"],
            )
        except DomainError as exc:
            form.add_error(RECEIVE_FIELDS.get(exc.code, "scanned_reference"), exc.message.rstrip("."))
        else:
            return HttpResponseRedirect(reverse("staff:post-case", args=[case.reference]), status=303)
    status = 400 if form.is_bound else 200
    return page(request, "post_receive", {"title": "Receive a postal form", "form": form}, status=status,
                back="staff:queue")


def _case_page(request: HttpRequest, reference: str, *, match: NhsForm | None = None,
               cannot_match: NhsForm | None = None) -> HttpResponse:
    try:
        view = postal.view_case(container.contact_centre(), _me(request).username, reference)
    except DomainError as exc:
        return page(request, "refused", {"title": "Case not found"}, status=404,
                    errors=[problem(exc.message, "back")])
    match = match or MatchForm()
    cannot_match = cannot_match or CannotMatchForm()
    bound = match.is_bound or cannot_match.is_bound
    context = {"title": f"Postal form {view.case.reference}", "view": view, "case": view.case,
               "match": match, "cannot_match": cannot_match}
    errors = [*match.error_summary, *cannot_match.error_summary]
    return page(request, "post_case", context, status=400 if bound else 200, back="staff:queue", errors=errors)


@staff_required(StaffRole.AGENT)
@require_GET
def case(request: HttpRequest, reference: str) -> HttpResponse:
    return _case_page(request, reference)


@staff_required(StaffRole.AGENT)
@require_POST
def match(request: HttpRequest, reference: str) -> HttpResponse:
    form = MatchForm(request.POST)
    if form.is_valid():
        try:
            postal.process_form(container.contact_centre(), _me(request).username, reference,
                                form.cleaned_data["nhs_number"])
        except DomainError as exc:
            form.add_error("nhs_number", exc.message.rstrip("."))
        else:
            container.send_letters(case_reference=reference)
            return HttpResponseRedirect(reverse("staff:post-case", args=[reference]), status=303)
    return _case_page(request, reference, match=form)


@staff_required(StaffRole.AGENT)
@require_POST
def cannot_match(request: HttpRequest, reference: str) -> HttpResponse:
    form = CannotMatchForm(request.POST)
    if form.is_valid():
        try:
            postal.close_cannot_match(container.contact_centre(), _me(request).username, reference,
                                      form.cleaned_data["reason"], form.cleaned_data["cannot_match_note"])
        except DomainError as exc:
            form.add_error("reason", exc.message.rstrip("."))
        else:
            container.send_letters(case_reference=reference)
            return HttpResponseRedirect(reverse("staff:post-case", args=[reference]), status=303)
    return _case_page(request, reference, cannot_match=form)
