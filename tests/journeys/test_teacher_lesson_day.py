"""Journey of issue 14, as one story: a teacher's lesson day in the portal, from scheduling to the board's PDF.

Hélène (teacher of 4A) signs in to the portal in Debian's Chromium through LemonLDAP::NG's own CAS page and
schedules « Mathématiques » for 4A in Salle 103, now (test_teacher_schedules_lesson.schedule). From the lesson's
page she opens « Inviter une classe partenaire à ce cours »: the form proposes the lesson's room, class and time;
she names Gymnasium Köln and creates the invitation. The lesson happens: Léa's Panda3D client (offscreen) walks
into Salle 103 by its arrow keys, Hugo's scripted client (client/network.py, as the bots connect) comes in and
later leaves; the Köln teacher opens the invitation's link in another browser, waits, and Hélène admits her from
the portal's lobby page; Hélène, at the board, draws three strokes (acknowledged), then records a few seconds
from the amphitheatre (real aiortc peers: test_portal_lobby.record_a_few_seconds).

Afterwards, on the lesson's page: Léa and Hugo in the attendance with their arrival and departure times; the
recording listed there plays in the page (readyState >= 2, currentTime advances) and downloads whole; the
board's PDF is a real PDF whose page, rasterised, has the three strokes' ink. Every page passes axe-core's WCAG
2.1 AA check at desktop and phone sizes, with no Content-Security-Policy refusal. Screenshots in
var/journeys/<test>/.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pypdfium2
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.server.conference import archive
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.portal.app import PORTAL
from tests.client.helpers import until as client_until
from tests.client.sessions import in_world, start, stop
from tests.client.test_invitation_card import window_size
from tests.idp.chromium import chromium
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot
from tests.journeys.portal_axe import assert_accessible, csp_reports
from tests.journeys.test_portal_lobby import BROWSER_ARGS, GUEST, PARTNER, loopback_ice, record_a_few_seconds, world
from tests.journeys.test_portal_sign_in import idp
from tests.journeys.test_teacher_schedules_lesson import PARIS, schedule
from tests.server.conference.test_world_conference import into

__all__ = ["idp", "loopback_ice", "world"]  # fixtures: LemonLDAP::NG, loopback ICE, the college with its SFU

WAIT = 60_000  # ms, the browser's waits (generous: the machine's two cores are shared)
ROOM, BOARD = "salle-103", "tableau-103"
ZIGZAGS = [[x for i in range(8) for x in (1500 + 2500 * k + 250 * i, 900 + 900 * (i % 2))] for k in range(3)]


async def test_a_teacher_schedules_invites_holds_and_follows_up_her_lesson(
    base: Any, driver: Any, world: TestServer, http: aiohttp.ClientSession, shots: Path, tmp_path: Path
) -> None:
    url = str(world.make_url("")).rstrip("/")
    async with chromium(extra_args=BROWSER_ARGS) as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT)
        refused = csp_reports(page)
        await schedule(page, url, shots)  # signed in through LemonLDAP::NG; shots 1-4
        lesson = page.url.split("?")[0]  # its page, without the « programmé » notice
        link = await invite_the_partner_class(page, url, shots)

        lea, task = await start(base, http, driver, url, "lea.martin", tmp_path)
        try:
            with window_size(base, 960, 540):
                await in_world(lea)
                await keyboard.go_to_room(lea, ROOM)
                await save_shot(base, shots / "07-lea-in-salle-103.png")
                hugo = await hugo_comes_in(world, http, url)
                try:
                    await admit_the_guest(context, page, url, link, shots)
                    await draw_on_the_board(world, http, url)
                    board = lea.conn.mirror.boards
                    await client_until(lambda: BOARD in board and len(board[BOARD].items) == 3,
                                       what="the three strokes on Léa's board")  # fmt: skip
                    await keyboard.frames(base, 10)
                    await save_shot(base, shots / "11-lea-sees-the-board.png")
                finally:
                    await hugo.close()  # Hugo leaves before the end
            await page.goto(lesson)
            await reads_the_attendance(page, shots)
        finally:
            await stop(lea, task)
        host = await record_a_few_seconds(world, http, url)
        await plays_and_downloads_the_recording(page, lesson, shots, tmp_path / "recordings", host)
        await downloads_the_board(page, lesson, shots)
        assert refused == []


async def invite_the_partner_class(page: Any, url: str, shots: Path) -> str:
    """From the lesson's page, the invitation form for it (its room, class and time proposed); the guests' link."""
    await page.get_by_role("link", name="Inviter une classe partenaire à ce cours").click()
    await page.wait_for_url(url + "/portal/invitations/new?lesson=*")
    await assert_accessible(page, shots, "05-invitation-for-the-lesson")
    assert "Pour le cours « Mathématiques » de la 4A" in await page.locator("main").inner_text()
    assert await page.get_by_label("Salle", exact=True).input_value() == ROOM
    assert await page.get_by_label("4A").is_checked()
    await page.get_by_label("Établissement partenaire").fill(PARTNER)
    await page.get_by_label("Pays").fill("Allemagne")
    await page.get_by_label("Langue de la classe partenaire").select_option("de")
    await page.get_by_role("button", name="Créer l'invitation").click()
    await page.wait_for_selector("#invitation-code")
    link = await page.inner_text("#invitation-link")
    assert link.startswith(f"{url}/invite/")
    await assert_accessible(page, shots, "06-the-invitation")
    return link


async def hugo_comes_in(world: TestServer, http: aiohttp.ClientSession, url: str) -> WorldConnection:
    """Hugo's scripted client (a demo sign-in, as the bots') in Salle 103."""
    hugo = WorldConnection(http, url, await fetch_demo_token(http, url, "hugo.moreau"))
    await hugo.connect()
    await hugo.wait_for(lambda m: m.tick > 0 and m.members)
    await into(hugo, world.app[SERVICES], ROOM)
    return hugo


async def admit_the_guest(context: Any, page: Any, url: str, link: str, shots: Path) -> None:
    """The Köln teacher waits with the invitation's link; Hélène admits her from the lobby page of Salle 103."""
    await page.goto(f"{url}/portal/lobby/{ROOM}")
    await page.wait_for_selector("#lobby-live:not([hidden])")  # the live list is connected
    guest_context = await context.browser.new_context(locale="de-DE", viewport={"width": 1000, "height": 760})
    try:
        guest = await guest_context.new_page()
        guest.set_default_timeout(WAIT)
        await guest.goto(link)
        await guest.wait_for_function("() => document.body.dataset.state === 'name'")
        await guest.fill("#name-input", GUEST)
        await guest.press("#name-input", "Enter")
        await guest.wait_for_function("() => document.body.dataset.state === 'lobby'")
        admit = page.get_by_role("button", name=f"Admettre {GUEST} · {PARTNER}")
        await admit.wait_for()  # without a reload (server-sent events)
        await assert_accessible(page, shots, "08-lobby-guest-waiting")
        await admit.click()
        await page.wait_for_selector("text=Admis : l'invité est dans la salle.")
        await guest.wait_for_function("() => document.body.dataset.state === 'conference'")
        people = guest.locator("#people")
        await people.get_by_text("Léa M.").wait_for()  # she is in Salle 103 with the class
        assert "Hugo M." in await people.inner_text()
        await guest.screenshot(path=str(shots / "09-guest-admitted.png"), full_page=True)
        await assert_accessible(page, shots, "10-lobby-admitted")
    finally:
        await guest_context.close()


async def draw_on_the_board(world: TestServer, http: aiohttp.ClientSession, url: str) -> None:
    """Hélène, in Salle 103 (her world connection, as her client's), draws three strokes the server saves."""
    services = world.app[SERVICES]
    (session,) = [s for s in world.app[PORTAL].store._kinds[True].values() if s.identity is not None]
    teacher = WorldConnection(http, url, services.tokens.issue(session.identity))
    await teacher.connect()
    try:
        await teacher.wait_for(lambda m: m.tick > 0 and m.members)
        await into(teacher, services, ROOM)
        await teacher.wait_for(lambda m: BOARD in m.boards, timeout=30)
        cids = [await teacher.draw(BOARD, points, width=60) for points in ZIGZAGS]
        await teacher.wait_for(lambda m: all(c in m.boards[BOARD].acks for c in cids), timeout=30)
    finally:
        await teacher.close()


async def reads_the_attendance(page: Any, shots: Path) -> None:
    """Léa still there, Hugo come and gone, each at a time of the college's day; the teacher herself too."""
    now = datetime.now(PARIS)
    rows = {}
    for name in ("Léa M.", "Hugo M."):
        row = page.get_by_role("row", name=name)
        await row.wait_for()
        rows[name] = await row.get_by_role("cell").all_inner_texts()  # role, arrival, departure, minutes
    assert rows["Léa M."][0] == "élève" and rows["Léa M."][2] == "encore là"
    assert rows["Hugo M."][0] == "élève"
    arrived, left = (datetime.strptime(rows["Hugo M."][i], "%H:%M:%S").time() for i in (1, 2))
    assert arrived <= left
    for moment in (arrived, left):
        assert abs(datetime.combine(now.date(), moment, PARIS) - now) < timedelta(minutes=10)  # Paris time
    await assert_accessible(page, shots, "12-the-attendance")
    (shots / "12-attendance.txt").write_text(await page.get_by_role("region", name="Présences").inner_text())


async def plays_and_downloads_the_recording(page: Any, lesson: str, shots: Path, root: Path, host: str) -> None:
    """The lesson's page lists the recording; it plays in its page and downloads whole."""
    (recording,) = archive.finished(root)
    assert recording.host_user == host
    (take,) = recording.files
    await page.goto(lesson)
    listed = page.locator("#lesson-recordings a")
    assert (await listed.inner_text()).startswith("Enregistrement de ")
    await listed.click()
    await page.wait_for_url(f"**/portal/recordings/{recording.id}")
    video = page.locator("video")
    await video.evaluate("v => v.play()")
    await page.wait_for_function("() => { const v = document.querySelector('video');"
                                 " return v.readyState >= 2 && v.currentTime > 1; }")  # fmt: skip
    assert await video.evaluate("v => v.videoWidth") > 0
    await video.evaluate("v => v.pause()")
    await assert_accessible(page, shots, "13-recording-plays")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Télécharger (WebM").click()
    downloaded = Path(await (await info.value).path())
    assert downloaded.stat().st_size == take.size > 0


async def downloads_the_board(page: Any, lesson: str, shots: Path) -> None:
    """The board's PDF from the lesson's page: a PDF whose page has the strokes' ink."""
    await page.goto(lesson)
    await assert_accessible(page, shots, "14-the-lesson-afterwards")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Tableau de Salle 103 – Anglais (PDF)").click()
    pdf = Path(await (await info.value).path())
    assert pdf.read_bytes().startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert len(document) == 1  # one page drawn on
        picture = document[0].render(scale=1).to_pil().convert("L")
    finally:
        document.close()
    picture.save(shots / "15-board-pdf-page-1.png")
    histogram = picture.histogram()
    assert sum(histogram[:100]) > 2000, "the board's page has the strokes' dark ink"
