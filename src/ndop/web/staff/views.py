"""The contact-centre portal: sign in with a TOTP code, find a person, open their record (with a reason),
record a phone choice, approve proxies (a second approver), a case and its letters. Postal forms: `post.py`.

Every page goes through the web kit (`kit.pages.page` through `staff.pages.page`) with a form from
`staff.forms`: bad input gets one message per field and changes nothing.
NHS numbers travel in POST bodies, never in URLs (URLs end up in logs and browser history)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ndop import container
from ndop.domain.common.errors import DomainError
from ndop.domain.common.nhs_number import InvalidNhsNumber, NhsNumber
from ndop.domain.contact_centre.cases import CaseStatus
from ndop.domain.contact_centre.staff import StaffMember, StaffRole
from ndop.domain.registry.choices import Channel, Choice
from ndop.services.staff import approvals, phone
from ndop.services.staff.find_person import open_record, trace
from ndop.services.staff.sign_in import sign_in as sign_in_service
from ndop.web.kit.client_address import client_address
from ndop.web.kit.limits import over
from ndop.web.kit.pages import Problem, problem
from ndop.web.staff.access import end, staff_required, start
from ndop.web.staff.forms import DecisionForm, OpenRecordForm, PhoneForm, SignInForm, TraceForm
from ndop.web.staff.pages import page

TOO_MANY = "You have tried to sign in too many times. Wait 15 minutes, then try again."


def _me(request: HttpRequest) -> StaffMember:
    """The signed-in member `staff_required` put on the request."""
    member: StaffMember = getattr(request, "staff")  # noqa: B009 - set by the decorator, unknown to Django's types
    return member


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if over(request, "staff-sign-in-ip", "30/15m"):
            form.only_error("username", TOO_MANY)
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                member = sign_in_service(container.contact_centre(), data["username"], data["password"],
                                         data["code"], client=client_address(request))
            except DomainError as exc:
                form.only_error("username", exc.message.rstrip("."))
            else:
                start(request, member)
                return HttpResponseRedirect(reverse("staff:home"))
    return page(request, "sign_in", {"title": "Sign in", "form": form,
                                     "timeout": request.GET.get("timeout") == "1"}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    end(request)
    return HttpResponseRedirect(reverse("staff:sign-in"))


@staff_required()
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return page(request, "home", {"title": "Contact centre"})


def _find_page(request: HttpRequest, *, number: OpenRecordForm | None = None, search: TraceForm | None = None,
               candidates: object = None, status: int = 200, errors: list[Problem] | None = None) -> HttpResponse:
    number = number or OpenRecordForm()
    search = search or TraceForm(today=container.contact_centre().clock.now().date())
    context = {"title": "Find a person", "number": number, "search": search, "candidates": candidates,
               "candidate_form": OpenRecordForm()}
    summary = errors if errors is not None else [*number.error_summary, *search.error_summary]
    return page(request, "find", context, status=status, errors=summary)


@staff_required(StaffRole.AGENT)
@require_GET
def find(request: HttpRequest) -> HttpResponse:
    """GET shows the form; the search itself is a GET with `search=trace` (no NHS number in it: a trace is by
    name, date of birth and postcode; a number goes straight to the record's POST form)."""
    centre = container.contact_centre()
    if request.GET.get("search") != "trace":
        return _find_page(request)
    form = TraceForm(request.GET, today=centre.clock.now().date())
    if not form.is_valid():
        return _find_page(request, search=form, status=400)
    data = form.cleaned_data
    try:
        candidates = trace(centre, _me(request).username, data["family_name"], data["date_of_birth"],
                           data["postcode"])
    except DomainError as exc:
        form.add_error("postcode" if exc.code == "postcode" else "family_name", exc.message.rstrip("."))
        return _find_page(request, search=form, status=400)
    return _find_page(request, search=form, candidates=candidates)


def _person_page(request: HttpRequest, number: NhsNumber, reason: str, phone_form: PhoneForm,
                 status: int = 200) -> HttpResponse:
    """The record (the view audited with its reason) and the phone form; raises DomainError when refused."""
    record = open_record(container.contact_centre(), _me(request).username, number, reason)
    context = {"title": record.patient.full_name, "record": record, "form": phone_form, "reason": reason}
    return page(request, "person", context, status=status)


@staff_required(StaffRole.AGENT)
@require_POST
def person(request: HttpRequest) -> HttpResponse:
    """Open a record: the reason is asked for and audited."""
    form = OpenRecordForm(request.POST)
    if not form.is_valid():
        return _find_page(request, number=form, status=400)
    try:
        return _person_page(request, form.cleaned_data["nhs_number"], form.cleaned_data["reason"], PhoneForm())
    except DomainError as exc:
        form.add_error("nhs_number", exc.message.rstrip("."))
        return _find_page(request, number=form, status=400)


def _refused(request: HttpRequest, messages: list[str], status: int = 400) -> HttpResponse:
    return page(request, "refused", {"title": "The choice was not recorded"}, status=status,
                errors=[problem(text, "back") for text in messages])


def _nhs(text: str) -> NhsNumber | None:
    try:
        return NhsNumber.parse(text)
    except InvalidNhsNumber:
        return None


@staff_required(StaffRole.AGENT)
@require_POST
def record_phone(request: HttpRequest) -> HttpResponse:
    """Record a phone choice. A refusal shows the record again (the view audited again, with the reason it
    was opened for) with the form as typed and what to fix; nothing is written."""
    number = _nhs(request.POST.get("nhs_number", ""))
    if number is None:
        return _refused(request, ["Enter a 10-digit NHS number"])
    form = PhoneForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = phone.record_phone_choice(
                container.contact_centre(), _me(request).username, number, Choice(data["choice"]),
                identity_confirmed=data["identity"], nic_reference=data["nic_reference"], note=data["note"],
                proxy=data["proxy"],
            )
        except DomainError as exc:
            form.add_error("acting_for", exc.message.rstrip("."))
        else:
            container.send_letters(case_reference=case.reference)
            title = "Choice recorded" if case.status is CaseStatus.RECORDED else "Waiting for approval"
            return page(request, "recorded", {"title": title, "case": case})
    try:
        return _person_page(request, number, request.POST.get("reason", ""), form, status=400)
    except DomainError:
        # Not from the record's page (no reason to show it again): the messages alone.
        return _refused(request, [p["text"] for p in form.error_summary])


@staff_required(StaffRole.APPROVER)
@require_http_methods(["GET", "POST"])
def approvals_page(request: HttpRequest) -> HttpResponse:
    centre = container.contact_centre()
    username = _me(request).username
    errors: list[Problem] = []
    done = None
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "approve":
                    done = approvals.approve(centre, username, data["reference"])
                else:
                    done = approvals.reject(centre, username, data["reference"], data["reason"], data["note"])
            except DomainError as exc:
                errors = [problem(exc.message.rstrip("."), "cases")]
            else:
                container.send_letters(case_reference=done.reference)
        else:
            errors = [problem(p["text"], "cases") for p in form.error_summary]
    pending = approvals.pending_approvals(centre, username)
    context = {"title": "Proxy choices waiting for approval", "pending": pending, "done": done,
               "form": DecisionForm(), "me": str(_me(request).actor)}
    return page(request, "approvals", context, status=400 if errors else 200, errors=errors)


@staff_required(StaffRole.AGENT)
@require_GET
def case(request: HttpRequest, reference: str) -> HttpResponse:
    centre = container.contact_centre()
    found = centre.cases.get(reference)
    if found is None:
        return page(request, "refused", {"title": "Case not found"}, status=404,
                    errors=[problem("There is no case with this reference", "back")])
    if found.channel is Channel.PAPER:  # a postal form's page shows the form (and audits the view)
        return HttpResponseRedirect(reverse("staff:post-case", args=[found.reference]))
    letters = centre.letters.listed(case_reference=found.reference)
    return page(request, "case", {"title": f"Case {found.reference}", "case": found, "letters": letters})
