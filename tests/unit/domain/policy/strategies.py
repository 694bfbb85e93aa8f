"""Hypothesis strategies for flow descriptions (the JSON input of the policy engine)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from ndop.domain.policy.inputs import DataForm, DataOrigin, LegalBasis, Purpose, Recipient


@st.composite
def answers(draw: st.DrawFn) -> dict[str, object]:
    """A valid input: every required key, the conditional keys where needed (sometimes elsewhere too)."""
    raw: dict[str, object] = {
        "purpose": draw(st.sampled_from([p.value for p in Purpose])),
        "data": draw(st.sampled_from([d.value for d in DataForm])),
        "nhs_number_obtainable": draw(st.booleans()),
        "legal_basis": draw(st.sampled_from([b.value for b in LegalBasis])),
        "recipient": draw(st.sampled_from([r.value for r in Recipient])),
        "data_origin": draw(st.sampled_from([o.value for o in DataOrigin])),
    }
    needed = {
        "recipient_can_reidentify": raw["data"] == "pseudonymised",
        "cag_exempted": raw["legal_basis"] in ("s251_reg2", "s251_reg5"),
        "contracted": raw["purpose"] == "invoice_validation",
    }
    for key, required in needed.items():
        if required or draw(st.booleans()):
            raw[key] = draw(st.booleans())
    if draw(st.booleans()):
        raw["date"] = draw(st.dates(date(2017, 1, 1), date(2030, 12, 31))).isoformat()
    return raw


def reordered(raw: dict[str, object], order: list[int]) -> dict[str, object]:
    keys = list(raw)
    permuted = [keys[i] for i in order]
    return {key: raw[key] for key in permuted}
