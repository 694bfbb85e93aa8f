"""`ndop org key ...` and `ndop org limits`: API keys and check limits for organisations."""

from __future__ import annotations

import click

from ndop import container
from ndop.cli.common import domain_errors_refused, operator, refuse
from ndop.cli.org import _ods, org
from ndop.domain.check.clients import CheckLimits
from ndop.domain.organisations.accounts import OdsCode
from ndop.services.organisations.api_keys import issue_api_key, revoke_api_key, set_check_limits


@org.group("key")
def key() -> None:
    """API keys for the check API (stored hashed; each is shown once)."""


@key.command("issue")
@click.argument("ods_code", callback=_ods)
@click.option("--label", default="", help="What the key is for, e.g. 'warehouse nightly job'.")
def key_issue(ods_code: OdsCode, label: str) -> None:
    """Issue a new API key for ODS_CODE and print it once."""
    with domain_errors_refused():
        new = issue_api_key(container.registry(), container.check_clients(), ods_code, label=label, by=operator())
    click.echo(f"API key {new.key_id} issued for {ods_code}. It is shown once; keep it secret:")
    click.echo(new.token)


@key.command("revoke")
@click.argument("key_id")
def key_revoke(key_id: str) -> None:
    """Revoke the key KEY_ID (the 8 characters after `ndop_`) at once."""
    with domain_errors_refused():
        ods_code = revoke_api_key(container.registry(), container.check_clients(), key_id.strip(), by=operator())
    click.echo(f"Revoked API key {key_id} of {ods_code}.")


@key.command("list")
@click.argument("ods_code", callback=_ods)
def key_list(ods_code: OdsCode) -> None:
    """List ODS_CODE's keys (ids and dates only: secrets are never kept)."""
    keys = container.check_clients().keys(ods_code)
    if not keys:
        click.echo(f"{ods_code} has no API keys.")
    for info in keys:
        state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "active"
        click.echo(f"  {info.key_id}  issued {info.created_at:%Y-%m-%d %H:%M}  {state:<24} {info.label}")


@org.command("limits")
@click.argument("ods_code", callback=_ods)
@click.option("--per-minute", type=int, default=None, help="API checks a minute.")
@click.option("--max-mb", type=float, default=None, help="Largest request, in MB.")
@click.option("--inline-kb", type=float, default=None, help="Larger API bodies become a job fetched when done.")
def limits(ods_code: OdsCode, per_minute: int | None, max_mb: float | None, inline_kb: float | None) -> None:
    """Show, or with options set, ODS_CODE's check limits."""
    clients = container.check_clients()
    current = clients.limits(ods_code)
    if per_minute is not None or max_mb is not None or inline_kb is not None:
        try:
            current = CheckLimits(
                per_minute if per_minute is not None else current.requests_per_minute,
                int(max_mb * 1_000_000) if max_mb is not None else current.max_request_bytes,
                int(inline_kb * 1000) if inline_kb is not None else current.inline_bytes,
            )
        except ValueError:
            refuse("Limits must be positive.")
        with domain_errors_refused():
            set_check_limits(container.registry(), clients, ods_code, current, by=operator())
    click.echo(f"{ods_code}: {current.requests_per_minute} API checks a minute, requests up to "
               f"{current.max_request_bytes / 1_000_000:g} MB, inline up to {current.inline_bytes / 1000:g} kB.")
