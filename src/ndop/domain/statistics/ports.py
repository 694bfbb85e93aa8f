"""What the statistics use-case needs from the outside: the registry as columns, the record of
publications, and the writers of the publication's files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.errors import DomainError
from ndop.domain.statistics.engine import ChoiceColumns, PatientColumns
from ndop.domain.statistics.publication import Publication


class RegistryUnreadable(DomainError):
    """The registry could not be read for the statistics (the database refused or went away)."""

    code = "statistics_registry_unreadable"


class RegistryColumns(Protocol):
    def read(self) -> tuple[PatientColumns, ChoiceColumns]:
        """The whole patient index and choice history, streamed into columns from one consistent read.

        Raises RegistryUnreadable (one line, no traceback for the user) when the database cannot be read."""
        ...


@dataclass(frozen=True, slots=True)
class PublishedRecord:
    """A publication as recorded: what the page lists and what `--if-changed` compares with."""

    month: date
    label: str
    published_at: datetime
    opt_out: int
    list_size: int
    deceased_opt_out: int
    rate_hundredths: int | None
    directory: str
    files: tuple[str, ...] = ()
    summary: Mapping[str, Any] = field(default_factory=dict)  # headline, chart alt text and tables
    id: int = 0  # given by the store


class PublicationRecords(Protocol):
    def latest(self) -> PublishedRecord | None: ...

    def get(self, publication_id: int) -> PublishedRecord | None: ...

    def all(self) -> Sequence[PublishedRecord]:
        """Newest first."""
        ...

    def add(self, record: PublishedRecord, audit: AuditEntry) -> None:
        """Records the publication and its audit event in one transaction."""
        ...


class PublicationWriter(Protocol):
    def write(self, publication: Publication, directory: Path) -> tuple[list[str], dict[str, Any]]:
        """Writes the files into `directory`; returns their names and a summary (charts' alt text, tables)."""
        ...
