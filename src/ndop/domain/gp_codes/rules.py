"""The rules of the Type 1 register and of the 2018 Type 2 conversion: pure functions over one person's codes.

Type 1 (ndop-system.md §3.4): the person's current status is their latest Type 1 code by recorded date; on
the same date a withdrawal wins (the safer reading is not "objecting", but a practice that records both on
one day has usually corrected a mistake: the withdrawal is the later act).

Type 2 (§3.3): "all type 2 opt-outs previously held by NHS Digital up to 25 May 2018 were converted", and
those set "on or before 11 October 2018" were collected and converted monthly. A person whose latest Type 2
code recorded on or before the cut-off is a "set" code gets a national data opt-out (channel `T2`) made on
that code's date; a later withdrawal before the cut-off means no conversion; a code recorded after the
cut-off is not converted ("must not be used … no longer collected"): the practice contacts the patient.
Letters (§3.3): "every patient who is now aged 13 or over … will have received a personal letter"; under-13s
get no letter of their own (inferred), nor do the dead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Final

from ndop.domain.registry.choices import Choice

TYPE2_CUTOFF: Final = date(2018, 10, 11)
LETTER_AGE: Final = 13


@dataclass(frozen=True, slots=True)
class PersonCode:
    """One opt-out code of one person (any of their NHS numbers)."""

    recorded_on: date
    withdrawn: bool
    practice_code: str = ""
    code: str = ""
    nhs_number: str = ""  # the number the practice recorded it under


def latest(codes: Iterable[PersonCode]) -> PersonCode | None:
    """The latest code by recorded date; on the same date a withdrawal wins."""
    return max(codes, key=lambda c: (c.recorded_on, c.withdrawn), default=None)


def type1_objects(codes: Iterable[PersonCode]) -> bool:
    """Whether the person's Type 1 codes leave a current Type 1 objection."""
    last = latest(codes)
    return last is not None and not last.withdrawn


class NotConverted(StrEnum):
    WITHDRAWN = "withdrawn"  # the latest code on or before the cut-off withdraws the Type 2
    AFTER_CUTOFF = "after_cutoff"  # only codes recorded after the cut-off
    ALREADY_CONVERTED = "already_converted"  # a `T2` event exists: a second run converts nothing new
    NOT_IN_INDEX = "not_in_index"  # the person's current number has no record in the patient index


@dataclass(frozen=True, slots=True)
class Type2Decision:
    convert: PersonCode | None  # the set code converted, or None
    reason: NotConverted | None  # why not, when not
    after_cutoff: tuple[PersonCode, ...]  # set codes recorded after the cut-off: for the practice to act on


def type2_decision(codes: Iterable[PersonCode], cutoff: date = TYPE2_CUTOFF) -> Type2Decision:
    """Whether the person's Type 2 codes convert into a national data opt-out, and from which code."""
    codes = list(codes)
    after = tuple(sorted((c for c in codes if c.recorded_on > cutoff and not c.withdrawn),
                         key=lambda c: c.recorded_on))
    last = latest(c for c in codes if c.recorded_on <= cutoff)
    if last is None:
        return Type2Decision(None, NotConverted.AFTER_CUTOFF, after)
    if last.withdrawn:
        return Type2Decision(None, NotConverted.WITHDRAWN, after)
    return Type2Decision(last, None, after)


def made_at(code: PersonCode) -> datetime:
    """When a converted code counts as made: the start of its recorded date (UTC), so that any choice made
    later that day, or after, still wins."""
    return datetime.combine(code.recorded_on, time(0, 0), tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Current:
    """A person's current choice before the conversion (the latest made across their numbers)."""

    choice: Choice
    made_at: datetime
    sequence: int = 0

    @property
    def precedence(self) -> tuple[datetime, int]:
        return (self.made_at, self.sequence)


@dataclass(frozen=True, slots=True)
class Conversion:
    becomes_current: bool  # the converted event is now the person's latest expression of will
    changed_to_opted_out: bool  # ... and it changed their current choice to opted out
    letter: bool  # a personal letter is due


def conversion(
    code: PersonCode, current: Current | None, *, date_of_birth: date, date_of_death: date | None, as_of: date
) -> Conversion:
    """What converting `code` does for a person whose current choice is `current`. The new event has the
    highest sequence, so on an equal `made_at` it wins."""
    becomes = current is None or made_at(code) >= current.made_at
    changed = becomes and (current is None or current.choice is Choice.NOT_OPTED_OUT)
    alive = date_of_death is None or date_of_death > as_of
    return Conversion(becomes, changed, changed and alive and age_on(date_of_birth, as_of) >= LETTER_AGE)


def age_on(born: date, day: date) -> int:
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years
