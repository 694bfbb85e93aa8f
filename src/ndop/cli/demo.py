"""`ndop demo`: idempotent demo data, and how to use it."""

from __future__ import annotations

import click

from ndop import container
from ndop.cli.common import fail
from ndop.cli.root import main
from ndop.cli.startup import Database
from ndop.demo.accounts import DEMO_PASSWORD, install_demo_accounts
from ndop.demo.check_channels import install_demo_check_channels
from ndop.demo.nhs_login import write_local_nhs_login
from ndop.demo.personas import install_demo_data
from ndop.demo.policy_flows import install_demo_policy_flows
from ndop.demo.small_population import DEMO_SEED, install_demo_population
from ndop.demo.staff import DEMO_STAFF_PASSWORD, install_demo_staff
from ndop.domain.common.actors import Actor
from ndop.domain.common.nhs_number import NhsNumber

DEMO_JOB = Actor.system_job("demo")  # stored as `system:demo`


@main.command(database=Database.REACHABLE)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="The port `ndop serve` will use, for the links printed (make run PORT=...).")
@click.option("--nhs-login-port", default=8710, show_default=True, type=click.IntRange(1, 65535),
              help="The port of the local NHS login `make run` starts (make run NHS_LOGIN_PORT=...).")
def demo(port: int, nhs_login_port: int) -> None:
    """Migrate and install demo personas, a small synthetic population and demo accounts (safe to run
    again). Refused in production."""
    from django.conf import settings

    if settings.CONFIG.is_production:
        fail("ndop demo installs known passwords and is refused when NDOP_ENV=production.")
    site = f"http://127.0.0.1:{port}"
    container.migrate()
    people = install_demo_data(container.registry(), by=DEMO_JOB)
    organisation, accounts = install_demo_accounts(container.registry(), by=DEMO_JOB)
    flows = install_demo_policy_flows(container.policy_register(), organisation.ods_code, by=DEMO_JOB)
    local = write_local_nhs_login(settings.CONFIG.var_dir / "nhs_login", site, f"http://127.0.0.1:{nhs_login_port}",
                                  people)
    click.echo("Demo data is ready. People in the patient index:")
    for persona in people:
        p = persona.patient
        click.echo(
            f"  {p.nhs_number.display}  {p.given_name} {p.family_name}, born {p.date_of_birth.isoformat()}"
            f" – {persona.story}"
        )
    crowd = install_demo_population(container.registry(), container.population_store, by=DEMO_JOB,
                                    gp_codes_unit=container.gp_codes())
    s = crowd.summary
    click.echo(
        f"Synthetic population (seed {DEMO_SEED}): {s.patients:,} people, {s.opted_out:,} opted out, "
        + ("loaded now." if crowd.loaded_now else "already loaded, left as it was.")
        + f" For example {', '.join(NhsNumber(n).display for n in crowd.example_numbers)}."
    )
    click.echo("")
    click.echo(f"Organisation accounts for {organisation.name} ({organisation.ods_code}), password {DEMO_PASSWORD!r},")
    click.echo(f"sign in at {site}/org/sign-in:")
    for account in accounts:
        click.echo(f"  {account.email:<28} {account.role.value:<8} {account.story}")
    click.echo(f"The IG lead's register of data flows holds {flows} demo flows: {site}/policy/register/")
    click.echo("")
    click.echo(install_demo_check_channels(container.registry(), container.check_clients(), by=DEMO_JOB))
    click.echo("")
    staff, forms = install_demo_staff(container.contact_centre(), [p.patient for p in people], by=DEMO_JOB)
    click.echo(f"Contact-centre staff, password {DEMO_STAFF_PASSWORD!r}, sign in at {site}/staff/")
    click.echo("with the code from an authenticator app set up with the TOTP secret (or `ndop staff reset`):")
    for member in staff:
        roles = ",".join(sorted(r.value for r in member.roles))
        click.echo(f"  {member.username:<14} {roles:<15} TOTP secret {member.enrolment.totp_secret}  "
                   f"(code now: {container.totp_code(member.enrolment.totp_secret)})")
    click.echo(f"Postal forms added to the queue: {forms}.")
    click.echo("")
    click.echo("Try:  ndop choice show 943 476 5919")
    click.echo("      ndop choice set 9434765919 --opted-out --channel CC --case-reference 1234ABC")
    click.echo(f"Then: ndop serve{'' if port == 8000 else f' --port {port}'}  and open {site}/")
    click.echo("")
    click.echo(f"Manage your choice (the patient online service): {site}/your-data-matters/")
    click.echo("  e.g. Jane Smith: NHS number 943 476 5919 and her date of birth above.")
    click.echo("  Security codes go to the outbox (no real messages in demo mode); read them at")
    click.echo(f"  {site}/your-data-matters/dev/outbox")
    click.echo(f"  Or \"Continue with NHS login\": `make run` starts a local NHS login at http://127.0.0.1:{nhs_login_port}")
    click.echo(f"  (a test provider: choose who signs in; its settings are in {local.env_file}).")
