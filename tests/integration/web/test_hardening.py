"""Issue 11, finding 10: the smaller holes, each reproduced over HTTP against the real database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from ndop import container
from ndop.adapters.db import models as m
from ndop.adapters.files.private import make_private
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.services.organisations.accounts import register_organisation
from ndop.services.organisations.api_keys import issue_api_key
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient

pytestmark = pytest.mark.django_db

NESTED = b"[" * 100_000 + b"]" * 100_000  # about 200 KB; the attack used 100 KB


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_key(registry) -> str:
    register_organisation(registry, Organisation(OdsCode("RX1"), "Trust one", "RX1OT001"), by=TESTER)
    load_patients(registry, [make_patient("900000002")], loaded_by=TESTER, source="fixture")
    return issue_api_key(registry, container.check_clients(), OdsCode("RX1"), by=TESTER).token


def test_nested_json_to_the_check_api_is_a_400_and_a_rejected_job(client, api_key) -> None:
    half = NESTED[: 50_000] + NESTED[-50_000:]  # within the inline limit, still far too deep
    response = client.post("/api/v1/checks", half, content_type="application/json", HTTP_X_API_KEY=api_key)
    assert response.status_code == 400 and response.json()["error"] == "bad_json"
    job = m.CheckJob.objects.get(id=response["X-Check-Job-Id"])
    assert job.rejected and job.rejection == "bad_json"


def test_nested_json_to_the_policy_api_is_a_400(client) -> None:
    response = client.post("/api/v1/policy/decisions", NESTED, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "bad_json"
    assert "nested too deeply" in response.json()["message"]


def test_a_chunked_body_without_a_length_is_refused_with_411_not_read_as_empty(client, api_key) -> None:
    response = client.generic("POST", "/api/v1/checks", b"", content_type="text/plain",
                              HTTP_X_API_KEY=api_key, HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="")
    assert response.status_code == 411
    assert not m.CheckJob.objects.exists()  # nothing was acted on
    assert response["Cache-Control"] == "no-store"


def test_api_answers_carrying_nhs_numbers_are_never_cached(client, api_key) -> None:
    response = client.post("/api/v1/checks", {"nhs_numbers": ["9000000025"]}, content_type="application/json",
                           HTTP_X_API_KEY=api_key)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    status = client.get(f"/api/v1/checks/{response.json()['job_id']}", HTTP_X_API_KEY=api_key)
    assert status["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/your-data-matters/", "/your-data-matters/nhs-number", "/org/sign-in",
                                  "/policy/", "/api/v1/policy/rules"])
def test_every_page_is_no_store(client, path) -> None:
    assert client.get(path)["Cache-Control"] == "no-store"


def test_static_assets_stay_cacheable(client) -> None:
    response = client.get("/assets/nhsuk-frontend.min.css")
    assert response.status_code == 200 and response.get("Cache-Control") != "no-store"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_var_directory_and_everything_in_it_is_private(tmp_path) -> None:
    var = tmp_path / "var"
    (var / "snapshots").mkdir(parents=True)
    (var / "ndop.sqlite3").write_bytes(b"")
    (var / "ndop.sqlite3").chmod(0o644)
    (var / "snapshots").chmod(0o755)
    make_private(var)
    assert _mode(var) == 0o700 and _mode(var / "snapshots") == 0o700 and _mode(var / "ndop.sqlite3") == 0o600
    # created later, by anyone in this process: private too (the umask)
    (var / "mesh" / "spool").mkdir(parents=True)
    (var / "mesh" / "spool" / "message.dat").write_text("9434765919,\n")
    assert _mode(var / "mesh") == 0o700 and _mode(var / "mesh" / "spool" / "message.dat") == 0o600


def test_the_running_service_keeps_its_own_var_directory_private() -> None:
    var = Path(settings.CONFIG.var_dir)
    assert _mode(var) == 0o700
    for path in var.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert _mode(path) & 0o077 == 0, path.name


def test_snapshot_files_are_written_private(registry, tmp_path) -> None:
    from ndop.adapters.db.check import DjangoOptOutSource
    from ndop.adapters.files.snapshots import FileSnapshotStore
    from ndop.services.check.snapshot import SnapshotKeeper

    make_private(tmp_path)
    keeper = SnapshotKeeper(DjangoOptOutSource(), FileSnapshotStore(tmp_path / "snapshots", b"k" * 32))
    keeper.current()
    files = list((tmp_path / "snapshots").iterdir())
    assert files and all(_mode(f) == 0o600 for f in files) and _mode(tmp_path / "snapshots") == 0o700


def test_organisation_sign_ins_that_succeed_do_not_count_toward_the_limit(registry) -> None:
    from ndop.domain.organisations.accounts import OrganisationRole
    from ndop.services.organisations.accounts import add_organisation_user

    register_organisation(registry, Organisation(OdsCode("RR8"), "Leeds Teaching Hospitals"), by=TESTER)
    password = "correct horse battery staple"
    add_organisation_user(registry, OdsCode("RR8"), "ann@example.nhs.uk", OrganisationRole.CHECKER,
                          by=TESTER, password=password)
    for _ in range(8):  # the attack: the sixth success was refused as "too many"
        client = Client()
        assert client.post("/org/sign-in", {"email": "ann@example.nhs.uk", "password": password}).status_code == 302
    client = Client()
    for _ in range(5):
        assert client.post("/org/sign-in", {"email": "ann@example.nhs.uk", "password": "wrong"}).status_code == 200
    assert client.post("/org/sign-in", {"email": "ann@example.nhs.uk", "password": password}).status_code == 429
