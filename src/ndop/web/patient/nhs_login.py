""""Continue with NHS login": the authorization request, and the callback (ADR 68).

The state, nonce and PKCE verifier live in the server-side session (never the cookie or the URL beyond
what the protocol sends), are single use, and last 10 minutes. The callback checks the state before
anything else; the adapter checks the token; the use-case decides where the person goes.
"""

from __future__ import annotations

import hmac
import secrets
import time

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ndop import container
from ndop.domain.online.nhs_login import LoginOutcome, NhsLoginFailed
from ndop.services.online.sign_in_with_nhs_login import record_nhs_login_failure, sign_in_with_nhs_login
from ndop.web.patient import journey
from ndop.web.patient.limits import limited
from ndop.web.patient.pages import page, too_many_requests

PENDING = "nhs_login"  # the session key of a sign-in under way
PENDING_SECONDS = 600
# The provider's error codes worth telling apart in the audit trail (OAuth 2 and OpenID Connect); any other
# text in `error` is the caller's and is not written down.
PROVIDER_ERRORS = frozenset({"access_denied", "login_required", "consent_required", "interaction_required",
                             "invalid_request", "server_error", "temporarily_unavailable"})


def enabled() -> bool:
    return container.nhs_login() is not None


@require_http_methods(["GET"])
def start(request: HttpRequest) -> HttpResponse:
    provider = container.nhs_login()
    if provider is None:
        raise Http404
    if limited(request, "patient-nhs-login"):
        return too_many_requests(request)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    try:
        url = provider.authorization_url(state=state, nonce=nonce, code_verifier=verifier)
    except NhsLoginFailed as failed:
        record_nhs_login_failure(container.registry(), failed.reason)
        return _unavailable(request)
    journey.clear(request)
    request.session[PENDING] = {"state": state, "nonce": nonce, "verifier": verifier, "at": time.time()}
    return redirect(url)


@require_http_methods(["GET"])
def callback(request: HttpRequest) -> HttpResponse:
    provider = container.nhs_login()
    if provider is None:
        raise Http404
    pending = request.session.pop(PENDING, None)  # single use, whatever happens next
    registry = container.registry()
    state = request.GET.get("state", "")
    if not isinstance(pending, dict) or not hmac.compare_digest(str(pending.get("state", "")), state):
        record_nhs_login_failure(registry, "state")
        return _failed(request)
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        record_nhs_login_failure(registry, "expired")
        return _failed(request)
    if request.GET.get("error") or not request.GET.get("code"):
        # The person stopped at NHS login (access_denied) or it said no: the security code is still open.
        error = request.GET.get("error", "no_code")
        record_nhs_login_failure(registry, f"provider_{error if error in PROVIDER_ERRORS else 'other'}")
        return redirect("patient:nhs_login_fallback")
    try:
        identity = provider.identify(code=request.GET["code"], code_verifier=str(pending["verifier"]),
                                     nonce=str(pending["nonce"]))
    except NhsLoginFailed as failed:
        record_nhs_login_failure(registry, failed.reason)
        return _failed(request)
    result = sign_in_with_nhs_login(registry, identity)
    if result.outcome is LoginOutcome.VERIFIED and result.nhs_number is not None:
        request.session.cycle_key()
        journey.clear(request)
        contacts = [[c.method.value, c.masked] for c in result.contacts]
        journey.update(request, verified=result.nhs_number.digits, contacts=contacts,
                       method=contacts[0][0] if contacts else None)
        return redirect("patient:your_choice")
    journey.clear(request)
    if result.outcome is LoginOutcome.UNDER_13:
        return redirect("patient:under_13")
    if result.outcome is LoginOutcome.CANNOT_CONTINUE:
        return redirect("patient:cannot_continue")
    return redirect("patient:nhs_login_fallback")


@require_http_methods(["GET"])
def fallback(request: HttpRequest) -> HttpResponse:
    return page(request, "nhs_login_fallback.jinja", {"title": "We need to check who you are another way"})


def _failed(request: HttpRequest) -> HttpResponse:
    return page(request, "nhs_login_failed.jinja", {"title": "We could not sign you in with NHS login"}, status=400)


def _unavailable(request: HttpRequest) -> HttpResponse:
    return page(request, "nhs_login_failed.jinja", {"title": "NHS login is not available at the moment",
                                                    "unavailable": True}, status=503)
