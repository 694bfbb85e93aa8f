"""The web upload page: a signed-in checker uploads a list and downloads the cleaned list."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.check.clients import CheckLimits
from ndop.domain.common.actors import PATIENT_ONLINE
from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.organisations.accounts import add_organisation_user, register_organisation
from ndop.services.organisations.api_keys import set_check_limits
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient, number

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
A, B = (number(n).digits for n in ("943476591", "900000002"))


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    from django.core.cache import cache

    cache.clear()


def account(registry, ods: str, email: str, role: OrganisationRole) -> str:
    if registry.organisations.get(OdsCode(ods)) is None:
        register_organisation(registry, Organisation(OdsCode(ods), f"Trust {ods}"), by=TESTER)
    add_organisation_user(registry, OdsCode(ods), email, role, by=TESTER, password=PASSWORD)
    return email


@pytest.fixture
def checker(client, registry):
    patient = make_patient("900000002")
    load_patients(registry, [patient], loaded_by=TESTER, source="fixture")
    record_choice(registry, ChoiceRequest(patient.nhs_number, Choice.OPTED_OUT, Channel.ONLINE),
                  recorded_by=PATIENT_ONLINE)
    email = account(registry, "RR8", "ann@example.nhs.uk", OrganisationRole.CHECKER)
    assert client.post("/org/sign-in", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def upload(client, content: bytes, name: str = "RR8-231126-0001.dat"):
    return client.post("/org/check/", {"list_file": SimpleUploadedFile(name, content, "text/plain")})


def test_org_check_upload_then_download_the_cleaned_file(checker) -> None:
    page = checker.get("/org/check/")
    assert page.status_code == 200 and b'type="file"' in page.content and b"csrfmiddlewaretoken" in page.content
    response = upload(checker, f"{A},\r\n{B},\r\n".encode())
    assert response.status_code == 302
    result = checker.get(response["Location"])
    html = result.content.decode()
    assert "Your list has been checked" in html
    assert "must not be added to any patient" in html and "must not be shared" in html  # the licence terms
    (stored,) = m.StoredCheck.objects.all()
    download = checker.get(f"/org/check/{stored.id}/download")
    assert b"".join(download.streaming_content) == f"{A},\r\n".encode()
    assert 'filename="RR8-231126-0001_RESPONSE.dat"' in download["Content-Disposition"]
    job = m.CheckJob.objects.get(id=stored.check_job_id)
    assert (job.channel, job.organisation, job.requested_by) == ("web", "RR8", "web:ann@example.nhs.uk")


def test_org_check_invalid_number_shows_the_rejection_report(checker) -> None:
    response = upload(checker, f"{A},\r\n1234567890,\r\n".encode())
    html = checker.get(response["Location"]).content.decode()
    assert "Your file was rejected" in html
    assert "The file contains one or more invalid NHS Numbers." in html
    assert "What was wrong" in html
    (stored,) = m.StoredCheck.objects.all()
    assert checker.get(f"/org/check/{stored.id}/download").status_code == 404


def test_org_check_without_a_file_says_what_to_do(checker) -> None:
    response = checker.post("/org/check/", {})
    assert response.status_code == 400
    assert "Select a file with a list of NHS numbers" in response.content.decode()


def test_org_check_file_over_the_organisation_limit_is_refused(checker, registry) -> None:
    set_check_limits(registry, container.check_clients(), OdsCode("RR8"), CheckLimits(max_request_bytes=20), by=TESTER)
    response = upload(checker, f"{A},\r\n".encode() * 5)
    assert response.status_code == 413 and "must be smaller than" in response.content.decode()
    assert not m.CheckJob.objects.exists()


def test_org_check_needs_a_signed_in_checker(client, registry) -> None:
    assert client.get("/org/check/")["Location"].startswith("/org/sign-in")
    email = account(registry, "RR9", "ig@example.nhs.uk", OrganisationRole.IG_LEAD)
    client.post("/org/sign-in", {"email": email, "password": PASSWORD})
    assert client.get("/org/check/").status_code == 403


def test_org_check_result_of_another_organisation_is_not_found(checker, registry) -> None:
    response = upload(checker, f"{A},\r\n".encode())
    other = container.registry()
    email = account(other, "RX1", "bob@example.nhs.uk", OrganisationRole.CHECKER)
    from django.test import Client

    bob = Client()
    bob.post("/org/sign-in", {"email": email, "password": PASSWORD})
    assert bob.get(response["Location"]).status_code == 404
    (stored,) = m.StoredCheck.objects.all()
    assert bob.get(f"/org/check/{stored.id}/download").status_code == 404


def test_org_home_lists_the_check_page_for_checkers(checker) -> None:
    assert "/org/check/" in checker.get("/org/").content.decode()


def test_org_check_empty_file_says_the_file_is_empty(checker) -> None:
    response = upload(checker, b"")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The selected file is empty" in html
    assert "Select a file with a list of NHS numbers" not in html
    assert not m.StoredCheck.objects.exists()


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40 + b"\n\x01\x02\n"


def test_org_check_binary_file_shows_one_reason_and_no_rows(checker) -> None:
    response = upload(checker, PNG, name="picture.dat")
    html = checker.get(response["Location"]).content.decode()
    assert "not a text file" in html
    assert "must be 10 digits" not in html and "line,reason" not in html
    assert "<table" not in html


def test_org_check_report_is_a_table_in_words(checker) -> None:
    response = upload(checker, f"{A},\r\n1234567890,\r\n12345,\r\n".encode())
    html = checker.get(response["Location"]).content.decode()
    assert "line,reason" not in html and "<pre" not in html
    assert '<caption class="nhsuk-table__caption">What was wrong</caption>' in html
    assert '<td class="nhsuk-table__cell">2</td><td class="nhsuk-table__cell">Check digit is wrong</td>' in html
    assert '<td class="nhsuk-table__cell">3</td><td class="nhsuk-table__cell">NHS number must be 10 digits</td>' in html


def test_org_home_lists_the_organisations_past_checks_in_words(checker, registry) -> None:
    assert "has not checked any lists yet" in checker.get("/org/").content.decode()
    upload(checker, f"{A},\r\n{B},\r\n".encode())
    upload(checker, PNG, name="picture.dat")
    other = account(registry, "RX1", "bob@example.nhs.uk", OrganisationRole.CHECKER)
    from django.test import Client

    bob = Client()
    bob.post("/org/sign-in", {"email": other, "password": PASSWORD})
    upload(bob, f"{A},\r\n".encode())  # another organisation's check is not listed
    html = checker.get("/org/").content.decode()
    assert html.count("Web upload") == 2
    assert "Rejected: not a text file" in html and "Cleaned" in html
    jobs = {j.id: j.organisation for j in m.CheckJob.objects.all()}
    for job_id, ods in jobs.items():
        assert (job_id in html) == (ods == "RR8")
    assert "not_text" not in html


def test_org_check_long_report_shows_the_first_lines_and_how_many_more(checker) -> None:
    from ndop.web.org.checks.views import REPORT_ROWS_SHOWN

    extra = 7
    response = upload(checker, b"123,\r\n" * (REPORT_ROWS_SHOWN + extra))
    html = checker.get(response["Location"]).content.decode()
    assert html.count('<tr class="nhsuk-table__row"><td') == REPORT_ROWS_SHOWN
    assert f"And {extra} more lines like these." in html
