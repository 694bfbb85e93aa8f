"""`ndop choice show|set`: look up and record choices from the command line (staff tooling)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from ndop import container
from ndop.cli.common import domain_errors_refused, nhs_number_argument, operator
from ndop.cli.root import main
from ndop.domain.common.nhs_number import NhsNumber
from ndop.domain.registry.choices import Channel, Choice, ChoiceHistory, ChoiceRequest, Proxy, ProxyRole
from ndop.services.registry.record_choice import record_choice
from ndop.services.registry.view_choice import view_choice


@main.group()
def choice() -> None:
    """Show or record a person's choice."""


@choice.command("show")
@click.argument("nhs_number", nargs=-1, required=True, metavar="NHS_NUMBER", callback=nhs_number_argument)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable: the current choice and every event.")
def show(nhs_number: NhsNumber, as_json: bool) -> None:
    """Show the current choice and its full history (the look-up is audited)."""
    with domain_errors_refused():
        view = view_choice(container.registry(), nhs_number, viewed_by=operator(), purpose="cli choice show")
    if as_json:
        click.echo(json.dumps(history_json(view.history), indent=2))
        return
    current = view.history.current
    click.echo(f"NHS number:     {nhs_number.display}")
    click.echo(f"Current choice: {view.history.current_choice.value}")
    if current is None:
        click.echo("History:        no choice recorded (not opted out)")
        return
    click.echo("History:")
    for event in view.history.events:
        who = "patient" if event.proxy is None else f"{event.proxy.role.value} {event.proxy.name}"
        click.echo(
            f"  #{event.sequence} made {event.effective_made_at.isoformat(timespec='seconds')} "
            f"recorded {event.recorded_at.isoformat(timespec='seconds')} {event.choice.value} "
            f"channel={event.channel.value} by={who} recorded_by={event.recorded_by}"
            + (f" case={event.case_reference}" if event.case_reference else "")
            # The history is the person's, across every number in their chain of supersessions (ADR 44).
            + (f" under={event.nhs_number.display}" if event.nhs_number != nhs_number else "")
        )


def history_json(history: ChoiceHistory) -> dict[str, object]:
    """The shape operators' scripts (and later issues) rely on; events in sequence order."""
    return {
        "nhs_number": history.nhs_number.digits,
        "current_choice": history.current_choice.value,
        "history": [
            {
                "sequence": e.sequence,
                "choice": e.choice.value,
                "made_at": e.effective_made_at.isoformat(),
                "recorded_at": e.recorded_at.isoformat(),
                "channel": e.channel.value,
                "proxy_role": e.proxy.role.value if e.proxy else None,
                "case_reference": e.case_reference or None,
            }
            for e in sorted(history.events, key=lambda e: e.sequence)
        ],
    }


@choice.command("set")
@click.argument("nhs_number", nargs=-1, required=True, metavar="NHS_NUMBER", callback=nhs_number_argument)
@click.option("--opted-out/--not-opted-out", "opted_out", required=True, help="The choice to record.")
@click.option(
    "--channel",
    type=click.Choice([c.value for c in Channel]),
    required=True,
    help="How the choice was made: OP online, PFSP app, FN form, CC phone, PP post, T2 converted Type 2.",
)
@click.option("--proxy-role", type=click.Choice([r.value for r in ProxyRole]), help="When a proxy acts.")
@click.option("--proxy-name", default="", help="The proxy's full name.")
@click.option("--evidence-type", default="", help="The proxy's evidence, e.g. 'birth certificate'.")
@click.option("--evidence-reference", default="", help="The evidence's reference number.")
@click.option("--case-reference", default="", help="The contact centre case reference.")
@click.option(
    "--made-at", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"]), default=None,
    help="When the person made the choice (e.g. the date a postal form was signed); default now. UTC unless given.",
)
def set_choice(
    nhs_number: NhsNumber,
    opted_out: bool,
    channel: str,
    proxy_role: str | None,
    proxy_name: str,
    evidence_type: str,
    evidence_reference: str,
    case_reference: str,
    made_at: datetime | None,
) -> None:
    """Record a new choice for NHS_NUMBER."""
    proxy = None
    if proxy_role:
        proxy = Proxy(ProxyRole(proxy_role), proxy_name, evidence_type, evidence_reference)
    elif proxy_name or evidence_type or evidence_reference:
        raise click.UsageError("--proxy-name and the evidence options need --proxy-role")
    request = ChoiceRequest(
        nhs_number=nhs_number,
        choice=Choice.OPTED_OUT if opted_out else Choice.NOT_OPTED_OUT,
        channel=Channel(channel),
        proxy=proxy,
        case_reference=case_reference,
        made_at=None if made_at is None else (made_at if made_at.tzinfo else made_at.replace(tzinfo=UTC)),
    )
    with domain_errors_refused():
        event = record_choice(container.registry(), request, recorded_by=operator())
    click.echo(f"Recorded {event.choice.value} for {nhs_number.display} (registry version {event.sequence}).")
