from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_landing_page_renders_in_the_design_system(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>National Data Opt-out" in html
    assert "nhsuk-header" in html and "nhsuk-footer" in html
    assert "/assets/nhsuk-frontend.min.css" in html


def test_pages_carry_strict_security_headers(client) -> None:
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    # The design system's only inline script carries this request's nonce.
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get("/")["Content-Security-Policy"] != csp  # a fresh nonce per request


def test_static_assets_are_served_without_a_cdn(client) -> None:
    response = client.get("/assets/nhsuk-frontend.min.css")
    assert response.status_code == 200
    assert b".nhsuk-header" in b"".join(response.streaming_content)


def test_unknown_page_is_a_design_system_404(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
