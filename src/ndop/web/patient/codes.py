"""Where to send a security code, and entering it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ndop import container
from ndop.domain.notifications.messages import ContactMethod
from ndop.domain.online.security_code import CodeRefused, Outcome
from ndop.services.online.send_security_code import send_security_code
from ndop.services.online.verify_security_code import UnknownChallenge, verify_security_code
from ndop.web.patient import journey
from ndop.web.patient.forms import SecurityCodeForm, SendCodeForm
from ndop.web.patient.limits import limited
from ndop.web.patient.pages import page, too_many_requests


def _send(request: HttpRequest, method: ContactMethod, *, again: bool = False) -> HttpResponse:
    number = journey.matched(request)
    assert number is not None
    if limited(request, "patient-code-send"):  # per number: in the database, under a lock (ADR 0045)
        return too_many_requests(request)
    try:
        challenge = send_security_code(container.online(), number, method)
    except CodeRefused as refused:
        if refused.code == "locked_out":
            return redirect("patient:locked_out")
        if refused.code == "too_many_codes":
            return page(request, "too_many_codes.jinja", {"title": "You have asked for too many security codes"},
                        status=429)
        return redirect("patient:no_contact_details")
    # A new code replaces the one before: only the newest challenge is kept, so an earlier code no longer
    # works, and the page says so (ADR 64).
    journey.update(request, challenge=challenge, method=method.value, resent=again)
    return redirect("patient:security_code")


@require_http_methods(["GET", "POST"])
def send_code(request: HttpRequest) -> HttpResponse:
    if journey.matched(request) is None:
        return journey.lost(request)
    contacts = journey.state(request).get("contacts", [])
    form = SendCodeForm(request.POST if request.method == "POST" else None, contacts=contacts)
    if form.is_valid():
        return _send(request, ContactMethod(form.cleaned_data["method"]))
    return page(request, "send_code.jinja", {"title": "Where should we send your security code?", "form": form})


@require_http_methods(["POST"])
def resend_code(request: HttpRequest) -> HttpResponse:
    method = journey.state(request).get("method")
    if journey.matched(request) is None or not method:
        return journey.lost(request)
    return _send(request, ContactMethod(method), again=True)


def _masked(request: HttpRequest) -> str:
    s = journey.state(request)
    masked: str = dict(s.get("contacts", [])).get(s.get("method", ""), "")
    return masked


@require_http_methods(["GET", "POST"])
def security_code(request: HttpRequest) -> HttpResponse:
    number = journey.matched(request)
    challenge = journey.state(request).get("challenge")
    if number is None or not challenge:
        return journey.lost(request)
    form = SecurityCodeForm(request.POST if request.method == "POST" else None)
    resent = bool(journey.state(request).get("resent"))
    expired = False
    if form.is_valid():
        code = form.cleaned_data["security_code"]
        if limited(request, "patient-code-try"):  # per number: the lock-out (ADR 0045)
            return too_many_requests(request)
        try:
            result = verify_security_code(container.online(), challenge, number, code)
        except UnknownChallenge:
            return redirect("patient:send_code")
        if result.outcome is Outcome.VERIFIED:
            kept = journey.state(request)
            request.session.cycle_key()
            journey.clear(request)
            journey.update(request, verified=number.digits, method=kept.get("method"),
                           contacts=kept.get("contacts", []))
            return redirect("patient:your_choice")
        if result.outcome is Outcome.LOCKED_OUT:
            return redirect("patient:locked_out")
        if result.outcome is Outcome.WRONG:
            left = result.tries_left
            newest = " Use the code in the newest message we sent you." if resent else ""
            form.add_error("security_code", f"The security code is not correct.{newest} "
                                            f"You have {left} more {'try' if left == 1 else 'tries'}")
        else:  # expired or already used
            expired = True
            form.add_error("security_code", "This security code has expired. Ask for a new code")
    return page(request, "security_code.jinja", {
        "title": "Enter your security code", "form": form, "masked": _masked(request),
        "expired": expired, "resent": resent,
    }, back="patient:send_code")


@require_http_methods(["GET"])
def locked_out(request: HttpRequest) -> HttpResponse:
    journey.clear(request)
    return page(request, "locked_out.jinja", {"title": "You have entered the wrong security code too many times"})
