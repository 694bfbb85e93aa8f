"""NHS login end to end against a real OpenID provider process on loopback (src/ndop/demo/nhs_login_provider.py).

Each test starts at "Continue with NHS login", lets the provider sign someone in, follows its redirect
back to the callback and looks at where the service sends them, what it recorded and what it audited.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.test import Client

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.registry.choices import Channel, Choice
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER
from tests.integration.patient.nhs_login import CALLBACK, PEOPLE, nhs_login_providers  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
BASE = "/your-data-matters/"
REDIRECT = f"http://testserver{CALLBACK}"


@pytest.fixture
def people(registry):
    load_patients(registry, list(PEOPLE.values()), loaded_by=TESTER, source="nhs login test")
    return PEOPLE


@pytest.fixture
def provider(nhs_login_providers, settings):  # noqa: F811
    local = nhs_login_providers.get(REDIRECT)
    settings.CONFIG = settings.CONFIG.replace(nhs_login=local.config())
    return local


def begin(client: Client) -> str:
    r = client.get(BASE + "nhs-login")
    assert r.status_code == 302, r.status_code
    return str(r["Location"])


def come_back(client: Client, provider, user: str):
    back = urlparse(provider.sign_in(begin(client), user))
    assert back.path == CALLBACK
    return client.get(back.path, parse_qs(back.query))


def actions() -> list[str]:
    return list(m.AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


def last(action: AuditAction) -> m.AuditEvent:
    row = m.AuditEvent.objects.filter(action=action.value).order_by("-sequence").first()
    assert row is not None, f"no {action.value}"
    return row


def test_the_authorization_request_asks_for_p9_with_pkce_nonce_and_state(client, provider, people) -> None:
    url = urlparse(begin(client))
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}" == provider.issuer and url.path == "/authorize"
    assert query["response_type"] == "code" and query["client_id"] == "ndop-test-client"
    assert query["redirect_uri"] == REDIRECT and set(query["scope"].split()) == {"openid", "profile"}
    assert '"P9.Cp.Cd"' in query["vtr"] and "P5" not in query["vtr"]
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    pending = client.session["nhs_login"]
    assert query["state"] == pending["state"] and query["nonce"] == pending["nonce"]
    assert pending["verifier"] not in url.query  # the verifier never leaves the server until the token request


def test_p9_in_the_index_goes_straight_to_their_choice_and_records_it_online(client, provider, people) -> None:
    r = come_back(client, provider, "p9-jane")
    assert r.status_code == 302 and r["Location"] == BASE + "your-choice"
    assert client.get(BASE + "your-choice").status_code == 200
    assert client.post(BASE + "your-choice", {"allow": "no"})["Location"] == BASE + "check"
    assert client.post(BASE + "check")["Location"] == BASE + "confirmation"
    event = m.ChoiceEvent.objects.get(nhs_number=people["jane"].nhs_number.digits)
    assert event.channel == Channel.ONLINE.value and event.choice == Choice.OPTED_OUT.value
    verified = last(AuditAction.ONLINE_NHS_LOGIN_VERIFIED)
    assert verified.subject == people["jane"].nhs_number.digits and verified.details == {"proofing_level": "P9"}
    assert AuditAction.ONLINE_SECURITY_CODE_SENT.value not in actions()  # no security code was needed
    # The confirmation went to the mobile on the record, as after a security code.
    assert m.OutboxMessage.objects.filter(to=people["jane"].mobile, template="choice_confirmation").exists()


def test_p9_whose_record_has_no_contact_details_can_still_choose(client, provider, people) -> None:
    assert come_back(client, provider, "p9-nocontact")["Location"] == BASE + "your-choice"
    client.post(BASE + "your-choice", {"allow": "no"})
    assert client.post(BASE + "check")["Location"] == BASE + "confirmation"
    assert "We have sent a confirmation" not in client.get(BASE + "confirmation").content.decode()
    assert m.ChoiceEvent.objects.filter(nhs_number=people["nocontact"].nhs_number.digits).count() == 1


@pytest.mark.parametrize(("user", "outcome"), [
    ("p5-jane", "not_high_level"),
    ("p0-jane", "not_high_level"),
    ("p9-no-number", "no_nhs_number"),
    ("p9-unknown", "not_found"),
    ("p9-other-birthdate", "not_found"),
])
def test_anything_less_falls_back_to_the_security_code_route(client, provider, people, user, outcome) -> None:
    r = come_back(client, provider, user)
    assert r["Location"] == BASE + "nhs-login/another-way"
    page = client.get(r["Location"]).content.decode()
    assert "Continue with a security code" in page and f'href="{BASE}nhs-number"' in page
    assert client.get(BASE + "your-choice")["Location"] == BASE  # not verified
    refused = last(AuditAction.ONLINE_NHS_LOGIN_NOT_VERIFIED)
    assert refused.subject == "" and refused.details["outcome"] == outcome
    assert not m.AuditEvent.objects.filter(action=AuditAction.ONLINE_NHS_LOGIN_VERIFIED.value).exists()


@pytest.mark.parametrize(("user", "stop"), [
    ("p9-child", "under-13"), ("p9-deceased", "cannot-continue"), ("p9-sensitive", "cannot-continue"),
])
def test_a_p9_person_who_cannot_choose_online_gets_the_right_stop_page(client, provider, people, user, stop) -> None:
    assert come_back(client, provider, user)["Location"] == BASE + stop
    assert client.get(BASE + "your-choice")["Location"] == BASE
    assert last(AuditAction.ONLINE_NHS_LOGIN_NOT_VERIFIED).subject == ""


@pytest.mark.parametrize(("user", "reason"), [
    ("p9-jane-expired", "id_token_exp"),
    ("p9-jane-tampered", "id_token_signature"),
    ("p9-jane-unsigned", "id_token_signature"),
    ("p9-jane-wrong_nonce", "id_token_nonce"),
    ("p9-jane-wrong_audience", "id_token_aud"),
    ("p9-jane-wrong_issuer", "id_token_iss"),
])
def test_an_id_token_that_cannot_be_trusted_is_refused(client, provider, people, user, reason) -> None:
    r = come_back(client, provider, user)
    assert r.status_code == 400 and "We could not sign you in with NHS login" in r.content.decode()
    assert client.get(BASE + "your-choice")["Location"] == BASE
    assert last(AuditAction.ONLINE_NHS_LOGIN_FAILED).details == {"reason": reason}
    assert not m.AuditEvent.objects.filter(action=AuditAction.ONLINE_NHS_LOGIN_VERIFIED.value).exists()


def test_a_callback_with_another_state_is_refused_before_the_code_is_used(client, provider, people) -> None:
    back = urlparse(provider.sign_in(begin(client), "p9-jane"))
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    r = client.get(back.path, {"code": query["code"], "state": query["state"] + "x"})
    assert r.status_code == 400
    assert last(AuditAction.ONLINE_NHS_LOGIN_FAILED).details == {"reason": "state"}
    # The sign-in under way was used up: the right state afterwards does not work either.
    assert client.get(back.path, query).status_code == 400


def test_a_callback_cannot_be_replayed(client, provider, people) -> None:
    back = urlparse(provider.sign_in(begin(client), "p9-jane"))
    assert client.get(back.path, parse_qs(back.query))["Location"] == BASE + "your-choice"
    assert client.get(back.path, parse_qs(back.query)).status_code == 400


def test_a_callback_in_another_browser_is_refused(client, provider, people) -> None:
    back = urlparse(provider.sign_in(begin(client), "p9-jane"))
    other = Client()
    assert other.get(back.path, parse_qs(back.query)).status_code == 400
    assert other.get(BASE + "your-choice")["Location"] == BASE


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(client, provider, people) -> None:
    url = begin(client)
    session = client.session
    session["nhs_login"] = dict(session["nhs_login"], verifier="x" * 64)
    session.save()
    back = urlparse(provider.sign_in(url, "p9-jane"))
    assert client.get(back.path, parse_qs(back.query)).status_code == 400
    assert last(AuditAction.ONLINE_NHS_LOGIN_FAILED).details == {"reason": "token"}


def test_a_client_signing_with_another_key_is_refused_by_the_provider(client, nhs_login_providers, settings,  # noqa: F811
                                                                      people) -> None:
    from tests.integration.patient.nhs_login import private_key_pem

    local = nhs_login_providers.get(REDIRECT)
    settings.CONFIG = settings.CONFIG.replace(nhs_login=local.config(private_key_pem=private_key_pem()))
    back = urlparse(local.sign_in(begin(client), "p9-jane"))
    assert client.get(back.path, parse_qs(back.query)).status_code == 400
    assert last(AuditAction.ONLINE_NHS_LOGIN_FAILED).details == {"reason": "token"}


def test_the_person_stopping_at_nhs_login_falls_back(client, provider, people) -> None:
    state = parse_qs(urlparse(begin(client)).query)["state"][0]
    r = client.get(CALLBACK, {"error": "access_denied", "state": state})
    assert r["Location"] == BASE + "nhs-login/another-way"
    assert last(AuditAction.ONLINE_NHS_LOGIN_FAILED).details == {"reason": "provider_access_denied"}


def test_es256_tokens_and_an_ec_client_key_work_too(client, nhs_login_providers, settings, people) -> None:  # noqa: F811
    local = nhs_login_providers.get(REDIRECT, alg="ES256", client="ec")
    settings.CONFIG = settings.CONFIG.replace(nhs_login=local.config())
    assert come_back(client, local, "p9-jane")["Location"] == BASE + "your-choice"


def test_nhs_login_unreachable_says_so_and_offers_the_security_code(client, provider, settings, people) -> None:
    settings.CONFIG = settings.CONFIG.replace(nhs_login=provider.config(issuer="http://127.0.0.1:9"))
    r = client.get(BASE + "nhs-login")
    assert r.status_code == 503 and "NHS login is not available" in r.content.decode()
    assert last(AuditAction.ONLINE_NHS_LOGIN_FAILED).details == {"reason": "discovery"}


def test_without_nhs_login_configured_there_is_no_button_and_no_route(client, settings, people) -> None:
    settings.CONFIG = settings.CONFIG.replace(nhs_login=None)
    assert "Continue with NHS login" not in client.get(BASE).content.decode()
    assert client.get(BASE + "nhs-login").status_code == 404
    assert client.get(CALLBACK + "?" + urlencode({"code": "x", "state": "y"})).status_code == 404


def test_the_start_page_offers_nhs_login_beside_the_security_code(client, provider) -> None:
    page = client.get(BASE).content.decode()
    assert "Continue with NHS login" in page and "Start now" in page


def test_the_choice_history_follows_nhs_login(client, provider, people) -> None:
    come_back(client, provider, "p9-jane")
    client.post(BASE + "your-choice", {"allow": "no"})
    client.post(BASE + "check")
    come_back(client, provider, "p9-jane")  # a new sign-in after the confirmation
    html = client.get(BASE + "your-choice-history").content.decode()
    assert "Your choice history" in html and "Online" in html and "do not use my confidential" in html


def test_an_unknown_provider_error_is_not_written_to_the_audit_trail(client, provider, people) -> None:
    state = parse_qs(urlparse(begin(client)).query)["state"][0]
    client.get(CALLBACK, {"error": "Jane Smith 943 476 5919", "state": state})
    assert last(AuditAction.ONLINE_NHS_LOGIN_FAILED).details == {"reason": "provider_other"}


def test_a_sign_in_left_for_more_than_10_minutes_is_refused(client, provider, people) -> None:
    url = begin(client)
    session = client.session
    session["nhs_login"] = dict(session["nhs_login"], at=session["nhs_login"]["at"] - 601)
    session.save()
    back = urlparse(provider.sign_in(url, "p9-jane"))
    assert client.get(back.path, parse_qs(back.query)).status_code == 400
    assert last(AuditAction.ONLINE_NHS_LOGIN_FAILED).details == {"reason": "expired"}


def test_a_new_signing_key_at_nhs_login_is_fetched_once_it_is_used(client, provider, people) -> None:
    import requests

    assert come_back(client, provider, "p9-jane")["Location"] == BASE + "your-choice"  # the old keys are cached
    client_before = container.nhs_login()
    assert requests.post(f"{provider.issuer}/test/rotate-keys", timeout=10).status_code == 200
    # The same client (its cached keys lack the new kid) fetches the JWKS again and accepts the token.
    assert container.nhs_login() is client_before
    assert come_back(Client(), provider, "p9-jane")["Location"] == BASE + "your-choice"
