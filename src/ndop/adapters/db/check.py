"""The check's ports over the Django database: job records, and the registry as the snapshot reads it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction

from ndop.adapters.db import models as m
from ndop.adapters.db.registry import CHOICE_SEQUENCE
from ndop.domain.check.jobs import CheckChannel, CheckJob
from ndop.domain.check.snapshot import ChoiceChange, key_of, keys_of

# Bumped by a database trigger whenever a patient's `superseded_by` changes (migration 0004).
LINKS_COUNTER = "patient_links"
FETCH = 100_000


class DjangoCheckJobStore:
    def add(self, job: CheckJob) -> None:
        fields = {name: getattr(job, name) for name in CheckJob.__slots__}
        fields["channel"] = job.channel.value
        m.CheckJob.objects.create(**fields)

    def get(self, job_id: str) -> CheckJob | None:
        row = m.CheckJob.objects.filter(id=job_id).first()
        if row is None:
            return None
        fields = {name: getattr(row, name) for name in CheckJob.__slots__}
        fields["channel"] = CheckChannel(row.channel)
        return CheckJob(**fields)


class DjangoOptOutSource:
    def identity(self) -> str:
        settings = connection.settings_dict
        return f"{connection.vendor}:{settings.get('HOST') or ''}:{settings.get('PORT') or ''}:{settings['NAME']}"

    def versions(self) -> tuple[int, int]:
        with transaction.atomic():
            m.RegistryCounter.objects.get_or_create(name=LINKS_COUNTER, defaults={"value": 0})
            values = dict(
                m.RegistryCounter.objects.filter(name__in=(CHOICE_SEQUENCE, LINKS_COUNTER)).values_list("name", "value")
            )
        return int(values.get(CHOICE_SEQUENCE, 0)), int(values.get(LINKS_COUNTER, 0))

    def fingerprint(self, version: int) -> str:
        row = m.ChoiceEvent.objects.filter(sequence=version).values_list("nhs_number", "recorded_at").first()
        if row is None:
            return ""
        return hashlib.sha256(f"{version}:{row[0]}:{row[1].isoformat()}".encode()).hexdigest()[:32]

    def opted_out_keys(self) -> Iterator[npt.NDArray[np.int64]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nhs_number FROM current_choice WHERE choice = %s", ["opted_out"])
            while True:
                rows = cursor.fetchmany(FETCH)
                if not rows:
                    return
                yield keys_of([row[0] for row in rows])

    def links(self) -> dict[int, int]:
        rows = m.Patient.objects.exclude(superseded_by="").values_list("nhs_number", "superseded_by")
        return {key_of(old): key_of(new) for old, new in rows.iterator(chunk_size=FETCH)}

    def changes(self, after: int, upto: int) -> Iterator[ChoiceChange]:
        # Each person touched by an event in the range, with their current choice from the projection: a
        # back-dated event does not change the current choice, so the event's own choice would be wrong.
        # (The projection may already include an event after `upto`; the next catch-up replays it, to the
        # same state.)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.nhs_number, c.choice, MAX(e.sequence) AS last FROM choice_event e "
                "JOIN current_choice c ON c.nhs_number = e.nhs_number "
                "WHERE e.sequence > %s AND e.sequence <= %s GROUP BY c.nhs_number, c.choice ORDER BY last",
                [after, upto],
            )
            while rows := cursor.fetchmany(FETCH):
                for nhs_number, choice, _ in rows:
                    yield ChoiceChange(key_of(nhs_number), choice == "opted_out")


__all__ = ["DjangoCheckJobStore", "DjangoOptOutSource"]
