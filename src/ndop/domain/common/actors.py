"""Who acts: the typed actor every use-case is given, and the name the audit trail stores for it.

An actor is a kind and a name. Its stored form (`str(actor)`) is the string audit rows, choice events
and check jobs have always carried, so rows written before the type existed read the same:

| kind | stored form | who |
|---|---|---|
| patient | `patient:online` | the person, for themselves (`online`: the patient online service) |
| proxy | `proxy:HOW` | someone acting for the person with formal powers, by themselves |
| staff user | `staff:ID` | NHS staff (the contact centre) |
| operator | `cli:LOGIN` | a registry operator at the `ndop` command line |
| organisation user | `EMAIL` | someone signed in to the organisation pages |
| organisation API key | `api:ODS` | an organisation's API client (the key's organisation) |
| organisation mailbox | `mesh:MAILBOX` | an organisation's MESH mailbox |
| system job | `system:NAME`, `system` | the registry itself (`ndop demo`; `system` when unnamed) |
| background job | `job:NAME` | a job run by `ndop worker` (the monthly statistics) |
| anonymous | `anonymous` | someone not signed in (a failed sign-in) |

`through(channel)` names an actor by the channel they came through, `CHANNEL:NAME`: a check job names
its requester so (`web:EMAIL` for an organisation user's upload; for the others it is their stored form).
No actor carries a patient's name, NHS number or contact details.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final


class ActorKind(StrEnum):
    PATIENT = "patient"
    PROXY = "proxy"
    STAFF_USER = "staff_user"
    OPERATOR = "operator"
    ORGANISATION_USER = "organisation_user"
    ORGANISATION_API_KEY = "organisation_api_key"
    ORGANISATION_MAILBOX = "organisation_mailbox"
    SYSTEM_JOB = "system_job"
    BACKGROUND_JOB = "background_job"
    ANONYMOUS = "anonymous"


# The stored form's prefix for each kind ("" for an organisation user: the bare email).
_PREFIX: Final[dict[ActorKind, str]] = {
    ActorKind.PATIENT: "patient",
    ActorKind.PROXY: "proxy",
    ActorKind.STAFF_USER: "staff",
    ActorKind.OPERATOR: "cli",
    ActorKind.ORGANISATION_USER: "",
    ActorKind.ORGANISATION_API_KEY: "api",
    ActorKind.ORGANISATION_MAILBOX: "mesh",
    ActorKind.SYSTEM_JOB: "system",
    ActorKind.BACKGROUND_JOB: "job",
}
_KIND_OF_PREFIX: Final = {prefix: kind for kind, prefix in _PREFIX.items() if prefix}
_ANONYMOUS: Final = "anonymous"
_WEB: Final = "web"  # the one channel whose name differs from its actors' prefix (organisation users)


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    name: str = ""
    via: str = ""  # the channel the actor is named by, when it is (see `through`)

    def __post_init__(self) -> None:
        if self.kind is ActorKind.ANONYMOUS and (self.name or self.via):
            raise ValueError("an anonymous actor has no name")

    def __str__(self) -> str:
        if self.via:
            return f"{self.via}:{self.name}"
        if self.kind is ActorKind.ANONYMOUS:
            return _ANONYMOUS
        prefix = _PREFIX[self.kind]
        if not prefix:
            return self.name
        return f"{prefix}:{self.name}" if self.name else prefix

    def through(self, channel: str) -> Actor:
        """The actor as named by `channel` (`web:ann@example.nhs.uk`). Itself when that is its stored form
        already (`cli:LOGIN` through `cli`, `api:ODS` through `api`, `mesh:MAILBOX` through `mesh`)."""
        named = replace(self, via=channel)
        return self if str(named) == str(self) else named

    @classmethod
    def parse(cls, stored: str) -> Actor:
        """The actor a stored form names (the inverse of `str`, `through("web")` included)."""
        if stored == _ANONYMOUS:
            return cls(ActorKind.ANONYMOUS)
        if stored in _KIND_OF_PREFIX:  # a kind's bare prefix: `system`
            return cls(_KIND_OF_PREFIX[stored])
        prefix, colon, name = stored.partition(":")
        if colon and prefix in _KIND_OF_PREFIX:
            return cls(_KIND_OF_PREFIX[prefix], name)
        if colon and prefix == _WEB:
            return cls(ActorKind.ORGANISATION_USER, name, via=_WEB)
        return cls(ActorKind.ORGANISATION_USER, stored)

    # -- one constructor per kind ---------------------------------------------------------------

    @classmethod
    def patient(cls, how: str = "online") -> Actor:
        return cls(ActorKind.PATIENT, how)

    @classmethod
    def proxy(cls, how: str = "online") -> Actor:
        return cls(ActorKind.PROXY, how)

    @classmethod
    def staff_user(cls, staff_id: str) -> Actor:
        return cls(ActorKind.STAFF_USER, staff_id)

    @classmethod
    def operator(cls, login: str) -> Actor:
        return cls(ActorKind.OPERATOR, login)

    @classmethod
    def organisation_user(cls, email: str) -> Actor:
        return cls(ActorKind.ORGANISATION_USER, email)

    @classmethod
    def organisation_api_key(cls, ods_code: str) -> Actor:
        return cls(ActorKind.ORGANISATION_API_KEY, ods_code)

    @classmethod
    def organisation_mailbox(cls, mailbox: str) -> Actor:
        return cls(ActorKind.ORGANISATION_MAILBOX, mailbox)

    @classmethod
    def system_job(cls, name: str) -> Actor:
        return cls(ActorKind.SYSTEM_JOB, name)

    @classmethod
    def system(cls) -> Actor:
        """The registry itself, unnamed (stored as `system`)."""
        return cls(ActorKind.SYSTEM_JOB)

    @classmethod
    def background_job(cls, name: str) -> Actor:
        return cls(ActorKind.BACKGROUND_JOB, name)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(ActorKind.ANONYMOUS)


# Who the audit trail names when a verified person acts for themselves online.
PATIENT_ONLINE: Final = Actor.patient("online")
