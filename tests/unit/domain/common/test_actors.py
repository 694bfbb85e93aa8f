from __future__ import annotations

import pytest

from ndop.domain.common.actors import PATIENT_ONLINE, Actor, ActorKind

# Each kind's stored form: the strings audit rows, choice events and check jobs have always held.
STORED = [
    (PATIENT_ONLINE, "patient:online"),
    (Actor.proxy("online"), "proxy:online"),
    (Actor.staff_user("7"), "staff:7"),
    (Actor.operator("alice"), "cli:alice"),
    (Actor.organisation_user("ann@example.nhs.uk"), "ann@example.nhs.uk"),
    (Actor.organisation_api_key("RX1"), "api:RX1"),
    (Actor.organisation_mailbox("RX1OT001"), "mesh:RX1OT001"),
    (Actor.system_job("demo"), "system:demo"),
    (Actor.system(), "system"),
    (Actor.background_job("statistics.monthly"), "job:statistics.monthly"),
    (Actor.anonymous(), "anonymous"),
]


@pytest.mark.parametrize(("actor", "stored"), STORED)
def test_actor_stored_form_and_back(actor: Actor, stored: str) -> None:
    assert str(actor) == stored
    assert Actor.parse(stored) == actor


def test_actor_kinds_all_have_a_stored_form() -> None:
    assert {actor.kind for actor, _ in STORED} == set(ActorKind)


def test_actor_through_a_channel_names_the_channel() -> None:
    upload = Actor.organisation_user("ann@example.nhs.uk").through("web")
    assert str(upload) == "web:ann@example.nhs.uk"
    assert Actor.parse("web:ann@example.nhs.uk") == upload
    assert upload.through("web") == upload
    # The channels whose actors' stored form names them already are left as they are.
    for actor, channel in [(Actor.operator("alice"), "cli"), (Actor.organisation_api_key("RX1"), "api"),
                           (Actor.organisation_mailbox("RX1OT001"), "mesh")]:
        assert actor.through(channel) == actor


def test_actor_anonymous_has_no_name() -> None:
    with pytest.raises(ValueError):
        Actor(ActorKind.ANONYMOUS, "someone")
