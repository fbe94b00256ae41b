"""Journey: the school's administrator exports then erases a pupil's data (chat lines, places, attendance, audit
entries keep only what the law requires); the pupil's next sign-in starts fresh; the erasure is audited.

Zoé (a pupil of 4A) signs in through LemonLDAP::NG's CAS page in Chromium (the desktop login, client/login.py),
comes into the college with client/network.py, walks to salle 103 and chats there, and leaves. Her family asks
for her data, then for its erasure: Jérôme Brun, the school's director, signs in to the portal through the same
ENT, reads « Établissement », finds Zoé in « Données personnelles », downloads her data as JSON, erases it after
the confirmation that names her, and finds the erasure in the audit log. Zoé signs in again: she starts at the
entrance with no place and no history. Every new page passes axe-core's WCAG 2.1 AA check at desktop and phone
sizes with no Content-Security-Policy refusal. Screenshots in var/journeys/<test>/.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.login import login
from cybercollege.client.network import WorldConnection
from cybercollege.server.auth.ent.config import CasConfig
from cybercollege.server.config import Settings
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES, Services
from cybercollege.server.privacy import Privacy
from tests.idp import lemonldap, people
from tests.idp.chromium import chromium
from tests.journeys.portal_axe import assert_accessible, csp_reports
from tests.journeys.providers import lemonldap_sign_in
from tests.server.conference.test_world_conference import into
from tests.server.waits import HANG, answered, until

ENT_ID = "llng-cas"
ENT_NAME = "ENT de test (LemonLDAP::NG)"
WAIT = 30_000
WORDS = ("Bonjour la 4A, c'est Zoé", "On se retrouve au CDI ?")


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, CasConfig]]:
    port = lemonldap.free_port()
    portal = lemonldap.start_portal(tmp_path_factory.mktemp("llng"), f"http://127.0.0.1:{port}")
    yield port, CasConfig(id=ENT_ID, name=ENT_NAME, protocol="cas", server_url=portal.cas_url)
    portal.stop()


@pytest.fixture
async def world(idp: tuple[int, CasConfig], tmp_path: Path) -> AsyncIterator[TestServer]:
    """The college with its ENT, demo mode off, serving the school of Zoé and her director."""
    port, ent = idp
    settings = Settings(port=port, public_url=f"http://127.0.0.1:{port}", demo=False, school_uai=people.SCHOOL_UAI,
                        database_url=f"sqlite+aiosqlite:///{tmp_path}/college.db", flush_interval=0.2)  # fmt: skip
    server = TestServer(build(settings, ents=[ent]), host="127.0.0.1", port=port)
    await server.start_server()
    yield server
    await server.close()


async def pupil_signs_in(url: str, shots: Path, step: str) -> str:
    """Zoé's desktop login: Chromium on LemonLDAP::NG's CAS page, back to the loopback page; her access token."""
    loop = asyncio.get_running_loop()
    done: list[Any] = []

    async def browse(address: str) -> None:
        async with chromium() as context:
            page = await context.new_page()
            page.set_default_timeout(WAIT)
            await page.goto(address)
            await page.wait_for_selector("input[name=user]")
            await page.screenshot(path=str(shots / f"{step}-pupil-identity-provider.png"))
            await lemonldap_sign_in(page, people.PUPIL)
            await page.wait_for_url("http://127.0.0.1:*/cb*")
            await page.screenshot(path=str(shots / f"{step}-pupil-signed-in.png"))

    def open_browser(address: str) -> bool:
        done.append(asyncio.run_coroutine_threadsafe(browse(address), loop))
        return True

    tokens = await login(url, open_browser=open_browser, ent=ENT_ID, timeout=60)
    await asyncio.wrap_future(done[0])
    return tokens.access_token


async def pupil_plays(http: aiohttp.ClientSession, url: str, token: str, services: Services) -> str:
    """Zoé comes in, moves, walks to salle 103, chats there and leaves; her user id."""
    zoe = WorldConnection(http, url, token)
    welcome = await zoe.connect()
    assert welcome.room == services.world.spec.spawn_room  # her first visit
    user_id = services.world.avatars[welcome.you.id].identity.user_id
    await zoe.move(welcome.you.x / 100 + 0.3, welcome.you.y / 100)  # a step into the hall (metres)
    await into(zoe, services, "salle-103")
    for words in WORDS:
        await zoe.say(words)
    await zoe.wait_for(lambda m: [c.text for c in m.chat] == list(WORDS), HANG)
    await zoe.close()
    await until(lambda: user_id not in services.world.by_user, "Zoé leaving the world")
    assert await services.writer.flush()
    return user_id


async def test_the_administrator_exports_then_erases_a_pupils_data(world: TestServer, shots: Path) -> None:
    url = str(world.make_url("")).rstrip("/")
    services = world.app[SERVICES]
    async with aiohttp.ClientSession() as http:
        zoe = await pupil_plays(http, url, await pupil_signs_in(url, shots, "1"), services)
        before = await Privacy.of(services.world, services.writer).export(zoe)
        assert before["data"]["database"]["place"]["room_id"] == "salle-103"

        async def she_comes_back() -> None:
            """Zoé signs in again after the erasure: the entrance, no history."""
            again = WorldConnection(http, url, await pupil_signs_in(url, shots, "9"))
            welcome = await again.connect()
            await answered(again)  # anything the server had to say on arrival has arrived
            assert welcome.room == services.world.spec.spawn_room  # no place: she starts at the entrance
            assert again.mirror.chat == []  # and no history
            await again.close()
            await until(lambda: zoe not in services.world.by_user, "Zoé leaving the world")
            assert await services.writer.flush()

        await administrator(url, shots, zoe, she_comes_back)
    after = await Privacy.of(services.world, services.writer).export(zoe)
    events = [event["event"] for event in after["data"]["database"]["audit"]]
    assert events[0] == "user_forgotten" and "data_exported" not in events  # the proof, then today's sign-in
    assert after["data"]["database"]["chat"] == []
    assert [stay["room_id"] for stay in after["data"]["attendance"]] == ["hall"]  # today's stay only


async def administrator(url: str, shots: Path, zoe: str, she_comes_back: Callable[[], Awaitable[None]]) -> None:
    """Jérôme Brun answers the family in the portal: the school, the search, the export, the erasure, the log;
    once Zoé has come back, her page shows only today's visit and the proof."""
    async with chromium() as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT)
        refused = csp_reports(page)

        await page.goto(url + "/portal/")
        await page.get_by_role("link", name=f"Se connecter avec {ENT_NAME}").click()
        await page.wait_for_load_state()
        await page.screenshot(path=str(shots / "2-identity-provider.png"))
        await lemonldap_sign_in(page, people.STAFF)
        await page.wait_for_url(url + "/portal/classes")
        assert await page.get_by_text(f"Connecté·e : {people.STAFF.display_name}").is_visible()

        await page.get_by_role("link", name="Établissement", exact=True).click()
        await page.wait_for_url(url + "/portal/school")
        await assert_accessible(page, shots, "3-school")
        ents = page.get_by_role("region", name="ENT connectés")
        assert await ents.get_by_role("rowheader", name=ENT_NAME).is_visible()
        assert "secret" not in (await ents.inner_text()).lower()
        assert await page.get_by_role("rowheader", name="Salle 103 – Anglais").is_visible()

        await page.get_by_role("link", name="Données personnelles", exact=True).click()
        await page.get_by_label("Nom ou identifiant").fill("Zoé")
        await page.get_by_role("button", name="Chercher").click()
        await page.wait_for_url(url + "/portal/privacy?q=*")
        await assert_accessible(page, shots, "4-privacy-search")
        await page.get_by_role("link", name=people.PUPIL.display_name).click()
        await page.wait_for_url(url + "/portal/privacy/person?*")
        await assert_accessible(page, shots, "5-person")

        async with page.expect_download() as info:
            await page.get_by_role("button", name="Télécharger ses données (JSON)").click()
        download = await info.value
        data = json.loads(Path(await download.path()).read_text(encoding="utf-8"))
        (shots / "5-export.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        held = data["data"]
        assert data["user_id"] == zoe and data["name"] == people.PUPIL.display_name
        assert [line["text"] for line in held["database"]["chat"]] == list(WORDS)
        assert held["database"]["place"]["room_id"] == "salle-103"
        assert {"join", "leave"} <= {event["event"] for event in held["database"]["audit"]}
        assert [stay["room_id"] for stay in held["attendance"]] == ["hall", "salle-103"]
        assert set(data["kept"]) == set(held)

        await page.get_by_role("link", name="Effacer ses données…").click()
        await page.wait_for_url(url + "/portal/privacy/erase?*")
        await assert_accessible(page, shots, "6-confirm")
        name = people.PUPIL.display_name
        assert await page.get_by_role("heading", name=f"Effacer les données de {name} ?").is_visible()
        await page.get_by_role("button", name=f"Effacer définitivement les données de {name}").click()
        await page.wait_for_url(url + "/portal/privacy/erase")
        await assert_accessible(page, shots, "7-erased")
        assert "Tout a été effacé" in await page.get_by_role("status").inner_text()

        await page.get_by_role("link", name="Voir la preuve de l'effacement dans le journal").click()
        await page.wait_for_url(url + "/portal/audit?*")
        await assert_accessible(page, shots, "8-audit")
        rows = await page.locator("tbody tr").all_inner_texts()
        assert len(rows) == 1 and "user_forgotten" in rows[0]  # only the proof stays
        staff_id = f"{ENT_ID}:LLNG-{people.STAFF.login.upper()}"  # his ENTPersonJointure (tests/idp/lemonldap.py)
        assert "by=portal:" in rows[0] and "chat=2" in rows[0] and WORDS[0] not in rows[0]
        assert f"by=portal:{staff_id}" in rows[0]

        await she_comes_back()
        await page.goto(url + f"/portal/privacy/person?user={quote(zoe)}")
        await page.screenshot(path=str(shots / "10-person-after-her-return.png"), full_page=True)
        held = dict(zip(await page.locator("tbody th").all_inner_texts(),
                        await page.locator("tbody td").all_inner_texts(), strict=True))  # fmt: skip
        assert held["Dernière place"] == "1" and held["Messages du chat"] == "0"  # today's place, no chat
        assert held["Présences dans les salles"] == "1"  # today's stay in the hall
        assert refused == []
