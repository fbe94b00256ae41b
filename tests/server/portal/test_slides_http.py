"""A board's slides from the portal over HTTP in demo mode: the page and its form, a PDF uploaded as a web form
(multipart, its CSRF token) through the API's import, the slides listed and taken off, every refusal said next to
the file field in her language (too big, not a PDF, a PDF bomb), and who may (the room's teachers and staff)."""

from __future__ import annotations

import re

import aiohttp
from aiohttp.test_utils import TestClient

from cybercollege.server.classroom import slides
from cybercollege.server.classroom.whiteboard.host import BoardHost
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.portal.app import PORTAL
from tests.server.classroom.conftest import BLUE, RED, pdf
from tests.server.classroom.test_sandbox import pdf_bomb
from tests.server.portal.test_portal_http import client, csrf_of, sign_in  # noqa: F401  (client: a fixture)

BOARD = "tableau-103"
PAGE = f"/portal/boards/{BOARD}/slides"


def board(portal: TestClient) -> BoardHost:
    world = portal.server.app[PORTAL].world
    (host,) = [h for r in world.rooms.values() if (h := getattr(r, "host", lambda _b: None)(BOARD)) is not None]
    return host


def form(csrf: str | None, data: bytes, name: str = "cours.pdf", kind: str = "application/pdf") -> aiohttp.FormData:
    """What the page's form sends: its CSRF token, then the file."""
    sent = aiohttp.FormData()
    if csrf is not None:
        sent.add_field("csrf", csrf)
    sent.add_field("files", data, filename=name, content_type=kind)
    return sent


def error_of(html: str) -> str:
    found = re.search(r'<p class="field-error" id="files-error" role="alert">([^<]*)</p>', html)
    assert found is not None, "no error next to the file field"
    return found.group(1)


async def test_a_teacher_uploads_a_pdf_from_the_page_and_takes_a_slide_off(client: TestClient) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    page = await client.get(PAGE)
    html = await page.text()
    assert page.status == 200 and "Diapositives · Salle 103" in html and "Aucune diapositive" in html
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    assert "20 Mo et 30 pages au plus par envoi" in html  # the limits, before she tries

    sent = await client.post(PAGE, data=form(csrf_of(html), pdf(RED, BLUE)), allow_redirects=False)
    assert sent.status == 303 and sent.headers["Location"] == f"{PAGE}?done=added&count=2"
    backgrounds = board(client).board.backgrounds
    assert sorted(backgrounds) == [0, 1]  # the same import as the API: page backgrounds in the board's log
    html = await (await client.get(sent.headers["Location"])).text()
    assert "2 diapositive(s) ajoutée(s) au tableau." in html and "Pages avec une diapositive : 2" in html
    for number, (sha, _w, _h) in enumerate((backgrounds[0], backgrounds[1]), 1):
        assert f'src="/slides/{sha}"' in html and f"Page {number}" in html
        thumbnail = await client.get(f"/slides/{sha}")
        assert thumbnail.status == 200 and thumbnail.content_type == "image/png"

    removed = await client.post(f"{PAGE}/1/remove", data={"csrf": csrf_of(html)}, allow_redirects=False)
    assert removed.status == 303
    assert sorted(b for b, (sha, _w, _h) in board(client).board.backgrounds.items() if sha) == [0]
    html = await (await client.get(removed.headers["Location"])).text()
    assert "Diapositive retirée" in html and "Pages avec une diapositive : 1" in html
    writer = client.server.app[SERVICES].writer
    await writer.flush()
    events = [(e.event, e.detail) for e in await writer.store.audit_log("demo:mme.durand") if "slide" in e.event]
    assert events == [("slides_added", f"{BOARD} · 2 pages"), ("slide_removed", f"{BOARD} · page 2")]


async def test_every_refusal_is_said_next_to_the_file_field(client: TestClient, monkeypatch) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    csrf = csrf_of(await (await client.get(PAGE)).text())
    cases = [
        (b"Bonjour, ceci est un texte.", "notes.txt", 415, "ni un PDF ni une image"),
        (b"%PDF-1.7 pas vraiment un PDF", "faux.pdf", 400, "Ce PDF est illisible"),
    ]
    for data, name, status, said in cases:
        refused = await client.post(PAGE, data=form(csrf, data, name))
        html = await refused.text()
        assert refused.status == status and said in error_of(html), (name, error_of(html))
        assert 'aria-invalid="true"' in html and "files-error" in html
    empty = await client.post(PAGE, data=form(csrf, b"", ""))
    assert empty.status == 400 and error_of(await empty.text()) == "Choisissez un fichier : un PDF ou des images."

    monkeypatch.setattr(slides, "MAX_UPLOAD_BYTES", 1024)  # a file over the limit, without sending 20 MB
    big = await client.post(PAGE, data=form(csrf, pdf(RED, size=(800, 600))))
    assert big.status == 413 and "Fichier trop gros" in error_of(await big.text())
    monkeypatch.undo()

    bomb = await client.post(PAGE, data=form(csrf, pdf_bomb()), headers={"Accept-Language": "de"})
    html = await bomb.text()
    assert bomb.status == 422 and "braucht zum Umwandeln zu viel Speicher" in error_of(html)  # the sandbox stopped it
    assert not board(client).board.backgrounds  # nothing shown


async def test_csrf_and_who_may(client: TestClient) -> None:  # noqa: F811
    await sign_in(client, "mme.durand")
    csrf = csrf_of(await (await client.get(PAGE)).text())
    forged = await client.post(PAGE, data=form("forged", pdf(RED)))
    assert forged.status == 403 and "Demande refusée" in await forged.text()
    missing = await client.post(PAGE, data=form(None, pdf(RED)))
    assert missing.status == 403
    remove = await client.post(f"{PAGE}/0/remove", data={"csrf": "forged"})
    assert remove.status == 403
    assert not board(client).board.backgrounds
    unknown = await client.get("/portal/boards/nulle-part/slides")
    assert unknown.status == 404 and "Tableau introuvable" in await unknown.text()
    nothing = await client.post(f"{PAGE}/0/remove", data={"csrf": csrf})
    assert nothing.status == 404 and "Rien à retirer" in await nothing.text()
    await client.post("/portal/signout", data={"csrf": csrf})

    await sign_in(client, "lea.martin")  # a pupil
    assert (await client.get(PAGE)).status == 403
    assert (await client.post(PAGE, data=form(None, pdf(RED)))).status == 403
    assert not board(client).board.backgrounds


async def test_staff_may_and_a_teacher_of_other_rooms_may_not(client: TestClient) -> None:  # noqa: F811
    landed = await sign_in(client, "mme.petit")  # the documentalist: no class in Salle 103
    html = await landed.text()
    page = await client.get(PAGE)
    assert page.status == 403 and "Seuls les enseignants de cette salle" in await page.text()
    assert (await client.post(PAGE, data=form(csrf_of(html), pdf(RED)))).status == 403
    await client.post("/portal/signout", data={"csrf": csrf_of(html)})
    assert not board(client).board.backgrounds

    html = await (await sign_in(client, "m.leroy")).text()  # the director
    sent = await client.post(PAGE, data=form(csrf_of(html), pdf(BLUE)), allow_redirects=False)
    assert sent.status == 303 and sorted(board(client).board.backgrounds) == [0]
