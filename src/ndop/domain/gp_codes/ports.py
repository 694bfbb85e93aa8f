"""Ports of GP codes: where imported codes, the Type 1 register and the conversions are kept, and the unit
of work over them with the registry and the letters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from ndop.domain.gp_codes.codes import OptOutType
from ndop.domain.gp_codes.extract import CodeRow
from ndop.domain.gp_codes.rules import Current, PersonCode
from ndop.domain.letters.letters import Letter
from ndop.domain.letters.ports import LetterStore
from ndop.domain.registry.ports import Registry


@dataclass(frozen=True, slots=True)
class EarlierGpImport:
    audit_sequence: int
    imported_at: datetime
    source: str


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """What the conversion needs of a person from the patient index."""

    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    date_of_death: date | None
    address_lines: tuple[str, ...]
    postcode: str


@dataclass(frozen=True, slots=True)
class NewConversion:
    nhs_number: str  # the person's current number: the event is recorded under it
    code: PersonCode
    made_at: datetime
    letter: Letter | None


@dataclass(frozen=True, slots=True)
class Type1Entry:
    nhs_number: str  # the person's current number
    practice_code: str
    objects_to_sharing: bool
    recorded_on: date


@dataclass(frozen=True, slots=True)
class PracticeCounts:
    practice_code: str
    type1: int  # people with a current Type 1 objection
    type2_converted: int
    type2_after_cutoff: int  # people with a Type 2 code recorded after the cut-off


class GpCodeStore(Protocol):
    def earlier_import(self, sha256: str) -> EarlierGpImport | None: ...

    def start_import(self, source: str, at: datetime) -> int:
        """A new import record (completed by `finish_import` in the same transaction); returns its id."""
        ...

    def finish_import(self, import_id: int, *, sha256: str, rows: int, kept: int, ignored: int,
                      audit_sequence: int) -> None: ...

    def unknown_numbers(self, numbers: Sequence[str]) -> set[str]:
        """Those of `numbers` that are not in the patient index."""
        ...

    def add_codes(self, import_id: int, rows: Sequence[tuple[int, CodeRow]]) -> None:
        """Store (line, row) pairs of opt-out codes (rows whose meaning is known)."""
        ...

    def links(self) -> dict[str, str]:
        """Superseded number -> the number that replaced it, from the patient index."""
        ...

    def codes(self, kind: OptOutType) -> Iterator[tuple[str, PersonCode]]:
        """Every stored code of that type as (the number it was recorded under, the code)."""
        ...

    def replace_type1(self, entries: Iterable[Type1Entry]) -> int:
        """Replace the Type 1 register with `entries`; returns how many people object."""
        ...

    def type1_objectors(self) -> list[str]:
        """The current numbers of every person with a current Type 1 objection."""
        ...

    def converted(self) -> set[str]:
        """Numbers with a converted Type 2: a conversion record, or a `T2` event in the history."""
        ...

    def currents(self, numbers: Sequence[str]) -> dict[str, Current]:
        """The current choice of each of `numbers` that has one (its own events only)."""
        ...

    def people(self, numbers: Sequence[str]) -> dict[str, PersonRecord]: ...

    def record_conversions(self, conversions: Sequence[NewConversion], *, recorded_by: str,
                           at: datetime) -> tuple[int, int, str]:
        """Append one `T2` opted-out event per conversion (registry versions reserved in one step), move the
        projection where the event is now the latest, write the conversion records and the letters (pending).
        Returns (first version, last version, digest of the events)."""
        ...

    def practice_counts(self, cutoff: date) -> list[PracticeCounts]:
        """Per practice (of the code): Type 1 objectors, Type 2 converted, people with Type 2 after `cutoff`."""
        ...


class GpCodes(Registry, Protocol):
    """The unit of work of GP codes: the registry's stores and audit, the codes, and the letters."""

    @property
    def gp(self) -> GpCodeStore: ...

    @property
    def letters(self) -> LetterStore: ...
