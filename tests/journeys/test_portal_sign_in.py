"""Journey: a teacher signs in to the web portal through the real identity provider and downloads an attendance.

Hélène (teacher of 4A and 3C here, of a class in another school too) opens the server's address in Debian's
Chromium, goes to the portal, picks her ENT, signs in on LemonLDAP::NG's own CAS login page, lands on « Mes
classes » (4A and 3C, not the other school's), downloads the attendance CSV of salle 103 where her pupil Zoé came
in, opens her invitations, and signs out. Every page passes axe-core's WCAG 2.1 AA check at desktop and phone sizes
with no Content-Security-Policy refusal. Screenshots in var/journeys/<test>/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection
from cybercollege.server.auth.ent.config import CasConfig
from cybercollege.server.config import Settings
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from tests.idp import lemonldap, people
from tests.idp.chromium import chromium
from tests.journeys.portal_axe import assert_accessible, csp_reports
from tests.journeys.providers import lemonldap_sign_in
from tests.server.conference.test_world_conference import into

ENT_NAME = "ENT de test (LemonLDAP::NG)"
WAIT = 30_000


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, CasConfig]]:
    port = lemonldap.free_port()
    portal = lemonldap.start_portal(tmp_path_factory.mktemp("llng"), f"http://127.0.0.1:{port}")
    yield port, CasConfig(id="llng-cas", name=ENT_NAME, protocol="cas", server_url=portal.cas_url)
    portal.stop()


@pytest.fixture
async def world(idp: tuple[int, CasConfig], tmp_path: Path) -> AsyncIterator[TestServer]:
    """The college with its ENT, demo mode off, serving the teachers' school."""
    port, ent = idp
    settings = Settings(port=port, public_url=f"http://127.0.0.1:{port}", demo=False, school_uai=people.SCHOOL_UAI,
                        database_url=f"sqlite+aiosqlite:///{tmp_path}/college.db", flush_interval=0.2)  # fmt: skip
    server = TestServer(build(settings, ents=[ent]), host="127.0.0.1", port=port)
    await server.start_server()
    yield server
    await server.close()


async def test_a_teacher_signs_in_and_downloads_her_class_attendance(world: TestServer, shots: Path) -> None:
    url = str(world.make_url("")).rstrip("/")
    services = world.app[SERVICES]
    zoe = Identity("llng-cas:zecuyer", "Zoé É.", Role.PUPIL, "llng-cas", people.SCHOOL_UAI, ("4A",))
    async with aiohttp.ClientSession() as http:
        pupil = WorldConnection(http, url, services.tokens.issue(zoe))
        await pupil.connect()
        try:
            await into(pupil, services, "salle-103")  # her stay is in the room's attendance
            await browse(url, shots)
        finally:
            await pupil.close()


async def browse(url: str, shots: Path) -> None:
    async with chromium() as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT)
        refused = csp_reports(page)

        await page.goto(url + "/")
        await assert_accessible(page, shots, "1-home")
        await page.get_by_role("link", name="Ouvrir le portail").click()

        await page.wait_for_url(url + "/portal/")
        await assert_accessible(page, shots, "2-sign-in")
        await page.get_by_role("link", name=f"Se connecter avec {ENT_NAME}").click()

        await page.wait_for_load_state()
        await page.screenshot(path=str(shots / "3-identity-provider.png"))
        assert not page.url.startswith(url)  # the password goes to the ENT's own page
        await lemonldap_sign_in(page, people.TEACHER)

        await page.wait_for_url(url + "/portal/classes")
        await assert_accessible(page, shots, "4-mes-classes")
        headings = await page.get_by_role("heading", level=2).all_inner_texts()
        assert headings == ["Classe 4A", "Classe 3C"]  # from her ENT profile, not the other school's 3EME B
        assert await page.get_by_text(f"Connecté·e : {people.TEACHER.display_name}").is_visible()
        link = page.get_by_role("link", name="Présences dans Salle 103 – Anglais (CSV)")
        async with page.expect_download() as info:
            await link.click()
        download = await info.value
        csv = Path(await download.path()).read_text(encoding="utf-8-sig")
        assert download.suggested_filename == "presence-salle-103.csv"
        assert csv.splitlines()[0].startswith("nom;rôle;arrivée")
        assert any(line.startswith("Zoé É.;élève;") for line in csv.splitlines())
        (shots / "4-attendance.csv").write_text(csv, encoding="utf-8")

        await page.get_by_role("link", name="Invitations").click()
        await page.wait_for_url(url + "/portal/invitations")
        await assert_accessible(page, shots, "5-invitations")

        await page.get_by_role("button", name="Se déconnecter").click()
        await page.wait_for_url(url + "/portal/?out=1")
        await assert_accessible(page, shots, "6-signed-out")
        assert await page.get_by_role("status").inner_text() != ""
        answer = await page.goto(url + "/portal/classes")
        assert answer is not None and page.url == url + "/portal/"  # signed out: back to the sign-in page
        assert refused == []
