"""`ndop gp convert-type2`: the 2018 conversion of Type 2 codes into national data opt-outs, with letters.

One transaction: every person's Type 2 codes (under their current number, ADR 44) are decided by
`gp_codes.rules`; each person converted gets one `opted_out` event with channel `T2`, made at the code's
date and recorded now, in bulk (the registry versions reserved in one step, one audit record sealing the
digest of all the events, as the population import does: ADR 62). A choice made later than the code stands.
A letter is queued (pending, sent after commit) for each person whose current choice the conversion changed
to opted out, alive and 13 or over on the as-of date. Running it again converts nothing new.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TextIO

from ndop.domain.common.actors import Actor
from ndop.domain.common.audit import AuditEntry
from ndop.domain.common.audit_actions import AuditAction
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.gp_codes.chains import Chains
from ndop.domain.gp_codes.codes import OptOutType
from ndop.domain.gp_codes.ports import GpCodes, NewConversion, PersonRecord
from ndop.domain.gp_codes.rules import (
    TYPE2_CUTOFF,
    Current,
    NotConverted,
    PersonCode,
    conversion,
    made_at,
    type2_decision,
)
from ndop.domain.letters.letters import Letter, LetterKind, Recipient
from ndop.domain.registry.choices import Choice

REPORT_COLUMNS = ("practice_code", "nhs_number", "code", "recorded_date", "reason")
_CHUNK = 900  # numbers per IN (...) query


@dataclass
class ConversionSummary:
    converted: int = 0
    already_converted: int = 0
    not_converted: dict[str, int] = field(default_factory=dict)
    became_current: int = 0  # the converted event is the person's latest expression of will
    later_choice_stands: int = 0  # a choice made later than the code stays current
    changed_to_opted_out: int = 0
    letters: int = 0
    no_letter_deceased: int = 0
    no_letter_under_13: int = 0
    after_cutoff_codes: int = 0  # rows of the report
    first_version: int | None = None
    last_version: int | None = None
    audit_sequence: int | None = None
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _person_current(members: list[str], currents: dict[str, Current]) -> Current | None:
    found = [currents[n] for n in members if n in currents]
    return max(found, key=lambda c: c.precedence, default=None)


def _letter(person: PersonRecord, code: PersonCode, unit: GpCodes) -> Letter:
    name = f"{person.given_name} {person.family_name}".strip()
    return Letter(
        id="", kind=LetterKind.TYPE2_CONVERSION, nhs_number=NhsNumber(person.nhs_number),
        recipient=Recipient(name, person.address_lines, person.postcode), about_name=name,
        reference="", created_at=unit.clock.now(), choice=Choice.OPTED_OUT, made_on=code.recorded_on,
    )


def convert_type2(
    unit: GpCodes, *, converted_by: Actor, as_of: date, cutoff: date = TYPE2_CUTOFF, dry_run: bool = False,
    report: TextIO | None = None, queue_letters: bool = True,
) -> ConversionSummary:
    """Convert (see the module's note). `queue_letters=False` counts the letters due without queueing them
    (the demo replays 2018 as history)."""
    summary = ConversionSummary(dry_run=dry_run)
    not_converted: Counter[str] = Counter()
    with unit.transaction():
        store = unit.gp
        chains = Chains(store.links())
        people: dict[str, list[PersonCode]] = defaultdict(list)
        for number, code in store.codes(OptOutType.TYPE2):
            people[chains.current(number)].append(code)
        already = {chains.current(n) for n in store.converted()}
        chosen: dict[str, PersonCode] = {}
        writer = None if report is None else csv.writer(report, lineterminator="\n")
        if writer is not None:
            writer.writerow(REPORT_COLUMNS)
        for number in sorted(people):
            decision = type2_decision(people[number], cutoff)
            for late in decision.after_cutoff:
                summary.after_cutoff_codes += 1
                if writer is not None:
                    reason = "after_cutoff" if decision.convert is None else "after_cutoff_converted_earlier_code"
                    writer.writerow((late.practice_code, late.nhs_number or number, late.code,
                                     late.recorded_on.isoformat(), reason))
            if decision.convert is None:
                assert decision.reason is not None
                not_converted[decision.reason.value] += 1
            elif number in already:
                summary.already_converted += 1
            else:
                chosen[number] = decision.convert
        numbers = sorted(chosen)
        records: dict[str, PersonRecord] = {}
        currents: dict[str, Current] = {}
        for i in range(0, len(numbers), _CHUNK):
            part = numbers[i:i + _CHUNK]
            records.update(store.people(part))
            currents.update(store.currents([m for n in part for m in chains.members(n)]))
        new: list[NewConversion] = []
        for number in numbers:
            person = records.get(number)
            if person is None:
                not_converted[NotConverted.NOT_IN_INDEX.value] += 1
                continue
            code = chosen[number]
            outcome = conversion(code, _person_current(chains.members(number), currents),
                                 date_of_birth=person.date_of_birth, date_of_death=person.date_of_death, as_of=as_of)
            summary.converted += 1
            summary.became_current += outcome.becomes_current
            summary.later_choice_stands += not outcome.becomes_current
            summary.changed_to_opted_out += outcome.changed_to_opted_out
            if outcome.changed_to_opted_out and not outcome.letter:
                dead = person.date_of_death is not None and person.date_of_death <= as_of
                summary.no_letter_deceased += dead
                summary.no_letter_under_13 += not dead
            summary.letters += outcome.letter
            letter = _letter(person, code, unit) if outcome.letter and queue_letters else None
            new.append(NewConversion(number, code, made_at(code), letter))
        summary.not_converted = dict(sorted(not_converted.items()))
        if dry_run:
            return summary
        events_sha256 = ""
        if new:
            first, last, events_sha256 = store.record_conversions(new, recorded_by=str(converted_by),
                                                                  at=unit.clock.now())
            summary.first_version, summary.last_version = first, last
        record = unit.audit.append(AuditEntry(
            action=AuditAction.GP_TYPE2_CONVERTED, actor=converted_by, subject="type2",
            details={**{k: v for k, v in summary.as_dict().items() if k not in ("dry_run", "audit_sequence")},
                     "as_of": as_of.isoformat(), "cutoff": cutoff.isoformat(), "events_sha256": events_sha256,
                     "report_written": report is not None, "letters_queued": queue_letters},
        ))
        summary.audit_sequence = record.sequence
    return summary
