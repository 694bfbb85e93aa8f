"""The history, the projection and the persisted checkpoints as `ndop audit verify` reads them."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from ndop.adapters.db import models as m
from ndop.adapters.db.statements import CHOICE_SEQUENCE
from ndop.domain.registry.integrity import EVENT_FIELDS, EventRow, events_digest

CHUNK = 20_000

# Each person's latest event by the rule of the registry (latest made_at, then the higher sequence).
_LATEST = """
    SELECT nhs_number, sequence, choice, made_at, recorded_at, channel FROM (
      SELECT nhs_number, sequence, choice, made_at, recorded_at, channel,
             ROW_NUMBER() OVER (PARTITION BY nhs_number ORDER BY made_at DESC, sequence DESC) AS latest
      FROM choice_event) AS ranked
    WHERE latest = 1
"""


def events_digest_between(first: int, last: int) -> str:
    """The digest of the stored events first..last, as verification will recompute it."""
    rows = m.ChoiceEvent.objects.filter(sequence__gte=first, sequence__lte=last).order_by("sequence")
    return events_digest(rows.values_list(*EVENT_FIELDS).iterator(chunk_size=CHUNK))


class DjangoHistoryReader:
    def event_rows(self) -> Iterator[EventRow]:
        rows = m.ChoiceEvent.objects.order_by("sequence").values_list(*EVENT_FIELDS)
        yield from rows.iterator(chunk_size=CHUNK)

    def registry_version(self) -> int:
        return int(m.RegistryCounter.objects.values_list("value", flat=True).get(name=CHOICE_SEQUENCE))

    def projection_difference(self) -> str | None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.sequence, l.sequence FROM current_choice c LEFT JOIN ({_LATEST}) AS l "
                "ON l.nhs_number = c.nhs_number WHERE l.sequence IS NULL OR l.sequence <> c.sequence "
                "OR l.choice <> c.choice OR l.made_at <> c.made_at OR l.recorded_at <> c.recorded_at "
                "OR l.channel <> c.channel ORDER BY c.sequence LIMIT 1"
            )
            row = cursor.fetchone()
            if row is not None:
                stored, latest = row
                if latest is None:
                    return f"a current choice (claiming event {stored}) is stored for a person with no history"
                return (f"the current choice stored as event {stored} does not match the history, whose latest "
                        f"event for that person is {latest}")
            cursor.execute(
                f"SELECT l.sequence FROM ({_LATEST}) AS l WHERE NOT EXISTS "
                "(SELECT 1 FROM current_choice c WHERE c.nhs_number = l.nhs_number) ORDER BY l.sequence LIMIT 1"
            )
            row = cursor.fetchone()
            if row is not None:
                return f"no current choice is stored for the person whose latest event is {row[0]}"
        return None
