"""Journey: who may not see the portal's teacher pages, in Chromium (demo mode, two schools).

A pupil who signs in gets « Réservé aux personnels » (403) on every teacher page; a guest of the partner class,
whose invitation token opens no teacher API (403), finds only the sign-in page; a teacher of another school, with
a class of the same name, is refused at sign-in with a page naming this collège and sees nothing of it; a POST
without the form's CSRF token is refused with a French page (403). Each refusal page passes axe-core's WCAG 2.1 AA
check at desktop and phone sizes. Screenshots in var/journeys/<test>/.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.server.auth.directory import DemoDirectory
from cybercollege.server.auth.ent.demo import DEMO_DIRECTORY
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.guests.feature import Guests
from cybercollege.server.guests.invitation import display_code
from tests.idp.chromium import chromium
from tests.idp.lemonldap import free_port
from tests.journeys.portal_axe import assert_accessible, csp_reports
from tests.server.conftest import make_settings

OTHER_UAI = "0150042X"
WAIT = 30_000


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[TestServer]:
    """Demo mode, plus a teacher of 4A in another school (Anne Autre)."""
    port = free_port()
    app = build(make_settings(tmp_path, port=port))
    directory = app[DEMO_DIRECTORY]
    other = replace(directory.users["mme.durand"], user_id="demo:mme.autre", display_name="Anne Autre",
                    school_uai=OTHER_UAI)  # fmt: skip
    users = directory.users | {"mme.autre": other}
    app[DEMO_DIRECTORY] = DemoDirectory(directory.school_uai, directory.school_name, users)
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    yield server
    await server.close()


async def sign_in(page, url: str, account: str) -> None:
    """The portal's demo button, then the account's button on the demo picker."""
    await page.goto(url + "/portal/")
    await page.get_by_role("link", name="Choisir un compte de démonstration").click()
    await page.get_by_role("button", name=account).click()
    await page.wait_for_load_state()


async def test_pupils_guests_and_other_schools_are_refused(world: TestServer, shots: Path) -> None:
    url = str(world.make_url("")).rstrip("/")
    async with chromium() as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT)
        refused = csp_reports(page)
        await sign_in(page, url, "Léa M.")
        assert await page.get_by_role("heading", level=1).inner_text() == "Réservé aux personnels"
        await assert_accessible(page, shots, "1-pupil-refused")
        for path in ("/portal/classes", "/portal/invitations"):
            answer = await page.goto(url + path)
            assert answer is not None and answer.status == 403
            assert await page.get_by_role("heading", level=1).inner_text() == "Réservé aux personnels"
        assert await page.get_by_text("Salle 103").count() == 0
        assert refused == []

    guest_token = await a_guest(world)
    async with chromium(locale="de-DE") as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT)
        api = await page.request.get(url + "/api/rooms/salle-103/attendance.csv",
                                     headers={"Authorization": f"Bearer {guest_token}"})  # fmt: skip
        assert api.status == 403
        await page.goto(url + "/portal/classes")
        assert page.url == url + "/portal/"  # not signed in: the sign-in page, in her browser's German
        assert await page.get_by_role("heading", level=1).inner_text() == "Am Portal anmelden"
        await assert_accessible(page, shots, "2-guest-sign-in-de")

    async with chromium() as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT)
        await sign_in(page, url, "Anne Autre")  # refused at sign-in: this collège serves another school
        assert await page.get_by_role("heading", level=1).inner_text() == "Connexion impossible"
        assert await page.get_by_text("Ici, c'est le collège virtuel « Collège Jean Moulin »").is_visible()
        assert await page.get_by_text("appartient à un autre établissement").is_visible()
        assert await page.locator("header.top").get_by_role("link", name="Cybercollège").count() == 1  # the header
        back = page.get_by_role("link", name="Retour au portail")
        assert await back.is_visible() and await back.get_attribute("href") == "/portal/"
        await assert_accessible(page, shots, "3-other-school-refused")
        await page.goto(url + "/portal/classes")
        assert page.url == url + "/portal/"  # never signed in: the sign-in page
        assert await page.get_by_text("Classe 4A").count() == 0
        csv = await page.request.get(url + "/api/rooms/salle-103/attendance.csv")  # with her cookie
        assert csv.status == 401

    async with chromium() as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT)
        await sign_in(page, url, "Claire Durand")
        assert page.url == url + "/portal/classes"
        await page.evaluate("""() => {
            const field = document.querySelector('form.signout input[name=csrf]');
            field.value = 'forged';
        }""")  # a form whose token is not the session's, as a forged page would post it
        await page.get_by_role("button", name="Se déconnecter").click()
        await page.wait_for_load_state()
        assert await page.get_by_role("heading", level=1).inner_text() == "Demande refusée"
        await assert_accessible(page, shots, "4-csrf-refused")
        answer = await page.goto(url + "/portal/classes")
        assert answer is not None and answer.status == 200  # still signed in: the forged POST did nothing


async def a_guest(world: TestServer) -> str:
    """A guest of the Köln class, signed in with her invitation code (her token, as the guest page holds it)."""
    services = world.app[SERVICES]
    teacher = services.directory.identity("mme.durand")
    guests = services.world.features.get(Guests)
    _invitation, code = guests.book.create(teacher, partner_school="Gymnasium Köln", country="Allemagne",
                                           language="de", room="salle-103", classes=("4A",), valid_from=time.time(),
                                           valid_until=time.time() + 3600, max_guests=5)  # fmt: skip
    async with aiohttp.ClientSession() as http:
        answer = await http.post(str(world.make_url("/auth/guest")), json={"code": display_code(code), "name": "Lena"})
        assert answer.status == 200
        return (await answer.json())["access_token"]
