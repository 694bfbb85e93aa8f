"""Turn JSON-like input into a `Flow`, or say everything that is wrong with it at once.

Every problem names the key, what was wrong, and what is allowed, so that a person or a program
can fix the input in one go. Values are echoed back short, with long digit runs hidden (`_describe`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, TypeVar

from ndop.domain.common.errors import DomainError
from ndop.domain.policy.inputs import DataForm, DataOrigin, Flow, LegalBasis, Purpose, Recipient

E = TypeVar("E", bound=StrEnum)
_LONG_NUMBER: Final = re.compile(r"\d[\d \-]{4,}\d")

# key -> the enum of its allowed values, in the order the questions are asked.
CHOICE_KEYS: Final[dict[str, type[StrEnum]]] = {
    "purpose": Purpose,
    "data": DataForm,
    "legal_basis": LegalBasis,
    "recipient": Recipient,
    "data_origin": DataOrigin,
}
REQUIRED_BOOLEANS: Final = ("nhs_number_obtainable",)
# key -> (when it is required, in words for the error message)
CONDITIONAL_BOOLEANS: Final = {
    "recipient_can_reidentify": "data is pseudonymised",
    "cag_exempted": "legal_basis is s251_reg2 or s251_reg5",
    "contracted": "purpose is invoice_validation",
}
OPTIONAL_KEYS: Final = ("date", "gp_data")  # gp_data: the data comes from GP records (false when left out)
KNOWN_KEYS: Final = (*CHOICE_KEYS, *REQUIRED_BOOLEANS, *CONDITIONAL_BOOLEANS, *OPTIONAL_KEYS)
# The keys in the order the questions ask them (columns of the register's CSV export).
QUESTION_ORDER: Final = (
    "purpose",
    "data",
    "recipient_can_reidentify",
    "nhs_number_obtainable",
    "legal_basis",
    "cag_exempted",
    "recipient",
    "data_origin",
    "gp_data",
    "contracted",
    "date",
)


@dataclass(frozen=True, slots=True)
class Problem:
    key: str
    message: str
    allowed: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "message": self.message, "allowed": list(self.allowed)}


class InvalidFlow(DomainError):
    """The input does not describe a flow. `problems` lists each thing to fix."""

    code = "invalid_flow"

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        lines = "\n".join(f"- {p.message}" for p in problems)
        super().__init__(f"The flow description has {count}:\n{lines}")


class NestedTooDeeply(InvalidFlow):
    """Arrays or objects nested deeper than any flow description: refused before it is looked at."""

    code = "nested_too_deeply"


def _allowed(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _describe(value: object) -> str:
    """The value as JSON, short, and with long digit runs hidden: messages about a flow description
    never repeat something that could be an NHS number typed into the wrong place."""
    text = _LONG_NUMBER.sub("[number hidden]", json.dumps(value, default=str))
    return text if len(text) <= 60 else text[:57] + "..."


def _choice(raw: Mapping[str, object], key: str, enum: type[E], problems: list[Problem]) -> E | None:
    value = raw.get(key)
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = _allowed(enum)
    if key not in raw:
        problems.append(Problem(key, f"{key} is missing. Allowed values: {', '.join(allowed)}.", allowed))
        return None
    problems.append(
        Problem(key, f"{key}: {_describe(value)} is not allowed. Allowed values: {', '.join(allowed)}.", allowed)
    )
    return None


def _boolean(
    raw: Mapping[str, object], key: str, problems: list[Problem], *, required: bool, when: str = ""
) -> bool | None:
    """A JSON boolean. `when` says in words when a conditional key is required."""
    allowed = ("true", "false")
    if key not in raw:
        if required:
            needed = f" (it is needed when {when})" if when else ""
            problems.append(Problem(key, f"{key} is missing{needed}. Allowed values: true, false.", allowed))
        return None
    value = raw[key]
    if isinstance(value, bool):
        return value
    problems.append(Problem(key, f"{key}: {_describe(value)} is not allowed. Allowed values: true, false.", allowed))
    return None


def _date(raw: Mapping[str, object], problems: list[Problem], today: date) -> date:
    if "date" not in raw or raw["date"] is None:
        return today
    value = raw["date"]
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(
        Problem(
            "date",
            f"date: {_describe(value)} is not a date. Write it as YYYY-MM-DD, "
            "for example 2026-11-23, or leave it out for today.",
        )
    )
    return today


def parse_flow(raw: object, *, today: date) -> Flow:
    """Validate `raw` (a decoded JSON object) and return the `Flow` it describes.

    Raises `InvalidFlow` listing every problem: unknown keys, missing keys, values not allowed.
    A conditional key (for example `contracted`) given where it does not matter is checked and ignored.
    """
    if not isinstance(raw, Mapping):
        raise InvalidFlow(
            (Problem("", f"The input must be a JSON object with the keys: {', '.join(KNOWN_KEYS)}.", KNOWN_KEYS),)
        )
    problems: list[Problem] = []
    for key in raw:
        if key not in KNOWN_KEYS:
            problems.append(
                Problem(
                    str(key), f"{_describe(key)} is not a known key. Known keys: {', '.join(KNOWN_KEYS)}.", KNOWN_KEYS
                )
            )
    purpose = _choice(raw, "purpose", Purpose, problems)
    data = _choice(raw, "data", DataForm, problems)
    legal_basis = _choice(raw, "legal_basis", LegalBasis, problems)
    recipient = _choice(raw, "recipient", Recipient, problems)
    data_origin = _choice(raw, "data_origin", DataOrigin, problems)
    nhs_number_obtainable = _boolean(raw, "nhs_number_obtainable", problems, required=True)
    reidentify = _boolean(
        raw,
        "recipient_can_reidentify",
        problems,
        required=data is DataForm.PSEUDONYMISED,
        when=CONDITIONAL_BOOLEANS["recipient_can_reidentify"],
    )
    cag_exempted = _boolean(
        raw,
        "cag_exempted",
        problems,
        required=legal_basis is not None and legal_basis.is_section_251,
        when=CONDITIONAL_BOOLEANS["cag_exempted"],
    )
    contracted = _boolean(
        raw,
        "contracted",
        problems,
        required=purpose is Purpose.INVOICE_VALIDATION,
        when=CONDITIONAL_BOOLEANS["contracted"],
    )
    on = _date(raw, problems, today)
    gp_data = _boolean(raw, "gp_data", problems, required=False)
    if problems:
        raise InvalidFlow(tuple(problems))
    assert purpose and data and legal_basis and recipient and data_origin and nhs_number_obtainable is not None
    return Flow(
        purpose=purpose,
        data=data,
        nhs_number_obtainable=nhs_number_obtainable,
        legal_basis=legal_basis,
        recipient=recipient,
        data_origin=data_origin,
        on=on,
        recipient_can_reidentify=reidentify if data is DataForm.PSEUDONYMISED else None,
        cag_exempted=cag_exempted if legal_basis.is_section_251 else None,
        contracted=contracted if purpose is Purpose.INVOICE_VALIDATION else None,
        gp_data=bool(gp_data),
    )


def parse_flow_json(text: str | bytes, *, today: date) -> Flow:
    """Decode a JSON document, then `parse_flow` it."""
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidFlow((Problem("", f"The input is not valid JSON: {exc}."),)) from None
    except RecursionError:  # `[[[…]]]`: no data flow is nested like that (ADR 0048)
        raise NestedTooDeeply((Problem("", "The input is nested too deeply to be a data flow."),)) from None
    return parse_flow(raw, today=today)
