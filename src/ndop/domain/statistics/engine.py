"""The counting engine: the registry as columns (numpy), the figures at each ACH_DATE.

Memory is bounded by design: the patient index is held as seven fixed-width columns (about 33 bytes
a person, 2 GB at 60 million) and the choice history as four (25 bytes an event); each month works
on a handful of temporary masks over those columns and keeps only the aggregates (a few thousand
integers), so memory does not grow with the number of months (ADR 56). No Python loop over people.

A person's choice at ACH_DATE is the latest choice made (`made_at`, ties by sequence) before the
start of that day. A superseded number is the same person as the number at the end of its chain:
it is not counted itself, and its events count for that person (ADR 57).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from ndop.domain.statistics.rules import (
    AGE_BANDS,
    FEMALE,
    MALE,
    TEST_RANGE_START,
    UNKNOWN_BAND,
    UNKNOWN_GENDER,
    start_of_day,
    ymd,
)

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
BOOL = npt.NDArray[np.bool_]

BANDS: Final = len(AGE_BANDS)
GENDER_AXIS: Final = 3
MAX_LINKS: Final = 64  # as the registry follows chains (ADR 12): a loop stops there
_WEIGHTS: Final = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
_GENDER_INDEX: Final = np.full(256, UNKNOWN_GENDER, dtype=np.int8)
_GENDER_INDEX[1] = MALE
_GENDER_INDEX[2] = FEMALE


@dataclass(slots=True)
class PatientColumns:
    """The patient index as columns, one position a record. Dates are yyyymmdd integers (0: none)."""

    key: I64  # the NHS number as an integer (0 when the stored value is not 10 digits)
    date_of_birth: I32
    date_of_death: I32
    gender: I8  # the PDS code; anything but 1 and 2 is unknown
    practice: I32  # index into `practice_codes`
    lsoa: I32  # index into `lsoa_codes`
    superseded_by: I64  # 0 when not superseded
    practice_codes: tuple[str, ...] = ()  # "" is Unallocated
    lsoa_codes: tuple[str, ...] = ()


@dataclass(slots=True)
class ChoiceColumns:
    """The choice history as columns, one position an event."""

    key: I64
    made_at: I64  # seconds since the Unix epoch (UTC), rounded down
    sequence: I64
    opted_out: BOOL


@dataclass(slots=True)
class MonthFigures:
    """Everything the publication shows for one ACH_DATE. Living people unless named deceased."""

    ach_date: date
    list_size: I64  # [band, gender] living people
    opt_out: I64  # [band, gender] living people opted out
    deceased_opt_out: int
    practice_list_size: I64  # [practice]
    practice_opt_out: I64
    practice_deceased_opt_out: I64
    lsoa_list_size: I64  # [lsoa]: only used to know which areas have residents
    lsoa_opt_out: I64

    @property
    def england_opt_out(self) -> int:
        return int(self.opt_out.sum())

    @property
    def england_list_size(self) -> int:
        return int(self.list_size.sum())


@dataclass(slots=True)
class Figures:
    months: list[MonthFigures] = field(default_factory=list)
    practice_codes: tuple[str, ...] = ()
    lsoa_codes: tuple[str, ...] = ()
    people: int = 0
    events: int = 0


def countable(key: I64, include_test_range: bool) -> BOOL:
    """NHS numbers the publication counts: a valid check digit, not a repeated digit, not the test range."""
    # Digit by digit rather than an (n, 10) matrix: 60 million numbers stay 60 million integers.
    total = np.zeros(key.shape, dtype=np.int64)
    for position, weight in enumerate(_WEIGHTS):
        total += (key // 10 ** (9 - position)) % 10 * weight
    check = 11 - total % 11
    check[check == 11] = 0
    valid = (check != 10) & (check == key % 10) & (key > 0) & (key < 10_000_000_000)
    valid &= key % 1_111_111_111 != 0  # 1111111111 … 9999999999 (and 0000000000)
    if not include_test_range:
        valid &= key < TEST_RANGE_START
    return np.asarray(valid, dtype=np.bool_)


def chain_ends(old: I64, new: I64, keys: I64) -> I64:
    """Each key followed along the supersession links (old -> new) to the end of its chain."""
    if old.size == 0:
        return keys
    order = np.argsort(old, kind="stable")
    old_sorted, new_sorted = old[order], new[order]
    current = keys.copy()
    for _ in range(MAX_LINKS):
        at = np.searchsorted(old_sorted, current)
        at_clipped = np.minimum(at, old_sorted.size - 1)
        linked = old_sorted[at_clipped] == current
        if not linked.any():
            break
        current = np.where(linked, new_sorted[at_clipped], current)
    return current


class Engine:
    """The registry prepared once; `month(d)` computes the figures at one ACH_DATE."""

    def __init__(self, patients: PatientColumns, choices: ChoiceColumns, *, include_test_range: bool = False) -> None:
        superseded = patients.superseded_by != 0
        keep = countable(patients.key, include_test_range) & ~superseded
        order = np.argsort(patients.key[keep], kind="stable")
        self.key = patients.key[keep][order]
        self.dob = patients.date_of_birth[keep][order]
        self.dod = patients.date_of_death[keep][order]
        self.gender = _GENDER_INDEX[patients.gender[keep][order].astype(np.uint8)]
        self.practice = patients.practice[keep][order]
        self.lsoa = patients.lsoa[keep][order]
        self.practice_codes = patients.practice_codes
        self.lsoa_codes = patients.lsoa_codes
        # Events follow their number to the end of its chain, then to that person's position.
        ends = chain_ends(patients.key[superseded], patients.superseded_by[superseded], choices.key)
        at = np.minimum(np.searchsorted(self.key, ends), max(self.key.size - 1, 0))
        known = (self.key[at] == ends) if self.key.size else np.zeros(ends.size, dtype=np.bool_)
        person = at[known]
        made_at, sequence, opted = choices.made_at[known], choices.sequence[known], choices.opted_out[known]
        by = np.lexsort((sequence, made_at, person))
        self.event_person = person[by]
        self.event_made_at = made_at[by]
        self.event_opted = opted[by]
        # True where the next event belongs to the same person: the last event before a date is the one
        # made before it whose successor (if the same person's) was not.
        self.same_next = np.zeros(self.event_person.size, dtype=np.bool_)
        self.same_next[:-1] = self.event_person[1:] == self.event_person[:-1]

    def opted_out_at(self, day: date) -> BOOL:
        """Per person: is their choice as at the start of `day` opted_out?"""
        before = self.event_made_at < start_of_day(day)
        next_before = np.zeros_like(before)
        next_before[:-1] = before[1:]
        last = before & ~(self.same_next & next_before)
        opted = np.zeros(self.key.size, dtype=np.bool_)
        opted[self.event_person[last & self.event_opted]] = True
        return opted

    def month(self, day: date) -> MonthFigures:
        d = ymd(day)
        opted = self.opted_out_at(day)
        born = self.dob <= d
        dead = (self.dod != 0) & (self.dod <= d)
        living = born & ~dead
        deceased_opted = born & dead & opted
        living_opted = living & opted
        age = (d - self.dob) // 10000
        band = np.where(self.dob > 0, np.minimum(age // 10, UNKNOWN_BAND - 1), UNKNOWN_BAND)
        group = band.astype(np.int64) * GENDER_AXIS + self.gender
        cells = BANDS * GENDER_AXIS
        practices, lsoas = len(self.practice_codes), len(self.lsoa_codes)
        return MonthFigures(
            ach_date=day,
            list_size=np.bincount(group[living], minlength=cells).reshape(BANDS, GENDER_AXIS),
            opt_out=np.bincount(group[living_opted], minlength=cells).reshape(BANDS, GENDER_AXIS),
            deceased_opt_out=int(deceased_opted.sum()),
            practice_list_size=np.bincount(self.practice[living], minlength=practices),
            practice_opt_out=np.bincount(self.practice[living_opted], minlength=practices),
            practice_deceased_opt_out=np.bincount(self.practice[deceased_opted], minlength=practices),
            lsoa_list_size=np.bincount(self.lsoa[living], minlength=lsoas),
            lsoa_opt_out=np.bincount(self.lsoa[living_opted], minlength=lsoas),
        )

    def figures(self, dates: Iterable[date]) -> Figures:
        return Figures(
            months=[self.month(day) for day in dates],
            practice_codes=self.practice_codes,
            lsoa_codes=self.lsoa_codes,
            people=int(self.key.size),
            events=int(self.event_person.size),
        )
