"""Who is signed in for which organisation, and what they may do.

Views for organisation users wear `@organisation_user_required(role, ...)`. The view then finds
`request.organisation` (the domain `Organisation`) and `request.organisation_user`. Someone not signed
in goes to the sign-in page and comes back; a signed-in user without the role gets a 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse

from ndop import container
from ndop.domain.organisations.accounts import OrganisationRole
from ndop.web.kit.pages import Service, page

# The header of every page for organisation users (sign-in, home, checks, the register of flows).
ORG_SERVICE = Service("National Data Opt-out for organisations", "org:home")

View = Callable[..., HttpResponseBase]  # pages, and file downloads (FileResponse)

# Parts that organisation users can open, shown on their home page: (title, url name, description, role).
ORG_PARTS: list[tuple[str, str, str, OrganisationRole]] = [
    ("Register of data flows", "policy:register",
     "Whether the national data opt-out applies to each of your data flows, why, and its history.",
     OrganisationRole.IG_LEAD),
]


def organisation_user_required(*roles: OrganisationRole) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            signed_in = current_organisation_user(request)
            if signed_in is None:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('org:sign-in')}?{query}")
            user, organisation = signed_in
            if roles and user.role not in roles:
                return page(
                    request,
                    ORG_SERVICE,
                    "error.jinja",
                    {"title": "You cannot use this page",
                     "body": "Your account does not give you access to this page. "
                             "Ask your organisation's administrator if you need it."},
                    status=403,
                )
            request.organisation = organisation  # type: ignore[attr-defined]
            request.organisation_user = user  # type: ignore[attr-defined]
            request.session["_private"] = True  # pages for signed-in users are never cached
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def current_organisation_user(request: HttpRequest):  # type: ignore[no-untyped-def]
    """(OrganisationUser, Organisation) for an active user of an active organisation, else None."""
    if not request.user.is_authenticated:
        return None
    registry = container.registry()
    user = registry.organisations.get_user(request.user.get_username())
    if user is None or not user.active:
        return None
    organisation = registry.organisations.get(user.ods_code)
    if organisation is None or not organisation.active:
        return None
    return user, organisation
