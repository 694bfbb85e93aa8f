from __future__ import annotations

from ndop.services.check.mesh_worker import Handled, PollSummary


def test_poll_summary_counts_each_outcome_under_its_own_name() -> None:
    summary = PollSummary.of([Handled.ANSWERED, Handled.BUSY, Handled.ANSWERED, Handled.FAILED,
                              Handled.ALREADY_ANSWERED])
    assert summary == PollSummary(seen=5, answered=2, already_answered=1, busy=1, failed=1)
    assert PollSummary.of([]) == PollSummary()


def test_poll_summary_adds_poll_to_poll() -> None:
    total = PollSummary() + PollSummary.of([Handled.ANSWERED]) + PollSummary.of([Handled.BUSY, Handled.ANSWERED])
    assert total == PollSummary(seen=3, answered=2, busy=1)
    assert str(total) == "3 seen, 2 answered, 0 already answered, 1 held by another worker, 0 failed"
