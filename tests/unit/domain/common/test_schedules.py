"""When a monthly job is due: from its day and hour in England, in GMT and in BST alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ndop.domain.common.jobs import monthly

DUE = monthly(day=1, hour=6)


@pytest.mark.parametrize(("now", "period"), [
    (datetime(2026, 12, 1, 5, 59, tzinfo=UTC), None),  # GMT: 05:59 in England, not yet
    (datetime(2026, 12, 1, 6, 0, tzinfo=UTC), "2026-12"),
    (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "2026-12"),
    (datetime(2027, 1, 1, 0, 0, tzinfo=UTC), None),  # a new month, before 06:00
    (datetime(2026, 6, 1, 5, 0, tzinfo=UTC), "2026-06"),  # BST: 06:00 in England
    (datetime(2026, 6, 1, 4, 59, tzinfo=UTC), None),
    (datetime(2026, 5, 31, 23, 30, tzinfo=UTC), None),  # already 1 June in England, 00:30
])
def test_a_monthly_job_is_due_from_its_day_and_hour_in_england(now: datetime, period: str | None) -> None:
    assert DUE(now) == period


@pytest.mark.parametrize(("day", "hour"), [(0, 6), (29, 6), (1, 24), (1, -1)])
def test_a_monthly_schedule_refuses_a_day_or_hour_that_not_every_month_has(day: int, hour: int) -> None:
    with pytest.raises(ValueError, match="day 1-28"):
        monthly(day=day, hour=hour)
