"""`ndop staff add|list|disable|enable|reset|role`: contact-centre staff accounts."""

from __future__ import annotations

import sys

import click

from ndop import container
from ndop.cli.common import domain_errors_refused, operator
from ndop.cli.root import main
from ndop.domain.contact_centre.ports import Enrolment
from ndop.domain.contact_centre.staff import parse_roles
from ndop.services.staff.accounts import add_staff, list_staff, reset_staff, set_staff_active, set_staff_roles

ROLES = click.Choice(["agent", "approver", "admin"])


@main.group()
def staff() -> None:
    """Contact-centre staff accounts (password + TOTP second factor)."""


def _hand_over(password: str, enrolment: Enrolment) -> None:
    # Shown once: the terminal is the hand-over. Nothing here is logged or stored in clear.
    click.echo(f"Password:        {password}")
    click.echo(f"TOTP secret:     {enrolment.totp_secret}")
    click.echo(f"Authenticator:   {enrolment.otpauth_uri}")
    click.echo("Recovery codes:  " + " ".join(enrolment.recovery_codes))


@staff.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The person's name.")
@click.option("--role", "roles", type=ROLES, multiple=True, required=True, help="agent, approver, admin (repeat).")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin instead of generating one.")
def add(username: str, display_name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create an account; prints its password, TOTP secret and recovery codes once."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with domain_errors_refused():
        given, enrolment = add_staff(container.contact_centre(), username, display_name, parse_roles(roles),
                                     by=operator(), password=password)
    click.echo(f"Added {username.strip().lower()} ({', '.join(sorted(roles))}).")
    _hand_over(given, enrolment)


@staff.command("list")
def list_() -> None:
    """Every staff account, its roles and state."""
    members = list_staff(container.contact_centre())
    if not members:
        click.echo("No staff accounts.")
    for member in members:
        state = "disabled" if not member.active else "locked" if member.locked else "active"
        click.echo(f"{member.username:30} {','.join(sorted(r.value for r in member.roles)):24} {state:8} "
                   f"{member.display_name}")


@staff.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    with domain_errors_refused():
        set_staff_active(container.contact_centre(), username, False, by=operator())
    click.echo(f"Disabled {username}.")


@staff.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    with domain_errors_refused():
        set_staff_active(container.contact_centre(), username, True, by=operator())
    click.echo(f"Enabled {username}.")


@staff.command("reset")
@click.argument("username")
def reset(username: str) -> None:
    """A new password, TOTP secret and recovery codes; lifts a lock."""
    with domain_errors_refused():
        password, enrolment = reset_staff(container.contact_centre(), username, by=operator())
    click.echo(f"Reset {username}.")
    _hand_over(password, enrolment)


@staff.command("role")
@click.argument("username")
@click.option("--role", "roles", type=ROLES, multiple=True, required=True, help="The new roles (repeat).")
def role(username: str, roles: tuple[str, ...]) -> None:
    """Replace the account's roles."""
    with domain_errors_refused():
        set_staff_roles(container.contact_centre(), username, parse_roles(roles), by=operator())
    click.echo(f"{username} now has: {', '.join(sorted(roles))}.")
