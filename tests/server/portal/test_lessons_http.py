"""« Mes cours » over HTTP in demo mode: scheduling with every bad input answered next to its field in her
language, a lesson's page and CSV, editing and cancelling (CSRF, audited), who sees what, and the client's
``GET /api/lessons/next``."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp.test_utils import TestClient

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.server.classroom.lessons.feature import Lessons
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.portal.app import PORTAL
from tests.server.portal.test_portal_http import client, csrf_of, sign_in  # noqa: F401  (client: a fixture)

PARIS = ZoneInfo("Europe/Paris")


def lessons_of(portal: TestClient) -> Lessons:
    return portal.server.app[PORTAL].world.features.get(Lessons)


def form(csrf: str, **values: str) -> dict[str, str]:
    """A lesson for 4A in Salle 103 starting in an hour (or at what ``values`` say)."""
    start = datetime.now(PARIS) + timedelta(hours=1)
    end = start + timedelta(minutes=55)
    if end.date() != start.date():  # late in the evening: tomorrow morning
        start = (start + timedelta(days=1)).replace(hour=9, minute=0)
        end = start + timedelta(minutes=55)
    times = {"day": start.date().isoformat(), "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    return {"csrf": csrf, "class_name": "4A", "room_id": "salle-103", "title": "Mathématiques"} | times | values


def running_now() -> dict[str, str]:
    """Today's date and times of a lesson going on now (within the day: it cannot run past midnight)."""
    now = datetime.now(PARIS)
    start = max(now - timedelta(hours=1), now.replace(hour=0, minute=0))
    end = min(now + timedelta(hours=1), now.replace(hour=23, minute=59))
    return {"day": now.date().isoformat(), "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


async def schedule(portal: TestClient, **values: str) -> str:
    """Mme Durand (signed in) schedules a lesson; its id."""
    page = await (await portal.get("/portal/lessons/new")).text()
    made = await portal.post("/portal/lessons/new", data=form(csrf_of(page), **values))
    assert made.status == 200 and made.url.path.startswith("/portal/lessons/l-"), await made.text()
    assert "Le cours est programmé" in await made.text()
    return made.url.path.rsplit("/", 1)[1]


async def test_a_teacher_schedules_a_lesson_and_finds_it_first(client: TestClient) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    page = await client.get("/portal/lessons/new")
    text = await page.text()
    assert page.status == 200 and "Nouveau cours" in text
    for choice in (
        '<option value="4A"',
        '<option value="3C"',
        'value="salle-103"',
        "Salle 103 – Anglais (classes 4A, 4B)",
    ):
        assert choice in text
    lesson_id = await schedule(client)
    shown = await (await client.get(f"/portal/lessons/{lesson_id}")).text()
    assert "Salle 103 – Anglais" in shown and "4A" in shown
    assert f"/portal/lessons/{lesson_id}/attendance.csv" in shown and "/api/boards/tableau-103/export.pdf" in shown
    assert 'id="lesson-invitation"' in shown and 'id="lesson-recordings"' in shown
    assert f'href="/portal/invitations/new?lesson={lesson_id}"' in shown  # « Inviter une classe partenaire à ce cours »
    later = await schedule(client, title="Histoire", start="23:58", end="23:59",
                           day=(datetime.now(PARIS) + timedelta(days=3)).date().isoformat())  # fmt: skip
    listing = await (await client.get("/portal/lessons")).text()
    assert listing.index(f"/portal/lessons/{lesson_id}") < listing.index(f"/portal/lessons/{later}")  # next first
    assert 'href="/portal/lessons" aria-current="page">Mes cours' in listing
    writer = client.server.app[SERVICES].writer
    await writer.flush()
    audited = await writer.store.audit_log("demo:mme.durand")
    assert [e.event for e in audited if e.event.startswith("lesson_")] == ["lesson_created", "lesson_created"]


async def test_bad_input_is_told_next_to_its_field_and_nothing_typed_is_lost(client: TestClient) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    page = await (await client.get("/portal/lessons/new")).text()
    bad = form(csrf_of(page), title="Sciences de la <Vie>", start="11:00", end="10:00", room_id="salle-101")
    answer = await client.post("/portal/lessons/new", data=bad)
    text = await answer.text()
    assert answer.status == 422
    assert "La fin doit venir après le début." in text and "Cette salle n&#39;accueille pas cette classe" in text
    assert 'aria-invalid="true" aria-describedby="end-error"' in text and 'id="room_id-error"' in text
    assert 'value="Sciences de la &lt;Vie&gt;"' in text and 'value="11:00"' in text and 'value="10:00"' in text
    assert '<option value="salle-101" selected' in text and '<option value="4A" selected' in text
    assert lessons_of(client).coming == {}
    german = await client.post("/portal/lessons/new", data=form(csrf_of(page), day="morgen"),
                               headers={"Accept-Language": "de"})  # fmt: skip
    assert german.status == 422 and "Geben Sie das Datum der Unterrichtsstunde an" in await german.text()
    for values in ({"class_name": "5A"}, {"title": ""}, {"start": "25:99"}, {"day": "2020-01-01"}):
        refused = await client.post("/portal/lessons/new", data=form(csrf_of(page), **values))
        assert refused.status == 422 and 'class="field-error"' in await refused.text()


async def test_without_its_csrf_token_nothing_is_scheduled_changed_or_cancelled(client: TestClient) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    lesson_id = await schedule(client)
    for path in ("/portal/lessons/new", f"/portal/lessons/{lesson_id}/edit", f"/portal/lessons/{lesson_id}/cancel"):
        refused = await client.post(path, data=form("forged", title="Piraté"))
        assert refused.status == 403 and "Demande refusée" in await refused.text()
    (only,) = lessons_of(client).coming.values()
    assert only.title == "Mathématiques" and only.cancelled is None


async def test_she_edits_then_cancels_her_lesson(client: TestClient) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    lesson_id = await schedule(client)
    page = await (await client.get(f"/portal/lessons/{lesson_id}/edit")).text()
    assert 'value="Mathématiques"' in page and "Modifier le cours" in page
    changed = await client.post(f"/portal/lessons/{lesson_id}/edit", data=form(csrf_of(page), title="Géométrie"))
    assert changed.status == 200 and "Le cours est modifié" in await changed.text()
    assert lessons_of(client).coming[lesson_id].title == "Géométrie"
    cancelled = await client.post(f"/portal/lessons/{lesson_id}/cancel", data={"csrf": csrf_of(page)})
    text = await cancelled.text()
    assert cancelled.status == 200 and "Le cours est annulé" in text and "annulé" in text
    assert lesson_id not in lessons_of(client).coming
    again = await client.post(f"/portal/lessons/{lesson_id}/edit", data=form(csrf_of(page)))
    assert again.status == 409
    writer = client.server.app[SERVICES].writer
    await writer.flush()
    events = [e.event for e in await writer.store.audit_log("demo:mme.durand") if e.event.startswith("lesson_")]
    assert events == ["lesson_created", "lesson_changed", "lesson_cancelled"]


async def test_a_teacher_sees_only_hers_and_staff_see_the_schools(client: TestClient) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    lesson_id = await schedule(client)
    csrf = csrf_of(await (await client.get("/portal/lessons")).text())
    await client.post("/portal/signout", data={"csrf": csrf})

    await sign_in(client, "m.bernard")  # also teaches 4A
    assert lesson_id not in await (await client.get("/portal/lessons")).text()
    csrf = csrf_of(await (await client.get("/portal/lessons")).text())
    for response in (await client.get(f"/portal/lessons/{lesson_id}"),
                     await client.get(f"/portal/lessons/{lesson_id}/attendance.csv"),
                     await client.get(f"/portal/lessons/{lesson_id}/edit"),
                     await client.post(f"/portal/lessons/{lesson_id}/edit", data=form(csrf, title="Piraté")),
                     await client.post(f"/portal/lessons/{lesson_id}/cancel", data={"csrf": csrf})):  # fmt: skip
        assert response.status == 404 and "Cours introuvable" in await response.text()
    assert lessons_of(client).coming[lesson_id].title == "Mathématiques"
    await client.post("/portal/signout", data={"csrf": csrf})

    await sign_in(client, "m.leroy")  # the principal: staff of the school
    listing = await (await client.get("/portal/lessons")).text()
    assert f"/portal/lessons/{lesson_id}" in listing and "Claire Durand" in listing
    assert (await client.get(f"/portal/lessons/{lesson_id}")).status == 200
    form_page = await (await client.get("/portal/lessons/new")).text()
    assert '<option value="6B"' in form_page and '<option value="4B"' in form_page  # every class a room admits


async def test_pupils_and_other_schools_see_none_of_it(client: TestClient) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    lesson_id = await schedule(client)
    csrf = csrf_of(await (await client.get("/portal/lessons")).text())
    await client.post("/portal/signout", data={"csrf": csrf})
    one = f"/portal/lessons/{lesson_id}"
    paths = ("/portal/lessons", "/portal/lessons/new", one, f"{one}/edit", f"{one}/attendance.csv")
    await sign_in(client, "lea.martin")
    for path in paths:
        response = await client.get(path)
        assert response.status == 403 and "Réservé aux personnels" in await response.text()
    client.session.cookie_jar.clear()
    await sign_in(client, "mme.autre")  # a teacher of another school: refused at sign-in, or 403 here
    for path in paths:
        response = await client.get(path, allow_redirects=False)
        assert response.status in (302, 403) and "Mathématiques" not in await response.text()


async def test_the_lessons_page_and_csv_show_who_came_and_when(client: TestClient) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    lesson_id = await schedule(client, **running_now())
    base = str(client.make_url("")).rstrip("/")
    world = client.server.app[PORTAL].world
    async with aiohttp.ClientSession() as http:
        lea = WorldConnection(http, base, await fetch_demo_token(http, base, "lea.martin"))
        await lea.connect()
        await lea.wait_for(lambda m: m.tick > 0 and m.members)
        room = world.rooms["salle-103"]
        world.move_to(world.avatars[lea.mirror.me], room, room.spec.spawn_points[0])
        await lea.wait_for(lambda m: m.room == "salle-103")
        page = await (await client.get(f"/portal/lessons/{lesson_id}")).text()
        assert "Léa M." in page and "encore là" in page and "élève" in page
        joined = re.search(
            r"<th scope=\"row\">Léa M\.</th>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>(\d\d:\d\d:\d\d)</td>", page
        )
        assert joined is not None
        clock = datetime.now(PARIS)
        shown = datetime.combine(clock.date(), datetime.strptime(joined.group(1), "%H:%M:%S").time(), PARIS)
        assert abs(shown - clock) < timedelta(minutes=5)  # the college's time, not UTC
        await lea.close()
    csv = await client.get(f"/portal/lessons/{lesson_id}/attendance.csv")
    body = await csv.read()
    assert csv.status == 200 and csv.content_type == "text/csv" and body.startswith(b"\xef\xbb\xbf")
    header, row = body.decode("utf-8-sig").splitlines()[:2]
    assert header == "nom;rôle;arrivée;départ;minutes" and row.startswith("Léa M.;élève;")
    assert re.search(r'attachment; filename="presences-4A-\d{4}-\d\d-\d\d\.csv"', csv.headers["Content-Disposition"])


async def test_the_client_asks_for_todays_next_lesson(client: TestClient) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    times = running_now()
    start = times["start"]
    lesson_id = await schedule(client, **times)
    base = str(client.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http:

        async def next_of(login: str | None) -> tuple[int, dict[str, object]]:
            headers = {"Authorization": f"Bearer {await fetch_demo_token(http, base, login)}"} if login else {}
            async with http.get(f"{base}/api/lessons/next", headers=headers) as response:
                return response.status, await response.json()

        status, body = await next_of("lea.martin")
        assert status == 200 and body["lesson"] == body["lesson"] | {
            "id": lesson_id, "title": "Mathématiques", "room": "salle-103", "room_name": "Salle 103 – Anglais",
            "start_local": start, "class": "4A"}  # fmt: skip
        assert (await next_of("mme.durand"))[1]["lesson"]["id"] == lesson_id  # type: ignore[index]
        assert (await next_of("nathan.roux"))[1] == {"lesson": None}  # 5B
        assert (await next_of("m.bernard"))[1] == {"lesson": None}  # not his
        assert (await next_of(None))[0] == 401


async def test_the_lessons_page_lists_her_invitation_during_its_time(client: TestClient) -> None:  # noqa: F811
    text = await (await sign_in(client, "mme.durand")).text()
    lesson_id = await schedule(client, **running_now())
    body = {"room": "salle-103", "partner_school": "Gymnasium Köln", "country": "Allemagne", "language": "de",
            "classes": ["4A"], "valid_until": time.time() + 3600}  # fmt: skip
    created = await client.post("/api/invitations", json=body, headers={"X-CSRF-Token": csrf_of(text)})
    invitation = (await created.json())["invitation"]["id"]
    page = await (await client.get(f"/portal/lessons/{lesson_id}")).text()
    assert f'href="/portal/invitations/{invitation}"' in page and "Invitation de Gymnasium Köln (Salle 103" in page
    assert "Aucun enregistrement pendant ce cours" in page


async def test_the_lessons_board_pdf_is_the_board_at_its_end(client: TestClient) -> None:  # noqa: F811
    """Draw, end the lesson, draw more: the lesson's PDF has only the first strokes; the room's board has both."""
    import pypdfium2 as pdfium

    from cybercollege.server.auth.ent.demo import DEMO_DIRECTORY
    from cybercollege.server.classroom.lessons.model import Checked
    from cybercollege.server.persistence.records import utcnow
    from tests.server.waits import until

    await sign_in(client, "mme.durand")
    feature = lessons_of(client)
    world = client.server.app[PORTAL].world
    teacher = client.server.app[DEMO_DIRECTORY].users["mme.durand"]
    now = utcnow()
    lesson = await feature.create(teacher, Checked("4A", "salle-103", now - timedelta(minutes=5),
                                                   now + timedelta(hours=1), "Géométrie"))  # fmt: skip
    base = str(client.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http:
        prof = WorldConnection(http, base, await fetch_demo_token(http, base, "mme.durand"))
        await prof.connect()
        await prof.wait_for(lambda m: m.tick > 0 and m.members)
        room = world.rooms["salle-103"]
        world.move_to(world.avatars[prof.mirror.me], room, room.spec.spawn_points[0])
        await prof.wait_for(lambda m: m.room == "salle-103" and "tableau-103" in m.boards)
        before = await prof.draw("tableau-103", [v for x in range(1000, 4001, 100) for v in (x, 1000)], width=100)
        await prof.wait_for(lambda m: before in m.boards["tableau-103"].acks)

        ending = Checked("4A", "salle-103", lesson.start, utcnow() + timedelta(seconds=1), "Géométrie")
        lesson = await feature.change(teacher, lesson, ending)  # it ends in a second
        await until(lambda: lesson.id not in feature.running, "the lesson ended")
        after = await prof.draw("tableau-103", [v for x in range(6000, 9001, 100) for v in (x, 1000)], width=100)
        await prof.wait_for(lambda m: after in m.boards["tableau-103"].acks)
        height = prof.mirror.boards["tableau-103"].height
        await prof.close()

    page = await (await client.get(f"/portal/lessons/{lesson.id}")).text()
    kept = f"/portal/lessons/{lesson.id}/boards/tableau-103/end.pdf"
    assert f'href="{kept}"' in page and "Tableau de Salle 103 – Anglais à la fin du cours (PDF)" in page
    assert "tel qu&#39;il est maintenant (PDF)" in page

    def drawn(data: bytes) -> tuple[bool, bool]:
        """Whether the first and the second stroke are on the PDF's first page (dark pixels on their line)."""
        image = pdfium.PdfDocument(data)[0].render(scale=1).to_pil().convert("L")
        y = int(image.height * 1000 / height)
        return image.getpixel((int(image.width * 0.25), y)) < 100, image.getpixel((int(image.width * 0.75), y)) < 100

    at_end = await client.get(kept)
    assert at_end.status == 200 and at_end.content_type == "application/pdf"
    assert re.search(r'attachment; filename="tableau-4A-\d{4}-\d\d-\d\d\.pdf"', at_end.headers["Content-Disposition"])
    assert drawn(await at_end.read()) == (True, False)  # the board at the lesson's end: the first stroke only
    now_pdf = await client.get("/api/boards/tableau-103/export.pdf")
    assert drawn(await now_pdf.read()) == (True, True)  # the room's board now: both

    await feature.save_boards()
    assert not feature.boards and await feature.store.board(lesson.id, "tableau-103") is not None  # written
    assert drawn(await (await client.get(kept)).read()) == (True, False)
    assert (await client.get(f"/portal/lessons/{lesson.id}/boards/nulle-part/end.pdf")).status == 404
    assert await feature.store.purge(utcnow() + timedelta(days=1)) == 1  # the lesson's retention: its board goes too
    assert await feature.store.board(lesson.id, "tableau-103") is None
