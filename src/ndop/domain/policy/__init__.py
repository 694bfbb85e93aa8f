"""The policy engine: does the national data opt-out apply to this data flow?

- `inputs`: the questions' answers as a `Flow` (enums and one frozen dataclass);
- `parse`: JSON-like input to a `Flow`, with every problem listed (`InvalidFlow`);
- `provisions`: the exemptions and the reasons it applies, as data with their citations and dates;
- `rules`: one small pure function per provision, and the order they are tried in;
- `engine`: `decide(flow)` -> `Decision` (applies, reasons with the deciding one first, next steps);
- `questions`: the questions in plain English, for the web tool and the docs;
- `reference`: the rules rendered as Markdown (docs/policy-rules.md).
"""

from ndop.domain.policy.engine import Decision, Reason, decide
from ndop.domain.policy.inputs import DataForm, DataOrigin, Flow, LegalBasis, Purpose, Recipient
from ndop.domain.policy.parse import InvalidFlow, Problem, parse_flow, parse_flow_json

__all__ = [
    "DataForm",
    "DataOrigin",
    "Decision",
    "Flow",
    "InvalidFlow",
    "LegalBasis",
    "Problem",
    "Purpose",
    "Reason",
    "Recipient",
    "decide",
    "parse_flow",
    "parse_flow_json",
]
