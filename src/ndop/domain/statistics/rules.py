"""The publication's counting rules that are not arithmetic: reporting dates, bands, labels, rates.

Reporting dates (ACH_DATE) are the first day of the report month and of the months before it. A
choice counts at ACH_DATE when it was made before the start of that day in England (Europe/London),
so a choice made on ACH_DATE itself first counts at the next one (ADR 55).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

ENGLAND: Final = ZoneInfo("Europe/London")
AGE_BANDS: Final = ("0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+", "Unknown")
UNKNOWN_BAND: Final = len(AGE_BANDS) - 1
# Index order of the gender axis in the engine's counts.
FEMALE, MALE, UNKNOWN_GENDER = 0, 1, 2
GENDERS: Final = ("Female", "Male", "Unknown / Prefer not to say")
ALL: Final = "All"
ALL_DECEASED: Final = "All deceased"
UNALLOCATED: Final = "Unallocated"
TEST_RANGE_START: Final = 9_000_000_000
_MONTH: Final = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_MONTH_NAMES: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class BadReportMonth(ValueError):
    """The report month is not YYYY-MM, or the number of months is out of range."""


@dataclass(frozen=True, slots=True)
class ReportingPeriod:
    """The report month and the ACH_DATEs it covers, oldest first."""

    month: date  # the first day of the report month
    dates: tuple[date, ...]

    @property
    def label(self) -> str:
        """`Oct_2026`: the suffix of every file name."""
        return f"{_MONTH_NAMES[self.month.month - 1]}_{self.month.year}"

    @classmethod
    def parse(cls, text: str, months: int = 12) -> ReportingPeriod:
        found = _MONTH.match(text.strip())
        if found is None or not 1 <= int(found.group(2)) <= 12:
            raise BadReportMonth("the month must be written YYYY-MM, e.g. 2026-10")
        if not 1 <= months <= 120:
            raise BadReportMonth("the number of months must be between 1 and 120")
        year, month = int(found.group(1)), int(found.group(2))
        if year < 1990:
            raise BadReportMonth("the month must be 1990 or later")
        dates = []
        for back in range(months - 1, -1, -1):
            index = year * 12 + (month - 1) - back
            dates.append(date(index // 12, index % 12 + 1, 1))
        return cls(month=date(year, month, 1), dates=tuple(dates))


def start_of_day(day: date) -> int:
    """Seconds since the Unix epoch at 00:00 in England on `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=ENGLAND).timestamp())


def ymd(day: date) -> int:
    """A date as the integer yyyymmdd: whole years between two of them are (later - earlier) // 10000."""
    return day.year * 10000 + day.month * 100 + day.day


def rate_hundredths(opt_out: int, list_size: int) -> int | None:
    """100 × opt_out / list_size in hundredths of a percent, rounded half up, exactly; None for 0 people."""
    if list_size <= 0:
        return None
    return (20000 * opt_out + list_size) // (2 * list_size)


def format_rate(opt_out: int, list_size: int) -> str:
    """OPT_OUT_RATE as the CSVs write it: two decimal places, empty when the list size is 0."""
    value = rate_hundredths(opt_out, list_size)
    return "" if value is None else f"{value // 100}.{value % 100:02d}"


def rate(opt_out: int, list_size: int) -> float | None:
    value = rate_hundredths(opt_out, list_size)
    return None if value is None else value / 100


def ach_date_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# The real rule (reference §6.1): publish when the England rate moved by more than 0.1 percentage
# points since the last publication, or when the last one is a year old.
CHANGE_HUNDREDTHS: Final = 10
MAX_AGE_DAYS: Final = 365


def publishing_decision(
    last_rate: int | None, last_published: datetime | None, last_label: str, new_rate: int | None, now: datetime
) -> tuple[bool, str]:
    """Whether `--if-changed` publishes, and why (or why not), in one sentence."""
    if last_published is None:
        return True, "there is no earlier publication"
    age = (now - last_published).days
    if age >= MAX_AGE_DAYS:
        return True, f"the last publication ({last_label}) is {age} days old"
    if last_rate is None or new_rate is None:
        return (last_rate != new_rate), "the England list size changed to or from zero"
    moved = abs(new_rate - last_rate)
    shown = f"{moved // 100}.{moved % 100:02d}"
    if moved > CHANGE_HUNDREDTHS:
        return True, f"the England rate moved {shown} percentage points since {last_label}"
    return False, (f"the England rate moved {shown} percentage points since {last_label} (more than 0.10 is needed) "
                   f"and that publication is {age} days old (less than a year)")
