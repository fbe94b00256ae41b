"""A guest cannot take the name of a member of the school (issue 12), and partner teachers keep theirs."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.server.guests.names import impersonation, skeleton
from tests.server.conftest import Connect
from tests.server.test_invitation import guest, invite

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
