"""Contact-centre staff and what each role may do.

Roles are separate so that the person who records a proxy's choice can never also be the one who verifies
the proxy's evidence (the four-eyes rule, see `cases.py`), and so that managing accounts is a job apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Final

from ndop.domain.common.actors import Actor
from ndop.domain.common.errors import DomainError

# Sign-in policy: NHS staff-facing systems lock after repeated failures and end idle sessions.
MAX_FAILED_SIGN_INS: Final = 5
IDLE_TIMEOUT: Final = timedelta(minutes=15)
MINIMUM_PASSWORD_LENGTH: Final = 12

_USERNAME: Final = re.compile(r"^[a-z][a-z0-9.\-]{2,39}$")


class InvalidStaff(DomainError):
    code = "invalid_staff"


class NotPermitted(DomainError):
    code = "not_permitted"


class StaffRole(StrEnum):
    AGENT = "agent"  # find people, record choices, process forms
    APPROVER = "approver"  # verify proxy evidence
    ADMIN = "admin"  # manage staff accounts


@dataclass(frozen=True, slots=True)
class StaffMember:
    username: str
    display_name: str
    roles: frozenset[StaffRole]
    active: bool = True
    failed_sign_ins: int = 0

    @property
    def locked(self) -> bool:
        return self.failed_sign_ins >= MAX_FAILED_SIGN_INS

    def has(self, role: StaffRole) -> bool:
        return self.active and not self.locked and role in self.roles

    def require(self, role: StaffRole) -> None:
        if not self.has(role):
            raise NotPermitted(f"You need the {role.value} role to do this.", code=f"needs_{role.value}")

    @property
    def actor(self) -> Actor:
        """How the audit trail and the choice history name this person (stored as `staff:USERNAME`)."""
        return Actor.staff_user(self.username)


def normalise_username(text: str) -> str:
    username = text.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidStaff(
            "A username is 3 to 40 lower-case letters, digits, dots or hyphens, starting with a letter."
        )
    return username


def parse_roles(values: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[StaffRole]:
    roles: set[StaffRole] = set()
    for value in values:
        try:
            roles.add(StaffRole(value.strip().lower()))
        except ValueError:
            raise InvalidStaff("A role is agent, approver or admin.") from None
    if not roles:
        raise InvalidStaff("Give the account at least one role: agent, approver or admin.")
    return frozenset(roles)


def check_display_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > 100:
        raise InvalidStaff("Enter the person's name (at most 100 characters).")
    return name


def check_password(password: str) -> None:
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise InvalidStaff(f"A password must be at least {MINIMUM_PASSWORD_LENGTH} characters long.")
