"""`ndop stats publish`: the figures at each ACH_DATE, from the registry's history, into files.

Steps: read the registry as columns (streamed, ADR 56); compute every month in the engine; with
`if_changed`, decide by the publishing rule whether to go on; write the CSVs, XLSX and charts into the
directory; record the publication (for the page and the next `if_changed`) with its audit event in
one transaction. Nothing is recorded if writing fails.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.clock import Clock, SystemClock
from ndop.domain.common.errors import DomainError
from ndop.domain.statistics.engine import Engine
from ndop.domain.statistics.ports import PublicationRecords, PublicationWriter, PublishedRecord, RegistryColumns
from ndop.domain.statistics.publication import (
    BadLookup,
    LsoaInfo,
    PracticeInfo,
    Publication,
    parse_lsoas,
    parse_practices,
)
from ndop.domain.statistics.rules import BadReportMonth, ReportingPeriod, publishing_decision, rate_hundredths

AUDIT_PUBLISHED = AuditAction.STATISTICS_PUBLISHED


class PublishRefused(DomainError):
    code = "statistics_refused"


@dataclass(frozen=True, slots=True)
class PublishRequest:
    month: str
    out: Path
    months: int = 12
    include_test_range: bool = False
    practices: Path | None = None
    lsoas: Path | None = None
    if_changed: bool = False
    actor: Actor = Actor.system()


@dataclass(slots=True)
class PublishResult:
    published: bool
    reason: str
    label: str
    opt_out: int
    list_size: int
    rate: str
    practices_missing: int = 0
    lsoas_missing: int = 0
    people: int = 0
    files: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StatisticsDeps:
    columns: RegistryColumns
    records: PublicationRecords
    writer: PublicationWriter
    clock: Clock = field(default_factory=SystemClock)


def read_lookup(path: Path, kind: str) -> dict[str, Any]:
    parse = parse_practices if kind == "practices" else parse_lsoas
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            return parse(reader.fieldnames or [], reader)
    except OSError as exc:
        raise PublishRefused(f"cannot read the {kind} lookup {path}: {exc.strerror}") from None
    except (BadLookup, UnicodeDecodeError, csv.Error) as exc:
        raise PublishRefused(f"the {kind} lookup {path} is not usable: {exc}") from None


def publish(deps: StatisticsDeps, request: PublishRequest) -> PublishResult:
    try:
        period = ReportingPeriod.parse(request.month, request.months)
    except BadReportMonth as exc:
        raise PublishRefused(str(exc)) from None
    now = deps.clock.now()
    if period.dates[-1] > now.date():
        raise PublishRefused("the month must not be in the future (its first day has not begun)")
    practices: dict[str, PracticeInfo] = read_lookup(request.practices, "practices") if request.practices else {}
    lsoas: dict[str, LsoaInfo] = read_lookup(request.lsoas, "lsoas") if request.lsoas else {}

    patients, choices = deps.columns.read()
    engine = Engine(patients, choices, include_test_range=request.include_test_range)
    del patients, choices  # the engine holds its own sorted columns; let the raw ones go
    publication = Publication(period, engine.figures(period.dates), practices, lsoas)
    report = publication.report
    new_rate = rate_hundredths(report.england_opt_out, report.england_list_size)
    result = PublishResult(
        published=False, reason="", label=period.label, opt_out=report.england_opt_out,
        list_size=report.england_list_size, rate=str(publication.headline()["rate"]),
        practices_missing=publication.practices_missing, lsoas_missing=publication.lsoas_missing,
        people=publication.figures.people,
    )
    if request.if_changed:
        last = deps.records.latest()
        go, reason = publishing_decision(
            None if last is None else last.rate_hundredths, None if last is None else last.published_at,
            "" if last is None else last.label, new_rate, now)
        result.reason = reason
        if not go:
            return result
    else:
        result.reason = "asked to publish"

    files, summary = deps.writer.write(publication, request.out)
    summary["practices_missing"] = publication.practices_missing
    summary["lsoas_missing"] = publication.lsoas_missing
    record = PublishedRecord(
        month=period.month, label=period.label, published_at=now, opt_out=report.england_opt_out,
        list_size=report.england_list_size, deceased_opt_out=report.deceased_opt_out, rate_hundredths=new_rate,
        directory=str(request.out.resolve()), files=tuple(files), summary=summary,
    )
    deps.records.add(record, AuditEntry(
        action=AUDIT_PUBLISHED, actor=request.actor, subject=period.label,
        details={"months": len(period.dates), "opt_out": report.england_opt_out,
                 "list_size": report.england_list_size, "rate": result.rate, "files": len(files),
                 "include_test_range": request.include_test_range, "reason": result.reason},
    ))
    result.published, result.files = True, files
    return result


def monthly_publication(deps: StatisticsDeps, out_root: Path, *, include_test_range: bool = False) -> PublishResult:
    """The monthly job: this month's publication into OUT_ROOT/Mon_YYYY, only if the publishing rule says so.

    A plain function so that any scheduler can call it (the jobs system, cron through `ndop stats publish`).
    """
    today = deps.clock.now().date()
    month = f"{today.year}-{today.month:02d}"
    label = ReportingPeriod.parse(month, 1).label
    return publish(deps, PublishRequest(month=month, out=out_root / label, include_test_range=include_test_range,
                                        if_changed=True, actor=Actor.background_job("statistics.monthly")))
