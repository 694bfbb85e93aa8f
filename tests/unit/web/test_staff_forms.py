"""Properties of the staff forms' parsers: a day/month/year group gives back exactly the date typed, or one
message on one of its parts and no date; the proxy's details give a ProxyDetails or one message."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ndop.web.staff.forms import PhoneForm, TraceForm

TODAY = date(2026, 11, 23)
PARTS = ("dob_day", "dob_month", "dob_year")


def _trace(day: str, month: str, year: str) -> TraceForm:
    form = TraceForm({"family_name": "Smith", "postcode": "LS1 4AP", "dob_day": day, "dob_month": month,
                      "dob_year": year}, today=TODAY)
    form.is_valid()
    return form


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1880, 1, 1), max_value=TODAY))
def test_a_real_date_in_the_past_comes_back_as_typed(born: date) -> None:
    form = _trace(str(born.day), f"{born.month:02d}", str(born.year))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_birth"] == born


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=6), st.text(max_size=6), st.text(max_size=8))
def test_anything_else_gives_one_message_on_one_part_and_no_date(day: str, month: str, year: str) -> None:
    form = _trace(day, month, year)
    errors = [name for name in PARTS if name in form.errors]
    if form.cleaned_data.get("date_of_birth") is not None:
        assert not errors
        born = form.cleaned_data["date_of_birth"]
        assert date(1880, 1, 1) <= born <= TODAY
        assert (born.day, born.month, born.year) == (int(day), int(month), int(year))
    else:
        assert len(errors) == 1 and len(form.errors[errors[0]]) == 1


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=3650))
def test_a_future_date_is_refused(days: int) -> None:
    later = TODAY + timedelta(days=days)
    form = _trace(str(later.day), str(later.month), str(later.year))
    assert form.errors["dob_day"] == ["The date of birth must be today or in the past"]


PROXY = {"choice": "opted_out", "acting_for": "proxy", "identity": ["full_name", "date_of_birth", "postcode"],
         "nic_reference": "12345-C", "proxy_role": "GUARDIAN", "proxy_name": "Jane Smith",
         "proxy_relationship": "Mother", "proxy_address_1": "1 Wellington Place", "proxy_postcode": "LS1 4AP",
         "evidence_type": "birth_certificate", "evidence_reference": "BC123456"}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(PROXY)), st.text(max_size=30))
def test_a_proxy_form_gives_details_or_messages_never_both(field: str, value: str) -> None:
    form = PhoneForm({**PROXY, field: value})
    valid = form.is_valid()
    proxy = form.cleaned_data.get("proxy")
    if valid:
        assert proxy is not None and proxy.role.value == "GUARDIAN"
    else:
        assert proxy is None or field in ("nic_reference", "identity", "choice", "note")
        assert form.error_summary and all(p["href"].startswith("#") for p in form.error_summary)
