"""The synthetic population: deterministic, valid and unique numbers, right columns, England-like shapes."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime

import numpy as np
import pytest

from ndop.demo.population import model as model
from ndop.demo.population.generator import (
    CHUNK_SIZE,
    PopulationGenerator,
    PopulationSpec,
    PopulationSpecError,
    calendar_age,
    check_digits,
)
from ndop.domain.common.nhs_number import check_digit, is_valid
from ndop.domain.gp_codes.codes import CodeSystem, Meaning, OptOutType, meaning_of
from ndop.domain.gp_codes.extract import CodeRow, parse_row
from ndop.domain.gp_codes.rules import TYPE2_CUTOFF, PersonCode, latest, type2_decision
from ndop.domain.population.files import CHOICE_COLUMNS, PATIENT_COLUMNS_WITH_ADDRESS, parse_choices, parse_patients
from ndop.domain.registry.patients import Gender, NhsNumber, Patient

AS_OF = date(2026, 11, 1)
NOW = datetime.fromisoformat("2026-11-01T00:00:00+00:00")


def generate(patients: int, *, seed: int = 7, rate: float = 0.054) -> tuple[list[list[str]], list[list[str]]]:
    spec = PopulationSpec(patients=patients, opt_out_rate=rate, seed=seed, as_of=AS_OF)
    p_text, c_text = [], []
    for chunk in PopulationGenerator(spec).chunks():
        p_text.append(chunk.patients_csv)
        c_text.append(chunk.choices_csv)
    return list(csv.reader(io.StringIO("".join(p_text)))), list(csv.reader(io.StringIO("".join(c_text))))


def generate_gp(patients: int, *, seed: int = 7) -> list[list[str]]:
    spec = PopulationSpec(patients=patients, opt_out_rate=0.054, seed=seed, as_of=AS_OF)
    return list(csv.reader(io.StringIO("".join(c.gp_codes_csv for c in PopulationGenerator(spec).chunks()))))


def converted_type2(gp_rows: list[list[str]]) -> dict[str, str]:
    """Number -> the day of the Type 2 code the conversion turns into an opt-out (the rules of issue 14)."""
    codes: dict[str, list[PersonCode]] = {}
    for number, _practice, system, code, day in gp_rows:
        meaning = meaning_of(CodeSystem(system), code)
        if meaning is not None and meaning.type is OptOutType.TYPE2:
            codes.setdefault(number, []).append(PersonCode(date.fromisoformat(day), meaning.withdrawn))
    decided = {n: type2_decision(c).convert for n, c in codes.items()}
    return {n: c.recorded_on.isoformat() for n, c in decided.items() if c is not None}


@pytest.fixture(scope="module")
def big_gp() -> list[list[str]]:
    return generate_gp(CHUNK_SIZE + 20_000)


@pytest.fixture(scope="module")
def big() -> tuple[list[list[str]], list[list[str]]]:
    # Two chunks, so uniqueness and determinism are checked across chunk boundaries too.
    return generate(CHUNK_SIZE + 20_000)


def test_generator_same_seed_same_files() -> None:
    assert generate(3_000, seed=11) == generate(3_000, seed=11)


def test_generator_other_seed_other_people() -> None:
    a, _ = generate(2_000, seed=1)
    b, _ = generate(2_000, seed=2)
    assert {r[0] for r in a}.isdisjoint({r[0] for r in b}) or len({r[0] for r in a} & {r[0] for r in b}) < 20


def test_generator_writes_exactly_the_rows_asked_for(big) -> None:
    patients, _ = big
    assert len(patients) == CHUNK_SIZE + 20_000
    assert all(len(r) == len(PATIENT_COLUMNS_WITH_ADDRESS) for r in patients)


def test_generator_numbers_valid_unique_and_from_the_test_range(big) -> None:
    patients, _ = big
    numbers = [r[0] for r in patients]
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith("9") and is_valid(n) for n in numbers)
    assert not any(n.startswith("900") or n == "9434765919" for n in numbers)  # kept for the personas


def test_generator_rows_pass_the_import_checks(big) -> None:
    patients, choices = big
    assert not [r for r in parse_patients(patients, AS_OF) if isinstance(r, str)]
    assert not [r for r in parse_choices(choices, NOW) if isinstance(r, str)]
    assert all(len(r) == len(CHOICE_COLUMNS) for r in choices)


def test_generator_age_pyramid_follows_ons_bands(big) -> None:
    patients, _ = big
    born = np.array([r[3] for r in patients], dtype="datetime64[D]")
    ages = calendar_age(born, np.full(len(born), np.datetime64(AS_OF, "D")))
    bands = np.minimum(ages // 5, len(model.AGE_BAND_THOUSANDS) - 1)
    shares = np.bincount(bands, minlength=len(model.AGE_BAND_THOUSANDS)) / len(bands)
    expected = np.array(model.AGE_BAND_THOUSANDS) / sum(model.AGE_BAND_THOUSANDS)
    assert np.abs(shares - expected).max() < 0.004
    assert ages.max() <= model.OLDEST_AGE + 1 and ages.min() >= 0


def test_generator_genders_mostly_male_and_female_with_more_old_women(big) -> None:
    patients, _ = big
    genders = Counter(r[4] for r in patients)
    assert set(genders) <= {"0", "1", "2", "9"}
    assert 0.49 < genders["2"] / len(patients) < 0.52
    assert (genders["0"] + genders["9"]) / len(patients) < 0.002
    old = [r[4] for r in patients if r[3] < "1936-01-01"]
    assert old.count("2") / len(old) > 0.6


def test_generator_opt_out_rate_near_target_and_varies_by_age_and_sex(big, big_gp) -> None:
    patients, choices = big
    last: dict[str, str] = dict.fromkeys(converted_type2(big_gp), "opted_out")  # choices.csv comes later
    for number, choice, *_ in choices:
        last[number] = choice
    opted = {n for n, c in last.items() if c == "opted_out"}
    assert abs(len(opted) / len(patients) - 0.054) < 0.003
    by_sex = {g: [r[0] in opted for r in patients if r[4] == g] for g in ("1", "2")}
    female, male = (sum(by_sex[g]) / len(by_sex[g]) for g in ("2", "1"))
    assert female > male * 1.1  # men opt out at about 0.8 of women's rate [S25]
    thirties = [r[0] in opted for r in patients if "1987-01-01" < r[3] < "1996-01-01"]
    young = [r[0] in opted for r in patients if r[3] > "2018-01-01"]
    assert sum(thirties) / len(thirties) > 3 * sum(young) / len(young)  # 8.06% against 1.67% [S26]


def test_generator_contact_details_missing_for_some(big) -> None:
    patients, _ = big
    no_mobile = sum(1 for r in patients if not r[8]) / len(patients)
    no_email = sum(1 for r in patients if not r[9]) / len(patients)
    assert 0.1 < no_mobile < 0.4 and 0.4 < no_email < 0.75
    assert all(r[8].startswith("07700900") for r in patients if r[8])  # Ofcom's drama range
    assert all(r[9].endswith("@example.com") for r in patients if r[9])


def test_generator_some_deceased_and_a_few_superseded(big) -> None:
    patients, choices = big
    dead = [r for r in patients if r[10]]
    assert 0.005 < len(dead) / len(patients) < 0.02
    assert all(r[3] <= r[10] <= AS_OF.isoformat() for r in dead)
    numbers = {r[0]: r for r in patients}
    old = [r for r in patients if r[11]]
    assert 0.0003 < len(old) / len(patients) < 0.002
    for row in old:
        new = numbers[row[11]]  # the replacement is in the file, with the same person's details
        assert new[11] == "" and new[1:4] == row[1:4]
    assert not {r[0] for r in old} & {c[0] for c in choices}


def test_generator_practices_have_realistic_list_sizes(big) -> None:
    patients, _ = big
    lists = Counter(r[7] for r in patients if r[7])
    sizes = np.array(sorted(lists.values()))
    assert 5_000 < sizes.mean() < 15_000
    assert sizes.max() > 2 * np.median(sizes) * 0.9  # a long tail of big practices
    assert sum(1 for r in patients if not r[7]) / len(patients) < 0.01


def test_generator_choices_follow_the_rules_and_dates(big) -> None:
    patients, choices = big
    born = {r[0]: date.fromisoformat(r[3]) for r in patients}
    died = {r[0]: date.fromisoformat(r[10]) for r in patients if r[10]}
    channels = Counter(c[3] for c in choices)
    assert channels["T2"] == 0 and channels["OP"] > channels["PP"]  # converted Type 2s are in gp_codes.csv
    for number, _choice, at, channel, role, reference in choices:
        when = datetime.fromisoformat(at)
        assert datetime.fromisoformat("2018-05-25T00:00:00+00:00") <= when < NOW
        assert when.date() >= born[number]
        if number in died:
            assert when.date() <= died[number]
        patient = Patient(NhsNumber(number), "A", "B", born[number], Gender.MALE)
        if role == "GUARDIAN":
            assert patient.age_on(when.date()) < 13 and channel in ("CC", "PP")
        elif channel != "T2" and not role:
            assert patient.age_on(when.date()) >= 13
        assert bool(reference) == (channel in ("CC", "PP"))
    assert any(c[4] == "GUARDIAN" for c in choices)
    assert any(c[1] == "not_opted_out" for c in choices)


def test_check_digits_vectorised_agree_with_the_scalar_rule() -> None:
    prefixes = np.arange(900_000_000, 900_002_000, dtype=np.int64)
    digits = check_digits(prefixes)
    for prefix, digit in zip(prefixes.tolist(), digits.tolist(), strict=True):
        expected = check_digit(str(prefix))
        assert digit == (10 if expected is None else expected)


@pytest.mark.parametrize(
    "kwargs",
    [{"patients": 0}, {"patients": 80_000_001}, {"opt_out_rate": -0.1}, {"opt_out_rate": 0.9}, {"seed": -1},
     {"as_of": date(2020, 1, 1)}],
)
def test_population_spec_refuses_impossible_requests(kwargs) -> None:
    fields = {"patients": 10, "opt_out_rate": 0.05, "seed": 1, "as_of": AS_OF} | kwargs
    with pytest.raises(PopulationSpecError):
        PopulationSpec(**fields)


def test_generator_never_writes_a_time_after_the_moment_it_runs() -> None:
    # Finding 9: on the as-of day (or when the local day runs ahead of UTC) the generator wrote choices
    # later than now, and the all-or-nothing import refused its own output. 01:40 UTC on the day before as-of:
    early = datetime.fromisoformat("2026-10-31T01:40:00+00:00")
    spec = PopulationSpec(patients=20_000, opt_out_rate=0.2, seed=3, as_of=AS_OF, not_after=early)
    stamps = [datetime.fromisoformat(row[2]) for chunk in PopulationGenerator(spec).chunks()
              for row in csv.reader(io.StringIO(chunk.choices_csv))]
    assert stamps and max(stamps) <= early
    assert all(not isinstance(r, str) for r in parse_choices(
        [row for chunk in PopulationGenerator(spec).chunks() for row in csv.reader(io.StringIO(chunk.choices_csv))],
        early))


def test_generator_gp_extract_is_deterministic_and_well_formed(big, big_gp) -> None:
    assert generate_gp(3_000, seed=11) == generate_gp(3_000, seed=11) != generate_gp(3_000, seed=12)
    patients, _ = big
    by_number = {r[0]: r for r in patients}
    for row in big_gp:
        parsed = parse_row(row, AS_OF)
        assert isinstance(parsed, CodeRow), (parsed, row)
        patient = by_number[row[0]]
        assert patient[11] == ""  # never under a superseded number
        assert patient[3] <= row[4] and (not patient[10] or row[4] <= patient[10])
        assert row[1] == (patient[7] or model.UNKNOWN_PRACTICE)
    systems = Counter(r[2] for r in big_gp)
    assert all(systems[s] > 100 for s in ("read2", "ctv3", "snomed"))
    assert any(r[2] == "read2" and not r[3].endswith(".") for r in big_gp)
    assert any(r[2] == "read2" and r[3].endswith(".") for r in big_gp)


def test_generator_gp_extract_shares(big, big_gp) -> None:
    patients, choices = big
    n = len(patients)
    meanings: dict[str, list[tuple[Meaning, str]]] = {}
    ignored = 0
    for number, _practice, system, code, day in big_gp:
        meaning = meaning_of(CodeSystem(system), code)
        if meaning is None:
            ignored += 1
        else:
            meanings.setdefault(number, []).append((meaning, day))
    type1 = {k: [PersonCode(date.fromisoformat(d), m.withdrawn) for m, d in v if m.type is OptOutType.TYPE1]
             for k, v in meanings.items()}
    objecting = sum(1 for codes in type1.values() if codes and not latest(codes).withdrawn)  # type: ignore[union-attr]
    assert 0.031 < objecting / n < 0.037  # 2,085,450 of about 60 million in March 2018
    assert sum(1 for codes in type1.values() if codes and latest(codes).withdrawn) / n > 0.001  # type: ignore[union-attr]
    converted = converted_type2(big_gp)
    assert 0.012 < len(converted) / n < 0.025  # about 0.35 of opt-outs, those born before the launch
    assert all(day <= TYPE2_CUTOFF.isoformat() for day in converted.values())
    late = {r[0] for r in big_gp if meaning_of(CodeSystem(r[2]), r[3]) is Meaning.TYPE2_SET and r[4] > "2018-10-11"}
    withdrawn = {r[0] for r in big_gp if meaning_of(CodeSystem(r[2]), r[3]) is Meaning.TYPE2_WITHDRAWN}
    assert 0.0005 < len(late) / n < 0.002 and 0.001 < len(withdrawn) / n < 0.004
    assert 0.002 < ignored / n < 0.008
    assert not set(converted) & {c[0] for c in choices if c[1] == "opted_out"}  # one opt-out each
