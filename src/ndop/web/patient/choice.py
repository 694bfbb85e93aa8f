"""Your choice, check and confirm, confirmation. Only after the security code is verified."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ndop import container
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.common.errors import DomainError
from ndop.domain.notifications.messages import ContactMethod
from ndop.domain.registry.choices import Choice
from ndop.services.online.set_choice_online import set_choice_online
from ndop.services.registry.view_choice import view_choice
from ndop.web.patient import journey
from ndop.web.patient.forms import YourChoiceForm
from ndop.web.patient.pages import page

ANSWERS = {"yes": Choice.NOT_OPTED_OUT, "no": Choice.OPTED_OUT}
ANSWER_OF = {v: k for k, v in ANSWERS.items()}


@require_http_methods(["GET", "POST"])
def your_choice(request: HttpRequest) -> HttpResponse:
    number = journey.verified(request)
    if number is None:
        return journey.lost(request)
    form = YourChoiceForm(request.POST if request.method == "POST" else None,
                          initial={"allow": journey.state(request).get("answer") or ""})
    if form.is_valid():
        journey.update(request, answer=form.cleaned_data["allow"])
        return redirect("patient:check")
    view = view_choice(container.registry(), number, viewed_by=PATIENT_ONLINE, purpose="patient online service")
    current = view.history.current
    return page(request, "your_choice.jinja", {
        "title": "Your choice", "form": form,
        "current": view.history.current_choice.value, "recorded_at": current.recorded_at if current else None,
    })


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    number = journey.verified(request)
    answer = journey.state(request).get("answer")
    if number is None or answer not in ANSWERS:
        return journey.lost(request)
    if request.method == "POST":
        stored = journey.state(request).get("method")  # None after NHS login to a record without contacts
        method = ContactMethod(stored) if stored else None
        try:
            event = set_choice_online(container.online(), number, ANSWERS[answer], method)
        except DomainError:
            journey.clear(request)
            return redirect("patient:cannot_continue")
        masked = dict(journey.state(request).get("contacts", [])).get(stored or "", "")
        journey.clear(request)
        request.session.cycle_key()
        journey.update(request, done={"answer": answer, "method": stored or "", "masked": masked,
                                      "changed": event is not None})
        return redirect("patient:confirmation" if event is not None else "patient:not_changed")
    return page(request, "check.jinja", {"title": "Check your choice", "answer": answer}, back="patient:your_choice")


@require_http_methods(["GET"])
def confirmation(request: HttpRequest) -> HttpResponse:
    done = journey.state(request).get("done")
    if not done or not done.get("changed", True):
        return journey.lost(request)
    return page(request, "confirmation.jinja", {"title": "Your choice has been recorded", "done": done})


@require_http_methods(["GET"])
def not_changed(request: HttpRequest) -> HttpResponse:
    """The person confirmed the choice they already had: nothing was recorded, and nothing was sent."""
    done = journey.state(request).get("done")
    if not done or done.get("changed", True):
        return journey.lost(request)
    return page(request, "not_changed.jinja", {"title": "Your choice has not changed", "done": done})
