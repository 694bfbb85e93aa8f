"""Write a synthetic population to its CSV streams, chunk by chunk (memory stays flat)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from ndop.demo.population.generator import (
    CHOICES_HEADER,
    GP_CODES_HEADER,
    PATIENTS_HEADER,
    PopulationGenerator,
    PopulationSpec,
)


@dataclass(frozen=True, slots=True)
class GenerationSummary:
    patients: int
    choice_rows: int
    opted_out: int
    patients_sha256: str
    choices_sha256: str
    gp_code_rows: int = 0
    gp_codes_sha256: str = ""

    @property
    def opt_out_rate(self) -> float:
        return self.opted_out / self.patients if self.patients else 0.0


def generate_population(
    spec: PopulationSpec,
    patients_out: BinaryIO,
    choices_out: BinaryIO,
    *,
    progress: Callable[[int], None] | None = None,
    gp_codes_out: BinaryIO | None = None,
) -> GenerationSummary:
    """Write `patients.csv` and `choices.csv` content for `spec`, and `gp_codes.csv` (the GP extract: Type 1
    and Type 2 codes) to `gp_codes_out` when given; `progress` hears rows written."""
    generator = PopulationGenerator(spec)
    patient_hash, choice_hash, gp_hash = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()

    def write(out: BinaryIO, digest: hashlib._Hash, text: str) -> None:
        data = text.encode()
        digest.update(data)
        out.write(data)

    write(patients_out, patient_hash, PATIENTS_HEADER)
    write(choices_out, choice_hash, CHOICES_HEADER)
    if gp_codes_out is not None:
        write(gp_codes_out, gp_hash, GP_CODES_HEADER)
    rows = choices = opted_out = gp_rows = 0
    for chunk in generator.chunks():
        write(patients_out, patient_hash, chunk.patients_csv)
        write(choices_out, choice_hash, chunk.choices_csv)
        if gp_codes_out is not None:
            write(gp_codes_out, gp_hash, chunk.gp_codes_csv)
        gp_rows += chunk.gp_code_rows
        rows += chunk.rows
        choices += chunk.choice_rows
        opted_out += chunk.opted_out
        if progress is not None:
            progress(chunk.rows)
    return GenerationSummary(rows, choices, opted_out, patient_hash.hexdigest(), choice_hash.hexdigest(), gp_rows,
                             gp_hash.hexdigest() if gp_codes_out is not None else "")
