"""The web kit: forms rendered with the design system, the render cache's rule, the one rate limiter."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from django.core.cache import cache
from django.core.cache.backends.db import DatabaseCache
from django.test import RequestFactory

from ndop.services.registry.load_patients import load_patients
from ndop.web.kit import forms as kit_forms
from ndop.web.kit.limits import keyed, over
from ndop.web.patient.forms import DateOfBirthForm, NhsNumberForm, SendCodeForm
from ndop.web.policy.forms import FlowDateForm
from tests.conftest import TESTER, make_patient
from tests.integration.patient.test_pages import BASE, identify
from tests.integration.policy.test_questionnaire import S251_STUDY, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane(registry):
    patient = make_patient("943476591", given_name="Jane", family_name="Smith", mobile="07700900123",
                           email="jane.smith@example.com")
    load_patients(registry, [patient], loaded_by=TESTER, source="test")
    return patient


@pytest.fixture(autouse=True)
def _empty_caches():
    kit_forms._CACHE.clear()
    cache.clear()


def cached_html() -> str:
    return "".join(str(html) for html in kit_forms._CACHE.values())


# --------------------------------------------------------------------------- the render cache


def test_render_cache_holds_only_forms_made_of_their_class() -> None:
    assert kit_forms._class_only(NhsNumberForm(), ["nhs_number"], {}) is not None
    assert kit_forms._class_only(NhsNumberForm({"nhs_number": "x"}), ["nhs_number"], {}) is None  # typed
    assert kit_forms._class_only(NhsNumberForm(initial={"nhs_number": "9434765919"}), ["nhs_number"], {}) is None
    assert kit_forms._class_only(NhsNumberForm(), ["nhs_number"], {"hint": "from the template"}) is None
    # Choices made from a person's record are not the class's: never cached.
    assert kit_forms._class_only(SendCodeForm(contacts=[["sms", "07*** ***123"]]), ["method"], {}) is None


def test_nothing_typed_or_from_the_record_enters_the_render_cache(client, jane) -> None:
    client.get(BASE + "nhs-number")
    client.post(BASE + "nhs-number", {"nhs_number": "94347 65918"})  # wrong check digit: shown again
    client.post(BASE + "nhs-number", {"nhs_number": jane.nhs_number.display})
    client.post(BASE + "date-of-birth", {"day": "17", "month": "13", "year": "1990"})
    assert identify(client, jane) == BASE + "send-code"
    send_code = unescape(client.get(BASE + "send-code").content.decode())
    masked = re.search(r"Text message to ([^<]+)<", send_code)
    assert masked is not None  # the masked mobile is on the page ...
    html = unescape(cached_html())
    assert "What is your NHS number?" in html  # ... the empty forms are cached ...
    for personal in ("94347 65918", "9434765918", jane.nhs_number.digits, "1990", masked.group(1).strip(),
                     "Text message to", "jane"):
        assert personal not in html  # ... and nothing a person typed or has on record


def test_a_cached_field_is_the_same_html_as_rendered_afresh(client) -> None:
    def form_html() -> str:
        html = client.get(BASE + "nhs-number").content.decode().split("<form")[1]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    fresh = form_html()
    assert kit_forms._CACHE
    assert form_html() == fresh


# --------------------------------------------------------------------------- forms and their pages


def input_names(html: str) -> set[str]:
    return set(re.findall(r'<input[^>]*\bname="([^"]+)"', html)) - {"csrfmiddlewaretoken"}


def test_each_date_page_renders_the_names_its_form_reads(client) -> None:
    # The policy date question once rendered `date[day]` while its view read `date-day`.
    walk(client, {k: v for k, v in S251_STUDY.items() if k != "date"})
    html = client.get("/policy/questions/date").content.decode()
    assert input_names(html) == {FlowDateForm()[p].html_name for p in ("day", "month", "year")}
    assert 'id="date-day"' in html


def test_error_summary_links_each_message_to_its_input(client) -> None:
    client.post(BASE + "nhs-number", {"nhs_number": "9434765919"})
    html = client.post(BASE + "date-of-birth", {"day": "1", "month": "", "year": "1990"}).content.decode()
    assert 'href="#dob-month"' in html and 'id="dob-month"' in html
    assert "Date of birth must include a month" in unescape(html)
    assert html.index("nhsuk-error-summary") < html.index("<form")
    form = DateOfBirthForm({"day": "1", "month": "", "year": "1990"}, today=date(2026, 1, 1))
    assert form.error_summary == [{"text": "Date of birth must include a month", "href": "#dob-month"}]


def test_a_long_value_is_shown_back_only_up_to_the_fields_limit(client) -> None:
    html = client.post(BASE + "nhs-number", {"nhs_number": "1" * 5000}).content.decode()
    assert "1" * 20 in html and "1" * 21 not in html


# --------------------------------------------------------------------------- the rate limiter


def test_rate_limiter_counts_per_key_and_refuses_over_the_rate() -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1")
    assert [over(request, "kit-test", "2/m", key="RX1") for _ in range(3)] == [False, False, True]
    assert over(request, "kit-test", "2/m", key="RX2") is False


def test_rate_limiter_counts_again_when_culling_removes_the_counter(monkeypatch) -> None:
    # ADR 24: between django-ratelimit's `add` (which finds the key) and `incr`, the DatabaseCache's
    # culling can delete the counter; django-ratelimit then fails closed and refuses the person.
    real_add = DatabaseCache.add
    calls = {"n": 0}

    def add_then_culled(self, key, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            return False  # another request "added" it ... and culling deleted it before our incr
        return real_add(self, key, *args, **kwargs)

    monkeypatch.setattr(DatabaseCache, "add", add_then_culled)
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1")
    assert over(request, "kit-cull", "5/m") is False
    assert calls["n"] == 2


def test_rate_limit_keys_carry_no_identifier() -> None:
    assert "9434765919" not in keyed("9434765919") and len(keyed("9434765919")) == 64
    assert keyed("ann@example.nhs.uk") != keyed("bob@example.nhs.uk")
