"""Which MESH workflow ids the registry answers, and the line it sends back for any other."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ndop.domain.check.mesh import REQUEST_WORKFLOW, workflow_refusal

ONE = frozenset({REQUEST_WORKFLOW})
TWO = frozenset({REQUEST_WORKFLOW, "GP_DATA"})


@pytest.mark.parametrize(("workflow", "accepted", "refused", "names"), [
    (REQUEST_WORKFLOW, ONE, False, ""),
    ("GP_DATA", TWO, False, ""),
    ("GP_DATA", ONE, True, "SPINE_NTT_UPHOLDING"),
    ("spine_ntt_upholding", ONE, True, "SPINE_NTT_UPHOLDING"),  # ids are exact, as MESH compares them
    ("", ONE, True, "(none)"),
    ("OTHER", TWO, True, "GP_DATA or SPINE_NTT_UPHOLDING"),
])
def test_workflow_refusal_table(workflow, accepted, refused, names) -> None:
    line = workflow_refusal(workflow, accepted)
    assert (line is not None) == refused
    if line is not None:
        assert names in line and "\n" not in line


@given(st.text(max_size=300))
def test_workflow_refusal_is_one_bounded_line_for_anything_not_accepted(workflow: str) -> None:
    line = workflow_refusal(workflow, ONE)
    if workflow == REQUEST_WORKFLOW:
        assert line is None
    else:
        assert line is not None and REQUEST_WORKFLOW in line and len(line) < 250
        assert line.isprintable() and line.isascii()
