"""`ndop org ...`: register organisations and the people who act for them."""

from __future__ import annotations

import sys

import click

from ndop import container
from ndop.cli.common import domain_errors_refused, operator
from ndop.cli.root import main
from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole
from ndop.services.organisations.accounts import (
    add_organisation_user,
    register_organisation,
    set_organisation_user_active,
)


def _ods(_ctx: click.Context, _param: click.Parameter, value: str) -> OdsCode:
    with domain_errors_refused():
        return OdsCode.parse(value)


@main.group()
def org() -> None:
    """Organisations that check opt-outs, and their users."""


@org.command("add")
@click.argument("ods_code", callback=_ods)
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--mailbox", default="", help="Its MESH mailbox id, e.g. X26HC001.")
def add(ods_code: OdsCode, name: str, mailbox: str) -> None:
    """Register (or update) the organisation with ODS_CODE."""
    with domain_errors_refused():
        created = register_organisation(
            container.registry(), Organisation(ods_code, name.strip(), mailbox.strip().upper()), by=operator()
        )
    click.echo(f"{'Registered' if created else 'Updated'} {ods_code} {name.strip()}.")


@org.group("user")
def user() -> None:
    """People who sign in for an organisation."""


@user.command("add")
@click.argument("ods_code", callback=_ods)
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in OrganisationRole]), required=True,
              help="checker: upload lists; ig_lead: keep the register of data flows.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
def user_add(ods_code: OdsCode, email: str, role: str, password_stdin: bool) -> None:
    """Give EMAIL an account for the organisation ODS_CODE. A generated password is printed once."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with domain_errors_refused():
        issued = add_organisation_user(
            container.registry(), ods_code, email, OrganisationRole(role), by=operator(), password=password
        )
    click.echo(f"Added {email.strip().lower()} to {ods_code} as {role}.")
    if not password_stdin:
        click.echo(f"Password (shown once, hand it over securely): {issued}")


@user.command("disable")
@click.argument("email")
def user_disable(email: str) -> None:
    """Stop EMAIL from signing in (the account and its history are kept)."""
    with domain_errors_refused():
        set_organisation_user_active(container.registry(), email, False, by=operator())
    click.echo("Disabled.")


@user.command("enable")
@click.argument("email")
def user_enable(email: str) -> None:
    """Let a disabled user sign in again."""
    with domain_errors_refused():
        set_organisation_user_active(container.registry(), email, True, by=operator())
    click.echo("Enabled.")
