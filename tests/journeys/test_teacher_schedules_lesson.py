"""Journey: a teacher schedules a lesson for her class now from the web portal, her pupil's 3D client shows it
and goes there, and the teacher reads the pupil's arrival in the lesson's attendance.

Hélène (teacher of 4A and 3C) signs in to the portal in Debian's Chromium through LemonLDAP::NG's own CAS page,
opens « Mes cours », « Nouveau cours », makes a mistake (the end before the start: told next to the field, what she
typed kept), then schedules « Mathématiques » for 4A in Salle 103, now. Zoé (4A) signs in to the 3D client with
the ENT (her system browser); in the hall her HUD says « Prochain cours : Mathématiques · Salle 103 · HH:MM »;
she presses N and the autopilot walks her into Salle 103. Hélène reloads the lesson's page: Zoé is in its
attendance with her arrival time in the college's time zone, and in its CSV. Every portal page passes axe-core's
WCAG 2.1 AA check at desktop and phone sizes. Screenshots in var/journeys/<test>/.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.session import Options, Session
from cybercollege.server.edge.services import SERVICES
from tests.client.helpers import until
from tests.client.sessions import stop
from tests.idp import people
from tests.idp.chromium import chromium
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot
from tests.journeys.portal_axe import assert_accessible, csp_reports
from tests.journeys.providers import lemonldap_sign_in
from tests.journeys.test_ent_sign_in import sign_in_with_the_ent, system_browser
from tests.journeys.test_portal_sign_in import ENT_NAME, idp, world  # noqa: F401  (fixtures: LemonLDAP::NG, the college)

WAIT = 30_000
PARIS = ZoneInfo("Europe/Paris")  # the college's time zone (the default setting)


def lesson_times() -> tuple[str, str, str]:
    """Today's date, a start a minute ago and an end 55 minutes later (within the day): a lesson going on now."""
    now = datetime.now(PARIS)
    start = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0))
    end = min(start + timedelta(minutes=55), now.replace(hour=23, minute=59))
    return now.date().isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")


async def test_a_teacher_schedules_a_lesson_her_pupil_goes_there_and_is_in_its_attendance(
    world: TestServer,  # noqa: F811
    base, driver, http, tmp_path: Path, shots: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    url = str(world.make_url("")).rstrip("/")
    async with chromium() as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT)
        refused = csp_reports(page)
        start = await schedule(page, url, shots)

        session = await pupil_goes_to_her_lesson(world, url, base, driver, http, tmp_path, shots, monkeypatch, start)
        try:
            await attendance_shows_her(page, shots)
        finally:
            await stop(*session)
        assert refused == []


async def schedule(page, url: str, shots: Path) -> str:
    """Sign in, « Mes cours », « Nouveau cours », one mistake, then the lesson; its start time."""
    await page.goto(url + "/portal/")
    await page.get_by_role("link", name=f"Se connecter avec {ENT_NAME}").click()
    await page.wait_for_load_state()
    await lemonldap_sign_in(page, people.TEACHER)
    await page.wait_for_url(url + "/portal/classes")

    await page.get_by_role("link", name="Mes cours").click()
    await page.wait_for_url(url + "/portal/lessons")
    await assert_accessible(page, shots, "1-mes-cours-empty")
    assert await page.get_by_text("Aucun cours à venir.").is_visible()
    await page.get_by_role("link", name="Nouveau cours").click()
    await page.wait_for_url(url + "/portal/lessons/new")
    await assert_accessible(page, shots, "2-nouveau-cours")
    classes = await page.get_by_label("Classe").locator("option").all_inner_texts()
    assert classes == ["4A", "3C"]  # hers in this school, from her ENT

    day, start, end = lesson_times()
    await page.get_by_label("Intitulé (par exemple Mathématiques)").fill("Mathématiques")
    await page.get_by_label("Classe").select_option("4A")
    await page.get_by_label("Salle").select_option("salle-103")
    await page.get_by_label("Date").fill(day)
    await page.get_by_label("Début (HH:MM)").fill(end)  # a slip: start and end swapped
    await page.get_by_label("Fin (HH:MM)").fill(start)
    await page.get_by_role("button", name="Programmer le cours").click()
    await page.wait_for_load_state()
    await assert_accessible(page, shots, "3-a-mistake-told-next-to-its-field")
    assert await page.locator("#end-error").inner_text() == "La fin doit venir après le début."
    assert await page.get_by_label("Intitulé (par exemple Mathématiques)").input_value() == "Mathématiques"
    assert await page.get_by_label("Salle").input_value() == "salle-103"  # nothing she typed is lost

    await page.get_by_label("Début (HH:MM)").fill(start)
    await page.get_by_label("Fin (HH:MM)").fill(end)
    await page.get_by_role("button", name="Programmer le cours").click()
    await page.wait_for_url(url + "/portal/lessons/l-*")
    await assert_accessible(page, shots, "4-the-lesson")
    assert await page.get_by_role("heading", level=1).inner_text() == "Mathématiques"
    assert await page.get_by_role("status").inner_text() != ""
    facts = await page.locator("dl").inner_text()
    assert "Salle 103 – Anglais" in facts and "4A" in facts and f"de {start} à {end}" in facts
    assert await page.get_by_text("Personne n'est encore venu").is_visible()
    return start


async def pupil_goes_to_her_lesson(server, url, base, driver, http, tmp_path, shots, monkeypatch, start):
    """Zoé's 3D client (ENT sign-in in her system browser): the HUD line, N, the autopilot into Salle 103."""
    system_browser(monkeypatch, "lemonldap", people.PUPIL, ENT_NAME, shots / "pupil-browser")
    session = Session(base, http, driver, Options(url=url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    await sign_in_with_the_ent(session)
    assert session.welcome.you.name == people.PUPIL.display_name
    shown = session.next_lesson
    assert shown is not None
    await until(lambda: not shown.frame.isHidden(), what="« Prochain cours » in Zoé's HUD")
    assert shown.text.getText() == f"Prochain cours : Mathématiques · Salle 103 · {start}"
    assert session.view.walker.room.id == "hall"
    await save_shot(base, shots / "5-pupil-next-lesson-in-the-hall.png")
    await keyboard.press(base, "n")
    walker = session.view.walker
    await until(lambda: walker.room.id == "salle-103", timeout=90, what="the autopilot takes her into salle 103")
    avatar = server.app[SERVICES].world.avatars[session.conn.mirror.me]
    assert avatar.room.id == "salle-103"
    await keyboard.frames(base, 10)
    await save_shot(base, shots / "6-pupil-in-salle-103.png")
    return session, task


async def attendance_shows_her(page, shots: Path) -> None:
    """The lesson's page, reloaded: Zoé with her arrival in the college's time; the CSV has her too."""
    await page.reload()
    row = page.get_by_role("row", name="Zoé É.")
    await row.wait_for()
    cells = await row.get_by_role("cell").all_inner_texts()
    assert cells[0] == "élève" and cells[2] == "encore là"
    arrived = datetime.strptime(cells[1], "%H:%M:%S").time()
    now = datetime.now(PARIS)
    assert abs(datetime.combine(now.date(), arrived, PARIS) - now) < timedelta(minutes=10)  # Paris time, not UTC
    await assert_accessible(page, shots, "7-zoe-in-the-attendance")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Télécharger les présences de ce cours (CSV)").click()
    csv = Path(await (await info.value).path()).read_text(encoding="utf-8-sig")
    assert any(line.startswith("Zoé É.;élève;") for line in csv.splitlines())
    (shots / "7-attendance.csv").write_text(csv, encoding="utf-8")

    await page.get_by_role("link", name="Retour à mes cours").click()
    await page.wait_for_url("**/portal/lessons")
    await assert_accessible(page, shots, "8-mes-cours")
    assert await page.get_by_text("en cours", exact=True).is_visible()
