"""Decide N random data flows with ndop's policy engine and with a naive peer, side by side.

The peer is what a team might write without the engine: one hand-written if/else function straight
from the decision flow (ndop-system.md §5.5), no validation, no reasons beyond the code, no data.
The benchmark measures both on the same flows and checks they agree on every one (a differential
test: two independent encodings of the same guidance).

    .venv/bin/python bench/policy.py [--flows 100000] [--seed 6]   # or: make bench-policy
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from datetime import date, timedelta
from pathlib import Path

from ndop.domain.policy import decide, parse_flow
from ndop.domain.policy.inputs import DataForm, DataOrigin, LegalBasis, Purpose, Recipient

OUT = Path(__file__).resolve().parent / "out"
TODAY = date(2026, 11, 23)


def random_flows(n: int, seed: int) -> list[dict[str, object]]:
    rnd = random.Random(seed)
    start = date(2017, 1, 1)
    span = (date(2030, 12, 31) - start).days
    flows = []
    for _ in range(n):
        raw: dict[str, object] = {
            "purpose": rnd.choice(list(Purpose)).value,
            "data": rnd.choice(list(DataForm)).value,
            "nhs_number_obtainable": rnd.random() < 0.9,
            "legal_basis": rnd.choice(list(LegalBasis)).value,
            "recipient": rnd.choice(list(Recipient)).value,
            "data_origin": rnd.choice(list(DataOrigin)).value,
            "date": (start + timedelta(days=rnd.randrange(span))).isoformat(),
        }
        if raw["data"] == "pseudonymised":
            raw["recipient_can_reidentify"] = rnd.random() < 0.5
        if raw["legal_basis"] in ("s251_reg2", "s251_reg5"):
            raw["cag_exempted"] = rnd.random() < 0.2
        if raw["purpose"] == "invoice_validation":
            raw["contracted"] = rnd.random() < 0.5
        flows.append(raw)
    return flows


def naive(flow: dict) -> tuple[bool, str]:  # type: ignore[type-arg]
    """The peer: the decision flow as one function of nested ifs over the raw JSON."""
    day = flow.get("date") or TODAY.isoformat()
    if day < "2018-05-25":
        return False, "before_national_data_opt_out"
    if flow["data_origin"] == "childrens_social_care":
        return False, "origin_childrens_social_care"
    if flow["data_origin"] == "outside_england":
        return False, "origin_outside_england"
    if flow["purpose"] == "individual_care":
        return False, "individual_care"
    if flow["data"] == "anonymised":
        return False, "anonymised"
    if flow["data"] == "aggregate":
        return False, "aggregate"
    if flow["data"] == "pseudonymised" and not flow["recipient_can_reidentify"]:
        return False, "pseudonymised_not_identifiable"
    basis = flow["legal_basis"]
    if basis in ("consent", "legal_requirement", "court_order", "direction", "overriding_public_interest"):
        return False, basis
    if basis == "copi_reg3":
        return False, "copi_reg3_public_health"
    if flow["recipient"] == "ons" and flow["purpose"] == "official_statistics":
        return False, "ons_official_statistics"
    if flow["recipient"] == "ndrs":
        return False, "national_disease_registration"
    if flow["purpose"] == "patient_survey" and day <= "2019-03-31":
        return False, "patient_survey_before_april_2019"
    if flow["purpose"] == "invoice_validation" and not flow["contracted"]:
        return False, "non_contracted_invoice_validation"
    if flow["recipient"] == "nhsbsa" and flow["purpose"] == "payment":
        return False, "nhsbsa_prescription_charges"
    if not flow["nhs_number_obtainable"]:
        return False, "no_nhs_number"
    if basis in ("s251_reg2", "s251_reg5"):
        if flow["cag_exempted"]:
            return False, "cag_exempted"
        return True, "section_251_standard_condition"
    return True, "confidential_information_beyond_individual_care"


def timed(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    flows = random_flows(args.flows, args.seed)
    parsed = [parse_flow(f, today=TODAY) for f in flows]

    runs = {
        "naive peer: if/else on raw JSON (code only)": lambda: [naive(f) for f in flows],
        "ndop decide() on parsed flows": lambda: [decide(f) for f in parsed],
        "ndop parse + decide": lambda: [decide(parse_flow(f, today=TODAY)) for f in flows],
        "ndop parse + decide + JSON output": lambda: [
            json.dumps(decide(parse_flow(f, today=TODAY)).as_dict()) for f in flows
        ],
    }
    results: dict[str, dict[str, float]] = {}
    outputs: dict[str, object] = {}
    for name, fn in runs.items():
        seconds, outputs[name] = timed(fn, args.repeat)
        results[name] = {"seconds": seconds, "flows_per_second": args.flows / seconds}

    peer = outputs["naive peer: if/else on raw JSON (code only)"]
    ours = outputs["ndop decide() on parsed flows"]
    disagree = [
        (flows[i], peer[i], (d.applies, d.deciding.code))  # type: ignore[index]
        for i, d in enumerate(ours)  # type: ignore[arg-type]
        if peer[i] != (d.applies, d.deciding.code)  # type: ignore[index]
    ]
    applies_share = sum(d.applies for d in ours) / len(ours)  # type: ignore[arg-type]

    base = results["naive peer: if/else on raw JSON (code only)"]["seconds"]
    print(f"{args.flows:,} random flows (seed {args.seed}), best of {args.repeat}; "
          f"opt-out applies to {applies_share:.1%}")
    print(f"{'run':<48} {'seconds':>9} {'flows/s':>12} {'time vs peer':>13}")
    for name, r in results.items():
        print(f"{name:<48} {r['seconds']:>9.3f} {r['flows_per_second']:>12,.0f} {r['seconds'] / base:>12.1f}x")
    print(f"agreement with the peer on (applies, deciding code): {len(flows) - len(disagree):,} of {len(flows):,}")
    for flow, theirs, mine in disagree[:5]:
        print("  disagree:", json.dumps(flow), "peer", theirs, "ndop", mine)

    OUT.mkdir(exist_ok=True)
    (OUT / "policy.json").write_text(
        json.dumps(
            {
                "flows": args.flows,
                "seed": args.seed,
                "repeat": args.repeat,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "processor": platform.processor(),
                "results": results,
                "disagreements": len(disagree),
                "applies_share": applies_share,
            },
            indent=2,
        )
    )
    if disagree:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
