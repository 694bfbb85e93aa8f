"""What staff type into the portal, as the web kit's Django forms (kit.forms).

Each form's `is_valid()` gives typed values in `cleaned_data`, or one message per field saying what to fix;
the domain's own checks (a proxy's evidence, a reference's shape) are called from `clean` so that a page
shows every problem at once and nothing is written until the form is valid.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from django import forms

from ndop.domain.common.dates import parse_month
from ndop.domain.common.errors import DomainError
from ndop.domain.common.nhs_number import InvalidNhsNumber, NhsNumber
from ndop.domain.contact_centre.cases import (
    ActingFor,
    CannotMatchReason,
    IdentityDetail,
    RejectionReason,
    check_identity,
    check_note,
    check_reference,
)
from ndop.domain.contact_centre.evidence import ROLE_LABELS, EvidenceType, ProxyDetails, normalise_postcode
from ndop.domain.registry.choices import Choice
from ndop.services.staff.find_person import check_reason
from ndop.web.kit.forms import Checkboxes, NhsForm, Radios, Text

CHOICES: Final = [(Choice.OPTED_OUT.value, "Opt out: do not use it for research and planning"),
                  (Choice.NOT_OPTED_OUT.value, "Allow it to be used for research and planning")]
ROLES: Final = [(role.value, label) for role, label in ROLE_LABELS.items()]
EVIDENCE: Final = [(e.value, e.label) for e in EvidenceType]

# Which field a refusal of ProxyDetails.parse belongs to (its code).
PROXY_FIELDS: Final = {
    "proxy_role": "proxy_role", "proxy_evidence_type": "evidence_type", "proxy_evidence_wrong_role": "evidence_type",
    "proxy_address_missing": "proxy_address_1", "proxy_address_too_long": "proxy_address_1",
    "proxy_evidence_reference_missing": "evidence_reference", "proxy_opg_code": "evidence_reference",
    "proxy_name_missing": "proxy_name", "proxy_relationship_missing": "proxy_relationship",
    "postcode": "proxy_postcode",
}

PROXY_ORDER: Final = ["proxy_role", "proxy_name", "proxy_relationship", "proxy_address_1", "proxy_address_2",
                      "proxy_postcode", "evidence_type", "evidence_reference"]


def parse_nhs_number(text: str, missing: str) -> NhsNumber:
    if not text.strip():
        raise forms.ValidationError(missing)
    try:
        return NhsNumber.parse(text)
    except InvalidNhsNumber:
        raise forms.ValidationError("Enter a valid 10-digit NHS number, like 943 476 5919") from None


def clean_date(form: NhsForm, prefix: str, what: str, today: date) -> date | None:
    """The day/month/year group `prefix_day` ...: the date, or None with one message on the part to fix."""
    parts = {p: form.cleaned_data.get(f"{prefix}_{p}", "").strip() for p in ("day", "month", "year")}
    if not any(parts.values()):
        form.add_error(f"{prefix}_day", f"Enter {what}")
        return None
    for part, value in parts.items():
        if not value:
            form.add_error(f"{prefix}_{part}", f"{what[0].upper()}{what[1:]} must include a {part}")
            return None
    try:
        # The month as the patient pages take it: a number or a name ("11", "Nov", "November"), since a
        # form's handwritten date is often copied as it is written.
        day = date(int(parts["year"]), parse_month(parts["month"]) or 0, int(parts["day"]))
    except ValueError:
        form.add_error(f"{prefix}_day", f"{what[0].upper()}{what[1:]} must be a real date")
        return None
    if len(parts["year"]) != 4:
        form.add_error(f"{prefix}_year", "Year must include 4 numbers")
        return None
    if day > today:
        form.add_error(f"{prefix}_day", f"{what[0].upper()}{what[1:]} must be today or in the past")
        return None
    if day.year < 1880:
        form.add_error(f"{prefix}_year", f"{what[0].upper()}{what[1:]} must be after 1880")
        return None
    return day


class ProxyForm(NhsForm):
    """The details of someone acting for the person (a form from a proxy, or a proxy on the phone)."""

    proxy_role = Radios(message="Choose the proxy's role", choices=ROLES, required=False, label="Proxy's role",
                        design={"fieldset": {"legend": {"size": "s"}}})
    proxy_name = Text(limit=200, label="Proxy's full name")
    proxy_relationship = Text(label="Proxy's relationship to the person")
    proxy_address_1 = Text(label="Proxy's address line 1")
    proxy_address_2 = Text(label="Proxy's address line 2 (town)")
    proxy_postcode = Text(limit=12, label="Proxy's postcode", design={"width": 10})
    evidence_type = Radios(message="Choose the evidence seen", choices=EVIDENCE, required=False,
                           label="Evidence seen", design={"fieldset": {"legend": {"size": "s"}}})
    evidence_reference = Text(label="Evidence reference")

    def _proxy(self, data: dict[str, Any]) -> ProxyDetails | None:
        if not data.get("proxy_role"):
            self.add_error("proxy_role", "Choose the proxy's role")
            return None
        try:
            return ProxyDetails.parse(
                role=data["proxy_role"], name=data.get("proxy_name", ""),
                relationship=data.get("proxy_relationship", ""),
                address_lines=[data.get("proxy_address_1", ""), data.get("proxy_address_2", "")],
                postcode=data.get("proxy_postcode", ""), evidence_type=data.get("evidence_type") or "",
                evidence_reference=data.get("evidence_reference", ""),
            )
        except DomainError as exc:
            self.add_error(PROXY_FIELDS.get(exc.code, "proxy_name"), exc.message.rstrip("."))
            return None


class ReceiveFormForm(ProxyForm):
    """A postal form as it arrived: when, the scan, the choice, who it is for and who it is from."""

    received_day = Text(limit=4, label="Day")
    received_month = Text(limit=12, label="Month")  # a name ("September") as well as a number
    received_year = Text(limit=6, label="Year")
    signed_day = Text(limit=4, label="Day")
    signed_month = Text(limit=12, label="Month")  # a name ("September") as well as a number
    signed_year = Text(limit=6, label="Year")
    scanned_reference = Text(limit=60, label="Scanned form reference",
                             help_text="The reference of the scan in the document store, like SCAN-2026-0001",
                             design={"width": 20, "spellcheck": False})
    choice = Radios(message="Choose the choice on the form", choices=CHOICES, label="The choice on the form",
                    design={"fieldset": {"legend": {"size": "s"}}})
    given_name = Text(label="First name on the form", design={"spellcheck": False})
    family_name = Text(label="Last name on the form", design={"spellcheck": False})
    dob_day = Text(limit=4, label="Day")
    dob_month = Text(limit=12, label="Month")  # a name ("September") as well as a number
    dob_year = Text(limit=6, label="Year")
    address_1 = Text(label="Address line 1 on the form")
    address_2 = Text(label="Address line 2 on the form (optional)")
    town = Text(label="Town or city on the form (optional)")
    postcode = Text(limit=12, label="Postcode on the form", design={"width": 10})
    acting_for = Radios(message="Choose who completed the form", label="Who completed the form?", choices=[
        (ActingFor.SELF.value, "The person themself (13 or over)"),
        (ActingFor.PROXY.value, "Someone acting for them, with evidence (a second approver checks it)"),
        (ActingFor.DETAINED_ESTATE.value, "A healthcare professional, on the Detained and Secure Estate form"),
    ], design={"fieldset": {"legend": {"size": "s"}}})
    submitted_by = Text(limit=200, label="Healthcare professional who completed the form",
                        help_text="Only for the Detained and Secure Estate form")
    note = Text(limit=1100, label="Note (optional)", widget=forms.Textarea)

    field_order = [
        "received_day", "received_month", "received_year", "signed_day", "signed_month", "signed_year",
        "scanned_reference", "choice", "given_name", "family_name", "dob_day", "dob_month", "dob_year",
        "address_1", "address_2", "town", "postcode", "acting_for", *PROXY_ORDER, "submitted_by", "note",
    ]

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_scanned_reference(self) -> str:
        return _reference(self.cleaned_data["scanned_reference"], "scanned form reference")

    def clean_given_name(self) -> str:
        return _name(self.cleaned_data["given_name"], "Enter the first name written on the form")

    def clean_family_name(self) -> str:
        return _name(self.cleaned_data["family_name"], "Enter the last name written on the form")

    def clean_address_1(self) -> str:
        return _name(self.cleaned_data["address_1"], "Enter the address written on the form")

    def clean_postcode(self) -> str:
        return _postcode(self.cleaned_data["postcode"], "Enter the postcode written on the form")

    def clean_note(self) -> str:
        return _note(self.cleaned_data["note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        received = clean_date(self, "received", "the date the form was received", self.today)
        signed = clean_date(self, "signed", "the date the form was signed", self.today)
        born = clean_date(self, "dob", "the date of birth on the form", self.today)
        if received and signed and signed > received:
            self.add_error("signed_day", "The date the form was signed must be on or before the date it was received")
        data.update(received_on=received, signed_on=signed, date_of_birth=born, proxy=None)
        acting_for = data.get("acting_for")
        if acting_for == ActingFor.PROXY.value:
            data["proxy"] = self._proxy(data)
        elif acting_for == ActingFor.DETAINED_ESTATE.value and not " ".join(data.get("submitted_by", "").split()):
            self.add_error("submitted_by", "Enter the healthcare professional who completed the form")
        return data

class MatchForm(NhsForm):
    """The agent found the person the form is for (with Find a person) and says so."""

    nhs_number = Text(limit=20, label="NHS number of the record the form matches",
                      help_text="Find the person first, then enter the NHS number on their record",
                      design={"inputmode": "numeric", "spellcheck": False, "autocomplete": "off", "width": 10})

    def clean_nhs_number(self) -> NhsNumber:
        return parse_nhs_number(self.cleaned_data["nhs_number"], "Enter the NHS number of the record the form matches")


class CannotMatchForm(NhsForm):
    reason = Radios(message="Choose why the form cannot be matched", label="Why can the form not be matched?",
                    choices=[(r.value, r.label) for r in CannotMatchReason],
                    design={"fieldset": {"legend": {"size": "s"}}})
    cannot_match_note = Text(limit=1100, label="Note (optional)", widget=forms.Textarea)

    def clean_reason(self) -> CannotMatchReason:
        return CannotMatchReason(self.cleaned_data["reason"])

    def clean_cannot_match_note(self) -> str:
        return _note(self.cleaned_data["cannot_match_note"])


# --------------------------------------------------------------------------- sign in, find, phone, approvals

class SignInForm(NhsForm):
    username = Text(limit=150, label="Username", design={"autocomplete": "username", "spellcheck": False})
    password = forms.CharField(max_length=200, strip=False, required=False, label="Password",
                               widget=forms.PasswordInput)
    code = Text(limit=40, label="Security code",
                help_text="The 6-digit code from your authenticator app, or a recovery code",
                design={"autocomplete": "one-time-code", "spellcheck": False, "width": 10})

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"]).strip().lower()
        if not username:
            raise forms.ValidationError("Enter your username")
        return username

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not password:
            raise forms.ValidationError("Enter your password")
        return password

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        if not code:
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app, or a recovery code")
        return code


class OpenRecordForm(NhsForm):
    """Open a person's record: their NHS number (typed, or a candidate's) and why."""

    nhs_number = Text(limit=20, label="NHS number",
                      design={"inputmode": "numeric", "spellcheck": False, "autocomplete": "off", "width": 10})
    reason = Text(limit=250, label="Reason for opening the record",
                  help_text="The call, letter, complaint or case reference")

    def clean_nhs_number(self) -> NhsNumber:
        return parse_nhs_number(self.cleaned_data["nhs_number"], "Enter the NHS number, like 943 476 5919")

    def clean_reason(self) -> str:
        try:
            return check_reason(self.cleaned_data["reason"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message.rstrip(".")) from None


class TraceForm(NhsForm):
    """A trace: family name, date of birth and postcode (at most a few candidates)."""

    family_name = Text(label="Family name", design={"spellcheck": False})
    dob_day = Text(limit=4, label="Day")
    dob_month = Text(limit=12, label="Month")  # a name ("September") as well as a number
    dob_year = Text(limit=6, label="Year")
    postcode = Text(limit=12, label="Postcode", design={"width": 10})
    date_design = {"fieldset": {"legend": {"text": "Date of birth", "size": "s"}},
                   "hint": {"text": "For example, 17 5 1990"}, "items": {"dob_year": {"width": 4}}}

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_family_name(self) -> str:
        return _name(self.cleaned_data["family_name"], "Enter the person's family name")

    def clean_postcode(self) -> str:
        return _postcode(self.cleaned_data["postcode"], "Enter the person's postcode")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["date_of_birth"] = clean_date(self, "dob", "the date of birth", self.today)
        return data


class PhoneForm(ProxyForm):
    """A choice made on a call: how identity was confirmed, the choice, who made it, the NIC reference."""

    identity = Checkboxes(message="Tick the details the caller gave correctly", required=False,
                          label="Which details did the caller give correctly?",
                          choices=[(IdentityDetail.FULL_NAME.value, "Full name"),
                                   (IdentityDetail.DATE_OF_BIRTH.value, "Date of birth"),
                                   (IdentityDetail.NHS_NUMBER.value, "NHS number"),
                                   (IdentityDetail.ADDRESS.value, "Address"),
                                   (IdentityDetail.POSTCODE.value, "Postcode"),
                                   (IdentityDetail.GP_PRACTICE.value, "GP practice")],
                          design={"fieldset": {"legend": {"size": "s"}}})
    choice = Radios(message="Choose the caller's choice", choices=CHOICES, label="The choice",
                    design={"fieldset": {"legend": {"size": "s"}}})
    acting_for = Radios(message="Choose who is making the choice", label="Who is making the choice?", choices=[
        (ActingFor.SELF.value, "The person themself"),
        (ActingFor.PROXY.value, "Someone acting for them (needs evidence and a second approver)"),
    ], initial=ActingFor.SELF.value, design={"fieldset": {"legend": {"size": "s"}}})
    nic_reference = Text(limit=60, label="NIC reference",
                         help_text="The case number in the contact centre's system, like 12345-A",
                         design={"width": 10, "spellcheck": False})
    note = Text(limit=1100, label="Note (optional)", widget=forms.Textarea)
    field_order = ["identity", "choice", "acting_for", *PROXY_ORDER, "nic_reference", "note"]

    def clean_identity(self) -> frozenset[IdentityDetail]:
        details = frozenset(IdentityDetail(v) for v in self.cleaned_data["identity"])
        try:
            check_identity(details)
        except DomainError as exc:
            raise forms.ValidationError(exc.message.rstrip(".")) from None
        return details

    def clean_nic_reference(self) -> str:
        return _reference(self.cleaned_data["nic_reference"], "NIC reference")

    def clean_note(self) -> str:
        return _note(self.cleaned_data["note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["proxy"] = self._proxy(data) if data.get("acting_for") == ActingFor.PROXY.value else None
        return data


class DecisionForm(NhsForm):
    """An approver's decision on a pending proxy case."""

    reference = Text(limit=40)
    decision = Radios(message="Choose approve or reject", choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = Radios(message="Choose why the evidence was not accepted", required=False, label="Reason for rejecting",
                    choices=[(r.value, r.label) for r in RejectionReason],
                    design={"fieldset": {"legend": {"size": "s"}}})
    note = Text(limit=1100, label="Note (optional)")

    def clean_reference(self) -> str:
        reference = str(self.cleaned_data["reference"]).strip()
        if not reference:
            raise forms.ValidationError("Choose a case")
        return reference

    def clean_note(self) -> str:
        return _note(self.cleaned_data["note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject":
            if not data.get("reason"):
                self.add_error("reason", "Choose why the evidence was not accepted")
            else:
                data["reason"] = RejectionReason(data["reason"])
        return data


def _name(text: str, message: str) -> str:
    value = " ".join(text.split())
    if not value:
        raise forms.ValidationError(message)
    return value


def _postcode(text: str, missing: str) -> str:
    if not text.strip():
        raise forms.ValidationError(missing)
    try:
        return normalise_postcode(text)
    except DomainError:
        raise forms.ValidationError("Enter a real postcode, like LS1 4AP") from None


def _reference(text: str, what: str) -> str:
    if not text.strip():
        raise forms.ValidationError(f"Enter the {what}")
    try:
        return check_reference(text, what)
    except DomainError as exc:
        raise forms.ValidationError(exc.message.rstrip(".")) from None


def _note(text: str) -> str:
    try:
        return check_note(text)
    except DomainError as exc:
        raise forms.ValidationError(exc.message.rstrip(".")) from None
