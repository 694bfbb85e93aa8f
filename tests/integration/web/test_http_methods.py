"""HEAD is answered wherever GET is, on every page and API address; 405s say what is allowed."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# A value for each kind of path parameter, so that every pattern becomes an address to ask.
SAMPLES = {"uuid": str(UUID(int=1)), "int": "1", "slug": "purpose", "str": "0" * 32, "path": "x"}


def addresses(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every address the URL configuration answers, its parameters filled in."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += addresses(entry, route)
        elif isinstance(entry, URLPattern):
            found.append("/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route).lstrip("^")
                         .rstrip("$"))
    return sorted(set(found))


def test_the_walk_finds_pages_and_api_addresses() -> None:
    every = addresses()
    assert {"/", "/your-data-matters/", "/policy/rules", "/api/v1/health", "/api/v1/checks"} <= set(every)


def test_every_get_address_answers_head_the_same_way_without_a_body(client) -> None:
    answered = 0
    for address in addresses():
        get = client.get(address, HTTP_X_API_KEY="ndop_bad_key")
        head = client.head(address, HTTP_X_API_KEY="ndop_bad_key")
        assert head.status_code == get.status_code, address
        assert not head.content, address
        if get.status_code == 200:
            answered += 1
            assert head["Content-Type"] == get["Content-Type"], address
        if get.status_code == 405:
            assert "GET" not in get["Allow"] and "HEAD" not in get["Allow"], address
    assert answered >= 8  # the public pages and API addresses, not only redirects and refusals


def test_a_post_only_address_lists_head_nowhere_and_a_get_address_lists_it(client) -> None:
    assert client.get("/org/sign-out")["Allow"] == "POST"
    assert client.put("/org/sign-in")["Allow"] == "GET, HEAD, POST"


def test_head_of_a_page_keeps_its_length(client) -> None:
    get = client.get("/policy/rules")
    head = client.head("/policy/rules")
    assert head["Content-Length"] == str(len(get.content))
