"""The table of cases of issue 14, end to end on the real database: import an extract, convert Type 2,
queue letters, read the Type 1 register. One person per case; every case in one extract."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from ndop import container
from ndop.adapters.db import models as m
from ndop.domain.common.nhs_number import complete
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.gp_codes.convert_type2 import convert_type2
from ndop.services.gp_codes.import_codes import import_codes
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 1)


@dataclass(frozen=True)
class Case:
    name: str
    codes: tuple[tuple[str, str, str], ...]  # (code_system, code, recorded_date)
    converted: bool = False  # a T2 event was appended
    current: Choice = Choice.NOT_OPTED_OUT  # the person's current choice afterwards
    letter: bool = False
    type1: bool | None = None  # in the Type 1 register: objecting (True), withdrawn (False), absent (None)
    born: date = date(1970, 1, 1)
    died: date | None = None
    superseded: bool = False  # the codes are under an old number the patient index replaced
    later_online: Choice | None = None  # a choice made online in 2020
    made_on: str = ""  # the converted event's made_at date
    extra: dict[str, object] = field(default_factory=dict)


CASES = (
    Case("set", (("read2", "9Nu4.", "2017-03-01"),), converted=True, current=Choice.OPTED_OUT, letter=True,
         made_on="2017-03-01"),
    Case("set then withdrawn", (("read2", "9Nu4.", "2016-01-01"), ("read2", "9Nu5.", "2017-01-01"))),
    Case("withdrawn then set again", (("read2", "9Nu4.", "2015-01-01"), ("ctv3", "XaaVM", "2016-01-01"),
                                      ("ctv3", "XaaVL", "2017-06-30")),
         converted=True, current=Choice.OPTED_OUT, letter=True, made_on="2017-06-30"),
    Case("set and withdrawn the same day", (("read2", "9Nu4.", "2016-01-01"), ("read2", "9Nu5.", "2016-01-01"))),
    Case("after the cut-off", (("read2", "9Nu4.", "2018-10-12"),)),
    Case("on the cut-off day", (("snomed", "881561000000100", "2018-10-11"),), converted=True,
         current=Choice.OPTED_OUT, letter=True, made_on="2018-10-11"),
    Case("deceased", (("read2", "9Nu4.", "2017-03-01"),), converted=True, current=Choice.OPTED_OUT,
         died=date(2021, 4, 2), made_on="2017-03-01"),
    Case("superseded", (("read2", "9Nu4.", "2017-03-01"),), converted=True, current=Choice.OPTED_OUT,
         letter=True, superseded=True, made_on="2017-03-01"),
    Case("under 13 on the as-of date", (("read2", "9Nu4.", "2018-06-01"),), converted=True,
         current=Choice.OPTED_OUT, born=date(2013, 11, 2), made_on="2018-06-01"),
    Case("13 on the as-of date", (("read2", "9Nu4.", "2018-06-01"),), converted=True, current=Choice.OPTED_OUT,
         letter=True, born=date(2013, 11, 1), made_on="2018-06-01"),
    Case("a later online choice stands", (("read2", "9Nu4.", "2017-03-01"),), converted=True,
         current=Choice.NOT_OPTED_OUT, later_online=Choice.NOT_OPTED_OUT, made_on="2017-03-01"),
    Case("no trailing dot", (("read2", "9Nu4", "2017-03-01"),), converted=True, current=Choice.OPTED_OUT,
         letter=True, made_on="2017-03-01"),
    Case("type 1 set", (("read2", "9Nu0.", "2014-02-01"),), type1=True),
    Case("type 1 set then withdrawn", (("read2", "9Nu0.", "2014-02-01"), ("snomed", "827261000000102", "2019-01-01")),
         type1=False),
    Case("type 1 withdrawn and set again", (("read2", "9Nu0", "2014-02-01"), ("read2", "9Nu1.", "2019-01-01"),
                                            ("ctv3", "XaZ89", "2022-05-05")), type1=True),
    Case("type 1 set and withdrawn the same day", (("snomed", "827241000000103", "2020-01-01"),
                                                   ("ctv3", "XaZ8A", "2020-01-01")), type1=False),
    Case("unrelated codes", (("read2", "9Ndo.", "2017-03-01"), ("ctv3", "XaXj6", "2017-03-01"))),
)


def _people():
    """(case, the number the codes are under, the person's current number) for each case."""
    found = []
    numbers = valid_numbers(900000000)
    for case in CASES:
        current = next(numbers)
        old = next(numbers) if case.superseded else current
        found.append((case, old, current))
    return found


def valid_numbers(start: int):
    while True:
        made = complete(str(start))
        if made is not None:
            yield made
        start += 1


@pytest.fixture
def converted(clock, tmp_path):
    people = _people()
    patients = []
    for case, old, current in people:
        patients.append(make_patient(current.digits[:9], born=case.born, date_of_death=case.died,
                                     address_line_1="1 Test Street", town="Leeds"))
        if old != current:
            patients.append(make_patient(old.digits[:9], born=case.born, superseded_by=current))
    unit = container.gp_codes(clock)
    load_patients(unit, patients, loaded_by=TESTER, source="test")
    for case, _old, current in people:
        if case.later_online is not None:
            record_choice(unit, ChoiceRequest(current, case.later_online, Channel.ONLINE,
                                              made_at=datetime(2020, 2, 2, 12, tzinfo=UTC)), recorded_by=TESTER)
    lines = ["nhs_number,practice_code,code_system,code,recorded_date"]
    lines += [f"{old.digits},A{i:05d},{s},{c},{d}" for i, (case, old, _) in enumerate(people) for s, c, d in case.codes]
    imported = import_codes(unit, io.BytesIO("\n".join(lines).encode()), imported_by=TESTER, source="gp:test")
    report = io.StringIO()
    summary = convert_type2(unit, converted_by=TESTER, as_of=AS_OF, report=report)
    return people, imported, summary, report.getvalue(), unit


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.name for c in CASES])
def test_gp_codes_case(converted, index) -> None:
    people, _imported, _summary, _report, unit = converted
    case, _old, current = people[index]
    history = unit.choices.history(current)
    t2 = [e for e in history if e.channel is Channel.TYPE2_CONVERSION]
    assert bool(t2) is case.converted
    if t2:
        assert t2[0].nhs_number == current  # under the number that replaced a superseded one
        assert t2[0].made_at is not None and t2[0].made_at.date().isoformat() == case.made_on
        assert t2[0].recorded_at == unit.clock.now()
    current_event = unit.choices.current(current)
    assert (Choice.NOT_OPTED_OUT if current_event is None else current_event.choice) is case.current
    letters = m.Letter.objects.filter(nhs_number=current.digits, kind="type2_conversion")
    assert letters.count() == int(case.letter)
    row = m.GpType1.objects.filter(nhs_number=current.digits).first()
    assert (None if row is None else row.objects_to_sharing) == case.type1


def test_gp_codes_counts_and_report(converted) -> None:
    people, imported, summary, report, _unit = converted
    assert imported.ignored == 2
    assert imported.type1_objectors == 2
    assert summary.converted == sum(c.converted for c in CASES)
    assert summary.letters == sum(c.letter for c in CASES)
    assert summary.not_converted == {"after_cutoff": 1, "withdrawn": 2}
    assert summary.later_choice_stands == 1
    assert summary.no_letter_deceased == 1 and summary.no_letter_under_13 == 1
    late = [p for p in people if p[0].name == "after the cut-off"][0]
    assert report.splitlines() == ["practice_code,nhs_number,code,recorded_date,reason",
                                   f"A{people.index(late):05d},{late[1].digits},9Nu4,2018-10-12,after_cutoff"]


def test_gp_codes_conversion_run_twice_converts_nothing_new(converted, clock) -> None:
    _people_, _imported, first, _report, unit = converted
    events = m.ChoiceEvent.objects.count()
    again = convert_type2(unit, converted_by=TESTER, as_of=AS_OF)
    assert again.converted == 0 and again.letters == 0
    assert again.already_converted == first.converted
    assert m.ChoiceEvent.objects.count() == events


def test_gp_codes_conversion_keeps_the_audit_chain_whole(converted) -> None:
    from ndop.services.registry.verify_audit import verify_registry

    verdict = verify_registry(container.registry(), container.history_reader())
    assert verdict.problem is None, verdict.problem
