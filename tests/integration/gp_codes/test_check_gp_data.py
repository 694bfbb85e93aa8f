"""Type 1 in the check: `gp_data` removes people with a current Type 1 objection as well as opted-out people,
counted apart; without it Type 1 changes nothing. Against a plain-Python reference on random registries and
extracts (hypothesis), on the real database."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndop import container
from ndop.adapters.db import models as m
from ndop.adapters.db.check import DjangoCheckJobStore, DjangoOptOutSource
from ndop.adapters.db.gp_codes import DjangoType1Source
from ndop.adapters.files.snapshots import FileSnapshotStore
from ndop.cli import main
from ndop.domain.check.jobs import CheckChannel
from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
from ndop.services.check.run_check import CheckService
from ndop.services.check.snapshot import SnapshotKeeper
from ndop.services.gp_codes.import_codes import import_codes
from ndop.services.registry.load_patients import load_patients
from ndop.services.registry.record_choice import record_choice
from tests.conftest import TESTER, make_patient
from tests.integration.gp_codes.test_gp_table import valid_numbers

pytestmark = pytest.mark.django_db
PEOPLE = 6
START = date(2019, 1, 1)
_fresh = valid_numbers(950000000)  # each example uses numbers no earlier example used

person = st.fixed_dictionaries({
    "choices": st.lists(st.tuples(st.booleans(), st.integers(0, 2000)), max_size=3),
    "type1": st.lists(st.tuples(st.integers(0, 2000), st.booleans()), max_size=3),
    "replaced_by": st.one_of(st.none(), st.integers(0, PEOPLE - 1)),
})
registries = st.lists(person, min_size=PEOPLE, max_size=PEOPLE)
requests = st.lists(st.integers(0, PEOPLE - 1), max_size=20)


@pytest.fixture
def service(registry, tmp_path) -> CheckService:
    keeper = SnapshotKeeper(DjangoOptOutSource(), FileSnapshotStore(tmp_path / "snapshots", b"test snapshot key"))
    return CheckService(registry, DjangoCheckJobStore(), keeper, type1=DjangoType1Source())


def _build(registry, people) -> tuple[list[str], dict[int, int]]:
    numbers = [next(_fresh) for _ in range(PEOPLE)]
    # A link only to a later person keeps chains free of loops; the person at the end has no link.
    links = {i: p["replaced_by"] for i, p in enumerate(people) if p["replaced_by"] is not None and p["replaced_by"] > i}
    load_patients(registry, [make_patient(n.digits[:9]) for n in numbers], loaded_by=TESTER, source="t")
    sequence = itertools.count()
    for i, p in enumerate(people):
        for opted_out, day in p["choices"]:
            made = datetime.combine(START + timedelta(days=day), datetime.min.time(), UTC) + timedelta(
                seconds=next(sequence))
            record_choice(registry, ChoiceRequest(numbers[i], Choice.OPTED_OUT if opted_out else Choice.NOT_OPTED_OUT,
                                                  Channel.CONTACT_CENTRE, case_reference="1234ABC", made_at=made),
                          recorded_by=TESTER)
    if links:
        load_patients(registry, [make_patient(numbers[i].digits[:9], superseded_by=numbers[j])
                                 for i, j in links.items()], loaded_by=TESTER, source="t")
    lines = ["nhs_number,practice_code,code_system,code,recorded_date"]
    for i, p in enumerate(people):
        for day, withdrawn in p["type1"]:
            lines.append(f"{numbers[i].digits},B82001,read2,{'9Nu1.' if withdrawn else '9Nu0.'},"
                         f"{(START + timedelta(days=day)).isoformat()}")
    lines.append(f"{numbers[0].digits},B82001,ctv3,XaXj6,2019-01-01")  # a code of no interest: unique content
    import_codes(container.gp_codes(registry.clock), io.BytesIO("\n".join(lines).encode()), imported_by=TESTER,
                 source="t")
    return [n.digits for n in numbers], links


def _reference(people, links: dict[int, int]) -> tuple[set[int], set[int]]:
    """(opted out, Type 1 objecting): per person, the latest across every number of their chain."""
    def end(i: int) -> int:
        while i in links:
            i = links[i]
        return i

    chains: dict[int, list[int]] = {}
    for i in range(PEOPLE):
        chains.setdefault(end(i), []).append(i)
    opted, type1 = set(), set()
    for members in chains.values():
        order = itertools.count()
        events = [(day, next(order), out) for i in range(PEOPLE) if i in members for out, day in people[i]["choices"]]
        # events are recorded in person order and their made_at adds a second per event: the same order here
        stamps = sorted(events, key=lambda e: (e[0], e[1]))
        if stamps and stamps[-1][2]:
            opted.update(members)
        codes = [(day, withdrawn) for i in members for day, withdrawn in people[i]["type1"]]
        if codes and not max(codes)[1]:
            type1.update(members)
    return opted, type1


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=registries, request=requests, gp_data=st.booleans(), as_csv=st.booleans())
def test_check_gp_data_matches_the_reference(registry, service, people, request, gp_data, as_csv) -> None:
    numbers, links = _build(registry, people)
    opted, type1 = _reference(people, links)
    asked = request or [0]
    if as_csv:
        body = b"nhs_number,row\r\n" + b"".join(f"{numbers[i]},{k}\r\n".encode() for k, i in enumerate(asked))
    else:
        body = b"".join(numbers[i].encode() + b"\r\n" for i in asked)
    out = io.BytesIO()
    outcome = service.run(io.BytesIO(body), out, channel=CheckChannel.CLI, requested_by=TESTER, gp_data=gp_data)
    removed = opted | (type1 if gp_data else set())
    if as_csv:
        expected = ["nhs_number,row"] + [f"{numbers[i]},{k}" for k, i in enumerate(asked) if i not in removed]
    else:
        expected = [numbers[i] for i in asked if i not in removed]
    assert not outcome.rejected, outcome.message
    assert out.getvalue().decode().split() == expected
    assert outcome.rows_removed == sum(1 for i in asked if i in removed)
    assert outcome.rows_removed_type1 == (sum(1 for i in asked if i in type1 and i not in opted) if gp_data else 0)
    job = m.CheckJob.objects.get(id=outcome.job_id)
    assert (job.gp_data, job.rows_removed_type1) == (gp_data, outcome.rows_removed_type1)


def test_cli_check_gp_data_counts_type1_apart(registry, service, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(container, "_check_service", service)
    people = [{"choices": [(True, 5)], "type1": [], "replaced_by": None},
              {"choices": [], "type1": [(5, False)], "replaced_by": None},
              {"choices": [(True, 5)], "type1": [(5, False)], "replaced_by": None}] + [
        {"choices": [], "type1": [], "replaced_by": None}] * (PEOPLE - 3)
    numbers, _ = _build(registry, people)
    request = tmp_path / "request.dat"
    request.write_text("".join(f"{n}\r\n" for n in numbers))
    plain = CliRunner().invoke(main, ["check", str(request), "-o", str(tmp_path / "plain.dat")])
    assert plain.exit_code == 0, plain.output
    assert "removed (opted out)" in plain.output and "2 removed" in plain.output
    gp = CliRunner().invoke(main, ["check", str(request), "--gp-data", "-o", str(tmp_path / "gp.dat")])
    assert gp.exit_code == 0, gp.output
    assert "3 removed (2 opted out, 1 Type 1 objection)" in gp.output
    assert (tmp_path / "gp.dat").read_text().split() == numbers[3:]


def test_snapshot_export_for_gp_data_holds_the_type1_register(registry, service) -> None:
    from ndop.services.check.export_snapshot import export_snapshot

    people = [{"choices": [], "type1": [(5, False)], "replaced_by": 1},  # under a number now superseded
              {"choices": [], "type1": [], "replaced_by": None},
              {"choices": [], "type1": [(5, False), (9, True)], "replaced_by": None}] + [
        {"choices": [], "type1": [], "replaced_by": None}] * (PEOPLE - 3)
    numbers, _ = _build(registry, people)
    exported = export_snapshot(registry, service.snapshots, lambda s: 0, exported_by=TESTER, gp_data=True,
                               type1_keys=container.type1_keys)
    assert exported.type1 is not None
    assert sorted(int(k) for k in exported.type1) == sorted(int(n[:9]) for n in numbers[:2])
