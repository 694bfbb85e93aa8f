"""The contact-centre portal: sign in with a TOTP code, find a person, open their record (with a reason),
record a phone choice, approve proxies (a second approver), the postal queue, a case and its letters.

NHS numbers travel in POST bodies, never in URLs (URLs end up in logs and browser history)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from ndop import container
from ndop.domain.common.errors import DomainError
from ndop.domain.common.nhs_number import InvalidNhsNumber, NhsNumber
from ndop.domain.contact_centre.cases import CaseStatus, IdentityDetail, RejectionReason
from ndop.domain.contact_centre.evidence import ROLE_LABELS, EvidenceType, ProxyDetails
from ndop.domain.contact_centre.staff import StaffMember, StaffRole
from ndop.domain.registry.choices import Choice
from ndop.services.staff import approvals, phone
from ndop.services.staff.find_person import open_record, trace
from ndop.services.staff.sign_in import sign_in as sign_in_service
from ndop.web.staff.access import end, staff_required, start

SERVICE = {"service_name": "National Data Opt-out contact centre", "service_href": "/staff/"}
TOO_MANY = "You have tried to sign in too many times. Wait 15 minutes, then try again."


def _page(request: HttpRequest, template: str, status: int = 200, **context: object) -> HttpResponse:
    context.setdefault("errors", [])
    context["staff"] = getattr(request, "staff", None)
    return render(request, f"staff/{template}.jinja", {**SERVICE, **context}, status=status)


def _me(request: HttpRequest) -> StaffMember:
    """The signed-in member `staff_required` put on the request."""
    member: StaffMember = getattr(request, "staff")  # noqa: B009 - set by the decorator, unknown to Django's types
    return member


def _error(text: str, field: str) -> list[dict[str, str]]:
    return [{"text": text, "href": f"#{field}"}]


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "").strip().lower()
        limited = is_ratelimited(request, group="staff-sign-in-ip", key="ip", rate="30/15m", increment=True)
        if limited:
            errors, status = _error(TOO_MANY, "username"), 429
        elif not username or not request.POST.get("password") or not request.POST.get("code"):
            errors = _error("Enter your username, password and the 6-digit code from your authenticator app",
                            "username")
        else:
            try:
                member = sign_in_service(container.contact_centre(), username, request.POST["password"],
                                         request.POST["code"], client=request.META.get("REMOTE_ADDR", ""))
            except DomainError as exc:
                errors = _error(exc.message, "username")
            else:
                start(request, member)
                return HttpResponseRedirect(reverse("staff:home"))
    timeout = request.GET.get("timeout") == "1"
    return _page(request, "sign_in", status, title="Sign in", errors=errors, timeout=timeout,
                 username=request.POST.get("username", ""))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    end(request)
    return HttpResponseRedirect(reverse("staff:sign-in"))


@staff_required()
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "home", title="Contact centre")


def _date_of_birth(data: dict[str, str]) -> date | None:
    try:
        return date(int(data.get("dob_year", "")), int(data.get("dob_month", "")), int(data.get("dob_day", "")))
    except ValueError:
        return None


@staff_required(StaffRole.AGENT)
@require_GET
def find(request: HttpRequest) -> HttpResponse:
    """GET shows the form; the search itself is a GET with `search=` (no NHS number in it: a trace is by
    name, date of birth and postcode; a number goes straight to the record's POST form)."""
    data = request.GET
    errors: list[dict[str, str]] = []
    candidates = None
    if data.get("search") == "trace":
        born = _date_of_birth(data)
        if born is None:
            errors = _error("Enter a real date of birth, for example 17 5 1990", "dob_day")
        else:
            try:
                candidates = trace(container.contact_centre(), _me(request).username,
                                   data.get("family_name", ""), born, data.get("postcode", ""))
            except DomainError as exc:
                errors = _error(exc.message, "family_name" if exc.code != "postcode" else "postcode")
    return _page(request, "find", 200 if not errors else 400, title="Find a person", errors=errors,
                 candidates=candidates, data=data)


def _nhs(text: str) -> NhsNumber | None:
    try:
        return NhsNumber.parse(text)
    except InvalidNhsNumber:
        return None


@staff_required(StaffRole.AGENT)
@require_POST
def person(request: HttpRequest) -> HttpResponse:
    """Open a record: the reason is asked for and audited."""
    number = _nhs(request.POST.get("nhs_number", ""))
    if number is None:
        return _page(request, "find", 400, title="Find a person", data={},
                     errors=_error("Enter a 10-digit NHS number, like 943 476 5919", "nhs_number"))
    try:
        record = open_record(container.contact_centre(), _me(request).username, number,
                             request.POST.get("reason", ""))
    except DomainError as exc:
        return _page(request, "find", 400, title="Find a person", data={}, nhs_number=number.display,
                     errors=_error(exc.message, "reason" if exc.code == "reason" else "nhs_number"))
    return _page(request, "person", title="Person", record=record, identity=list(IdentityDetail),
                 evidence=list(EvidenceType), roles=ROLE_LABELS)


@staff_required(StaffRole.AGENT)
@require_POST
def record_phone(request: HttpRequest) -> HttpResponse:
    data = request.POST
    number = _nhs(data.get("nhs_number", ""))
    centre = container.contact_centre()
    username = _me(request).username
    try:
        if number is None:
            raise DomainError("Enter a 10-digit NHS number.", code="nhs_number")
        if data.get("choice") not in (Choice.OPTED_OUT.value, Choice.NOT_OPTED_OUT.value):
            raise DomainError("Choose the caller's choice.", code="choice")
        try:
            identity = frozenset(IdentityDetail(v) for v in data.getlist("identity"))
        except ValueError:
            raise DomainError("Tick only the details the caller gave.", code="identity") from None
        proxy = None
        if data.get("acting_for") == "proxy":
            proxy = ProxyDetails.parse(
                role=data.get("proxy_role", ""), name=data.get("proxy_name", ""),
                relationship=data.get("proxy_relationship", ""),
                address_lines=[data.get("proxy_address_1", ""), data.get("proxy_address_2", "")],
                postcode=data.get("proxy_postcode", ""), evidence_type=data.get("evidence_type", ""),
                evidence_reference=data.get("evidence_reference", ""),
            )
        case = phone.record_phone_choice(centre, username, number, Choice(data["choice"]),
                                         identity_confirmed=identity, nic_reference=data.get("nic_reference", ""),
                                         note=data.get("note", ""), proxy=proxy)
    except DomainError as exc:
        return _page(request, "refused", 400, title="The choice was not recorded",
                     errors=_error(exc.message, "back"))
    container.send_letters()
    return _page(request, "recorded", title="Choice recorded" if case.status is CaseStatus.RECORDED
                 else "Waiting for approval", case=case)


@staff_required(StaffRole.APPROVER)
@require_http_methods(["GET", "POST"])
def approvals_page(request: HttpRequest) -> HttpResponse:
    centre = container.contact_centre()
    username = _me(request).username
    errors: list[dict[str, str]] = []
    done = None
    if request.method == "POST":
        reference = request.POST.get("reference", "")
        try:
            if request.POST.get("decision") == "approve":
                done = approvals.approve(centre, username, reference)
            elif request.POST.get("decision") == "reject":
                try:
                    reason = RejectionReason(request.POST.get("reason", ""))
                except ValueError:
                    raise DomainError("Choose why the evidence was not accepted.", code="reason") from None
                done = approvals.reject(centre, username, reference, reason, request.POST.get("note", ""))
            else:
                raise DomainError("Choose approve or reject.", code="decision")
        except DomainError as exc:
            errors = _error(exc.message, "cases")
        else:
            container.send_letters()
    pending = approvals.pending_approvals(centre, username)
    return _page(request, "approvals", 400 if errors else 200, title="Proxy choices waiting for approval",
                 pending=pending, errors=errors, done=done, reasons=list(RejectionReason), me=str(_me(request).actor))


@staff_required(StaffRole.AGENT)
@require_GET
def case(request: HttpRequest, reference: str) -> HttpResponse:
    centre = container.contact_centre()
    found = centre.cases.get(reference)
    if found is None:
        return _page(request, "refused", 404, title="Case not found",
                     errors=_error("There is no case with this reference.", "back"))
    letters = centre.letters.listed(case_reference=found.reference)
    return _page(request, "case", title=f"Case {found.reference}", case=found, letters=letters)
