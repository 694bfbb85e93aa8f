"""Decide whether the national data opt-out applies to a flow, and say why.

`decide` tries the rules in `rules.ORDER`. An exemption counts only when it is among the
exemptions in use (all of `provisions.EXEMPTIONS` unless told otherwise) and in force on the
flow's date. The first rule that holds decides; the other exemptions that also hold follow it
in `reasons`, so the first reason is always the deciding one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from ndop.domain.policy.inputs import Flow, LegalBasis, Purpose
from ndop.domain.policy.provisions import EXEMPTIONS, GUIDANCE, PROVISIONS, REVIEWED, Outcome, Provision
from ndop.domain.policy.rules import ORDER

NO_LAWFUL_BASIS: Final = (
    "No lawful basis has been given for using confidential patient information for this purpose. "
    "Applying the opt-out does not make the use lawful: without a basis that sets aside the duty of "
    "confidence (such as consent or section 251 support) you must not use or disclose identifiable "
    "data for it at all."
)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    citation: str
    explanation: str

    @classmethod
    def of(cls, provision: Provision) -> Reason:
        return cls(provision.code, provision.citation, provision.explanation)


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Decision:
    applies: bool
    reasons: tuple[Reason, ...]
    next_steps: tuple[str, ...]
    warnings: tuple[Warning, ...] = ()

    @property
    def deciding(self) -> Reason:
        return self.reasons[0]

    def as_dict(self) -> dict[str, object]:
        return {
            "applies": self.applies,
            "reasons": [{"code": r.code, "citation": r.citation, "explanation": r.explanation} for r in self.reasons],
            "next_steps": list(self.next_steps),
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
            "guidance": GUIDANCE,
            "rules_reviewed": REVIEWED.isoformat(),
        }


# The rules paired with their provisions once, in order: (test, provision, is it an exemption).
_STEPS: Final = tuple(
    (rule.holds, PROVISIONS[rule.code], PROVISIONS[rule.code].outcome is Outcome.DOES_NOT_APPLY) for rule in ORDER
)
_ALL_EXEMPTIONS: Final = frozenset(p.code for p in EXEMPTIONS)
_REASONS: Final = {code: Reason.of(p) for code, p in PROVISIONS.items()}


def decide(flow: Flow, exemptions: Iterable[Provision] = EXEMPTIONS) -> Decision:
    """The decision for `flow`, using only `exemptions` (all of them by default)."""
    in_use = (
        _ALL_EXEMPTIONS
        if exemptions is EXEMPTIONS
        else frozenset(p.code for p in exemptions if p.outcome is Outcome.DOES_NOT_APPLY)
    )
    matched: list[Provision] = []
    lapsed: list[Provision] = []
    for holds, provision, exemption in _STEPS:
        if exemption and provision.code not in in_use:
            continue
        if not holds(flow):
            continue
        if exemption and not provision.in_force_on(flow.on):
            lapsed.append(provision)
            continue
        if not exemption:
            # The rules that make it apply come last: one of them decides only if no exemption did.
            if not matched:
                matched.append(provision)
            break
        matched.append(provision)
    deciding = matched[0]
    steps = list(deciding.next_steps)
    for provision in matched[1:]:
        steps.extend(s for s in provision.next_steps if s not in steps)
    steps.extend(p.lapsed_note for p in lapsed if p.lapsed_note)
    return Decision(
        deciding.outcome is Outcome.APPLIES,
        tuple(_REASONS[p.code] for p in matched),
        tuple(steps),
        _warnings(flow),
    )


# ndop-system.md §3.1, §3.4: a Type 1 objection (9Nu0), recorded at the GP practice, "prevents information
# being shared outside a GP practice for purposes other than direct care", and practices were told to
# "continue to record and apply" it; GP system assurance still requires that it is respected.
TYPE1_APPLIES: Final = (
    "This is GP data: type 1 opt-outs apply as well. A type 1 opt-out, recorded at the patient's GP practice, "
    "stops their identifiable GP data being shared outside the practice for purposes other than their direct "
    "care, whether or not the national data opt-out applies to this flow. Remove people with a type 1 opt-out "
    "before the data leaves: check the list as GP data (the 'GP data' option of the upload page, gp_data: true "
    "on the API, the GP-data MESH workflow, or ndop check --gp-data), which removes both."
)


def _warnings(flow: Flow) -> tuple[Warning, ...]:
    found: list[Warning] = []
    if (
        flow.legal_basis is LegalBasis.NONE
        and flow.purpose is not Purpose.INDIVIDUAL_CARE
        and flow.is_confidential_patient_information
    ):
        found.append(Warning("no_lawful_basis", NO_LAWFUL_BASIS))
    if flow.gp_data and flow.purpose is not Purpose.INDIVIDUAL_CARE and flow.is_confidential_patient_information:
        found.append(Warning("type1_applies", TYPE1_APPLIES))
    return tuple(found)
