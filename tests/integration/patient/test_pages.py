"""The journey over HTTP with Django's test client: steps, stops, security and accessibility basics."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from django.conf import settings
from django.test import Client

from ndop.adapters.db import models as m
from ndop.config import Environment
from ndop.domain.registry.choices import Channel, Choice
from ndop.services.registry.load_patients import load_patients
from ndop.web.patient import limits
from tests.conftest import TESTER, make_patient
from tests.integration.patient.conftest import last_code

pytestmark = pytest.mark.django_db
BASE = "/your-data-matters/"


def dob(p) -> dict[str, str]:
    return {"day": str(p.date_of_birth.day), "month": str(p.date_of_birth.month), "year": str(p.date_of_birth.year)}


def identify(client: Client, patient, **dob_override) -> str:
    r = client.post(BASE + "nhs-number", {"nhs_number": patient.nhs_number.display})
    assert r.status_code == 302 and r["Location"] == BASE + "date-of-birth"
    r = client.post(BASE + "date-of-birth", dob(patient) | dob_override)
    assert r.status_code in (302, 429), r.status_code
    return r["Location"] if r.status_code == 302 else "429"


def verify(client: Client, patient, method: str = "sms") -> None:
    assert identify(client, patient) == BASE + "send-code"
    r = client.post(BASE + "send-code", {"method": method})
    assert r["Location"] == BASE + "security-code"
    code = last_code(patient.mobile if method == "sms" else patient.email)
    r = client.post(BASE + "security-code", {"security_code": code})
    assert r["Location"] == BASE + "your-choice"


def test_start_page_says_what_the_choice_does_not_change(client) -> None:
    html = client.get(BASE).content.decode()
    for words in ("Summary Care Record", "local shared care records", "screening", "consented research",
                  "anonymised or aggregate", "0300 303 5678", "at any time"):
        assert words in html


def test_landing_page_links_to_the_service(client) -> None:
    assert f'href="{BASE}"' in client.get("/").content.decode()


def test_whole_journey_records_an_online_opt_out_and_sends_a_confirmation(client, registry, jane) -> None:
    locations: list[str] = []
    verify(client, jane)
    r = client.get(BASE + "your-choice")
    html = r.content.decode()
    assert "I allow my confidential patient information to be used for research and planning" in html
    assert "can be used for research and planning" in html  # the current choice: none yet
    r = client.post(BASE + "your-choice", {"allow": "no"})
    locations.append(r["Location"])
    assert "Check your choice" in client.get(BASE + "check").content.decode()
    r = client.post(BASE + "check")
    locations.append(r["Location"])
    html = client.get(BASE + "confirmation").content.decode()
    assert "Your choice has been recorded" in html and "07*** ***123" in html
    event = registry.choices.current(jane.nhs_number)
    assert event.choice is Choice.OPTED_OUT and event.channel is Channel.ONLINE
    assert m.OutboxMessage.objects.filter(template="choice_confirmation", to=jane.mobile).exists()
    assert all(jane.nhs_number.digits not in loc for loc in locations)
    for cookie in client.cookies.values():
        assert jane.nhs_number.digits not in cookie.value


def test_send_code_page_shows_only_masked_contact_details(client, jane) -> None:
    identify(client, jane)
    html = client.get(BASE + "send-code").content.decode()
    assert "07*** ***123" in html and "j***@e***.com" in html
    assert jane.mobile not in html and jane.email not in html


def test_mismatch_gives_the_same_answer_whatever_was_wrong(client, jane) -> None:
    wrong_dob = identify(client, jane, day=str(jane.date_of_birth.day % 28 + 1))
    stranger = make_patient("900000002")
    unknown = identify(Client(), stranger)
    assert wrong_dob == unknown == BASE + "no-match"
    r = Client().post(BASE + "name-and-postcode", {"given_name": "Jane", "family_name": "Smyth", "postcode": "LS1 4AP"})
    assert r["Location"] == BASE + "date-of-birth"


def test_under_13_is_sent_to_the_phone_route(client, registry) -> None:
    today = date.today()
    child = make_patient("900000006", born=today.replace(year=today.year - 9, day=1))
    load_patients(registry, [child], loaded_by=TESTER, source="test")
    assert identify(client, child) == BASE + "under-13"
    assert "parental responsibility" in client.get(BASE + "under-13").content.decode()


def test_no_contact_details_explains_the_phone_route(client, registry) -> None:
    peter = make_patient("900000007", mobile="", email="")
    load_patients(registry, [peter], loaded_by=TESTER, source="test")
    assert identify(client, peter) == BASE + "no-contact-details"
    assert "0300 303 5678" in client.get(BASE + "no-contact-details").content.decode()


def test_deceased_record_gets_the_generic_way_out(client, registry, jane) -> None:
    load_patients(registry, [replace(jane, date_of_death=jane.date_of_birth.replace(year=2020))],
                  loaded_by=TESTER, source="test")
    assert identify(client, jane) == BASE + "cannot-continue"
    html = client.get(BASE + "cannot-continue").content.decode()
    assert "died" not in html and "0300 303 5678" in html


def test_choice_pages_need_a_verified_code(client, jane) -> None:
    identify(client, jane)  # matched, not verified
    for page in ("your-choice", "check", "confirmation"):
        assert client.get(BASE + page)["Location"] == BASE


def test_errors_are_summarised_linked_to_the_field_and_named_in_the_title(client) -> None:
    html = client.post(BASE + "nhs-number", {"nhs_number": "123"}).content.decode()
    assert "<title>Error: What is your NHS number?" in html
    assert 'href="#nhs_number"' in html and 'id="nhs_number"' in html
    assert "NHS number must be 10 numbers" in html


def test_wrong_code_says_how_many_tries_are_left(client, jane) -> None:
    identify(client, jane)
    client.post(BASE + "send-code", {"method": "email"})
    right = last_code(jane.email)
    html = client.post(BASE + "security-code", {"security_code": "999999" if right != "999999" else "000000"})
    assert "You have 4 more tries" in html.content.decode()


def test_forms_need_a_csrf_token(jane) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(BASE + "nhs-number", {"nhs_number": jane.nhs_number.digits}).status_code == 403
    html = strict.get(BASE + "nhs-number").content.decode()
    assert 'name="csrfmiddlewaretoken"' in html


def test_journey_pages_are_never_cached_and_the_cookie_is_http_only(client, jane) -> None:
    identify(client, jane)
    r = client.get(BASE + "send-code")
    assert r["Cache-Control"] == "no-store"
    assert "'unsafe-inline'" not in r["Content-Security-Policy"]
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_matching_is_rate_limited_per_client_address(client, jane, monkeypatch) -> None:
    monkeypatch.setitem(limits.RATES, "patient-match", (3, 100))
    stranger = make_patient("900000002")
    results = [identify(client, stranger) for _ in range(4)]
    assert results == [BASE + "no-match"] * 3 + ["429"]
    assert identify(Client(REMOTE_ADDR="10.0.0.9"), jane) == BASE + "send-code"  # another address is fine


def test_no_cache_key_or_guard_row_carries_the_nhs_number(jane) -> None:
    identify(Client(REMOTE_ADDR="10.0.0.1"), jane)
    identify(Client(REMOTE_ADDR="10.0.0.2"), jane, year="1950")
    keys = list(m_cache_keys()) + list(m.OnlineGuard.objects.values_list("key", flat=True))
    keys += list(m.OnlineFailure.objects.values_list("key", flat=True))
    assert keys and all(jane.nhs_number.digits not in k for k in keys)


def m_cache_keys():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM ndop_cache")
        return [row[0] for row in cursor.fetchall()]


def test_code_tries_are_rate_limited_per_client_address(client, jane, monkeypatch) -> None:
    monkeypatch.setitem(limits.RATES, "patient-code-try", (2, 100))
    identify(client, jane)
    client.post(BASE + "send-code", {"method": "sms"})
    statuses = [client.post(BASE + "security-code", {"security_code": "12345x"[:5] + "9"}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_outbox_page_exists_in_demo_mode_only(client, jane, monkeypatch) -> None:
    identify(client, jane)
    client.post(BASE + "send-code", {"method": "sms"})
    assert "Your security code" in client.get(BASE + "dev/outbox").content.decode() or \
        "security code" in client.get(BASE + "dev/outbox").content.decode()
    monkeypatch.setattr(settings, "CONFIG", settings.CONFIG.replace(env=Environment.PRODUCTION))
    assert client.get(BASE + "dev/outbox").status_code == 404


def test_masked_contact_details_are_escaped_in_the_page(client, registry) -> None:
    odd = make_patient("900000013", mobile="", email="<b@example.com")
    load_patients(registry, [odd], loaded_by=TESTER, source="test")
    identify(client, odd)
    html = client.get(BASE + "send-code").content.decode()
    assert "&lt;***@e***.com" in html and "<***@" not in html


def test_a_counter_culled_mid_count_is_counted_again_not_refused(rf, monkeypatch) -> None:
    from django.core.cache import cache

    request = rf.post("/")
    assert not limits.limited(request, "patient-code-try")  # the counter exists now
    real_incr, calls = cache.incr, []

    def vanishing_incr(key, delta=1, version=None):
        calls.append(key)
        if len(calls) == 1:
            cache.delete(key)  # culled by another request between add and incr
            raise ValueError("Key not found")
        return real_incr(key, delta, version)

    monkeypatch.setattr(cache, "incr", vanishing_incr)
    assert not limits.limited(rf.post("/"), "patient-code-try")
    assert len(calls) == 1  # the retry's add created the counter afresh
