"""Issue 11, finding 10: behind a load balancer, per-address limits used REMOTE_ADDR, so the whole
country shared one bucket; and a client could pick its own bucket with X-Forwarded-For. (ADR 0047)"""

from __future__ import annotations

import ipaddress

import pytest
from django.conf import settings
from django.test import Client

from ndop.web.patient import limits
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db
BASE = "/your-data-matters/"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    from django.core.cache import cache

    cache.clear()


def match(client: Client, **headers: str) -> int:
    stranger = make_patient("900000002")
    client.post(BASE + "nhs-number", {"nhs_number": stranger.nhs_number.digits})
    day = stranger.date_of_birth
    return client.post(BASE + "date-of-birth", {"day": day.day, "month": day.month, "year": day.year},
                       **headers).status_code


@pytest.fixture
def behind_proxy(monkeypatch):
    monkeypatch.setattr(settings, "CONFIG", settings.CONFIG.replace(
                                                    trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),)))


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(behind_proxy, monkeypatch) -> None:
    monkeypatch.setitem(limits.RATES, "patient-match", (2, 100))
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    first = [match(proxy, HTTP_X_FORWARDED_FOR="203.0.113.7") for _ in range(3)]
    assert first == [302, 302, 429]
    assert match(proxy, HTTP_X_FORWARDED_FOR="198.51.100.20") == 302  # another person behind the same proxy


def test_a_client_cannot_choose_its_bucket_by_sending_the_header(behind_proxy, monkeypatch) -> None:
    monkeypatch.setitem(limits.RATES, "patient-match", (2, 100))
    direct = Client(REMOTE_ADDR="203.0.113.7")  # not a trusted proxy
    statuses = [match(direct, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}") for i in range(3)]
    assert statuses == [302, 302, 429]
    # nor by prepending to what our proxy appends
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    assert [match(proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 203.0.113.99") for i in range(3)] == [302, 302, 429]


def test_without_trusted_proxies_the_header_is_ignored(monkeypatch) -> None:
    monkeypatch.setitem(limits.RATES, "patient-match", (2, 100))
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert [match(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}") for i in range(3)] == [302, 302, 429]


def test_the_setting_is_parsed_and_checked() -> None:
    from ndop.config import ConfigError, load

    config = load({"NDOP_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1 ,2001:db8::/32"})
    assert [str(n) for n in config.trusted_proxies] == ["10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32"]
    assert load({}).trusted_proxies == ()
    with pytest.raises(ConfigError, match="NDOP_TRUSTED_PROXIES"):
        load({"NDOP_TRUSTED_PROXIES": "10.0.0.0/33"})
