"""`NDOP_Mon_YYYY.xlsx`: Tables 1-4 and the notes, written with openpyxl.

Each table sheet has its title in row 1, the source in row 2, the column headings in row 3 and the
data from row 4, so the workbook reads the same way for people and for programs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Font

from ndop.domain.statistics.publication import (
    TABLE1_COLUMNS,
    TABLE2_COLUMNS,
    TABLE3_COLUMNS,
    TABLE4_COLUMNS,
    Publication,
)
from ndop.domain.statistics.rules import ach_date_text

SOURCE: Final = "Source: the National Data Opt-out registry (choice history and patient index)"
HEADER_ROW: Final = 3


def notes(publication: Publication) -> list[tuple[str, str]]:
    first, last = publication.period.dates[0], publication.period.dates[-1]
    return [
        ("Title", f"National Data Opt-out, {ach_date_text(first)} to {ach_date_text(last)}"),
        ("Sources", "The registry's choice history (every choice with when it was made) and its patient index, "
                    "which stands for the GP registered lists. Geography: the ODS practice and ONS LSOA lookups "
                    "supplied by the operator."),
        ("Reporting dates", "Figures are as at the start of the first day of each month (ACH_DATE), in England."),
        ("Opt-out", "A person is opted out at a date when the latest choice they made before it is an opt-out, "
                    "wherever and whenever it was recorded. A superseded NHS number is the same person as its "
                    "replacement and is counted once."),
        ("Who is counted", "Valid NHS numbers, not repeated digits, not the test range starting 9, not superseded, "
                           "born on or before the date. Deceased people (date of death on or before the date) "
                           "with an opt-out are counted apart and never in the list size."),
        ("Rates", "Opt-out Rate = 100 x Opt-out / List size, rounded half up to 2 decimal places."),
        ("Symbols", "In Table 3 '-' is zero and 'z' a rate that cannot be computed (no one in the list)."),
        ("Quality", f"Practice codes missing from the lookup: {publication.practices_missing}; "
                    f"LSOA codes missing: {publication.lsoas_missing} (shown with their code and empty names). "
                    "Gender 'Unknown / Prefer not to say' by age band is suppressed, as in the NHS England "
                    "publication. Figures computed from history can change when a back-dated choice is recorded."),
    ]


def write_workbook(publication: Publication, directory: Path) -> str:
    name = f"NDOP_{publication.period.label}.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "Notes"
    for note in notes(publication):
        sheet.append(note)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 120
    report = ach_date_text(publication.report.ach_date)
    tables = [
        ("Table 1", "Table 1: National Data Opt-out, England, by month", TABLE1_COLUMNS, publication.table1()),
        ("Table 2", "Table 2: by age band and gender, by month", TABLE2_COLUMNS, publication.table2()),
        ("Table 3", f"Table 3: by GP practice, {report}", TABLE3_COLUMNS, publication.table3()),
        ("Table 4", f"Table 4: by sub-ICB location of registration, {report}", TABLE4_COLUMNS, publication.table4()),
    ]
    for title, heading, columns, rows in tables:
        sheet = book.create_sheet(title)
        sheet.append([heading])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([SOURCE])
        sheet.append(list(columns))
        for cell in sheet[HEADER_ROW]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
        for index, _ in enumerate(columns):
            sheet.column_dimensions[sheet.cell(row=HEADER_ROW, column=index + 1).column_letter].width = 18
    part = directory / f"{name}.part"
    book.save(part)
    os.replace(part, directory / name)
    return name
