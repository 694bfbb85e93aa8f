"""`/statistics/`: the publications newest first, headline, charts with alt text and tables, downloads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from ndop import container
from ndop.adapters.db import models as m
from ndop.services.statistics.publish import PublishRequest, publish
from tests.integration.statistics.test_publish import small_registry  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(small_registry, clock, tmp_path):  # noqa: F811
    deps = container.statistics(clock)
    publish(deps, PublishRequest(month="2026-10", months=2, out=tmp_path / "oct"))
    clock.set(clock.now() + timedelta(days=1))
    publish(deps, PublishRequest(month="2026-11", months=2, out=tmp_path / "nov"))
    return m.StatisticsPublication.objects.order_by("id")


def test_the_page_lists_publications_newest_first_with_charts_tables_and_downloads(published) -> None:
    page = Client().get("/statistics/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("November 2026") < text.index("October 2026")
    assert "75.00%" in text  # November's England rate, the newest in full
    newest = published.last()
    for chart in newest.summary["charts"]:
        assert f'alt="{chart["alt"]}"' in text.replace("&#39;", "'")
    assert text.count("<table") == 3 and "Methodology" in text
    assert f"/statistics/{newest.id}/files/NDOP_Nov_2026.xlsx" in text


def test_downloads_serve_only_the_publications_own_files(published) -> None:
    record = published.last()
    client = Client()
    got = client.get(f"/statistics/{record.id}/files/NDOP_age_gen_Nov_2026.csv")
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    assert b"".join(got.streaming_content).startswith(b"ACH_DATE,AGE_BAND")
    assert client.get(f"/statistics/{record.id}/files/NDOP_Nov_2026.xlsx").status_code == 200
    svg = next(f for f in record.files if f.endswith(".svg"))
    assert client.get(f"/statistics/{record.id}/files/{svg}")["Content-Type"] == "image/svg+xml"
    for name in ("..%2F..%2Fetc%2Fpasswd", "NDOP_age_gen_Oct_2026.csv", "settings.py"):
        assert client.get(f"/statistics/{record.id}/files/{name}").status_code == 404
    assert client.get("/statistics/999/").status_code == 404
    assert client.post("/statistics/").status_code == 405


def test_an_older_publication_has_its_own_page(published) -> None:
    older = published.first()
    text = Client().get(f"/statistics/{older.id}/").content.decode()
    assert "October 2026" in text and f"/statistics/{older.id}/files/NDOP_Oct_2026.xlsx" in text


def test_an_empty_page_says_nothing_is_published(db) -> None:
    assert "Nothing has been published yet" in Client().get("/statistics/").content.decode()
