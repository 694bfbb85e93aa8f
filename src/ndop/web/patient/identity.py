"""Who are you: NHS number (or name and postcode), then date of birth, then the match."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ndop import container
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.online.identity import IdentityClaim, MatchStatus
from ndop.services.online.find_patient import Match, find_patient
from ndop.web.kit.client_address import client_address
from ndop.web.patient import journey
from ndop.web.patient.forms import DateOfBirthForm, NameAndPostcodeForm, NhsNumberForm
from ndop.web.patient.limits import limited
from ndop.web.patient.pages import page, too_many_requests


@require_http_methods(["GET"])
def start(request: HttpRequest) -> HttpResponse:
    return page(request, "start.jinja", {"title": "Make your choice about sharing data from your health records",
                                         "nhs_login": container.nhs_login() is not None})


@require_http_methods(["GET", "POST"])
def nhs_number(request: HttpRequest) -> HttpResponse:
    form = NhsNumberForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        journey.clear(request)
        journey.update(request, claim={"nhs_number": form.cleaned_data["nhs_number"].digits})
        return redirect("patient:date_of_birth")
    return page(request, "nhs_number.jinja", {"title": "What is your NHS number?", "form": form},
                back="patient:start")


@require_http_methods(["GET", "POST"])
def name_and_postcode(request: HttpRequest) -> HttpResponse:
    form = NameAndPostcodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        journey.clear(request)
        journey.update(request, claim=form.claim)
        return redirect("patient:date_of_birth")
    return page(request, "name_and_postcode.jinja", {"title": "Enter your name and postcode", "form": form},
                back="patient:nhs_number")


@require_http_methods(["GET", "POST"])
def date_of_birth(request: HttpRequest) -> HttpResponse:
    claim_fields = journey.state(request).get("claim")
    if not claim_fields:
        return journey.lost(request)
    back = "patient:nhs_number" if "nhs_number" in claim_fields else "patient:name_and_postcode"
    deps = container.online()
    form = DateOfBirthForm(request.POST if request.method == "POST" else None,
                           today=deps.registry.clock.now().date())
    if form.is_valid():
        born = form.cleaned_data["date_of_birth"]
        number = NhsNumber(claim_fields["nhs_number"]) if "nhs_number" in claim_fields else None
        # Per client address only: per NHS number, wrong dates of birth are counted in the database
        # per number and client, so that nobody can shut a number's owner out (ADR 0045).
        if limited(request, "patient-match"):
            return too_many_requests(request)
        claim = IdentityClaim(
            date_of_birth=born,
            nhs_number=number,
            given_name=claim_fields.get("given_name", ""),
            family_name=claim_fields.get("family_name", ""),
            postcode=claim_fields.get("postcode", ""),
        )
        return _after_match(request, find_patient(deps, claim, client_address(request)))
    return page(request, "date_of_birth.jinja", {"title": "What is your date of birth?", "form": form}, back=back)


def _after_match(request: HttpRequest, match: Match) -> HttpResponse:
    if match.status is MatchStatus.UNDER_13:
        journey.clear(request)
        return redirect("patient:under_13")
    if match.status is MatchStatus.HELD:
        journey.clear(request)
        return too_many_requests(request)
    if match.status is MatchStatus.PAUSED:
        journey.clear(request)
        return redirect("patient:paused")
    if match.status is MatchStatus.NO_MATCH:
        journey.clear(request)
        return redirect("patient:no_match")
    if match.status is MatchStatus.CANNOT_CONTINUE:
        journey.clear(request)
        return redirect("patient:cannot_continue")
    if not match.contacts:
        journey.clear(request)
        return redirect("patient:no_contact_details")
    # A new session id once we know who this might be (no fixation of a session found earlier).
    request.session.cycle_key()
    journey.clear(request)
    assert match.nhs_number is not None
    journey.update(
        request,
        matched=match.nhs_number.digits,
        contacts=[[c.method.value, c.masked] for c in match.contacts],
    )
    return redirect("patient:send_code")


def _stop(template: str, title: str) -> Callable[[HttpRequest], HttpResponse]:
    @require_http_methods(["GET"])
    def view(request: HttpRequest) -> HttpResponse:
        return page(request, template, {"title": title})

    return view


no_match = _stop("no_match.jinja", "We could not find a match for your details")
under_13 = _stop("under_13.jinja", "You cannot make this choice online")
cannot_continue = _stop("cannot_continue.jinja", "We cannot continue online")
paused = _stop("paused.jinja", "We have paused online access for these details")
no_contact_details = _stop("no_contact_details.jinja", "We cannot send you a security code")


@require_http_methods(["GET"])
def session_expired(request: HttpRequest) -> HttpResponse:
    minutes = settings.SESSION_COOKIE_AGE // 60
    return page(request, "session_expired.jinja", {"title": "Your session has timed out", "minutes": minutes})
