"""Sign in, sign out, and the organisation user's home page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ndop import container
from ndop.domain.check.jobs import CheckChannel, CheckJob
from ndop.domain.check.rejections import summary
from ndop.services.organisations.accounts import record_sign_in
from ndop.web.kit import limits
from ndop.web.kit.client_address import client_address
from ndop.web.kit.forms import NhsForm
from ndop.web.kit.pages import page
from ndop.web.org.access import ORG_PARTS, ORG_SERVICE, organisation_user_required

PAST_CHECKS_SHOWN = 20
CHANNEL_WORDS = {CheckChannel.WEB: "Web upload", CheckChannel.API: "API", CheckChannel.MESH: "MESH",
                 CheckChannel.CLI: "Command line"}
LONDON = ZoneInfo("Europe/London")
GENERIC_FAILURE = "Enter a correct email address and password"  # never says which one was wrong
TOO_MANY = "You have tried to sign in too many times. Wait 15 minutes, then try again."


class SignInForm(NhsForm):
    # Django's own CharField (length and null-character checks as before), rendered by the kit like any field.
    email = forms.CharField(max_length=254, label="Email address",
                            error_messages={"required": "Enter your email address"})
    password = forms.CharField(max_length=200, strip=False, label="Password", widget=forms.PasswordInput,
                               error_messages={"required": "Enter your password"})


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = SignInForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        # Only failed sign-ins count (ADR 0045). Each attempt is counted before the password is tried and
        # a success takes its count back, so twenty guesses sent at once cannot all slip under the limit
        # (a check-then-count-failures limiter lets every one of them through).
        email = request.POST.get("email", "").strip().lower()
        if _sign_in_limited(request, email):
            form.only_error("email", TOO_MANY)
            status = 429
        elif form.is_valid():
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
            if user is not None and hasattr(user, "organisation_user"):
                _refund_sign_in(request, email)
                login(request, user)  # rotates the session key
                record_sign_in(container.registry(), email, succeeded=True, client=_client(request))
                return HttpResponseRedirect(next_url or reverse("org:home"))
            record_sign_in(container.registry(), email, succeeded=False, client=_client(request))
            form.only_error("email", GENERIC_FAILURE)
        else:
            _refund_sign_in(request, email)  # a form sent incomplete is not a guess
    context = {"title": "Sign in to your organisation's account", "form": form, "next": next_url}
    return page(request, ORG_SERVICE, "org/sign_in.jinja", context, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the server-side session
    return HttpResponseRedirect(reverse("org:signed-out"))


@require_safe
def signed_out(request: HttpRequest) -> HttpResponse:
    return page(request, ORG_SERVICE, "org/signed_out.jinja", {"title": "You have signed out"})


def past_check(job: CheckJob) -> dict[str, str]:
    """One row of the list of past checks, in words."""
    if job.rejected:
        reason = summary(job.rejection)
        outcome = f"Rejected: {reason}" if reason else "Rejected"
    else:
        outcome = "Cleaned"
    when = job.started_at.astimezone(LONDON)
    return {"when": f"{when.day} {when:%B %Y %H:%M}", "how": CHANNEL_WORDS.get(job.channel, job.channel.value),
            "outcome": outcome, "checked": f"{job.rows_in:,}", "removed": f"{job.rows_removed:,}",
            "kept": f"{job.rows_kept:,}", "reference": job.id}


@organisation_user_required()
def home(request: HttpRequest) -> HttpResponse:
    user = request.organisation_user  # type: ignore[attr-defined]
    organisation = request.organisation  # type: ignore[attr-defined]
    parts = [part for part in ORG_PARTS if part[3] == user.role]
    jobs = container.check_job_store().recent(organisation.ods_code.value, PAST_CHECKS_SHOWN)
    return page(request, ORG_SERVICE, "org/home.jinja",
                {"parts": parts, "organisation": organisation, "past_checks": [past_check(j) for j in jobs],
                 "past_checks_shown": PAST_CHECKS_SHOWN})


# Per client address, and per account (the email address as an HMAC: no cache key says who it is).
_SIGN_IN_LIMITS = (("org-sign-in-ip", "30/15m"), ("org-sign-in-user", "5/15m"))


def _sign_in_keys(email: str) -> tuple[str, str]:
    return limits.CLIENT_ADDRESS, limits.keyed(email, "org-sign-in")


def _sign_in_limited(request: HttpRequest, email: str) -> bool:
    """Count this attempt against both limits; True when either is over."""
    results = [limits.over(request, group, rate, key=key)
               for (group, rate), key in zip(_SIGN_IN_LIMITS, _sign_in_keys(email), strict=True)]
    return any(results)


def _refund_sign_in(request: HttpRequest, email: str) -> None:
    for (group, rate), key in zip(_SIGN_IN_LIMITS, _sign_in_keys(email), strict=True):
        limits.refund(request, group, rate, key=key)


def _client(request: HttpRequest) -> str:
    return client_address(request)
