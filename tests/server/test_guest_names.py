"""A guest cannot take the name of a member of the school (issue 12), and partner teachers keep theirs."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.protocol.invitation import Admit
from cybercollege.protocol.limits import MAX_NAME_CHARS
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.edge.services import Services
from cybercollege.server.guests.names import impersonation, skeleton
from tests.server.conftest import Connect
from tests.server.test_invitation import guest, invite
from tests.server.test_teacher import in_room

MEMBERS = ["Claire Durand", "Léa M.", "Hugo M.", "Antoine Leroy"]


@pytest.mark.parametrize(
    "name",
    ["Claire Durand", "claire durand", "Professeur Durand", "Ｍme Ｄurand", "Clаire Durand", "Lеa Martin",
     "Madame Claire Durand", "Léa M"],
)  # fmt: skip
def test_names_that_look_like_a_member_are_refused(name: str) -> None:
    assert impersonation(name, MEMBERS) is not None


@pytest.mark.parametrize("name", ["Frau Schmidt", "Jonas", "Claire", "Lea", "Aiko", "Herr Müller", "Léa Dupont"])
def test_partner_teachers_and_pupils_keep_their_names(name: str) -> None:
    assert impersonation(name, MEMBERS) is None


def test_skeletons_fold_width_case_accents_and_look_alikes() -> None:
    assert skeleton("Ｍme Ｄurand") == skeleton("mme durand") == "mme durand"
    assert skeleton("Lеa") == skeleton("Léa") == "lea"  # a Cyrillic е, an accent


async def test_a_guest_calling_herself_like_the_teacher_is_told_why(
    server: TestServer, http: aiohttp.ClientSession, connect: Connect
) -> None:
    await connect("mme.durand")  # Claire Durand is in the college now
    _, made = await invite(http, server)
    status, body = await guest(http, server, made["code"], "Professeur Durand")
    assert (status, body["error"]) == (400, "guest_name_impersonates") and "choisissez" in body["message"]
    status, body = await guest(http, server, made["code"], "Frau Schmidt")
    assert status == 200 and body["name"] == "Frau Schmidt"


async def test_everyone_sees_a_guest_with_her_partner_school(
    server: TestServer, http: aiohttp.ClientSession, connect: Connect, services: Services
) -> None:
    """In the people list, above her avatar and on her chat lines: "Frau Schmidt · Gesamtschule Köln"."""
    shown = shown_name = "Frau Schmidt · Gesamtschule Köln"
    teacher = await connect("mme.durand")
    await in_room(teacher, services, "amphi")
    _, made = await invite(http, server)
    _, login = await guest(http, server, made["code"], "Frau Schmidt")
    schmidt = await connect("", token=login["access_token"])
    assert schmidt.mirror.members[schmidt.mirror.me].name == shown_name  # herself, in the lobby
    await teacher.send(Admit([]))
    await schmidt.wait_for(lambda m: m.room == "amphi")
    await teacher.wait_for(lambda m: shown in [p.name for p in m.members.values()])
    await schmidt.say("Guten Tag !")
    await teacher.wait_for(lambda m: any(c.text == "Guten Tag !" for c in m.chat))
    assert next(c for c in teacher.mirror.chat if c.text == "Guten Tag !").name == shown


def test_a_long_school_name_is_cut_to_fit_beside_the_name() -> None:
    guest = Identity("guest:x", "Jonas", Role.GUEST, "invitation", affiliation="Gymnasium " + "sehr lang " * 10)
    assert guest.shown_name.startswith("Jonas · Gymnasium sehr lang") and guest.shown_name.endswith("…")
    assert len(guest.shown_name) == MAX_NAME_CHARS
    assert Identity.from_claims(guest.to_claims()) == guest  # the school travels in the token
