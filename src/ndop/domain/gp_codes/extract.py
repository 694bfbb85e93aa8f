"""The GP extract `gp_codes.csv`, and the pure check of each row.

UTF-8, a header row, comma separated: `nhs_number,practice_code,code_system,code,recorded_date`.
`code_system` is `snomed`, `read2` or `ctv3`; `recorded_date` is `YYYY-MM-DD`, not in the future; Read v2
codes with or without their trailing dot. A bad row's reason names the column and never repeats the value
(it may be patient data). A good row with a code that is not an opt-out code is kept as "ignored".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

from ndop.domain.common.nhs_number import invalid_reason
from ndop.domain.gp_codes.codes import CodeSystem, Meaning, meaning_of, normalised

COLUMNS: Final = ("nhs_number", "practice_code", "code_system", "code", "recorded_date")
EARLIEST: Final = date(1990, 1, 1)  # before GP opt-out codes existed: a mistyped year
_PRACTICE: Final = re.compile(r"[A-Z0-9]{3,8}")
_CODE: Final = re.compile(r"[A-Za-z0-9.]{1,20}")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_SYSTEMS: Final = ", ".join(s.value for s in CodeSystem)


@dataclass(frozen=True, slots=True)
class CodeRow:
    nhs_number: str
    practice_code: str
    system: CodeSystem
    code: str  # normalised (Read v2 without the trailing dot)
    meaning: Meaning | None  # None: not an opt-out code (counted, not kept)
    recorded_on: date


def header_problem(fields: list[str]) -> str | None:
    if tuple(f.strip() for f in fields) == COLUMNS:
        return None
    return "the header row must be exactly: " + ",".join(COLUMNS)


def parse_row(fields: list[str], today: date) -> CodeRow | str:
    """The row, or the reason it is refused."""
    if len(fields) != len(COLUMNS):
        return f"must have {len(COLUMNS)} fields ({','.join(COLUMNS)}), not {len(fields)}"
    number, practice, system_text, code_text, day_text = (f.strip() for f in fields)
    reason = invalid_reason(number)
    if reason is not None:
        return f"nhs_number: {reason.words}"
    practice = practice.upper()
    if not _PRACTICE.fullmatch(practice):
        return "practice_code: must be an ODS code of 3 to 8 letters and digits"
    try:
        system = CodeSystem(system_text.lower())
    except ValueError:
        return f"code_system: must be one of {_SYSTEMS}"
    if not _CODE.fullmatch(code_text):
        return "code: must be 1 to 20 letters, digits or dots"
    if not _DATE.fullmatch(day_text):
        return "recorded_date: must be a date written YYYY-MM-DD"
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return "recorded_date: is not a real date"
    if day > today:
        return "recorded_date: must not be in the future"
    if day < EARLIEST:
        return f"recorded_date: must not be before {EARLIEST.isoformat()}"
    code = normalised(system, code_text)
    return CodeRow(number, practice, system, code, meaning_of(system, code), day)
