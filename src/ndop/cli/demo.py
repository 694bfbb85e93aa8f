"""`ndop demo`: idempotent demo data, and how to use it."""

from __future__ import annotations

import click

from ndop import container
from ndop.cli import main
from ndop.domain.nhs_number import NhsNumber
from ndop.services.demo_data import install_demo_data
from ndop.services.demo_population import DEMO_SEED, install_demo_population


@main.command()
def demo() -> None:
    """Migrate and install demo personas and a small synthetic population (safe to run again)."""
    container.migrate()
    people = install_demo_data(container.registry(), by="system:demo")
    click.echo("Demo data is ready. People in the patient index:")
    for persona in people:
        p = persona.patient
        click.echo(
            f"  {p.nhs_number.display}  {p.given_name} {p.family_name}, born {p.date_of_birth.isoformat()}"
            f" – {persona.story}"
        )
    crowd = install_demo_population(container.registry(), container.population_store, by="system:demo")
    s = crowd.summary
    click.echo(
        f"Synthetic population (seed {DEMO_SEED}): {s.patients:,} people, {s.opted_out:,} opted out, "
        + ("loaded now." if crowd.loaded_now else "already loaded, left as it was.")
        + f" For example {', '.join(NhsNumber(n).display for n in crowd.example_numbers)}."
    )
    click.echo("")
    click.echo("Try:  ndop choice show 943 476 5919")
    click.echo("      ndop choice set 9434765919 --opted-out --channel CC --case-reference 1234ABC")
    click.echo("Then: ndop serve  and open http://127.0.0.1:8000/")
