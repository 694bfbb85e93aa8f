"""The port for loading the population files in bulk, and the checks that need every row at once.

Rows are checked one by one in the domain (`population_files`); the store stages the good ones in
the caller's transaction, answers the whole-file checks below, then merges the staged rows into the
patient index and the choice history. Nothing reaches the registry's tables before the merge, and the
caller's transaction rolls everything back when any check fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ndop.domain.common.actors import Actor
from ndop.domain.population.files import ChoiceRow, PatientRow


class StagedCheck(StrEnum):
    """Checks across rows and files. Each names the file whose lines it reports, and why they are refused."""

    DUPLICATE_PATIENT = "duplicate_patient"
    UNKNOWN_REPLACEMENT = "unknown_replacement"
    CHOICE_FOR_UNKNOWN_PATIENT = "choice_for_unknown_patient"
    # No check refuses choices under a superseded number: they are the person's history, and the person's
    # choice is the latest across every number in the chain (ADR 44).

    @property
    def in_choices_file(self) -> bool:
        return self is StagedCheck.CHOICE_FOR_UNKNOWN_PATIENT

    @property
    def reason(self) -> str:
        return _REASONS[self]


_REASONS = {
    StagedCheck.DUPLICATE_PATIENT: "nhs_number: appears on an earlier line of the file",
    StagedCheck.UNKNOWN_REPLACEMENT: "superseded_by: is neither in this file nor in the patient index",
    StagedCheck.CHOICE_FOR_UNKNOWN_PATIENT: "nhs_number: is neither in patients.csv nor in the patient index",
}


@dataclass(frozen=True, slots=True)
class EarlierImport:
    """A population import already in the audit chain, with its files' digests."""

    audit_sequence: int
    occurred_at: datetime
    source: str
    patients_sha256: str
    choices_sha256: str
    choice_rows: int


class PopulationStore(Protocol):
    """One bulk load, inside the caller's transaction. `begin` first, `finish` after the merges."""

    def begin(self) -> None: ...

    def stage_patients(self, rows: Iterable[tuple[int, PatientRow]]) -> int:
        """Stage (line number, row) pairs; return how many were staged."""
        ...

    def stage_patients_csv(self, pieces: Iterable[bytes], columns: tuple[str, ...]) -> int | None:
        """Stage the data rows of a patients.csv with `columns`, as the file's own bytes, when every row is
        already known to be valid and in normal form, unquoted, one a line from line 2 with no blank lines.
        If `pieces` raises, nothing is staged (the caller then stages the file row by row). None: nothing
        was staged because a check across rows failed; stage row by row to learn the lines."""
        ...

    def stage_choices(self, rows: Iterable[tuple[int, ChoiceRow]]) -> int: ...

    def failing_lines(self, check: StagedCheck, limit: int) -> tuple[list[int], int]:
        """The first `limit` line numbers that fail `check`, in order, and how many fail in all."""
        ...

    def merge_patients(self) -> tuple[int, int]:
        """Insert new numbers and replace the demographics of known ones. Returns (added, updated)."""
        ...

    def reserve_versions(self, count: int) -> int:
        """Reserve `count` registry versions at once; returns the first."""
        ...

    def merge_choices(self, first_version: int, recorded_by: Actor) -> int:
        """Append the staged choices as events numbered from `first_version` in order of
        (recorded_at, line), and move the current-choice projection of each person to their event with
        the highest version. Returns the number of people whose current choice was set."""
        ...

    def events_digest(self, first: int, last: int) -> str:
        """The digest of the stored events first..last (`domain.registry.integrity`), sealed in the audit."""
        ...

    def earlier_imports(self) -> list[EarlierImport]:
        """Every population import recorded in the audit chain, oldest first."""
        ...

    def finish(self) -> None: ...
