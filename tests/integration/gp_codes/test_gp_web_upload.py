"""The web upload's GP-data option: Type 1 objections removed too, counted apart on the result page."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ndop import container
from ndop.adapters.db import models as m
from ndop.services.gp_codes.import_codes import import_codes
from ndop.services.registry.load_patients import load_patients
from tests.conftest import TESTER, make_patient, number
from tests.integration.org.test_org_check_upload import A, B, _clear_rate_limits, checker  # noqa: F401

pytestmark = pytest.mark.django_db
T1 = number("943476587").digits


@pytest.fixture
def type1(checker, registry):  # noqa: F811
    load_patients(registry, [make_patient(T1[:9])], loaded_by=TESTER, source="fixture")
    extract = f"nhs_number,practice_code,code_system,code,recorded_date\n{T1},B82001,ctv3,XaZ89,2015-01-01\n"
    import_codes(container.gp_codes(), io.BytesIO(extract.encode()), imported_by=TESTER, source="t")
    return checker


@pytest.mark.parametrize(("choice", "kept", "type1_row"), [
    ("yes", f"{A},\r\n", "1"), ("no", f"{A},\r\n{T1},\r\n", "Not applied"),
    (None, f"{A},\r\n{T1},\r\n", "Not applied")])
def test_org_upload_gp_data_option(type1, choice, kept, type1_row) -> None:
    page = type1.get("/org/check/").content.decode()
    assert 'name="gp_data"' in page and "type 1 opt-out" in page
    data = {"list_file": SimpleUploadedFile("list.dat", f"{A},\r\n{B},\r\n{T1},\r\n".encode(), "text/plain")}
    if choice is not None:
        data["gp_data"] = choice
    response = type1.post("/org/check/", data)
    assert response.status_code == 302
    html = type1.get(response["Location"]).content.decode()
    assert "Removed (type 1 opt-out, GP data)" in html and type1_row in html
    (stored,) = m.StoredCheck.objects.all()
    assert b"".join(type1.get(f"/org/check/{stored.id}/download").streaming_content) == kept.encode()
    assert stored.gp_data is (choice == "yes")


def test_org_upload_gp_data_refuses_another_answer(type1) -> None:
    data = {"list_file": SimpleUploadedFile("list.dat", f"{A},\r\n".encode(), "text/plain"), "gp_data": "maybe"}
    response = type1.post("/org/check/", data)
    assert response.status_code == 400
    assert "Select yes if the data you will use or share comes from GP records" in response.content.decode()
    assert not m.StoredCheck.objects.exists()
