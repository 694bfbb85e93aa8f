"""`POST /api/v1/checks` and the queued-check endpoints, with the real engine and real API keys."""

from __future__ import annotations

import io
import threading
import time

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.check.clients import LICENCE_TERMS, CheckLimits
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.organisations.accounts import register_organisation
from ndop.services.organisations.api_keys import issue_api_key, revoke_api_key, set_check_limits
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from ndop.web.api import checks as checks_api
from tests.conftest import TESTER, make_patient, number, run_jobs

pytestmark = pytest.mark.django_db

A, B, C = (number(n).digits for n in ("943476591", "900000002", "900000006"))
RX1 = OdsCode("RX1")


@pytest.fixture
def api_key(registry) -> str:
    register_organisation(registry, Organisation(RX1, "Trust one", "RX1OT001"), by=TESTER)
    patient = make_patient("900000002")
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)
    return issue_api_key(registry, container.check_clients(), RX1, by=TESTER).token


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    from django.core.cache import cache

    cache.clear()


def post_json(client, key: str, numbers) -> object:
    return client.post("/api/v1/checks", {"nhs_numbers": numbers}, content_type="application/json",
                       HTTP_X_API_KEY=key)


def test_api_check_json_list_returns_cleaned_list_version_job_and_licence(client, api_key) -> None:
    response = post_json(client, api_key, [A, B, C])
    assert response.status_code == 200
    body = response.json()
    assert body["nhs_numbers"] == [A, C]
    assert body["rows_in"] == 3 and body["rows_removed"] == 1
    assert body["registry_version"] == 1
    assert body["licence"] == LICENCE_TERMS and "must not be shared" in body["licence"]
    job = m.CheckJob.objects.get(id=body["job_id"])
    assert (job.channel, job.organisation) == ("api", "RX1")


def test_api_check_one_invalid_number_rejects_the_list(client, api_key) -> None:
    response = post_json(client, api_key, [A, "1234567890"])
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "The file contains one or more invalid NHS Numbers."
    assert {"error", "message", "problems", "job_id", "licence"} == set(body) and body["problems"] == []
    assert m.CheckJob.objects.get(id=body["job_id"]).rejected


def test_api_check_json_item_cannot_smuggle_a_second_line(client, api_key) -> None:
    response = post_json(client, api_key, [f"{A[:9]}\n{A[9]}"])
    assert response.status_code == 422


def test_api_check_dat_file_returns_the_cleaned_file(client, api_key) -> None:
    response = client.post("/api/v1/checks", f"{A},\r\n{B},\r\n".encode(), content_type="text/plain",
                           HTTP_X_API_KEY=api_key)
    assert response.status_code == 200
    assert response.content == f"{A},\r\n".encode()
    assert response["X-Registry-Version"] == "1"
    assert m.CheckJob.objects.filter(id=response["X-Check-Job-Id"]).exists()
    assert response["X-Licence"] == LICENCE_TERMS


def test_api_check_csv_file_returns_csv(client, api_key) -> None:
    response = client.post("/api/v1/checks", f"nhs_number,ref\n{A},x\n{B},y\n".encode(), content_type="text/csv",
                           HTTP_X_API_KEY=api_key)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines() == ["nhs_number,ref", f"{A},x"]


def test_api_check_without_a_key_or_with_a_wrong_key_is_401(client, api_key) -> None:
    for key in ("", api_key[:-1] + ("A" if api_key[-1] != "A" else "B")):
        response = post_json(client, key, [A])
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized" and response.json()["problems"] == []
    assert not m.CheckJob.objects.exists()


def test_api_check_with_a_revoked_key_is_401(client, api_key, registry) -> None:
    revoke_api_key(registry, container.check_clients(), api_key.split("_")[1], by=TESTER)
    assert post_json(client, api_key, [A]).status_code == 401


def test_api_key_is_stored_only_as_a_hash(api_key) -> None:
    (row,) = m.OrganisationApiKey.objects.all()
    secret = api_key.split("_", 2)[2]
    assert secret not in row.key_hash and len(row.key_hash) == 64


def test_api_check_rate_limit_per_organisation_gives_429(client, api_key, registry) -> None:
    set_check_limits(registry, container.check_clients(), RX1, CheckLimits(requests_per_minute=2), by=TESTER)
    assert post_json(client, api_key, [A]).status_code == 200
    assert post_json(client, api_key, [A]).status_code == 200
    limited = post_json(client, api_key, [A])
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60" and "Wait a minute" in limited.json()["message"]
    job = m.CheckJob.objects.get(id=limited["X-Check-Job-Id"])
    assert (job.rejected, job.rejection, job.rows_in, job.organisation) == (True, "rate_limited", 0, RX1.value)


def test_api_check_larger_than_the_organisation_limit_is_413(client, api_key, registry) -> None:
    set_check_limits(registry, container.check_clients(), RX1, CheckLimits(max_request_bytes=100), by=TESTER)
    body = f"{A},\n".encode() * 20
    response = client.post("/api/v1/checks", body, content_type="text/plain", HTTP_X_API_KEY=api_key)
    assert response.status_code == 413
    # Every call is a CheckJob: the refused one records why, and no number from it.
    (job,) = m.CheckJob.objects.all()
    assert job.id == response["X-Check-Job-Id"]
    assert (job.rejected, job.rejection, job.rows_in, job.request_bytes) == (True, "too_large", 0, len(body))
    audit = m.AuditEvent.objects.get(action="check.completed", subject=job.id)
    assert audit.details["outcome"] == "rejected" and audit.details["rejection"] == "too_large"


def test_api_check_unsupported_media_type_is_415(client, api_key) -> None:
    response = client.post("/api/v1/checks", b"<x/>", content_type="application/xml", HTTP_X_API_KEY=api_key)
    assert response.status_code == 415
    assert response.json() == {"error": "unsupported_media_type", "problems": [],
                               "message": "Send application/json, text/csv or text/plain (a .dat file)."}
    assert m.CheckJob.objects.get(id=response["X-Check-Job-Id"]).rejection == "unsupported_media_type"


def test_api_large_file_becomes_a_job_fetched_when_done(client, api_key, registry) -> None:
    set_check_limits(registry, container.check_clients(), RX1, CheckLimits(inline_bytes=20), by=TESTER)
    response = client.post("/api/v1/checks", f"{A},\n{B},\n{C},\n".encode(), content_type="text/plain",
                           HTTP_X_API_KEY=api_key)
    assert response.status_code == 202
    status_url = response["Location"]
    assert client.get(status_url, HTTP_X_API_KEY=api_key).json()["status"] == "queued"  # until a worker runs it
    run_jobs()
    status = client.get(status_url, HTTP_X_API_KEY=api_key).json()
    assert status["status"] == "done" and status["rows_removed"] == 1
    result = client.get(response.json()["result_url"], HTTP_X_API_KEY=api_key)
    assert result.status_code == 200
    assert b"".join(result.streaming_content) == f"{A},\n{C},\n".encode()
    assert result["X-Check-Job-Id"] == status["job_id"]


def test_api_queued_check_is_not_found_for_another_organisation(client, api_key, registry) -> None:
    set_check_limits(registry, container.check_clients(), RX1, CheckLimits(inline_bytes=5), by=TESTER)
    created = client.post("/api/v1/checks", f"{A},\n".encode(), content_type="text/plain", HTTP_X_API_KEY=api_key)
    run_jobs()
    register_organisation(registry, Organisation(OdsCode("RX2"), "Trust two"), by=TESTER)
    other = issue_api_key(registry, container.check_clients(), OdsCode("RX2"), by=TESTER).token
    assert client.get(created["Location"], HTTP_X_API_KEY=other).status_code == 404
    assert client.get(created.json()["result_url"], HTTP_X_API_KEY=other).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_api_large_file_is_checked_in_the_background(client, api_key, registry) -> None:
    set_check_limits(registry, container.check_clients(), RX1, CheckLimits(inline_bytes=5), by=TESTER)
    created = client.post("/api/v1/checks", f"{A},\n{B},\n".encode(), content_type="text/plain",
                          HTTP_X_API_KEY=api_key)
    assert created.status_code == 202
    def work() -> None:  # a worker beside the web, on committed data, with its own connection
        try:
            run_jobs()
        finally:
            connection.close()

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    deadline = time.monotonic() + 30
    while (status := client.get(created["Location"], HTTP_X_API_KEY=api_key).json())["status"] != "done":
        assert status["status"] in ("queued", "running") and time.monotonic() < deadline, status
        time.sleep(0.05)
    result = client.get(created.json()["result_url"], HTTP_X_API_KEY=api_key)
    assert b"".join(result.streaming_content) == f"{A},\n".encode()
    worker.join(timeout=30)


@given(st.binary(max_size=64), st.binary(max_size=64), st.integers(min_value=1, max_value=20))
def test_api_prefixed_stream_reads_prefix_then_rest_in_order(prefix: bytes, rest: bytes, size: int) -> None:
    stream = checks_api._Prefixed(prefix, io.BytesIO(rest))
    out = b""
    while block := stream.read(size):
        assert len(block) <= size
        out += block
    assert out == prefix + rest


def test_api_check_malformed_json_is_400_in_the_envelope_and_recorded(client, api_key) -> None:
    response = client.post("/api/v1/checks", b"{nope", content_type="application/json", HTTP_X_API_KEY=api_key)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_json" and "nhs_numbers" in response.json()["message"]
    assert m.CheckJob.objects.get(id=response["X-Check-Job-Id"]).rejection == "bad_json"


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_recently_verified_key_is_recognised_without_a_read_until_its_seconds_pass(api_key) -> None:
    from django.test.utils import CaptureQueriesContext

    from ndop.services.organisations.api_keys import RecentKeys, authenticate_with_limits

    clock = _Clock()
    recent = RecentKeys(2.0, now=clock)
    clients = container.check_clients()
    first = authenticate_with_limits(clients, api_key, recent=recent)
    assert first is not None and first[0].ods_code == RX1
    # Revoked by another process (`ndop org key revoke`): this process still knows it for up to 2 s ...
    m.OrganisationApiKey.objects.update(revoked_at=m.OrganisationApiKey.objects.get().created_at)
    with CaptureQueriesContext(connection) as queries:
        assert authenticate_with_limits(clients, api_key, recent=recent) == first
    assert len(queries.captured_queries) == 0
    clock.now += 2.0  # ... and not after
    assert authenticate_with_limits(clients, api_key, recent=recent) is None
    assert authenticate_with_limits(clients, api_key, recent=recent) is None  # a refusal is never held


def test_a_wrong_secret_for_a_recently_verified_key_id_is_refused(api_key) -> None:
    from ndop.services.organisations.api_keys import RecentKeys, authenticate_with_limits

    recent = RecentKeys(60.0, now=_Clock())
    clients = container.check_clients()
    assert authenticate_with_limits(clients, api_key, recent=recent) is not None
    wrong = api_key[:-1] + ("A" if api_key[-1] != "A" else "B")
    assert authenticate_with_limits(clients, wrong, recent=recent) is None
    secret = api_key.split("_", 2)[2]
    assert all(secret not in part for entry in recent._entries for part in entry)  # held as a hash only


def test_revoking_a_key_or_setting_limits_in_this_process_takes_effect_on_the_next_call(client, api_key,
                                                                                       registry) -> None:
    assert post_json(client, api_key, [A]).status_code == 200  # verified: held by this process's keys
    set_check_limits(registry, container.check_clients(), RX1, CheckLimits(requests_per_minute=1), by=TESTER)
    # the new limit, not the held one (a new rate counts from nothing: one call, then refused)
    assert [post_json(client, api_key, [A]).status_code for _ in range(2)] == [200, 429]
    revoke_api_key(registry, container.check_clients(), api_key.split("_")[1], by=TESTER)
    assert post_json(client, api_key, [A]).status_code == 401
