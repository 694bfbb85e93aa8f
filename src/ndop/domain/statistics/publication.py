"""The publication's tables, built from the figures and the operator's geography lookups.

Rows are plain tuples of strings and integers, in the column order the real files use, so the CSV and
XLSX writers and the web page all read the same rows. A practice or LSOA code missing from its lookup
keeps its code with empty names, and the publication counts how many codes that happened to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Final, TypeVar

from ndop.domain.statistics.engine import Figures, MonthFigures
from ndop.domain.statistics.rules import (
    AGE_BANDS,
    ALL,
    ALL_DECEASED,
    FEMALE,
    GENDERS,
    MALE,
    UNALLOCATED,
    ReportingPeriod,
    ach_date_text,
    format_rate,
    rate,
)

AGE_GEN_COLUMNS: Final = ("ACH_DATE", "AGE_BAND", "GENDER", "OPT_OUT", "LIST_SIZE", "OPT_OUT_RATE")
REG_GEOG_COLUMNS: Final = (
    "ACH_DATE", "GP_PRACTICE", "POSTCODE", "PRACTICE_NAME", "SUB_ICB_LOCATION_CODE", "ONS_SUB_ICB_LOCATION_CODE",
    "SUB_ICB_LOCATION_NAME", "ONS_ICB_CODE", "ICB_CODE", "ICB_NAME", "COMM_REGION_CODE", "ONS_COMM_REGION_CODE",
    "COMM_REGION_NAME", "OPT_OUT", "LIST_SIZE",
)
RES_GEOG_COLUMNS: Final = (
    "ACH_DATE", "LSOA_CODE", "LSOA_NAME", "SUB_ICB_LOCATION_CODE", "ONS_SUB_ICB_LOCATION_CODE",
    "SUB_ICB_LOCATION_NAME", "LA_CODE", "LA_NAME", "OPT_OUT",
)
TABLE1_COLUMNS: Final = ("Date", "ONS code", "Code", "Name", "Opt-out", "List size", "Opt-out Rate", "Deceased")
TABLE2_COLUMNS: Final = ("Date", "Age band", "Gender", "Opt-out", "List size", "Opt-out Rate")
TABLE3_COLUMNS: Final = ("Practice code", "Practice name", "Opt-out", "List size", "Opt-out Rate")
TABLE4_COLUMNS: Final = ("ONS code", "Code", "Name", "Opt-out", "List size", "Opt-out Rate", "Deceased")
ENGLAND_ONS: Final = "E92000001"
ZERO: Final = "-"  # Table 3: a zero count
UNDEFINED: Final = "z"  # Table 3: a rate with no one in the list

Row = tuple[str | int | float, ...]
_T = TypeVar("_T")


class BadLookup(ValueError):
    """A lookup file without the columns it needs. The message names the file's problem, not its data."""


@dataclass(frozen=True, slots=True)
class PracticeInfo:
    practice_code: str
    practice_name: str = ""
    postcode: str = ""
    sub_icb_code: str = ""
    ons_sub_icb_code: str = ""
    sub_icb_name: str = ""
    icb_code: str = ""
    ons_icb_code: str = ""
    icb_name: str = ""
    region_code: str = ""
    ons_region_code: str = ""
    region_name: str = ""


@dataclass(frozen=True, slots=True)
class LsoaInfo:
    lsoa_code: str
    lsoa_name: str = ""
    sub_icb_code: str = ""
    ons_sub_icb_code: str = ""
    sub_icb_name: str = ""
    la_code: str = ""
    la_name: str = ""


PRACTICE_LOOKUP_COLUMNS: Final = tuple(f.name for f in fields(PracticeInfo))
LSOA_LOOKUP_COLUMNS: Final = tuple(f.name for f in fields(LsoaInfo))


def parse_practices(header: Iterable[str], rows: Iterable[Mapping[str, str]]) -> dict[str, PracticeInfo]:
    return {info.practice_code: info for info in _parse(PracticeInfo, PRACTICE_LOOKUP_COLUMNS, header, rows)}


def parse_lsoas(header: Iterable[str], rows: Iterable[Mapping[str, str]]) -> dict[str, LsoaInfo]:
    return {info.lsoa_code: info for info in _parse(LsoaInfo, LSOA_LOOKUP_COLUMNS, header, rows)}


def _parse(
    kind: type[_T], columns: tuple[str, ...], header: Iterable[str], rows: Iterable[Mapping[str, str]]
) -> list[_T]:
    missing = [c for c in columns if c not in set(header)]
    if missing:
        raise BadLookup(f"the lookup has no column {', '.join(missing)} (it needs {','.join(columns)})")
    found: list[_T] = []
    for line, row in enumerate(rows, start=2):
        values = {c: (row.get(c) or "").strip() for c in columns}
        if not values[columns[0]]:
            raise BadLookup(f"line {line} has an empty {columns[0]}")
        found.append(kind(**values))
    return found


@dataclass(slots=True)
class Publication:
    period: ReportingPeriod
    figures: Figures
    practices: Mapping[str, PracticeInfo] = field(default_factory=dict)
    lsoas: Mapping[str, LsoaInfo] = field(default_factory=dict)

    @property
    def report(self) -> MonthFigures:
        return self.figures.months[-1]

    def _used(self, codes: tuple[str, ...], lookup: Mapping[str, object]) -> int:
        return sum(1 for code in codes if code and code not in lookup)

    @property
    def practices_missing(self) -> int:
        """Practice codes in the registry that the practice lookup does not name."""
        return self._used(self.figures.practice_codes, self.practices) if self.practices else 0

    @property
    def lsoas_missing(self) -> int:
        return self._used(self.figures.lsoa_codes, self.lsoas) if self.lsoas else 0

    def age_gen_rows(self) -> list[Row]:
        rows: list[Row] = []
        for month in self.figures.months:
            when = ach_date_text(month.ach_date)
            for band_index, band in enumerate(AGE_BANDS):
                # Unknown gender by age band is suppressed, as the real publication does.
                for gender_index in (FEMALE, MALE):
                    opt, size = month.opt_out[band_index, gender_index], month.list_size[band_index, gender_index]
                    rows.append(_measure(when, band, GENDERS[gender_index], int(opt), int(size)))
                rows.append(_measure(when, band, ALL, int(month.opt_out[band_index].sum()),
                                     int(month.list_size[band_index].sum())))
            for gender_index, gender in enumerate(GENDERS):
                rows.append(_measure(when, ALL, gender, int(month.opt_out[:, gender_index].sum()),
                                     int(month.list_size[:, gender_index].sum())))
            rows.append(_measure(when, ALL, ALL, month.england_opt_out, month.england_list_size))
            rows.append((when, ALL_DECEASED, ALL_DECEASED, month.deceased_opt_out, "", ""))
        return rows

    def _practice_order(self, month: MonthFigures) -> list[int]:
        present = [i for i, code in enumerate(self.figures.practice_codes)
                   if month.practice_list_size[i] or month.practice_opt_out[i]]
        return sorted(present, key=lambda i: (self.figures.practice_codes[i] == "", self.figures.practice_codes[i]))

    def _practice(self, code: str) -> PracticeInfo:
        if not code:
            return PracticeInfo(UNALLOCATED)
        return self.practices.get(code) or PracticeInfo(code)

    def reg_geog_rows(self) -> list[Row]:
        rows: list[Row] = []
        for month in self.figures.months:
            when = ach_date_text(month.ach_date)
            for i in self._practice_order(month):
                p = self._practice(self.figures.practice_codes[i])
                rows.append((when, p.practice_code, p.postcode, p.practice_name, p.sub_icb_code, p.ons_sub_icb_code,
                             p.sub_icb_name, p.ons_icb_code, p.icb_code, p.icb_name, p.region_code, p.ons_region_code,
                             p.region_name, int(month.practice_opt_out[i]), int(month.practice_list_size[i])))
        return rows

    def res_geog_rows(self) -> list[Row]:
        rows: list[Row] = []
        codes = self.figures.lsoa_codes
        for month in self.figures.months:
            when = ach_date_text(month.ach_date)
            present = [i for i in range(len(codes)) if month.lsoa_list_size[i] or month.lsoa_opt_out[i]]
            for i in sorted(present, key=lambda i: (codes[i] == "", codes[i])):
                a = LsoaInfo(UNALLOCATED) if not codes[i] else (self.lsoas.get(codes[i]) or LsoaInfo(codes[i]))
                rows.append((when, a.lsoa_code, a.lsoa_name, a.sub_icb_code, a.ons_sub_icb_code, a.sub_icb_name,
                             a.la_code, a.la_name, int(month.lsoa_opt_out[i])))
        return rows

    def table1(self) -> list[Row]:
        return [(ach_date_text(m.ach_date), ENGLAND_ONS, "Eng", "England", m.england_opt_out, m.england_list_size,
                 _number_rate(m.england_opt_out, m.england_list_size), m.deceased_opt_out)
                for m in self.figures.months]

    def table2(self) -> list[Row]:
        return [(r[0], r[1], r[2], r[3], r[4], _number_rate_text(r[5])) for r in self.age_gen_rows()]

    def table3(self) -> list[Row]:
        month = self.report
        rows: list[Row] = []
        for i in self._practice_order(month):
            p = self._practice(self.figures.practice_codes[i])
            opt, size = int(month.practice_opt_out[i]), int(month.practice_list_size[i])
            shown = rate(opt, size)
            rows.append((p.practice_code, p.practice_name, opt or ZERO, size or ZERO,
                         UNDEFINED if shown is None else shown))
        return rows

    def table4(self) -> list[Row]:
        month = self.report
        groups: dict[str, list[int]] = {}
        names: dict[str, tuple[str, str]] = {}
        for i, code in enumerate(self.figures.practice_codes):
            p = self._practice(code)
            sub_icb = p.sub_icb_code or UNALLOCATED
            names.setdefault(sub_icb, (p.ons_sub_icb_code, p.sub_icb_name))
            totals = groups.setdefault(sub_icb, [0, 0, 0])
            totals[0] += int(month.practice_opt_out[i])
            totals[1] += int(month.practice_list_size[i])
            totals[2] += int(month.practice_deceased_opt_out[i])
        rows: list[Row] = []
        for sub_icb in sorted(groups, key=lambda c: (c == UNALLOCATED, c)):
            opt, size, dead = groups[sub_icb]
            if not (opt or size or dead):
                continue
            ons, name = names[sub_icb]
            rows.append((ons, sub_icb, name, opt, size, _number_rate(opt, size), dead))
        return rows

    def headline(self) -> dict[str, object]:
        m = self.report
        return {
            "month": self.period.month.isoformat(),
            "label": self.period.label,
            "ach_date": m.ach_date.isoformat(),
            "opt_out": m.england_opt_out,
            "list_size": m.england_list_size,
            "rate": format_rate(m.england_opt_out, m.england_list_size),
            "deceased_opt_out": m.deceased_opt_out,
        }


def _measure(when: str, band: str, gender: str, opt_out: int, list_size: int) -> Row:
    return (when, band, gender, opt_out, list_size, format_rate(opt_out, list_size))


def _number_rate(opt_out: int, list_size: int) -> float | str:
    shown = rate(opt_out, list_size)
    return "" if shown is None else shown


def _number_rate_text(text: str | int | float) -> float | str:
    return float(text) if text != "" else ""
