"""Reading the publications made, for the public page: newest first, and their files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ndop.domain.statistics.ports import PublicationRecords, PublishedRecord

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def list_publications(records: PublicationRecords) -> Sequence[PublishedRecord]:
    return records.all()


def publication(records: PublicationRecords, publication_id: int) -> PublishedRecord | None:
    return records.get(publication_id)


def publication_file(record: PublishedRecord, name: str) -> tuple[Path, str] | None:
    """The path and content type of one of the publication's own files; None for any other name.

    Only names the publication recorded are served, so a request cannot reach another file.
    """
    if name not in record.files or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = Path(record.directory) / name
    kind = CONTENT_TYPES.get(path.suffix)
    if kind is None or not path.is_file():
        return None
    return path, kind
