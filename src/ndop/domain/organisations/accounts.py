"""Organisations that uphold the opt-out, and the people who act for them.

An organisation is identified by its ODS code (Organisation Data Service). Its users sign in to
check lists of NHS numbers or to keep the register of its data flows; each has one role, so that
someone who only uploads lists cannot change the organisation's compliance evidence, and the reverse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ndop.domain.common.errors import DomainError

# ODS codes are 3 to 10 upper-case letters and digits (e.g. X26, RR8, A81001, 8HV48).
_ODS_CODE: Final = re.compile(r"^[A-Z0-9]{3,10}$")
# Enough to refuse typing mistakes; the mailbox owner's reply is the real proof of an address.
_EMAIL: Final = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class InvalidOrganisation(DomainError):
    code = "invalid_organisation"


@dataclass(frozen=True, slots=True, order=True)
class OdsCode:
    value: str

    def __post_init__(self) -> None:
        if not _ODS_CODE.match(self.value):
            raise InvalidOrganisation(
                "An ODS code is 3 to 10 capital letters and digits, for example RR8 or A81001."
            )

    @classmethod
    def parse(cls, text: str) -> OdsCode:
        return cls(text.strip().upper())

    def __str__(self) -> str:
        return self.value


class OrganisationRole(StrEnum):
    """What a signed-in organisation user may do."""

    CHECKER = "checker"  # upload lists of NHS numbers and download the cleaned lists
    IG_LEAD = "ig_lead"  # keep the register of the organisation's data flows


@dataclass(frozen=True, slots=True)
class Organisation:
    ods_code: OdsCode
    name: str
    mesh_mailbox: str = ""
    active: bool = True

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidOrganisation("Enter the organisation's name (at most 200 characters).")
        if self.mesh_mailbox and not re.match(r"^[A-Z0-9]{3,20}$", self.mesh_mailbox):
            raise InvalidOrganisation("A MESH mailbox id is up to 20 capital letters and digits, e.g. X26HC065.")


@dataclass(frozen=True, slots=True)
class OrganisationUser:
    email: str
    ods_code: OdsCode
    role: OrganisationRole
    active: bool = True


def normalise_email(text: str) -> str:
    """Emails are compared without case and surrounding space; refuse what cannot be an address."""
    email = text.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidOrganisation("Enter an email address in the correct format, like name@example.nhs.uk.")
    return email
