"""Organisation users sign in with email and password; views check their organisation and role."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client, RequestFactory

from ndop.adapters.db import models as m
from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole
from ndop.services.organisations.accounts import (
    add_organisation_user,
    register_organisation,
    set_organisation_user_active,
)
from ndop.web.org.access import organisation_user_required
from ndop.web.org.views import GENERIC_FAILURE, TOO_MANY
from tests.conftest import TESTER

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def checker(registry):
    register_organisation(registry, Organisation(OdsCode("RR8"), "Leeds Teaching Hospitals"), by=TESTER)
    add_organisation_user(registry, OdsCode("RR8"), "ann@example.nhs.uk", OrganisationRole.CHECKER,
                          by=TESTER, password=PASSWORD)
    return "ann@example.nhs.uk"


def sign_in(client: Client, email: str, password: str, next_url: str = ""):
    url = "/org/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": email, "password": password})


def test_org_sign_in_with_right_password_opens_home_and_is_audited(client, checker):
    response = sign_in(client, "Ann@Example.nhs.uk", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/org/"
    home = client.get("/org/")
    assert home.status_code == 200
    assert b"Leeds Teaching Hospitals" in home.content and b"RR8" in home.content
    assert home["Cache-Control"] == "no-store"
    assert m.AuditEvent.objects.filter(action="organisation_user.signed_in", subject="RR8").count() == 1


def test_org_sign_in_with_wrong_password_gives_the_same_message_as_unknown_email(client, checker):
    wrong = sign_in(client, checker, "not the password at all")
    unknown = sign_in(client, "nobody@example.nhs.uk", PASSWORD)
    for response in (wrong, unknown):
        assert GENERIC_FAILURE.encode() in response.content
        assert b"<title>Error: " in response.content
    assert m.AuditEvent.objects.filter(action="organisation_user.sign_in_failed").count() == 2
    assert client.get("/org/").status_code == 302


def test_org_sign_in_empty_form_names_each_missing_field(client):
    response = client.post("/org/sign-in", {"email": "", "password": ""})
    assert b'href="#email"' in response.content and b'href="#password"' in response.content
    assert b"Enter your email address" in response.content and b"Enter your password" in response.content


def test_org_sign_in_locks_an_email_after_five_tries_even_with_the_right_password(client, checker):
    for _ in range(5):
        assert sign_in(client, checker, "wrong password here").status_code == 200
    locked = sign_in(client, checker, PASSWORD)
    assert locked.status_code == 429
    assert TOO_MANY.encode() in locked.content
    assert client.get("/org/").status_code == 302


def test_org_sign_in_follows_a_local_next_but_not_another_site(client, checker):
    assert sign_in(client, checker, PASSWORD, "/org/?tab=1")["Location"] == "/org/?tab=1"
    client.logout()
    assert sign_in(client, checker, PASSWORD, "https://evil.example/")["Location"] == "/org/"


def test_org_pages_send_a_signed_out_visitor_to_sign_in_and_back(client):
    response = client.get("/org/")
    assert response.status_code == 302
    assert response["Location"] == "/org/sign-in?next=%2Forg%2F"


def test_org_sign_out_needs_post_and_ends_the_session(client, checker):
    sign_in(client, checker, PASSWORD)
    assert client.get("/org/sign-out").status_code == 405
    response = client.post("/org/sign-out")
    assert response.status_code == 302 and response["Location"] == "/org/signed-out"
    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200 and "You have signed out" in confirmation.content.decode()
    assert client.get("/org/").status_code == 302


def test_org_sign_in_refuses_a_post_without_csrf_token(checker):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/org/sign-in", {"email": checker, "password": PASSWORD})
    assert response.status_code == 403


def test_org_disabled_user_cannot_sign_in_or_keep_using_pages(client, checker, registry):
    sign_in(client, checker, PASSWORD)
    set_organisation_user_active(registry, checker, False, by=TESTER)
    assert client.get("/org/").status_code == 302
    assert GENERIC_FAILURE.encode() in sign_in(client, checker, PASSWORD).content


@organisation_user_required(OrganisationRole.IG_LEAD)
def _ig_lead_only(request):
    return HttpResponse(f"flows of {request.organisation.ods_code.value}")


def _request_as(email: str):
    from django.contrib.auth import get_user_model

    request = RequestFactory().get("/org/flows")
    request.user = get_user_model().objects.get(username=email)
    request.session = SessionStore()
    return request


def test_org_role_required_refuses_another_role_with_403(checker):
    response = _ig_lead_only(_request_as(checker))
    assert response.status_code == 403


def test_org_role_required_lets_the_role_in_with_its_organisation(registry, checker):
    add_organisation_user(registry, OdsCode("RR8"), "ig@example.nhs.uk", OrganisationRole.IG_LEAD,
                          by=TESTER, password=PASSWORD)
    response = _ig_lead_only(_request_as("ig@example.nhs.uk"))
    assert response.status_code == 200 and response.content == b"flows of RR8"


def test_demo_accounts_are_idempotent_and_can_sign_in(client, registry):
    from ndop.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, install_demo_accounts

    install_demo_accounts(registry, by=TESTER)
    install_demo_accounts(registry, by=TESTER)
    assert m.OrganisationUser.objects.count() == len(DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        assert sign_in(client, account.email, DEMO_PASSWORD).status_code == 302
        client.logout()
