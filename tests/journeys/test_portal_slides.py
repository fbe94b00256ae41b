"""Journey: a teacher's slides from the portal, in Chromium (demo mode), seen on the board by her pupil's client.

Mme Durand has « Géométrie » with 4A in Salle 103 now; Léa's client (the world protocol) is in the room. From the
lesson's page she opens « Diapositives du tableau », sends a text file first (« ni un PDF ni une image » next to
the field), then a two-page PDF through the file input: the page lists pages 1 and 2 with their thumbnails, and
Léa's client gets both page backgrounds (the slides' hashes) and the board turned to the first; « Retirer » takes
page 2's off. The lesson ends: its page offers the board as it was then. Every page axe-clean at desktop and
phone sizes. Screenshots in var/journeys/<test>/.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from PIL import Image, ImageDraw

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol.classroom import PageBackground
from cybercollege.server.auth.ent.demo import DEMO_DIRECTORY
from cybercollege.server.classroom.lessons.feature import Lessons
from cybercollege.server.classroom.lessons.model import Checked
from cybercollege.server.edge.app import build
from cybercollege.server.persistence.records import utcnow
from cybercollege.server.portal.app import PORTAL
from tests.idp.chromium import chromium
from tests.idp.lemonldap import free_port
from tests.journeys.portal_axe import assert_accessible
from tests.server.conftest import make_settings
from tests.server.waits import until

WAIT = 30_000
BOARD = "tableau-103"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[TestServer]:
    port = free_port()
    server = TestServer(build(make_settings(tmp_path, port=port)), host="127.0.0.1", port=port)
    await server.start_server()
    yield server
    await server.close()


def two_slides(folder: Path) -> Path:
    """« Théorème de Pythagore »: a PDF of two pages, a red title page and a blue one."""
    pages = []
    for colour, text in (((200, 30, 30), "1. Pythagore"), ((30, 60, 200), "2. Exercices")):
        page = Image.new("RGB", (800, 600), "white")
        draw = ImageDraw.Draw(page)
        draw.rectangle((40, 40, 760, 560), outline=colour, width=12)
        draw.text((80, 80), text, fill=colour)
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:])
    path = folder / "pythagore.pdf"
    path.write_bytes(out.getvalue())
    return path


async def test_she_uploads_slides_from_the_portal_and_lea_sees_them(world: TestServer, shots: Path,
                                                                    tmp_path: Path) -> None:  # fmt: skip
    app = world.app
    url = str(world.make_url("")).rstrip("/")
    portal_world = app[PORTAL].world
    lessons = portal_world.features.get(Lessons)
    teacher = app[DEMO_DIRECTORY].users["mme.durand"]
    now = utcnow()
    lesson = await lessons.create(teacher, Checked("4A", "salle-103", now - timedelta(minutes=5),
                                                   now + timedelta(minutes=50), "Géométrie"))  # fmt: skip
    async with aiohttp.ClientSession() as http:
        lea = WorldConnection(http, url, await fetch_demo_token(http, url, "lea.martin"))
        await lea.connect()
        await lea.wait_for(lambda m: m.tick > 0 and m.members)
        backgrounds: list[Any] = []
        lea.mirror.listeners.append(lambda m: backgrounds.append(m) if isinstance(m, PageBackground) else None)
        room = portal_world.rooms["salle-103"]
        portal_world.move_to(portal_world.avatars[lea.mirror.me], room, room.spec.spawn_points[0])
        await lea.wait_for(lambda m: m.room == "salle-103" and BOARD in m.boards)

        async with chromium() as context:
            page = await context.new_page()
            page.set_default_timeout(WAIT)
            await page.goto(url + "/portal/")
            await page.get_by_role("link", name="Choisir un compte de démonstration").click()
            await page.get_by_role("button", name="Claire Durand").click()
            await page.wait_for_load_state()
            await page.goto(f"{url}/portal/lessons/{lesson.id}")
            await page.get_by_role("link", name="Diapositives du tableau de Salle 103 – Anglais").click()
            assert await page.get_by_role("heading", level=1).inner_text() == "Diapositives · Salle 103 – Anglais"
            assert await page.get_by_text("20 Mo et 30 pages au plus par envoi").is_visible()
            await assert_accessible(page, shots, "1-slides-empty")

            notes = tmp_path / "notes.txt"
            notes.write_text("Ceci n'est pas un PDF.", encoding="utf-8")
            await page.get_by_label("Fichier PDF ou images").set_input_files(str(notes))
            await page.get_by_role("button", name="Envoyer").click()
            await page.wait_for_load_state()
            error = page.locator("#files-error")
            assert "ni un PDF ni une image" in await error.inner_text()
            assert await page.get_by_label("Fichier PDF ou images").get_attribute("aria-invalid") == "true"
            await assert_accessible(page, shots, "2-not-a-pdf")
            assert not backgrounds  # nothing reached the board

            await page.get_by_label("Fichier PDF ou images").set_input_files(str(two_slides(tmp_path)))
            await page.get_by_role("button", name="Envoyer").click()
            await page.wait_for_load_state()
            assert await page.get_by_role("status").inner_text() == "2 diapositive(s) ajoutée(s) au tableau."
            thumbnails = page.get_by_role("img", name="Diapositive de la page")
            assert await thumbnails.count() == 2
            await until(lambda: len(backgrounds) == 2, "Léa's client gets both slides")
            assert [(b.page, len(b.sha256)) for b in backgrounds] == [(0, 64), (1, 64)]
            await lea.wait_for(lambda m: m.boards[BOARD].page == 0 and m.boards[BOARD].pages == 2)
            for img in await thumbnails.all():
                assert await img.evaluate("i => i.complete && i.naturalWidth > 0")  # the thumbnails load (CSP)
            await assert_accessible(page, shots, "3-two-slides")

            await page.get_by_role("button", name="Retirer la diapositive de la page 2").click()
            await page.wait_for_load_state()
            assert "Diapositive retirée" in await page.get_by_role("status").inner_text()
            await until(lambda: len(backgrounds) == 3 and backgrounds[-1].sha256 == "", "the slide off Léa's board")
            assert await page.get_by_role("img", name="Diapositive de la page").count() == 1
            await assert_accessible(page, shots, "4-one-slide")

            await page.get_by_role("link", name="Retour au cours « Géométrie »").click()
            ending = Checked("4A", "salle-103", lesson.start, utcnow() + timedelta(seconds=1), "Géométrie")
            await lessons.change(teacher, lesson, ending)
            await until(lambda: lesson.id not in lessons.running, "the lesson ended")
            await page.reload()
            link = page.get_by_role("link", name="Tableau de Salle 103 – Anglais à la fin du cours (PDF)")
            async with page.expect_download() as download:
                await link.click()
            saved = await (await download.value).path()
            assert Path(saved).read_bytes()[:5] == b"%PDF-"
            await assert_accessible(page, shots, "5-lesson-over")
        await lea.close()
