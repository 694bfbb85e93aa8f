"""Who is signed in to the staff portal, and for how long: a server-side session with a 15-minute idle
timeout. The staff member is re-read (active, unlocked, roles) by every use-case they call."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from ndop import container
from ndop.domain.contact_centre.staff import IDLE_TIMEOUT, StaffMember, StaffRole

SESSION_USER = "staff_username"
SESSION_SEEN = "staff_last_seen"


def start(request: HttpRequest, member: StaffMember) -> None:
    request.session.cycle_key()  # a new session id at sign-in (no fixation)
    request.session[SESSION_USER] = member.username
    request.session[SESSION_SEEN] = container.contact_centre().clock.now().timestamp()


def end(request: HttpRequest) -> None:
    request.session.pop(SESSION_USER, None)
    request.session.pop(SESSION_SEEN, None)
    request.session.cycle_key()


View = Callable[..., HttpResponse]


def staff_required(role: StaffRole | None = None) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            username = request.session.get(SESSION_USER)
            now = container.contact_centre().clock.now().timestamp()
            seen = float(request.session.get(SESSION_SEEN, 0))
            if not username or now - seen > IDLE_TIMEOUT.total_seconds():
                end(request)
                return HttpResponseRedirect(reverse("staff:sign-in") + ("?timeout=1" if username else ""))
            member = container.contact_centre().staff.get(username)
            if member is None or not member.active or member.locked:
                end(request)
                return HttpResponseRedirect(reverse("staff:sign-in"))
            if role is not None and not member.has(role):
                return HttpResponse(f"You need the {role.value} role for this page.", status=403)
            request.session[SESSION_SEEN] = now
            request.staff = member  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
