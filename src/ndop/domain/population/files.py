"""The population files: their columns, and the pure checks of each row.

`patients.csv`: nhs_number,given_name,family_name,date_of_birth,gender,postcode,lsoa_code,
gp_practice_code,mobile,email,date_of_death,superseded_by,sensitive[,address_line_1,address_line_2,
address_line_3,town] (the four address columns are optional: a file without them still imports, with no
address)
`choices.csv`: nhs_number,choice,recorded_at,channel,proxy_role,case_reference

UTF-8, a header row, comma separated; dates `YYYY-MM-DD`; `recorded_at` ISO 8601 with an offset;
gender `0`/`1`/`2`/`9`; sensitive `true`/`false`; an empty field means unknown.

A bad row raises `RowInvalid` with a reason that names the column and never repeats the value
(it may be patient data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

import numpy as np
import numpy.typing as npt

from ndop.domain.common.nhs_number import invalid_reason, valid_mask
from ndop.domain.registry.choices import Channel, Choice, ProxyRole

PATIENT_COLUMNS: Final = (
    "nhs_number", "given_name", "family_name", "date_of_birth", "gender", "postcode", "lsoa_code",
    "gp_practice_code", "mobile", "email", "date_of_death", "superseded_by", "sensitive",
)
ADDRESS_COLUMNS: Final = ("address_line_1", "address_line_2", "address_line_3", "town")
PATIENT_COLUMNS_WITH_ADDRESS: Final = PATIENT_COLUMNS + ADDRESS_COLUMNS
CHOICE_COLUMNS: Final = ("nhs_number", "choice", "recorded_at", "channel", "proxy_role", "case_reference")

# The row types handed to the bulk store, in column order (dates and times parsed, times in UTC).
PatientRow = tuple[str, str, str, date, int, str, str, str, str, str, date | None, str, bool, str, str, str, str]
ChoiceRow = tuple[str, str, datetime, str, str, str]

_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
_POSTCODE: Final = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}")
_LSOA: Final = re.compile(r"[EW]01[0-9]{6}")
_ORG_CODE: Final = re.compile(r"[A-Z0-9]{3,8}")
_MOBILE: Final = re.compile(r"\+?[0-9]{10,15}")
_EMAIL: Final = re.compile(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+")
_CASE_REFERENCE: Final = re.compile(r"[A-Za-z0-9/_-]{1,40}")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_GENDERS: Final = {"0": 0, "1": 1, "2": 2, "9": 9}
_BOOLEANS: Final = {"true": True, "false": False}
_CHOICES: Final = frozenset(c.value for c in Choice)
_CHANNELS: Final = frozenset(c.value for c in Channel)
_ROLES: Final = frozenset(r.value for r in ProxyRole)
_STAFFED: Final = frozenset({Channel.CONTACT_CENTRE.value, Channel.PAPER.value})
MAX_NAME: Final = 100
MAX_ADDRESS_LINE: Final = 100
MAX_EMAIL: Final = 254  # the longest e-mail address accepted (RFC 5321's path limit)


class RowInvalid(ValueError):
    """Why a row was refused; the reason never carries the row's values."""


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.reason}"


def header_problem(fields: list[str], expected: tuple[str, ...]) -> str | None:
    """None when the header row is exactly `expected` (for patients.csv, with or without the address
    columns); else what is wrong with it."""
    found = tuple(f.strip() for f in fields)
    if found == expected or (expected == PATIENT_COLUMNS and found == PATIENT_COLUMNS_WITH_ADDRESS):
        return None
    message = "the header row must be exactly: " + ",".join(expected)
    if expected == PATIENT_COLUMNS:
        message += " (optionally followed by ," + ",".join(ADDRESS_COLUMNS) + ")"
    return message


def _nhs(value: str, column: str) -> str:
    reason = invalid_reason(value)
    if reason is not None:
        raise RowInvalid(f"{column}: {reason.words}")
    return value


def _date(value: str, column: str) -> date:
    if not _DATE.fullmatch(value):
        raise RowInvalid(f"{column}: must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowInvalid(f"{column}: is not a real date") from None


def _name(value: str, column: str) -> str:
    value = value.strip()
    if not value:
        raise RowInvalid(f"{column}: must not be empty")
    if len(value) > MAX_NAME or _CONTROL.search(value):
        raise RowInvalid(f"{column}: must be at most {MAX_NAME} characters with no control characters")
    return value


def _optional(value: str, pattern: re.Pattern[str], column: str, what: str) -> str:
    if value and not pattern.fullmatch(value):
        raise RowInvalid(f"{column}: must be empty or {what}")
    return value


def _address(value: str, column: str) -> str:
    value = value.strip()
    if len(value) > MAX_ADDRESS_LINE or _CONTROL.search(value):
        raise RowInvalid(f"{column}: must be at most {MAX_ADDRESS_LINE} characters with no control characters")
    return value


def parse_patient(fields: list[str], today: date) -> PatientRow:
    """Check one data row of patients.csv; return it typed and normalised."""
    if len(fields) == len(PATIENT_COLUMNS):
        fields = [*fields, "", "", "", ""]
    if len(fields) != len(PATIENT_COLUMNS_WITH_ADDRESS):
        raise RowInvalid(f"expected {len(PATIENT_COLUMNS)} or {len(PATIENT_COLUMNS_WITH_ADDRESS)} fields, "
                         f"found {len(fields)}")
    (nhs, given, family, born_s, gender_s, postcode, lsoa, practice, mobile, email, died_s, superseded,
     sensitive_s, line1, line2, line3, town) = fields
    nhs = _nhs(nhs, "nhs_number")
    born = _date(born_s, "date_of_birth")
    if born > today:
        raise RowInvalid("date_of_birth: is in the future")
    gender = _GENDERS.get(gender_s)
    if gender is None:
        raise RowInvalid("gender: must be 0, 1, 2 or 9")
    postcode = postcode.strip().upper()
    if postcode:
        if not _POSTCODE.fullmatch(postcode):
            raise RowInvalid("postcode: must be empty or a UK postcode such as LS1 4AP")
        compact = postcode.replace(" ", "")
        postcode = f"{compact[:-3]} {compact[-3:]}"
    died: date | None = None
    if died_s:
        died = _date(died_s, "date_of_death")
        if died < born or died > today:
            raise RowInvalid("date_of_death: must be on or after the date of birth and not in the future")
    if superseded:
        superseded = _nhs(superseded, "superseded_by")
        if superseded == nhs:
            raise RowInvalid("superseded_by: must be a different NHS number")
    sensitive = _BOOLEANS.get(sensitive_s)
    if sensitive is None:
        raise RowInvalid("sensitive: must be true or false")
    if len(email) > MAX_EMAIL:
        raise RowInvalid("email: must be at most 254 characters")
    return (
        nhs,
        _name(given, "given_name"),
        _name(family, "family_name"),
        born,
        gender,
        postcode,
        _optional(lsoa, _LSOA, "lsoa_code", "an LSOA code such as E01011365"),
        _optional(practice, _ORG_CODE, "gp_practice_code", "an ODS code such as B86016"),
        _optional(mobile, _MOBILE, "mobile", "a phone number of 10 to 15 digits"),
        _optional(email, _EMAIL, "email", "an e-mail address"),
        died,
        superseded,
        sensitive,
        _address(line1, "address_line_1"),
        _address(line2, "address_line_2"),
        _address(line3, "address_line_3"),
        _address(town, "town"),
    )


def parse_choice(fields: list[str], now: datetime) -> ChoiceRow:
    """Check one data row of choices.csv; `recorded_at` comes back in UTC."""
    if len(fields) != len(CHOICE_COLUMNS):
        raise RowInvalid(f"expected {len(CHOICE_COLUMNS)} fields, found {len(fields)}")
    nhs, choice, recorded_s, channel, role, case_reference = fields
    nhs = _nhs(nhs, "nhs_number")
    if choice not in _CHOICES:
        raise RowInvalid("choice: must be opted_out or not_opted_out")
    if not _TIMESTAMP.fullmatch(recorded_s):
        raise RowInvalid("recorded_at: must be ISO 8601 with an offset, such as 2021-06-14T10:22:31+00:00")
    try:
        recorded_at = datetime.fromisoformat(recorded_s).astimezone(UTC)
    except ValueError:
        raise RowInvalid("recorded_at: is not a real date and time") from None
    if recorded_at > now:
        raise RowInvalid("recorded_at: is in the future")
    if channel not in _CHANNELS:
        raise RowInvalid("channel: must be one of " + ", ".join(c.value for c in Channel))
    if role:
        if role not in _ROLES:
            raise RowInvalid("proxy_role: must be empty (the patient) or GUARDIAN, POA or COURTDEP")
        if channel not in _STAFFED:
            # [S19] nobody can manage someone else's choice online: proxies use the phone or post.
            raise RowInvalid("proxy_role: a proxy's choice must come by phone (CC) or post (PP)")
    _optional(case_reference, _CASE_REFERENCE, "case_reference", "up to 40 letters, digits, '-', '_' or '/'")
    return nhs, choice, recorded_at, channel, role, case_reference


# ---- Many rows at once ----------------------------------------------------------------------------
# The batch checks below accept exactly the rows the one-row parsers accept, already in normal form,
# column by column (C loops, numpy for the check digits). Any row they are unsure of goes through the
# one-row parser, which gives the reason. Property tests hold the two to the same answers.

_NAME_FAST: Final = re.compile(r"[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]{0,98}[^\s\x00-\x1f\x7f])?")
_POSTCODE_FAST: Final = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}")
_NOT_DIGITS: Final = "x" * 10
# Empty, or up to 100 characters without control characters or surrounding spaces (already normal form).
_ADDRESS_FAST: Final = re.compile(r"(?:[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]{0,98}[^\s\x00-\x1f\x7f])?)?")
# The whole row's form in one match (one C call a row instead of one a field): the fields joined by a
# control character, which none of the field patterns accepts, so no field can run into the next. Check
# digits, real dates and the comparisons between fields are checked apart.
_SEPARATOR: Final = "\x1f"
_DATE_FAST: Final = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# The form of each patients.csv field in normal form, in column order (the column-wise fast path of
# `services/population/patient_columns.py` matches the same forms, so both accept the same values).
PATIENT_FIELD_FORMS: Final = (
    r"[0-9]{10}",  # nhs_number
    _NAME_FAST.pattern,  # given_name
    _NAME_FAST.pattern,  # family_name
    _DATE_FAST,  # date_of_birth
    "[0129]",  # gender
    f"(?:{_POSTCODE_FAST.pattern})?",
    f"(?:{_LSOA.pattern})?",
    f"(?:{_ORG_CODE.pattern})?",  # gp_practice_code
    f"(?:{_MOBILE.pattern})?",
    f"(?:{_EMAIL.pattern})?",
    f"(?:{_DATE_FAST})?",  # date_of_death
    "(?:[0-9]{10})?",  # superseded_by
    "true|false",  # sensitive (each field is wrapped in a group, so this choice stays inside it)
    _ADDRESS_FAST.pattern, _ADDRESS_FAST.pattern, _ADDRESS_FAST.pattern, _ADDRESS_FAST.pattern,
)
_ROW_FAST: Final = re.compile(_SEPARATOR.join(f"(?:{field})" for field in PATIENT_FIELD_FORMS))
_DAYS_IN_MONTH: Final = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def iso_dates(chars: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Many `YYYY-MM-DD` dates at once. `chars` is an (n, 10) array of ASCII bytes already known to have
    the form digits-dash-digits. Returns where each is a real date (year 1 to 9999, as `date.fromisoformat`
    takes them) and its day number (days since 1970-01-01; meaningless where it is not a real date)."""
    digits = chars.astype(np.int64) - ord("0")
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month = digits[:, 5] * 10 + digits[:, 6]
    day = digits[:, 8] * 10 + digits[:, 9]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    right_month = (month >= 1) & (month <= 12)
    last = _DAYS_IN_MONTH[np.where(right_month, month, 0)] + (leap & (month == 2))
    ok: npt.NDArray[np.bool_] = (year >= 1) & right_month & (day >= 1) & (day <= last)
    # Days since the epoch by the civil-from-days inverse (Howard Hinnant's algorithm), in integers.
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days: npt.NDArray[np.int64] = era * 146097 + doe - 719468
    return ok, days


def _iso_date(value: str) -> date | None:
    if not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def nhs_numbers_valid(values: Sequence[str]) -> npt.NDArray[np.bool_]:
    """True where the string is a valid NHS number in wire form (10 digits), for many at once."""
    n = len(values)
    if not n:
        return np.zeros(0, dtype=bool)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
    right_length = lengths == 10
    joined = "".join(values) if right_length.all() else "".join(v if len(v) == 10 else _NOT_DIGITS for v in values)
    try:
        data = joined.encode("ascii")
    except UnicodeEncodeError:
        return np.array([invalid_reason(v) is None for v in values], dtype=bool)
    ok: npt.NDArray[np.bool_] = right_length & valid_mask(np.frombuffer(data, dtype=np.uint8).reshape(n, 10))
    return ok


def _mask(values: Iterable[object], n: int) -> npt.NDArray[np.bool_]:
    return np.fromiter(values, dtype=bool, count=n)


def parse_patients(rows: Sequence[list[str]], today: date) -> list[PatientRow | str]:
    """Check many data rows of patients.csv: each result is the typed row, or the reason it was refused."""
    results: list[PatientRow | str] = [""] * len(rows)
    narrow, width = len(PATIENT_COLUMNS), len(PATIENT_COLUMNS_WITH_ADDRESS)
    if any(len(r) == narrow for r in rows):  # a file without addresses: the same rows, addresses empty
        rows = [[*r, "", "", "", ""] if len(r) == narrow else r for r in rows]
    wide = [i for i, r in enumerate(rows) if len(r) == width]
    slow: list[int] = [i for i, r in enumerate(rows) if len(r) != width]
    if wide:
        chosen = rows if len(wide) == len(rows) else [rows[i] for i in wide]
        (nhs, given, family, born_s, gender_s, postcode, lsoa, practice, mobile, email, died_s, superseded,
         sensitive_s, line1, line2, line3, town) = zip(*chosen, strict=True)
        n = len(chosen)
        ok = _mask((_ROW_FAST.fullmatch(_SEPARATOR.join(r)) is not None for r in chosen), n)
        born = list(map(_iso_date, born_s))
        died = [None if not v else _iso_date(v) for v in died_s]
        genders = list(map(_GENDERS.get, gender_s))
        flags = list(map(_BOOLEANS.get, sensitive_s))
        ok &= nhs_numbers_valid(nhs)
        ok &= _mask((b is not None and b <= today for b in born), n)
        ok &= _mask((len(v) <= MAX_EMAIL for v in email), n)
        ok &= _mask(
            (not s or (d is not None and b is not None and b <= d <= today) for s, d, b in zip(died_s, died, born,
                                                                                            strict=True)),
            n,
        )
        has_replacement = np.fromiter(map(bool, superseded), dtype=bool, count=n)
        if has_replacement.any():
            replacement_ok = nhs_numbers_valid([v if v else _NOT_DIGITS for v in superseded])
            ok &= ~has_replacement | (replacement_ok & _mask((a != b for a, b in zip(nhs, superseded, strict=True)), n))
        typed = zip(nhs, given, family, born, genders, postcode, lsoa, practice, mobile, email, died, superseded,
                    flags, line1, line2, line3, town, strict=True)
        for position, good, row in zip(wide, ok.tolist(), typed, strict=True):
            if good:
                results[position] = row
            else:
                slow.append(position)
    for position in slow:
        try:
            results[position] = parse_patient(rows[position], today)
        except RowInvalid as exc:
            results[position] = str(exc)
    return results


def parse_choices(rows: Sequence[list[str]], now: datetime) -> list[ChoiceRow | str]:
    """Check many data rows of choices.csv (few per patient: the one-row parser is fast enough)."""
    results: list[ChoiceRow | str] = []
    for fields in rows:
        try:
            results.append(parse_choice(fields, now))
        except RowInvalid as exc:
            results.append(str(exc))
    return results
