"""The Django implementation of the `OrganisationDirectory` port.

A user's account is a Django auth user named by their email, so that Django's password hashing
(PBKDF2, see settings) and session sign-in do the security-critical work.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from ndop.adapters.db import models as m
from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationRole, OrganisationUser


def _organisation_from_row(row: m.Organisation) -> Organisation:
    return Organisation(OdsCode(row.ods_code), row.name, row.mesh_mailbox, row.active)


class DjangoOrganisationDirectory:
    def get(self, ods_code: OdsCode) -> Organisation | None:
        row = m.Organisation.objects.filter(ods_code=ods_code.value).first()
        return None if row is None else _organisation_from_row(row)

    def save(self, organisation: Organisation) -> bool:
        _, created = m.Organisation.objects.update_or_create(
            ods_code=organisation.ods_code.value,
            defaults={
                "name": organisation.name,
                "mesh_mailbox": organisation.mesh_mailbox,
                "active": organisation.active,
            },
        )
        return created

    def get_user(self, email: str) -> OrganisationUser | None:
        row = m.OrganisationUser.objects.select_related("user").filter(user__username=email).first()
        if row is None:
            return None
        return OrganisationUser(
            email=row.user.username,
            ods_code=OdsCode(row.organisation_id),
            role=OrganisationRole(row.role),
            active=row.user.is_active,
        )

    def add_user(self, user: OrganisationUser, password: str) -> None:
        account = get_user_model().objects.create_user(username=user.email, email=user.email, password=password)
        account.is_active = user.active
        account.save(update_fields=["is_active"])
        m.OrganisationUser.objects.create(user=account, organisation_id=user.ods_code.value, role=user.role.value)

    def set_user_active(self, email: str, active: bool) -> bool:
        accounts = get_user_model().objects.filter(username=email, organisation_user__isnull=False)
        return bool(accounts.update(is_active=active))
