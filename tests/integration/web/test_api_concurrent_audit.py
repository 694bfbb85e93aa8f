"""Concurrent API checks share audit commits (group commit, ADR 76) and lose nothing: each call is its own
CheckJob with its own record in the one chain, and the chain verifies. Real threads, real database
connections, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from django.db import connection
from django.test import Client

from ndop import container
from ndop.adapters.db import group_commit
from ndop.adapters.db import models as m
from ndop.adapters.db.group_commit import GroupCommit
from ndop.cli import main
from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.clock import SystemClock
from ndop.domain.organisations.accounts import OdsCode, Organisation
from ndop.services.organisations.accounts import register_organisation
from ndop.services.organisations.api_keys import issue_api_key
from tests.conftest import TESTER, number
from tests.threads import on_threads

pytestmark = pytest.mark.django_db(transaction=True)

RX1 = OdsCode("RX1")
A, B = (number(n).digits for n in ("943476591", "900000002"))


def assert_chain_verifies() -> None:
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    sequences = list(m.AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    assert m.AuditHead.objects.get(id=1).sequence == len(sequences)


def test_concurrent_api_checks_each_get_their_own_check_job_and_audit_record_and_the_chain_verifies() -> None:
    registry = container.registry()
    register_organisation(registry, Organisation(RX1, "Trust one", "RX1OT001"), by=TESTER)
    key = issue_api_key(registry, container.check_clients(), RX1, by=TESTER).token
    clients, calls = 12, 5

    def check(_i: int) -> list[str]:
        client = Client(headers={"X-API-Key": key})
        ids = []
        for k in range(calls):
            body = {"nhs_numbers": [A, B]} if k % 2 else {"nhs_numbers": [A]}
            response = client.post("/api/v1/checks", body, content_type="application/json")
            assert response.status_code == 200, response.content
            ids.append(response.json()["job_id"])
        return ids

    job_ids = [job_id for ids in on_threads(clients, check) for job_id in ids]  # type: ignore[union-attr]
    assert len(set(job_ids)) == clients * calls
    assert set(m.CheckJob.objects.filter(channel="api").values_list("id", flat=True)) == set(job_ids)
    audited = list(m.AuditEvent.objects.filter(action="check.completed").values_list("subject", flat=True))
    assert sorted(audited) == sorted(job_ids)  # one record each, none twice
    assert_chain_verifies()


def entry(i: int) -> AuditEntry:
    return AuditEntry(action=AuditAction.CHECK_COMPLETED, actor=Actor.system_job("test"), subject=f"job-{i}")


def test_callers_queued_behind_a_commit_share_the_next_one_in_the_order_they_queued() -> None:
    committer, clock = GroupCommit(), SystemClock()
    first_writing, others_queued = threading.Event(), threading.Event()

    def work(i: int) -> int:
        def write() -> None:
            if i == 0:  # the first leader holds its batch open until the other seven are queued
                first_writing.set()
                assert others_queued.wait(30)

        if i > 0:
            assert first_writing.wait(30)
        record = committer.commit(entry(i), write, clock)
        return record.sequence

    def watch() -> None:
        while len(committer._queue) < 7:
            threading.Event().wait(0.005)
        others_queued.set()

    threading.Thread(target=watch, daemon=True).start()
    sequences = on_threads(8, work)
    assert committer.batches == 2 and committer.records == 8  # one alone, then seven in one commit
    assert sorted(sequences) == list(range(1, 9))  # type: ignore[type-var]
    assert sequences[0] == 1
    assert_chain_verifies()


def test_a_write_that_fails_in_a_batch_fails_only_its_own_caller() -> None:
    committer, clock = GroupCommit(), SystemClock()
    first_writing, others_queued = threading.Event(), threading.Event()

    def work(i: int) -> str:
        def write() -> None:
            if i == 0:
                first_writing.set()
                assert others_queued.wait(30)
            if i == 3:
                raise RuntimeError("this caller's own write fails")

        if i > 0:
            assert first_writing.wait(30)
        try:
            return committer.commit(entry(i), write, clock).subject
        except RuntimeError:
            return "failed"

    def watch() -> None:
        while len(committer._queue) < 5:
            threading.Event().wait(0.005)
        others_queued.set()

    threading.Thread(target=watch, daemon=True).start()
    results = on_threads(6, work)
    assert results == ["job-0", "job-1", "job-2", "failed", "job-4", "job-5"]
    subjects = set(m.AuditEvent.objects.values_list("subject", flat=True))
    assert subjects == {"job-0", "job-1", "job-2", "job-4", "job-5"}
    assert_chain_verifies()


def test_a_batch_whose_flush_fails_is_an_error_and_never_a_second_record(monkeypatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the flush after the batch's commit is PostgreSQL's (ADR 77)")

    def fails() -> None:
        raise RuntimeError("the flush failed")

    monkeypatch.setattr(group_commit, "flush_wal", fails)
    with pytest.raises(RuntimeError, match="flush failed"):
        GroupCommit().commit(entry(1), lambda: None, SystemClock())
    assert m.AuditEvent.objects.filter(subject="job-1").count() == 1  # committed once, not retried
    assert_chain_verifies()
