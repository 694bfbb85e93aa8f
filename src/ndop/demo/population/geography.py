"""Lookups that match a synthetic population: `practices.csv` (ODS-like) and `lsoas.csv` (ONS-like).

Synthetic areas are nested as England's are: LSOAs and practices (by the LSOA at their catchment's
centre) fall into sub-ICB locations, those into ICBs, those into the seven NHS England regions (real
region codes and names; every other code and name is synthetic and says so). Sizes follow England's:
about 106 sub-ICB locations, 42 ICBs and 296 local authorities at full scale, fewer for a smaller
population.
"""

from __future__ import annotations

import csv
import io
from typing import Final

from ndop.demo.population.generator import PopulationGenerator, PopulationSpec

PRACTICES_FILE: Final = "practices.csv"
LSOAS_FILE: Final = "lsoas.csv"
PRACTICE_COLUMNS: Final = ("practice_code", "practice_name", "postcode", "sub_icb_code", "ons_sub_icb_code",
                           "sub_icb_name", "icb_code", "ons_icb_code", "icb_name", "region_code", "ons_region_code",
                           "region_name")
LSOA_COLUMNS: Final = ("lsoa_code", "lsoa_name", "sub_icb_code", "ons_sub_icb_code", "sub_icb_name", "la_code",
                       "la_name")
# NHS England's commissioning regions (ODS and ONS codes).
REGIONS: Final = (
    ("Y56", "E40000003", "London"), ("Y58", "E40000006", "South West"), ("Y59", "E40000005", "South East"),
    ("Y60", "E40000008", "Midlands"), ("Y61", "E40000007", "East of England"), ("Y62", "E40000010", "North West"),
    ("Y63", "E40000012", "North East and Yorkshire"),
)
SUB_ICBS: Final = 106
ICBS: Final = 42
LOCAL_AUTHORITIES: Final = 296


def _share(index: int, count: int, parts: int) -> int:
    return index * parts // max(count, 1)


def lookup_csvs(spec: PopulationSpec) -> tuple[str, str]:
    """The text of practices.csv and lsoas.csv for the population `spec` generates."""
    generator = PopulationGenerator(spec)
    geo = generator.geography()
    lsoa_count, practices = len(geo.lsoa_codes), len(geo.practice_codes)
    subs = max(1, min(SUB_ICBS, practices // 60 or 1, lsoa_count))
    icbs = max(1, min(ICBS, subs))
    regions = min(len(REGIONS), icbs)
    las = max(1, min(LOCAL_AUTHORITIES, lsoa_count // 20 or 1))

    def sub_icb(sub: int) -> tuple[str, str, str, str, str, str, str, str, str]:
        icb = _share(sub, subs, icbs)
        region = REGIONS[_share(icb, icbs, regions)]
        return (f"S{sub + 1:02d}", f"E389{sub + 1:05d}", f"Synthetic Sub-ICB Location {sub + 1:03d}",
                f"Q{icb + 1:02d}", f"E549{icb + 1:05d}", f"Synthetic ICB {icb + 1:02d}", *region)

    practices_out, lsoas_out = io.StringIO(), io.StringIO()
    writer = csv.writer(practices_out, lineterminator="\n")
    writer.writerow(PRACTICE_COLUMNS)
    for i, code in enumerate(geo.practice_codes):
        centre = geo.practice_centre[i]
        s = sub_icb(_share(centre, lsoa_count, subs))
        writer.writerow((code, f"Synthetic {geo.outward[centre].split(' ')[0]} Practice {code}", geo.postcode(centre),
                         s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]))
    writer = csv.writer(lsoas_out, lineterminator="\n")
    writer.writerow(LSOA_COLUMNS)
    for i, code in enumerate(geo.lsoa_codes):
        s = sub_icb(_share(i, lsoa_count, subs))
        la = _share(i, lsoa_count, las)
        within = i - (la * lsoa_count + las - 1) // las
        writer.writerow((code, f"Synthetic District {la + 1:03d} {within + 1:03d}A", s[0], s[1], s[2],
                         f"E069{la + 1:05d}", f"Synthetic District {la + 1:03d}"))
    return practices_out.getvalue(), lsoas_out.getvalue()
