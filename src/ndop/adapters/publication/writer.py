"""`PublicationWriter`: every file of a publication into one directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ndop.adapters.publication.charts import write_charts
from ndop.adapters.publication.csv_files import write_csvs
from ndop.adapters.publication.workbook import write_workbook
from ndop.domain.statistics.publication import Publication


class FilePublicationWriter:
    def write(self, publication: Publication, directory: Path) -> tuple[list[str], dict[str, Any]]:
        directory.mkdir(parents=True, exist_ok=True)
        files = write_csvs(publication, directory)
        files.append(write_workbook(publication, directory))
        charts = write_charts(publication, directory)
        for chart in charts:
            files.extend(chart["files"])
        return files, {"headline": publication.headline(), "charts": charts, "table1": publication.table1()}
