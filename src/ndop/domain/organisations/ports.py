"""Ports of the organisations feature: the directory of organisations and their users."""

from __future__ import annotations

from typing import Protocol

from ndop.domain.organisations.accounts import OdsCode, Organisation, OrganisationUser


class OrganisationDirectory(Protocol):
    def get(self, ods_code: OdsCode) -> Organisation | None: ...

    def save(self, organisation: Organisation) -> bool:
        """Insert or replace; True when it was new."""
        ...

    def get_user(self, email: str) -> OrganisationUser | None: ...

    def add_user(self, user: OrganisationUser, password: str) -> None:
        """Create the user's account; the adapter stores only a salted hash of `password`."""
        ...

    def set_user_active(self, email: str, active: bool) -> bool:
        """False when there is no such user."""
        ...
