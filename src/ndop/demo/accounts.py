"""Demo organisation accounts with known passwords, so a newcomer can sign in. Never in production."""

from __future__ import annotations

from dataclasses import dataclass

from ndop.domain.common.actors import Actor
from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole
from ndop.domain.registry.ports import Registry
from ndop.services.organisations.accounts import add_organisation_user, register_organisation

DEMO_PASSWORD = "demo-password-only"  # noqa: S105 - demo data, refused in production by the CLI

DEMO_ORGANISATION = Organisation(OdsCode("ZZ001"), "Demo Health Research Trust")


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: OrganisationRole
    story: str


DEMO_ACCOUNTS = (
    DemoAccount("checker@demo.ndop.example", OrganisationRole.CHECKER, "uploads lists of NHS numbers to check"),
    DemoAccount("ig.lead@demo.ndop.example", OrganisationRole.IG_LEAD, "keeps the register of data flows"),
)


def install_demo_accounts(registry: Registry, *, by: Actor) -> tuple[Organisation, tuple[DemoAccount, ...]]:
    """Idempotent: registers the demo organisation and adds the accounts that are missing."""
    if registry.organisations.get(DEMO_ORGANISATION.ods_code) is None:
        register_organisation(registry, DEMO_ORGANISATION, by=by)
    for account in DEMO_ACCOUNTS:
        if registry.organisations.get_user(account.email) is None:
            add_organisation_user(registry, DEMO_ORGANISATION.ods_code, account.email, account.role,
                                  by=by, password=DEMO_PASSWORD)
    return DEMO_ORGANISATION, DEMO_ACCOUNTS
