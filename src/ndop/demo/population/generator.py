"""A synthetic England-like population, generated in fixed-size chunks with numpy.

Deterministic for a seed and an as-of date: chunk `i` draws from its own random stream (seed, i), so the
output does not depend on how the caller consumes it, and memory stays flat however many people are
asked for. The figures come from `population_model` (each with its source). The output is CSV text in
the formats of `population_files`, ready to be written by a service.

NHS numbers come from the test range that starts with 9 (never issued to real people, and removed
from the published statistics, ndop-system.md §6.2). Candidate numbers are an affine permutation of
the nine-digit prefixes 901000000..999999999 walked in order, so they are unique without remembering
them; prefixes whose check digit would be 10 are skipped. The demo personas' range (900...) is left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ndop.demo.population import model as model
from ndop.domain.gp_codes.extract import COLUMNS as GP_COLUMNS
from ndop.domain.population.files import CHOICE_COLUMNS, PATIENT_COLUMNS_WITH_ADDRESS

CHUNK_SIZE: Final = 100_000
_PREFIX_BASE: Final = 901_000_000  # 900000000..900999999 are kept for hand-made demo people
_PREFIX_SPAN: Final = 99_000_000  # = 2^6 3^2 5^6 11
_PREFIX_STEP: Final = 7_777_777  # coprime with the span, so k -> (STEP k + offset) mod SPAN is a permutation
_RESERVED_PREFIXES: Final = (943_476_591, 999_999_999)  # the NHS's published test number; all nines
# About 10 in 11 prefixes have a valid check digit: 99 million prefixes give about 90 million numbers.
MAX_PATIENTS: Final = 80_000_000

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]


class PopulationSpecError(ValueError):
    """A generation request that cannot be met; the message says what to change."""


@dataclass(frozen=True, slots=True)
class PopulationSpec:
    patients: int
    opt_out_rate: float  # the target share of people whose current choice is opted out, 0..0.5
    seed: int
    as_of: date  # choices are recorded on or before this day; deaths fall in the year before it
    # No time later than this (the moment `ndop population generate` runs, UTC): `as_of` is a local day,
    # so on it, or when the local day runs ahead of UTC, a choice could otherwise fall after now (finding 9).
    not_after: datetime | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.patients <= MAX_PATIENTS:
            raise PopulationSpecError(f"the number of patients must be between 1 and {MAX_PATIENTS:,}")
        if not 0.0 <= self.opt_out_rate <= 0.5:
            raise PopulationSpecError("the opt-out rate must be between 0 and 0.5 (for example 0.054)")
        if self.seed < 0:
            raise PopulationSpecError("the seed must be zero or a positive whole number")
        if self.as_of <= model.SURGE_END:
            raise PopulationSpecError("the as-of date must be after June 2021")


@dataclass(frozen=True, slots=True)
class Chunk:
    first_row: int
    rows: int
    patients_csv: str  # data rows, no header, each ending in a newline
    choices_csv: str
    choice_rows: int
    opted_out: int  # people in this chunk whose last choice is opted out (converted Type 2 included)
    gp_codes_csv: str = ""  # the GP extract's rows (gp_codes.csv), no header
    gp_code_rows: int = 0


def header(columns: tuple[str, ...]) -> str:
    return ",".join(columns) + "\n"


PATIENTS_HEADER: Final = header(PATIENT_COLUMNS_WITH_ADDRESS)
CHOICES_HEADER: Final = header(CHOICE_COLUMNS)
GP_CODES_HEADER: Final = header(GP_COLUMNS)


def check_digits(prefixes: IntArray) -> IntArray:
    """Modulus 11 check digits for nine-digit prefixes; 10 where no check digit is valid."""
    total = np.zeros_like(prefixes)
    rest = prefixes.copy()
    for weight in range(2, 11):  # the last of the nine digits has weight 2, the first weight 10
        total += (rest % 10) * weight
        rest //= 10
    check: IntArray = 11 - total % 11
    check[check == 11] = 0
    return check


def _zipf_weights(count: int, flatten: float) -> npt.NDArray[np.float64]:
    weights = 1.0 / (np.arange(count, dtype=np.float64) + flatten)
    result: npt.NDArray[np.float64] = weights / weights.sum()
    return result


def _days(values: IntArray) -> DayArray:
    return values.astype("datetime64[D]")


def calendar_age(born: DayArray, on: DayArray) -> IntArray:
    """Completed years, as `Patient.age_on` counts them, for arrays of days."""
    by, bm = born.astype("datetime64[Y]"), born.astype("datetime64[M]")
    oy, om = on.astype("datetime64[Y]"), on.astype("datetime64[M]")
    b_month = (bm - by.astype("datetime64[M]")).astype(np.int64)
    o_month = (om - oy.astype("datetime64[M]")).astype(np.int64)
    b_day = (born - bm.astype("datetime64[D]")).astype(np.int64)
    o_day = (on - om.astype("datetime64[D]")).astype(np.int64)
    years = (oy - by).astype(np.int64)
    before_birthday = (o_month < b_month) | ((o_month == b_month) & (o_day < b_day))
    result: IntArray = years - before_birthday.astype(np.int64)
    return result


@dataclass(frozen=True, slots=True)
class Geography:
    practice_codes: tuple[str, ...]
    practice_centre: tuple[int, ...]  # the LSOA (by index) at the centre of each practice's catchment
    lsoa_codes: tuple[str, ...]
    outward: tuple[str, ...]  # by LSOA: the postcode's outward code and sector
    units: tuple[str, ...]

    def postcode(self, lsoa: int) -> str:
        return self.outward[lsoa] + self.units[(lsoa * 37) % len(self.units)]


class PopulationGenerator:
    """Yields `Chunk`s. The practices and areas are drawn once; people are drawn chunk by chunk."""

    def __init__(self, spec: PopulationSpec) -> None:
        self.spec = spec
        ss = np.random.SeedSequence([spec.seed, 0])
        rng = np.random.default_rng(ss)
        self._as_of = np.datetime64(spec.as_of, "D")
        self._not_after = (None if spec.not_after is None
                           else np.datetime64(spec.not_after.astimezone(UTC).replace(tzinfo=None), "s"))
        self._prefix_offset = int(rng.integers(_PREFIX_SPAN))
        self._next_candidate = 0
        counts = np.array(model.AGE_BAND_THOUSANDS, dtype=np.float64)
        self._band_p = counts / counts.sum()
        self._female = np.array(model.FEMALE_SHARE_BY_BAND)
        self._death = np.array(model.DEATH_RATE_BY_BAND)
        self._opt_out_p = self._opt_out_table(spec.opt_out_rate)
        self._practices(rng)
        self._areas()
        self._given = (np.array(model.GIVEN_NAMES_MALE), np.array(model.GIVEN_NAMES_FEMALE))
        self._given_p = _zipf_weights(len(model.GIVEN_NAMES_MALE), 8.0)
        self._family = np.array(model.FAMILY_NAMES)
        self._family_p = _zipf_weights(len(model.FAMILY_NAMES), 10.0)
        self._mobiles = np.array([f"07700900{i:03d}" for i in range(1000)])

    # ---- set-up ------------------------------------------------------------------------------------

    def _opt_out_table(self, rate: float) -> npt.NDArray[np.float64]:
        """P(opted out) by five-year band (rows) and sex (0 male, 1 female), averaging to `rate`."""
        decade = np.minimum(np.arange(len(model.AGE_BAND_THOUSANDS)) // 2, len(model.FEMALE_RATE_BY_DECADE) - 1)
        female = np.array(model.FEMALE_RATE_BY_DECADE)[decade]
        table = np.stack([female * model.MALE_TO_FEMALE_RATE, female], axis=1)
        weights = np.stack([self._band_p * (1 - self._female), self._band_p * self._female], axis=1)
        mean = float((table * weights).sum())
        scaled: npt.NDArray[np.float64] = np.clip(table * (rate / mean), 0.0, 1.0) if mean else table * 0
        return scaled

    def _practices(self, rng: np.random.Generator) -> None:
        n = max(1, round(self.spec.patients / model.MEAN_LIST_SIZE))
        sizes = rng.lognormal(np.log(model.LIST_SIZE_MEDIAN), model.LIST_SIZE_SIGMA, n)
        self._practice_cum = np.cumsum(sizes / sizes.sum())
        self._practice_cum[-1] = 1.0
        letters = model.PRACTICE_CODE_LETTERS
        picks = rng.choice(len(letters) * 100_000, size=n, replace=False)
        self._practice_codes = np.array([f"{letters[p // 100_000]}{p % 100_000:05d}" for p in picks.tolist()])
        self._lsoa_count = int(
            min(model.LSOAS_IN_ENGLAND, max(1, -(-self.spec.patients // model.RESIDENTS_PER_LSOA)))
        )
        self._practice_centre = (np.arange(n, dtype=np.int64) * self._lsoa_count) // n
        self._catchment_spread = max(1.0, self._lsoa_count / n)

    def _areas(self) -> None:
        count = self._lsoa_count
        idx = np.arange(count, dtype=np.int64)
        codes = (idx * 7919 + 17) % model.LSOAS_IN_ENGLAND + 1
        self._lsoa_codes = np.array([f"E01{c:06d}" for c in codes.tolist()])
        areas = model.POSTCODE_AREAS
        area = (idx * len(areas)) // count
        area_start = (np.arange(len(areas), dtype=np.int64) * count + len(areas) - 1) // len(areas)
        rank = idx - area_start[area]
        district = 1 + (rank // 10) % 99
        sector = rank % 10
        self._outward = np.array(
            [f"{areas[a]}{d} {s}" for a, d, s in zip(area.tolist(), district.tolist(), sector.tolist(), strict=True)]
        )
        self._towns = np.array([model.POST_TOWNS[areas[a]] for a in area.tolist()])
        letters = model.POSTCODE_UNIT_LETTERS
        self._units = np.array([a + b for a in letters for b in letters])
        self._streets = np.array(model.STREET_NAMES)

    def geography(self) -> Geography:
        """The practices and areas drawn for this population (for the matching lookup files)."""
        return Geography(
            practice_codes=tuple(self._practice_codes.tolist()),
            practice_centre=tuple(int(c) for c in self._practice_centre.tolist()),
            lsoa_codes=tuple(self._lsoa_codes.tolist()),
            outward=tuple(self._outward.tolist()),
            units=tuple(self._units.tolist()),
        )

    # ---- people ------------------------------------------------------------------------------------

    def _nhs_numbers(self, n: int) -> IntArray:
        found: list[IntArray] = []
        need = n
        while need:
            k = self._next_candidate + np.arange(need + need // 8 + 64, dtype=np.int64)
            prefix = _PREFIX_BASE + (k * _PREFIX_STEP + self._prefix_offset) % _PREFIX_SPAN
            check = check_digits(prefix)
            ok = (check != 10) & ~np.isin(prefix, _RESERVED_PREFIXES) & (k < _PREFIX_SPAN)
            (positions,) = np.nonzero(ok)
            positions = positions[:need]
            found.append(prefix[positions] * 10 + check[positions])
            need -= len(positions)
            if len(positions) == 0 and k[-1] >= _PREFIX_SPAN:
                raise PopulationSpecError("the test range of NHS numbers is used up")
            self._next_candidate = int(k[positions[-1]] + 1) if len(positions) else int(k[-1] + 1)
        return np.concatenate(found)

    def chunks(self) -> Iterator[Chunk]:
        total = self.spec.patients
        for index, first in enumerate(range(0, total, CHUNK_SIZE)):
            rows = min(CHUNK_SIZE, total - first)
            rng = np.random.default_rng(np.random.SeedSequence([self.spec.seed, 1, index]))
            yield self._chunk(rng, first, rows)

    def _chunk(self, rng: np.random.Generator, first: int, n: int) -> Chunk:
        as_of = self._as_of
        nhs = rng.permutation(self._nhs_numbers(n))  # walked in order, handed out shuffled
        band = rng.choice(len(self._band_p), size=n, p=self._band_p)
        age = band * model.AGE_BAND_WIDTH + rng.integers(0, model.AGE_BAND_WIDTH, n)
        oldest_band = band == len(self._band_p) - 1
        age[oldest_band] = 90 + np.minimum(rng.geometric(0.23, int(oldest_band.sum())) - 1, model.OLDEST_AGE - 90)
        born = as_of - (np.floor((age + rng.random(n)) * 365.2425)).astype(np.int64).astype("timedelta64[D]")
        female = rng.random(n) < self._female[band]
        gender = np.where(female, 2, 1)
        odd = rng.random(n)
        gender[odd < model.GENDER_NOT_KNOWN_SHARE] = 0
        gender[(odd >= model.GENDER_NOT_KNOWN_SHARE)
               & (odd < model.GENDER_NOT_KNOWN_SHARE + model.GENDER_NOT_SPECIFIED_SHARE)] = 9
        name_female = np.where(gender == 2, True, np.where(gender == 1, False, rng.random(n) < 0.5))
        given_idx = rng.choice(len(self._given_p), size=n, p=self._given_p)
        given = np.where(name_female, self._given[1][given_idx], self._given[0][given_idx])
        family = self._family[rng.choice(len(self._family_p), size=n, p=self._family_p)]

        practice = np.searchsorted(self._practice_cum, rng.random(n), side="right")
        practice = np.minimum(practice, len(self._practice_codes) - 1)
        offset = np.rint(rng.normal(0.0, self._catchment_spread, n)).astype(np.int64)
        lsoa = (self._practice_centre[practice] + offset) % self._lsoa_count
        unit = (lsoa * 37 + rng.integers(0, model.POSTCODES_PER_LSOA, n)) % len(self._units)
        practice_code = np.where(rng.random(n) < model.UNREGISTERED_SHARE, "", self._practice_codes[practice])
        lsoa_code = np.where(rng.random(n) < model.NO_LSOA_SHARE, "", self._lsoa_codes[lsoa])
        postcode = [o + u for o, u in zip(self._outward[lsoa].tolist(), self._units[unit].tolist(), strict=True)]

        contact_group = np.searchsorted(np.array(model.CONTACT_AGE_EDGES), age, side="right")
        has_mobile = rng.random(n) < np.array(model.MOBILE_SHARE)[contact_group]
        mobile = np.where(has_mobile, self._mobiles[rng.integers(0, 1000, n)], "")
        has_email = rng.random(n) < np.array(model.EMAIL_SHARE)[contact_group]
        email_no = rng.integers(1, 1000, n)
        email = np.full(n, "", dtype=object)
        (with_email,) = np.nonzero(has_email)
        email[with_email] = [
            f"{g.lower()}.{f.lower()}{k}@example.com"
            for g, f, k in zip(
                given[with_email].tolist(), family[with_email].tolist(), email_no[with_email].tolist(), strict=True
            )
        ]
        dead = rng.random(n) < self._death[band]
        died = np.maximum(as_of - rng.integers(0, 365, n).astype("timedelta64[D]"), born)
        sensitive = rng.random(n) < model.SENSITIVE_SHARE

        # A superseded record is the old number of the next person: same demographics, pointing on.
        superseded = rng.random(n) < model.SUPERSEDED_SHARE
        superseded[-1] = False
        superseded[1:] &= ~superseded[:-1]
        (old,) = np.nonzero(superseded)
        new = old + 1
        for column in (age, band, born, gender, given, family, practice_code, lsoa_code, mobile, email, dead, died,
                       sensitive):
            column[old] = column[new]
        postcode_arr = np.array(postcode, dtype=object)
        postcode_arr[old] = postcode_arr[new]
        superseded_by = np.full(n, "", dtype=object)
        superseded_by[old] = nhs[new].astype(str)
        line1, line2, town = self._addresses(nhs, lsoa, unit)
        for address_column in (line1, line2, town):
            address_column[old] = address_column[new]

        patients_csv = _rows(
            nhs.astype(str).tolist(),
            given.tolist(),
            family.tolist(),
            born.astype(str).tolist(),
            gender.astype(str).tolist(),
            postcode_arr.tolist(),
            lsoa_code.tolist(),
            practice_code.tolist(),
            mobile.tolist(),
            email.tolist(),
            np.where(dead, died.astype(str), "").tolist(),
            superseded_by.tolist(),
            np.where(sensitive, "true", "false").tolist(),
            line1.tolist(),
            line2.tolist(),
            [""] * n,
            town.tolist(),
        )
        # Choices fall before the as-of day (so a file made today holds nothing later than now).
        end = np.minimum(np.where(dead, died, as_of), as_of - np.timedelta64(1, "D"))
        choices_csv, choice_rows, opted_out, type2 = self._choices(rng, nhs, band, female, born, end, ~superseded)
        # The GP extract draws from a stream of its own, so that it leaves every other column unchanged.
        gp_rng = np.random.default_rng(np.random.SeedSequence([self.spec.seed, 2, first // CHUNK_SIZE]))
        gp_codes_csv, gp_rows = gp_extract(gp_rng, nhs, practice_code, born, end, ~superseded, type2)
        return Chunk(first, n, patients_csv, choices_csv, choice_rows, opted_out, gp_codes_csv, gp_rows)

    def _addresses(self, nhs: IntArray, lsoa: IntArray, unit: IntArray) -> tuple[Any, Any, Any]:
        """House (or flat) and street, and the post town of the postcode area. Derived from the NHS number
        and the postcode, not from the random stream, so that adding addresses left every other column of a
        seed's output unchanged."""
        mixed = (nhs.astype(np.uint64) * np.uint64(2654435761)) >> np.uint64(7)
        house = (mixed % np.uint64(199) + np.uint64(1)).astype(np.int64)
        flat = (mixed >> np.uint64(9)) % np.uint64(1000) < np.uint64(int(model.FLAT_SHARE * 1000))
        flat_no = ((mixed >> np.uint64(19)) % np.uint64(40) + np.uint64(1)).astype(np.int64)
        street = self._streets[(lsoa * 31 + unit) % len(self._streets)]
        house_street = np.char.add(np.char.add(house.astype(str), " "), street)
        line1 = np.where(flat, np.char.add("Flat ", flat_no.astype(str)), house_street).astype(object)
        line2 = np.where(flat, house_street, "").astype(object)
        return line1, line2, self._towns[lsoa].astype(object)

    # ---- choices -----------------------------------------------------------------------------------

    def _choices(
        self, rng: np.random.Generator, nhs: IntArray, band: IntArray, female: BoolArray, born: DayArray,
        end: DayArray, eligible: BoolArray,
    ) -> tuple[str, int, int, tuple[IntArray, DayArray]]:
        """choices.csv rows, their count, how many are opted out now, and the people whose opt-out is a
        converted Type 2 (their index in the chunk, the day of their GP code): those opt-outs are not in
        choices.csv but in the GP extract, for `ndop gp convert-type2` to convert."""
        n = len(nhs)
        p = self._opt_out_p[band, female.astype(np.int64)]
        draw = rng.random(n)
        opted = eligible & (draw < p)
        changed = eligible & ~opted & (draw < p * (1 + model.CHANGED_MIND_RATIO))
        (who,) = np.nonzero(opted | changed)
        m = len(who)
        launch = np.datetime64(model.SERVICE_LAUNCH, "D")
        born_w, end_w = born[who], end[who]
        start_w = np.maximum(born_w, launch)
        # Leave a day at the end for those who change their mind later.
        last_first = np.maximum(start_w, end_w - np.where(changed[who], 1, 0).astype("timedelta64[D]"))
        kind = rng.random(m)
        day = start_w + (rng.random(m) * ((last_first - start_w).astype(np.int64) + 1)).astype(np.int64).astype(
            "timedelta64[D]")
        channel = self._other_channels(rng, m)
        surge_start, surge_end = np.datetime64(model.SURGE_START, "D"), np.datetime64(model.SURGE_END, "D")
        surge = (kind >= model.TYPE2_SHARE) & (kind < model.TYPE2_SHARE + model.SURGE_SHARE) \
            & (born_w < surge_start) & (end_w > surge_end)
        day = np.where(surge, surge_start + rng.integers(0, 31, m).astype("timedelta64[D]"), day)
        type2 = (kind < model.TYPE2_SHARE) & (born_w < launch)
        # The GP code's day: most before the launch ("held ... up to 25 May 2018"), the rest collected monthly
        # to the cut-off (§3.3); never before birth nor after death.
        early = np.datetime64(model.TYPE2_FIRST_CODE, "D")
        before_launch = np.maximum(born_w, early) + (rng.random(m) * (launch - np.maximum(born_w, early)).astype(
            np.int64)).astype(np.int64).astype("timedelta64[D]")
        t2_day = np.where(
            rng.random(m) < 0.9, before_launch,
            launch + rng.integers(0, (np.datetime64(model.TYPE2_LAST_CONVERSION, "D") - launch).astype(np.int64) + 1,
                                  m).astype("timedelta64[D]"),
        )
        t2_day = np.minimum(t2_day, end_w)
        day = np.where(type2, t2_day, day)
        channel = np.where(type2, "T2", channel)
        seconds = np.where(type2, 0, rng.integers(7 * 3600, 23 * 3600, m))
        at = day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
        role, channel = self._proxies(rng, born_w, day, channel, type2)

        # Second events: opted back in, strictly later, before the end.
        (again,) = np.nonzero(changed[who])
        # (after the service launched, for a converted Type 2 whose code is older)
        since = np.where(type2, np.maximum(day, launch - np.timedelta64(1, "D")), day)[again]
        later = since + 1 + (rng.random(len(again)) * (end_w[again] - since).astype(np.int64)).astype(
            np.int64).astype("timedelta64[D]")
        later = np.minimum(later, end_w[again])
        at2 = np.maximum(later.astype("datetime64[s]") + rng.integers(7 * 3600, 23 * 3600, len(again)).astype(
            "timedelta64[s]"), at[again] + np.timedelta64(1, "s"))
        role2, channel2 = self._proxies(rng, born_w[again], later, self._other_channels(rng, len(again)),
                                        np.zeros(len(again), dtype=bool))

        if self._not_after is not None:
            at = np.minimum(at, self._not_after)
            at2 = np.minimum(at2, self._not_after)
        # A converted Type 2 is in the GP extract, not in choices.csv (its later change of mind is).
        first_kept = ~type2
        order = np.concatenate([who[first_kept], who[again]])
        sequence = np.concatenate([np.zeros(int(first_kept.sum()), dtype=np.int64),
                                   np.ones(len(again), dtype=np.int64)])
        rows = np.lexsort((sequence, order))
        numbers = nhs[order].astype(str)[rows]
        choice = np.concatenate([np.full(int(first_kept.sum()), "opted_out"),
                                 np.full(len(again), "not_opted_out")])[rows]
        stamps = np.char.add(np.concatenate([at[first_kept], at2]).astype(str), "+00:00")[rows]
        channels = np.concatenate([channel[first_kept], channel2])[rows]
        roles = np.concatenate([role[first_kept], role2])[rows]
        staffed = (channels == "CC") | (channels == "PP")
        refs = np.where(staffed, np.char.add("NDOP", rng.integers(0, 10**6, len(rows)).astype("U6")), "")
        text = _rows(numbers.tolist(), choice.tolist(), stamps.tolist(), channels.tolist(), roles.tolist(),
                     refs.tolist())
        return text, len(rows), int(opted.sum()), (who[type2], t2_day[type2])

    def _other_channels(self, rng: np.random.Generator, m: int) -> npt.NDArray[np.str_]:
        picks = rng.choice(len(model.OTHER_CHANNELS), size=m, p=np.array(model.OTHER_CHANNEL_SHARES))
        channels: npt.NDArray[np.str_] = np.array(model.OTHER_CHANNELS)[picks]
        return channels

    def _proxies(
        self, rng: np.random.Generator, born: DayArray, day: DayArray, channel: npt.NDArray[np.str_],
        type2: BoolArray,
    ) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.str_]]:
        """Children under 13 need a guardian by phone or post; a few of the over-80s act through an attorney."""
        age = calendar_age(born, day)
        m = len(day)
        staff_channel = np.where(rng.random(m) < 0.6, "CC", "PP")
        child = (age < 13) & ~type2
        attorney = (age >= 80) & ~type2 & (rng.random(m) < model.POA_SHARE_OVER_80)
        role = np.where(child, "GUARDIAN", np.where(attorney, "POA", ""))
        channel = np.where(child | attorney, staff_channel, channel)
        return role, channel


def _code_systems(rng: np.random.Generator, day: DayArray) -> tuple[npt.NDArray[np.int64], BoolArray]:
    """Which code system each code is written in (0 read2, 1 ctv3, 2 snomed) and whether a Read v2 code keeps
    its trailing dot: SNOMED CT from 1 April 2018 (§3.2), Read v2 or CTV3 (SystmOne) before."""
    legacy = np.where(rng.random(len(day)) < model.CTV3_SHARE, 1, 0)
    system = np.where(day >= np.datetime64(model.SNOMED_FROM, "D"), 2, legacy)
    return system, rng.random(len(day)) >= model.NO_TRAILING_DOT_SHARE


_WRITTEN: Final = {  # meaning -> the code in each system (read2 without its dot); "" where there is none
    "type1_set": ("9Nu0", "XaZ89", "827241000000103"),
    "type1_withdrawn": ("9Nu1", "XaZ8A", "827261000000102"),
    "type2_set": ("9Nu4", "XaaVL", "881561000000100"),
    "type2_withdrawn": ("9Nu5", "XaaVM", ""),  # no SNOMED CT code known: written in CTV3 instead
    "scr_dissent": ("9Ndo", "XaXj6", ""),  # not an opt-out code (SCR dissent): counted and ignored
}
_SYSTEM_NAMES: Final = np.array(["read2", "ctv3", "snomed"])


def gp_extract(rng: np.random.Generator, nhs: IntArray, practice: npt.NDArray[Any], born: DayArray, end: DayArray,
               eligible: BoolArray, type2: tuple[IntArray, DayArray]) -> tuple[str, int]:
    """The GP extract's rows for one chunk: the converted Type 2 people's codes, a few Type 2 codes withdrawn
    before the cut-off or set after it (not converted), Type 1 codes (set, some withdrawn), a few unrelated."""
    n = len(nhs)
    who_parts: list[IntArray] = []
    day_parts: list[DayArray] = []
    meaning_parts: list[npt.NDArray[np.str_]] = []

    def add(who: IntArray, day: DayArray, meaning: str) -> None:
        keep = (day >= born[who]) & (day <= end[who])
        who_parts.append(who[keep])
        day_parts.append(day[keep])
        meaning_parts.append(np.full(int(keep.sum()), meaning))

    t2_who, t2_day = type2
    add(t2_who, t2_day, "type2_set")
    t2_set = np.zeros(n, dtype=bool)
    t2_set[t2_who] = True
    first, cutoff = np.datetime64(model.TYPE2_FIRST_CODE, "D"), np.datetime64(model.TYPE2_LAST_CONVERSION, "D")
    span = int((cutoff - first).astype(np.int64))
    others = eligible & ~t2_set
    (withdrawn,) = np.nonzero(others & (rng.random(n) < model.TYPE2_WITHDRAWN_SHARE))
    set_day = first + rng.integers(0, span - 30, len(withdrawn)).astype("timedelta64[D]")
    add(withdrawn, set_day, "type2_set")
    add(withdrawn, np.minimum(set_day + rng.integers(1, 400, len(withdrawn)).astype("timedelta64[D]"), cutoff),
        "type2_withdrawn")
    (late,) = np.nonzero(others & (rng.random(n) < model.TYPE2_LATE_SHARE))
    add(late, cutoff + rng.integers(1, 900, len(late)).astype("timedelta64[D]"), "type2_set")
    (type1,) = np.nonzero(eligible & (rng.random(n) < model.TYPE1_SET_SHARE))
    t1_first, last = np.datetime64(model.TYPE1_FIRST_CODE, "D"), np.max(end) if n else cutoff
    t1_day = np.maximum(t1_first, born[type1]) + (rng.random(len(type1)) * (
        end[type1] - np.maximum(t1_first, born[type1])).astype(np.int64)).astype(np.int64).astype("timedelta64[D]")
    add(type1, t1_day, "type1_set")
    back = rng.random(len(type1)) < model.TYPE1_WITHDRAWN_SHARE
    add(type1[back], np.minimum(t1_day[back] + rng.integers(1, 1500, int(back.sum())).astype("timedelta64[D]"),
                                end[type1[back]]), "type1_withdrawn")
    (scr,) = np.nonzero(eligible & (rng.random(n) < model.UNRELATED_CODE_SHARE))
    add(scr, np.minimum(np.datetime64("2016-01-01", "D") + rng.integers(0, 3000, len(scr)).astype(
        "timedelta64[D]"), last), "scr_dissent")
    who = np.concatenate(who_parts)
    if not len(who):
        return "", 0
    day = np.concatenate(day_parts)
    meaning = np.concatenate(meaning_parts)
    system, dot = _code_systems(rng, day)
    system = np.where((system == 2) & np.isin(meaning, ["type2_withdrawn", "scr_dissent"]), 1, system)
    codes = np.array([_WRITTEN[mn][sy] for mn, sy in zip(meaning.tolist(), system.tolist(), strict=True)])
    codes = np.where((system == 0) & dot, np.char.add(codes, "."), codes)
    order = np.lexsort((day, who))
    practices = np.where(practice[who] == "", model.UNKNOWN_PRACTICE, practice[who])
    text = _rows(nhs[who].astype(str)[order].tolist(), practices[order].tolist(), _SYSTEM_NAMES[system][order].tolist(),
                 codes[order].tolist(), day.astype(str)[order].tolist())
    return text, len(who)


def _rows(*columns: list[str]) -> str:
    if not columns[0]:
        return ""
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"
