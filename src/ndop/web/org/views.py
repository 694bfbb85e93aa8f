"""Sign in, sign out, and the organisation user's home page."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from ndop import container
from ndop.services.organisations.accounts import record_sign_in
from ndop.web.org.access import ORG_PARTS, organisation_user_required

GENERIC_FAILURE = "Enter a correct email address and password"  # never says which one was wrong
TOO_MANY = "You have tried to sign in too many times. Wait 15 minutes, then try again."


class SignInForm(forms.Form):
    email = forms.CharField(max_length=254, error_messages={"required": "Enter your email address"})
    password = forms.CharField(max_length=200, strip=False, error_messages={"required": "Enter your password"})


def _errors(form: SignInForm) -> list[dict[str, str]]:
    return [{"text": str(msgs[0]), "href": f"#{field}"} for field, msgs in form.errors.items()]


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = SignInForm(request.POST or None)
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        # Counted before the password is checked, so guessing costs the same whether right or wrong.
        limited = is_ratelimited(request, group="org-sign-in-ip", key="ip", rate="30/15m", increment=True)
        email = request.POST.get("email", "").strip().lower()
        limited |= is_ratelimited(request, group="org-sign-in-user", key=lambda _g, _r: email,
                                  rate="5/15m", increment=True)
        if limited:
            errors, status = [{"text": TOO_MANY, "href": "#email"}], 429
        elif form.is_valid():
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
            if user is not None and hasattr(user, "organisation_user"):
                login(request, user)  # rotates the session key
                record_sign_in(container.registry(), email, succeeded=True, client=_client(request))
                return HttpResponseRedirect(next_url or reverse("org:home"))
            record_sign_in(container.registry(), email, succeeded=False, client=_client(request))
            errors, status = [{"text": GENERIC_FAILURE, "href": "#email"}], 200
        else:
            errors = _errors(form)
    field_errors = {e["href"][1:]: e["text"] for e in reversed(errors)}
    context = {"form": form, "errors": errors, "field_errors": field_errors, "next": next_url}
    return render(request, "org/sign_in.jinja", context, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the server-side session
    return HttpResponseRedirect(reverse("org:sign-in"))


@organisation_user_required()
def home(request: HttpRequest) -> HttpResponse:
    user = request.organisation_user  # type: ignore[attr-defined]
    parts = [part for part in ORG_PARTS if part[3] == user.role]
    return render(request, "org/home.jinja", {"parts": parts, "organisation": request.organisation})  # type: ignore[attr-defined]


def _client(request: HttpRequest) -> str:
    address: str = request.META.get("REMOTE_ADDR", "")
    return address
