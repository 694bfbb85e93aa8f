"""`gp_data` on the API: a JSON flag, a query parameter for file bodies (inline and queued)."""

from __future__ import annotations

import io

import pytest

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.check.clients import CheckLimits
from ndop.services.gp_codes.import_codes import import_codes
from ndop.services.organisations.api_keys import set_check_limits
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient, run_jobs
from tests.integration.web.test_api_checks import RX1, A, B, C, _clear_rate_limits, api_key, post_json  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def type1(registry, api_key):  # noqa: F811 - the fixture imported above
    load_patients(registry, [make_patient(C[:9])], loaded_by=TESTER, source="fixture")
    extract = f"nhs_number,practice_code,code_system,code,recorded_date\n{C},B82001,read2,9Nu0.,2015-01-01\n"
    import_codes(container.gp_codes(), io.BytesIO(extract.encode()), imported_by=TESTER, source="t")
    return api_key


def test_api_json_gp_data_removes_type1_and_counts_it_apart(client, type1) -> None:
    plain = post_json(client, type1, [A, B, C]).json()
    assert plain["nhs_numbers"] == [A, C] and plain["gp_data"] is False and plain["rows_removed_type1"] == 0
    response = client.post("/api/v1/checks", {"nhs_numbers": [A, B, C], "gp_data": True},
                           content_type="application/json", HTTP_X_API_KEY=type1)
    body = response.json()
    assert body["nhs_numbers"] == [A] and body["rows_removed"] == 2 and body["rows_removed_type1"] == 1
    job = m.CheckJob.objects.get(id=body["job_id"])
    assert (job.gp_data, job.rows_removed, job.rows_removed_type1) == (True, 2, 1)


def test_api_file_gp_data_query_parameter(client, type1) -> None:
    response = client.post("/api/v1/checks?gp_data=true", f"{A},\n{B},\n{C},\n".encode(), content_type="text/plain",
                           HTTP_X_API_KEY=type1)
    assert response.status_code == 200
    assert response.content == f"{A},\n".encode() and response["X-Rows-Removed-Type1"] == "1"


def test_api_queued_file_keeps_gp_data(client, type1, registry) -> None:
    set_check_limits(registry, container.check_clients(), RX1, CheckLimits(inline_bytes=20), by=TESTER)
    response = client.post("/api/v1/checks?gp_data=1", f"{A},\n{B},\n{C},\n".encode(), content_type="text/plain",
                           HTTP_X_API_KEY=type1)
    assert response.status_code == 202
    run_jobs()
    status = client.get(response["Location"], HTTP_X_API_KEY=type1).json()
    assert status["status"] == "done" and status["gp_data"] is True and status["rows_removed_type1"] == 1
    result = client.get(response.json()["result_url"], HTTP_X_API_KEY=type1)
    assert b"".join(result.streaming_content) == f"{A},\n".encode()


@pytest.mark.parametrize(("url", "body", "content_type"), [
    ("/api/v1/checks?gp_data=maybe", b"9434765919,\n", "text/plain"),
    ("/api/v1/checks", b'{"nhs_numbers": [], "gp_data": "yes"}', "application/json"),
])
def test_api_bad_gp_data_is_400_in_the_envelope(client, type1, url, body, content_type) -> None:
    response = client.post(url, body, content_type=content_type, HTTP_X_API_KEY=type1)
    assert response.status_code == 400
    assert set(response.json()) == {"error", "message", "problems"} and "gp_data" in response.json()["message"]
