"""A small synthetic population beside the demo personas, from the generator with a fixed seed."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from ndop.demo.population.generator import PopulationSpec
from ndop.demo.population.model import DEFAULT_OPT_OUT_RATE
from ndop.demo.population.writer import GenerationSummary, generate_population
from ndop.domain.common.actors import Actor
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.gp_codes.ports import GpCodes
from ndop.domain.population.bulk_load import PopulationStore
from ndop.domain.registry.ports import Registry
from ndop.services.gp_codes.convert_type2 import convert_type2
from ndop.services.gp_codes.import_codes import import_codes
from ndop.services.population.import_population import import_population

DEMO_PEOPLE = 2_000
DEMO_SEED = 2018  # the NHS numbers depend on the seed only, so they are the same on every run


@dataclass(frozen=True, slots=True)
class DemoPopulation:
    summary: GenerationSummary
    loaded_now: bool
    example_numbers: tuple[str, ...]


def install_demo_population(
    registry: Registry, store_factory: Callable[[], PopulationStore], *, by: Actor,
    gp_codes_unit: GpCodes | None = None,
) -> DemoPopulation:
    """Idempotent: loads the population unless its first person is already in the patient index."""
    spec = PopulationSpec(DEMO_PEOPLE, DEFAULT_OPT_OUT_RATE, DEMO_SEED, registry.clock.now().date())
    patients, choices, gp_codes = io.BytesIO(), io.BytesIO(), io.BytesIO()
    summary = generate_population(spec, patients, choices, gp_codes_out=gp_codes)
    numbers = tuple(line.split(b",", 1)[0].decode() for line in patients.getvalue().split(b"\n")[1:4])
    if registry.patients.get(NhsNumber(numbers[0])) is not None:
        return DemoPopulation(summary, False, numbers)
    patients.seek(0)
    choices.seek(0)
    import_population(registry, store_factory, patients, choices, imported_by=by, source="demo population")
    if gp_codes_unit is not None:
        # The GP extract, and the 2018 conversion of its Type 2 codes (history: its letters went out in 2018).
        gp_codes.seek(0)
        import_codes(gp_codes_unit, gp_codes, imported_by=by, source="demo gp_codes.csv")
        convert_type2(gp_codes_unit, converted_by=by, as_of=registry.clock.now().date(), queue_letters=False)
    return DemoPopulation(summary, True, numbers)
