"""The three CSVs, in the real publication's names and columns."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from ndop.domain.statistics.publication import (
    AGE_GEN_COLUMNS,
    REG_GEOG_COLUMNS,
    RES_GEOG_COLUMNS,
    Publication,
    Row,
)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Row]) -> None:
    part = path.with_name(path.name + ".part")
    with open(part, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    os.replace(part, path)  # a reader sees the old file or the whole new one


def write_csvs(publication: Publication, directory: Path) -> list[str]:
    label = publication.period.label
    files = [
        (f"NDOP_age_gen_{label}.csv", AGE_GEN_COLUMNS, publication.age_gen_rows()),
        (f"NDOP_reg_geog_{label}.csv", REG_GEOG_COLUMNS, publication.reg_geog_rows()),
        (f"NDOP_res_geog_{label}.csv", RES_GEOG_COLUMNS, publication.res_geog_rows()),
    ]
    for name, columns, rows in files:
        write_csv(directory / name, columns, rows)
    return [name for name, _, _ in files]
