"""An organisation's register of data flows: each flow's answers and decision, with full history.

A flow is never changed in place. Each change (new answers, a new name or description) appends a
new version that carries everything: the answers, the decision made from them under the rules of
the day, who decided and when. The latest version is the flow's current state; the earlier ones
are the evidence of what was decided before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol
from uuid import UUID

from ndop.domain.common.errors import DomainError
from ndop.domain.common.ports import UnitOfWork
from ndop.domain.organisations.accounts import OdsCode
from ndop.domain.policy.parse import QUESTION_ORDER
from ndop.domain.policy.provisions import PROVISIONS
from ndop.domain.policy.questions import BY_KEY

MAX_NAME: Final = 200
MAX_DESCRIPTION: Final = 2000


class InvalidFlowDetails(DomainError):
    """The name or description cannot be saved. `field` names the one to fix."""

    code = "invalid_flow_details"

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class FlowNotFound(DomainError):
    code = "flow_not_found"


@dataclass(frozen=True, slots=True)
class FlowDetails:
    """What the organisation calls the flow and how it describes it."""

    name: str
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidFlowDetails("Enter a name for the data flow", field="name")
        if len(self.name) > MAX_NAME:
            raise InvalidFlowDetails(f"The name must be {MAX_NAME} characters or fewer", field="name")
        if len(self.description) > MAX_DESCRIPTION:
            raise InvalidFlowDetails(
                f"The description must be {MAX_DESCRIPTION} characters or fewer", field="description"
            )

    @classmethod
    def clean(cls, name: str, description: str = "") -> FlowDetails:
        return cls(" ".join(name.split()), description.strip())


@dataclass(frozen=True, slots=True)
class FlowVersion:
    flow_id: UUID
    version: int
    ods_code: OdsCode
    details: FlowDetails
    answers: Mapping[str, object]  # the JSON input, with its date made explicit
    decision: Mapping[str, object]  # Decision.as_dict() when it was decided
    decided_by: str
    decided_at: datetime

    def __post_init__(self) -> None:
        if self.version < 1:
            raise ValueError("versions start at 1")

    @property
    def applies(self) -> bool:
        return self.decision.get("applies") is True

    @property
    def reason_code(self) -> str:
        codes = self.reason_codes
        return codes[0] if codes else ""

    @property
    def reason_codes(self) -> list[str]:
        reasons = self.decision.get("reasons")
        if not isinstance(reasons, list):
            return []
        return [str(r.get("code", "")) for r in reasons if isinstance(r, dict)]

    @property
    def reason(self) -> str:
        """The deciding reason in words, as people read it (the code is for programs)."""
        return reason_in_words(self.reason_code)


def reason_in_words(code: str) -> str:
    """A reason's title; a code no provision has any more (a retired rule) is shown as stored."""
    provision = PROVISIONS.get(code)
    return provision.title if provision else code.replace("_", " ").capitalize()


def citation_of(code: str, stored: object) -> str:
    """Where a reason comes from, naming public documents: today's wording for a provision that still
    exists (the same documents, cited by name), else the stored citation."""
    provision = PROVISIONS.get(code)
    return provision.citation if provision else str(stored or "")


class FlowRegister(Protocol):
    def append(self, version: FlowVersion) -> None:
        """Store a new version. Version 1 creates the flow; later ones must follow the latest."""
        ...

    def latest(self, ods_code: OdsCode, flow_id: UUID, *, for_update: bool = False) -> FlowVersion | None:
        """The flow's current version, only if it belongs to `ods_code`. `for_update` locks the flow
        until the transaction ends, so that two editors cannot both write the same next version."""
        ...

    def history(self, ods_code: OdsCode, flow_id: UUID) -> list[FlowVersion]:
        """Every version, oldest first; empty when the flow is not the organisation's."""
        ...

    def current(self, ods_code: OdsCode) -> list[FlowVersion]:
        """The latest version of each of the organisation's flows, by name."""
        ...

    def everything(self, ods_code: OdsCode) -> list[FlowVersion]:
        """Every version of every flow of the organisation, by flow then version."""
        ...


class PolicyRegisterUnit(UnitOfWork, Protocol):
    """The register's unit of work: its store, with the audit log, the clock and the transaction."""

    @property
    def flows(self) -> FlowRegister: ...


# The export is evidence for people (an IG lead, an auditor, a spreadsheet): columns, reasons and answers
# in words, as the pages show them. Programs use the API, which keeps the codes.
CSV_HEADER: Final = (
    "Flow ID",
    "Version",
    "Name",
    "Description",
    "Opt-out applies",
    "Deciding reason",
    "Source",
    "Other reasons",
    *(BY_KEY[key].short for key in QUESTION_ORDER),
    "Decided by",
    "Decided at",
    "Rules reviewed",
)


def _safe(value: object) -> str:
    """A CSV cell a spreadsheet will show, never run: formulas are prefixed with an apostrophe."""
    text = "" if value is None else ("true" if value is True else "false" if value is False else str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(versions: Iterable[FlowVersion]) -> list[list[str]]:
    """The register as rows for a CSV file (header first), one row a version."""
    rows = [list(CSV_HEADER)]
    for v in versions:
        reasons = v.decision.get("reasons")
        reason_list = reasons if isinstance(reasons, list) else []
        first = reason_list[0] if reason_list and isinstance(reason_list[0], dict) else {}
        others = "; ".join(reason_in_words(code) for code in v.reason_codes[1:])
        rows.append(
            [
                _safe(v.flow_id),
                _safe(v.version),
                _safe(v.details.name),
                _safe(v.details.description),
                "Yes" if v.applies else "No",
                _safe(v.reason),
                _safe(citation_of(v.reason_code, first.get("citation"))),
                _safe(others),
                *(_safe(BY_KEY[key].label_for(v.answers.get(key)) if key in v.answers else "")
                  for key in QUESTION_ORDER),
                _safe(v.decided_by),
                _safe(v.decided_at.isoformat(timespec="seconds")),
                _safe(v.decision.get("rules_reviewed", "")),
            ]
        )
    return rows
