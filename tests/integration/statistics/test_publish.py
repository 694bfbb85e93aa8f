"""`ndop stats publish` on the real database: the registry streamed out, the files written, the
XLSX agreeing with the CSVs, charts that are not blank, the publishing rule, and the CLI's exits."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from matplotlib import image
from openpyxl import load_workbook

from ndop import container
from ndop.adapters.db import models as m
from ndop.adapters.db.statistics import DjangoRegistryColumns
from ndop.cli import main
from ndop.domain.common.actors import Actor
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.domain.registry.patients import Gender
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from ndop.services.statistics.publish import PublishRequest, monthly_publication, publish
from tests.conftest import TESTER, make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_charts(request, monkeypatch):
    """Drawing charts takes seconds; only the tests about charts draw them."""
    if "real_charts" in request.fixturenames:
        return
    stub = [{"name": "stub", "title": "t", "alt": "a", "files": [], "table": {"columns": [], "rows": []}}]
    monkeypatch.setattr("ndop.adapters.publication.writer.write_charts", lambda publication, directory: stub)


@pytest.fixture
def real_charts() -> None:
    """Asks `_quick_charts` to leave the chart writer alone."""


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def small_registry(registry):
    """Five people outside the test range; figures at 01/10/2026 and 01/11/2026 computed by hand below."""
    a = make_patient("485777345", gp_practice_code="A81001", lsoa_code="E01000001")
    b = make_patient("450557710", gender=Gender.MALE, gp_practice_code="A81001", lsoa_code="E01000002")
    c = make_patient("401023213", born=date(1936, 10, 15), gp_practice_code="B82002", lsoa_code="")
    d = make_patient("401023214", gp_practice_code="")
    old = make_patient("401023215", gp_practice_code="B82002")
    new = make_patient("401023216", gp_practice_code="B82002")
    load_patients(registry, [a, b, c, d, old, new], loaded_by=TESTER, source="fixture")

    def choose(p, choice, made):
        record_choice(registry, ChoiceRequest(p.nhs_number, choice, Channel.PAPER, made_at=made), recorded_by=TESTER)

    choose(a, Choice.OPTED_OUT, at(2026, 9, 1))
    choose(a, Choice.NOT_OPTED_OUT, at(2026, 10, 5))  # back in before November
    choose(b, Choice.OPTED_OUT, at(2026, 10, 15))  # only in November
    choose(c, Choice.OPTED_OUT, at(2020, 1, 1))  # 89 in October, 90 in November
    choose(d, Choice.OPTED_OUT, at(2025, 1, 1))  # living in October, deceased in November
    choose(old, Choice.OPTED_OUT, at(2025, 6, 1))  # superseded later: counts once, under `new`
    later = [replace(old, superseded_by=new.nhs_number), replace(d, date_of_death=date(2026, 10, 20))]
    load_patients(registry, later, loaded_by=TESTER, source="fixture")
    m.Patient.objects.create(nhs_number="4444444444", given_name="R", family_name="D", date_of_birth=date(1980, 1, 1),
                             gender=1)
    m.Patient.objects.create(nhs_number="9434765919", given_name="T", family_name="R", date_of_birth=date(1980, 1, 1),
                             gender=1)
    return registry


def read(path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_publish_writes_the_figures_computed_by_hand(small_registry, clock, tmp_path) -> None:
    result = publish(container.statistics(clock), PublishRequest(month="2026-11", months=2, out=tmp_path))
    assert result.published and result.label == "Nov_2026"
    rows = read(tmp_path / "NDOP_age_gen_Nov_2026.csv")
    cell = {(r["ACH_DATE"], r["AGE_BAND"], r["GENDER"]): (r["OPT_OUT"], r["LIST_SIZE"], r["OPT_OUT_RATE"])
            for r in rows}
    # October: a, c, d and new opted out; five living people (4444444444 and 9434765919 are not counted).
    assert cell[("01/10/2026", "All", "All")] == ("4", "5", "80.00")
    assert cell[("01/10/2026", "80-89", "All")] == ("1", "1", "100.00")
    assert cell[("01/10/2026", "All deceased", "All deceased")] == ("0", "", "")
    # November: b, c, new opted out (a back in, d deceased); four living people.
    assert cell[("01/11/2026", "All", "All")] == ("3", "4", "75.00")
    assert cell[("01/11/2026", "90+", "Female")] == ("1", "1", "100.00")
    assert cell[("01/11/2026", "All", "Male")] == ("1", "1", "100.00")
    assert cell[("01/11/2026", "All deceased", "All deceased")] == ("1", "", "")
    practices = {(r["ACH_DATE"], r["GP_PRACTICE"]): (r["OPT_OUT"], r["LIST_SIZE"])
                 for r in read(tmp_path / "NDOP_reg_geog_Nov_2026.csv")}
    assert practices[("01/10/2026", "Unallocated")] == ("1", "1")
    assert ("01/11/2026", "Unallocated") not in practices  # d died: no living person without a practice
    assert practices[("01/11/2026", "B82002")] == ("2", "2")
    areas = {(r["ACH_DATE"], r["LSOA_CODE"]): r["OPT_OUT"] for r in read(tmp_path / "NDOP_res_geog_Nov_2026.csv")}
    assert areas[("01/11/2026", "Unallocated")] == "2"  # c and new have no LSOA
    assert areas[("01/11/2026", "E01000002")] == "1"


def test_xlsx_opens_and_agrees_with_the_csvs(small_registry, clock, tmp_path) -> None:
    publish(container.statistics(clock), PublishRequest(month="2026-11", months=2, out=tmp_path))
    book = load_workbook(tmp_path / "NDOP_Nov_2026.xlsx", read_only=True)
    assert book.sheetnames == ["Notes", "Table 1", "Table 2", "Table 3", "Table 4"]

    def table(name):
        rows = list(book[name].iter_rows(min_row=3, values_only=True))
        return rows[0], rows[1:]

    age_gen = read(tmp_path / "NDOP_age_gen_Nov_2026.csv")
    header, t1 = table("Table 1")
    assert header == ("Date", "ONS code", "Code", "Name", "Opt-out", "List size", "Opt-out Rate", "Deceased")
    england = {r["ACH_DATE"]: r for r in age_gen if r["AGE_BAND"] == "All" and r["GENDER"] == "All"}
    dead = {r["ACH_DATE"]: r for r in age_gen if r["AGE_BAND"] == "All deceased"}
    assert len(t1) == 2
    for when, code, eng, _name, opt, size, rate, deceased in t1:
        assert (code, eng) == ("E92000001", "Eng")
        assert (str(opt), str(size), f"{rate:.2f}") == (england[when]["OPT_OUT"], england[when]["LIST_SIZE"],
                                                          england[when]["OPT_OUT_RATE"])
        assert str(deceased) == dead[when]["OPT_OUT"]
    _, t2 = table("Table 2")
    assert [(r[0], r[1], r[2], str(r[3])) for r in t2] == [(r["ACH_DATE"], r["AGE_BAND"], r["GENDER"], r["OPT_OUT"])
                                                          for r in age_gen]
    _, t3 = table("Table 3")
    reg = [r for r in read(tmp_path / "NDOP_reg_geog_Nov_2026.csv") if r["ACH_DATE"] == "01/11/2026"]
    shown = {r[0]: (r[2], r[3]) for r in t3}
    for r in reg:
        expect = tuple("-" if v == "0" else int(v) for v in (r["OPT_OUT"], r["LIST_SIZE"]))
        assert shown[r["GP_PRACTICE"]] == expect
    _, t4 = table("Table 4")
    assert sum(r[3] for r in t4) == int(england["01/11/2026"]["OPT_OUT"])
    assert sum(r[4] for r in t4) == int(england["01/11/2026"]["LIST_SIZE"])
    assert sum(r[6] for r in t4) == int(dead["01/11/2026"]["OPT_OUT"])


def test_charts_exist_with_alt_text_and_are_not_blank(small_registry, clock, tmp_path, real_charts) -> None:
    result = publish(container.statistics(clock), PublishRequest(month="2026-11", months=2, out=tmp_path))
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) == 3 and len(list(tmp_path.glob("*.svg"))) == 3
    for png in pngs:
        pixels = image.imread(png)
        assert pixels.shape[0] > 100 and pixels.std() > 0.05  # something drawn, not one colour
        svg = png.with_suffix(".svg").read_text()
        assert 'role="img" aria-label="' in svg and "<title>" in svg and "<desc>" in svg
    record = m.StatisticsPublication.objects.get()
    assert [c["alt"] for c in record.summary["charts"]] and all(c["table"]["rows"] for c in record.summary["charts"])
    assert set(result.files) == {p.name for p in tmp_path.iterdir()}


def test_publishing_is_audited_in_the_same_transaction(small_registry, clock, tmp_path) -> None:
    publish(container.statistics(clock), PublishRequest(month="2026-11", months=2, out=tmp_path,
                                                        actor=Actor.operator("t")))
    event = m.AuditEvent.objects.filter(action="statistics.published").get()
    assert event.subject == "Nov_2026" and event.details["opt_out"] == 3 and event.actor == "cli:t"


def test_if_changed_publishes_first_then_skips_a_small_move_then_publishes_after_a_year(
    small_registry, clock, tmp_path
) -> None:
    deps = container.statistics(clock)
    first = publish(deps, PublishRequest(month="2026-11", months=1, out=tmp_path / "a", if_changed=True))
    assert first.published and "no earlier publication" in first.reason
    again = publish(deps, PublishRequest(month="2026-11", months=1, out=tmp_path / "b", if_changed=True))
    assert not again.published and "0.00 percentage points" in again.reason and not (tmp_path / "b").exists()
    clock.set(clock.now() + timedelta(days=366))
    late = monthly_publication(deps, tmp_path / "monthly")
    assert late.published and "days old" in late.reason
    assert (tmp_path / "monthly" / "Nov_2027" / "NDOP_Nov_2027.xlsx").exists()
    assert m.StatisticsPublication.objects.count() == 2


def test_if_changed_publishes_when_the_rate_moves_more_than_a_tenth(small_registry, clock, tmp_path) -> None:
    deps = container.statistics(clock)
    publish(deps, PublishRequest(month="2026-11", months=1, out=tmp_path / "a", if_changed=True))
    b = make_patient("401023218")
    load_patients(small_registry, [b], loaded_by=TESTER, source="fixture")  # 3 of 5 now: 75% -> 60%
    moved = publish(deps, PublishRequest(month="2026-11", months=1, out=tmp_path / "b", if_changed=True))
    assert moved.published and "15.00 percentage points" in moved.reason


def test_the_test_range_counts_only_with_the_option(small_registry, clock, tmp_path) -> None:
    without = publish(container.statistics(clock), PublishRequest(month="2026-11", months=1, out=tmp_path / "a"))
    with_range = publish(container.statistics(clock),
                         PublishRequest(month="2026-11", months=1, out=tmp_path / "b", include_test_range=True))
    assert (without.list_size, with_range.list_size) == (4, 5)


def test_lookups_name_the_codes_and_the_run_counts_the_missing(small_registry, clock, tmp_path) -> None:
    practices = tmp_path / "practices.csv"
    practices.write_text(
        "practice_code,practice_name,postcode,sub_icb_code,ons_sub_icb_code,sub_icb_name,icb_code,ons_icb_code,"
        "icb_name,region_code,ons_region_code,region_name\n"
        "A81001,The Densham Surgery,TS18 1HU,16C,E38000247,Tees Valley,QHM,E54000050,North East and North Cumbria,"
        "Y63,E40000012,North East and Yorkshire\n")
    lsoas = tmp_path / "lsoas.csv"
    lsoas.write_text("lsoa_code,lsoa_name,sub_icb_code,ons_sub_icb_code,sub_icb_name,la_code,la_name\n"
                     "E01000001,City of London 001A,93C,E38000255,North Central London,E09000001,City of London\n")
    result = CliRunner().invoke(main, ["stats", "publish", "--month", "2026-11", "--months", "1", "--out",
                                       str(tmp_path / "out"), "--practices", str(practices), "--lsoas", str(lsoas)])
    assert result.exit_code == 0, result.output
    assert "1 practices, 1 LSOAs" in result.output  # B82002 and E01000002 are not in the lookups
    reg = {r["GP_PRACTICE"]: r for r in read(tmp_path / "out" / "NDOP_reg_geog_Nov_2026.csv")}
    assert reg["A81001"]["PRACTICE_NAME"] == "The Densham Surgery" and reg["A81001"]["ICB_CODE"] == "QHM"
    assert reg["B82002"]["PRACTICE_NAME"] == "" and reg["B82002"]["SUB_ICB_LOCATION_CODE"] == ""
    res = {r["LSOA_CODE"]: r for r in read(tmp_path / "out" / "NDOP_res_geog_Nov_2026.csv")}
    assert res["E01000001"]["LA_NAME"] == "City of London" and res["E01000002"]["LSOA_NAME"] == ""


@pytest.mark.parametrize("args, message", [
    (["--month", "2026-13"], "YYYY-MM"),
    (["--month", "Oct 2026"], "YYYY-MM"),
    (["--month", "2030-01"], "future"),
    (["--month", "2026-10", "--months", "0"], "--months"),
    (["--month", "2026-10", "--practices", "/nonexistent/p.csv"], "cannot read the practices lookup"),
])
def test_bad_input_exits_2_with_one_line_and_records_nothing(small_registry, tmp_path, args, message) -> None:
    result = CliRunner().invoke(main, ["stats", "publish", "--out", str(tmp_path / "x"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not m.StatisticsPublication.objects.exists() and not (tmp_path / "x").exists()


def test_a_lookup_without_its_columns_is_refused(small_registry, tmp_path) -> None:
    bad = tmp_path / "p.csv"
    bad.write_text("code,name\nA81001,X\n")
    result = CliRunner().invoke(main, ["stats", "publish", "--month", "2026-10", "--out", str(tmp_path / "x"),
                                       "--practices", str(bad)])
    assert result.exit_code == 2 and "has no column practice_code" in result.output


def test_the_database_columns_match_what_was_stored(small_registry) -> None:
    patients, choices = DjangoRegistryColumns().read()
    assert sorted(patients.key.tolist())[-1] == 9434765919 and 4444444444 in patients.key.tolist()
    superseded = dict(zip(patients.key.tolist(), patients.superseded_by.tolist(), strict=True))
    assert superseded[4010232153] == 4010232161 and superseded[4857773457] == 0
    assert choices.key.size == 6 and int(choices.opted_out.sum()) == 5
    assert choices.made_at.min() == int(at(2020, 1, 1).timestamp())


def test_a_generated_population_publishes_with_its_own_lookups_and_no_code_missing(db, tmp_path) -> None:
    pop = tmp_path / "pop"
    run = CliRunner().invoke
    result = run(main, ["population", "generate", "--patients", "3000", "--seed", "5", "--as-of", "2026-11-01",
                        "--out", str(pop)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in pop.iterdir()} == {"patients.csv", "choices.csv", "gp_codes.csv", "practices.csv",
                                               "lsoas.csv"}
    assert run(main, ["population", "import", str(pop)]).exit_code == 0
    result = run(main, ["stats", "publish", "--month", "2026-11", "--months", "2", "--out", str(tmp_path / "out"),
                        "--include-test-range", "--practices", str(pop / "practices.csv"),
                        "--lsoas", str(pop / "lsoas.csv")])
    assert result.exit_code == 0, result.output
    assert "0 practices, 0 LSOAs" in result.output
    reg = [r for r in read(tmp_path / "out" / "NDOP_reg_geog_Nov_2026.csv") if r["GP_PRACTICE"] != "Unallocated"]
    assert reg and all(r["PRACTICE_NAME"] and r["ICB_NAME"] and r["COMM_REGION_CODE"].startswith("Y") for r in reg)
    res = [r for r in read(tmp_path / "out" / "NDOP_res_geog_Nov_2026.csv") if r["LSOA_CODE"] != "Unallocated"]
    assert res and all(r["LA_NAME"] and r["SUB_ICB_LOCATION_CODE"] for r in res)
    england = [r for r in read(tmp_path / "out" / "NDOP_age_gen_Nov_2026.csv") if r["AGE_BAND"] == r["GENDER"] == "All"]
    assert int(england[-1]["LIST_SIZE"]) > 2500 and 0 < float(england[-1]["OPT_OUT_RATE"]) < 20
