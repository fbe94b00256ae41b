"""« Nouvelle invitation » over HTTP: the form, each bad field's message in her language, the created invitation's
code, link, QR code and printable sheet, the audit, and who may do it (roles, schools, CSRF)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient

from cybercollege.server.classroom.lessons.feature import Lessons
from cybercollege.server.classroom.lessons.model import Checked
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.guests.invitation import normalise_code
from cybercollege.server.persistence import AuditEvent
from cybercollege.server.portal.app import PORTAL
from tests.server.portal.test_portal_http import client, csrf_of, session_of, sign_in

__all__ = ["client"]


def when(hours: float) -> str:
    """A ``datetime-local`` value ``hours`` from now in the college's time zone."""
    return (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def form(csrf: str, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {"csrf": csrf, "partner_school": "Gymnasium Köln", "country": "Allemagne",
                                 "language": "de", "room": "amphi", "classes": "4A", "valid_from": when(-0.1),
                                 "valid_until": when(2), "max_guests": "25"}  # fmt: skip
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


async def audits(client: TestClient, user: str) -> list[AuditEvent]:
    services = client.server.app[SERVICES]
    assert services.world.writer is not None
    await services.world.writer.flush()
    return await services.store.audit_log(user)


async def test_a_teacher_creates_an_invitation_and_gets_its_code_link_qr_and_sheet(client: TestClient) -> None:
    await sign_in(client, "mme.durand")
    page = await client.get("/portal/invitations/new")
    text = await page.text()
    assert page.status == 200 and "Nouvelle invitation" in text
    rooms = re.findall(r'<option value="([^"]+)"', text.split('id="room"')[1].split("</select>")[0])
    assert rooms[0] == "amphi" and "salle-103" in rooms  # the amphitheatre, then her classrooms
    assert all(f'value="{c}"' in text for c in ("6A", "5B", "4A", "3C"))  # her classes to bring

    created = await client.post("/portal/invitations/new", data=form(csrf_of(text)), allow_redirects=False)
    assert created.status == 303
    location = created.headers["Location"]
    (invitation,) = client.server.app[PORTAL].guests.book.by_id.values()
    assert location == f"/portal/invitations/{invitation.id}?created=1"
    assert (invitation.partner_school, invitation.country, invitation.language, invitation.room) == (
        "Gymnasium Köln", "Allemagne", "de", "amphi")  # fmt: skip
    assert invitation.classes == ("4A",) and invitation.max_guests == 25
    assert abs(invitation.valid_until - invitation.valid_from - 2.1 * 3600) <= 60  # minutes, as typed

    shown = await (await client.get(location)).text()
    code = re.search(r'id="invitation-code">([A-Z0-9-]+)<', shown)
    assert code is not None and client.server.app[PORTAL].guests.book.lookup(code.group(1)) is invitation
    link = f"{client.server.app[PORTAL].settings.base_url()}/invite/{code.group(1)}"
    assert f'href="{link}"' in shown and 'src="data:image/png;base64,' in shown
    assert "<script" not in shown and "style=" not in shown  # the strict CSP: nothing inline
    sheet = await client.get(f"/portal/invitations/{invitation.id}/sheet.pdf")
    body = await sheet.read()
    assert sheet.status == 200 and sheet.content_type == "application/pdf" and body.startswith(b"%PDF")
    assert "attachment" in sheet.headers["Content-Disposition"]
    listed = await (await client.get("/portal/invitations")).text()
    assert f'href="/portal/invitations/{invitation.id}"' in listed
    events = await audits(client, "demo:mme.durand")
    assert any(e.event == "invitation_create" and e.room_id == "amphi" and invitation.id in e.detail for e in events)
    assert normalise_code(code.group(1)) not in " ".join(e.detail for e in events)  # the code is never logged


async def test_each_bad_field_gets_its_message_next_to_it(client: TestClient) -> None:
    text = await (await sign_in(client, "m.bernard")).text()  # teaches 4A and 3C only
    cases = {
        "partner_school": ({"partner_school": ""}, "Indiquez le nom de l'établissement partenaire"),
        "country": ({"country": "x" * 61}, "Indiquez le pays (60 caractères au plus)"),
        "language": ({"language": "klingon"}, "Choisissez une langue de la liste"),
        "room": ({"room": "salle-101"}, "Choisissez l'amphithéâtre ou une salle de vos classes"),
        "classes": ({"classes": "6A"}, "Vous ne pouvez inviter que vos propres classes"),
        "valid_from": ({"valid_from": "demain"}, "Indiquez une date et une heure"),
        "valid_until": ({"valid_until": when(-1)}, "Cette fin est déjà passée"),
        "max_guests": ({"max_guests": "61"}, "Un nombre entier de 1 à 60"),
    }
    for field, (change, message) in cases.items():
        answer = await client.post("/portal/invitations/new", data=form(csrf_of(text), **change))
        page = await answer.text()
        assert answer.status == 400, field
        assert f'id="{field}-error">{message}' in page.replace("&#39;", "'"), field
        if field != "classes":
            assert re.search(rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-error"', page), field
    for guests in ("0", "abc", "2.5"):
        page = await (await client.post("/portal/invitations/new", data=form(csrf_of(text), max_guests=guests))).text()
        assert 'id="max_guests-error"' in page
    too_long = await client.post("/portal/invitations/new", data=form(csrf_of(text), valid_until=when(24 * 15)))
    assert "15 jours" not in (page := await too_long.text()) and "14 jours au plus" in page
    kept = await (await client.post("/portal/invitations/new", data=form(csrf_of(text), country=""))).text()
    assert 'value="Gymnasium Köln"' in kept  # what she typed stays
    assert client.server.app[PORTAL].guests.book.by_id == {}


async def test_the_messages_are_in_her_language(client: TestClient) -> None:
    await client.get("/portal/language/de")
    text = await (await sign_in(client, "mme.durand")).text()
    answer = await client.post("/portal/invitations/new", data=form(csrf_of(text), partner_school=" "))
    page = await answer.text()
    assert answer.status == 400 and '<html lang="de">' in page
    assert "Geben Sie den Namen der Partnerschule an (höchstens 120 Zeichen)." in page


async def test_a_post_without_its_token_creates_nothing(client: TestClient) -> None:
    await sign_in(client, "mme.durand")
    for token in ("", "forged"):
        refused = await client.post("/portal/invitations/new", data=form(token))
        assert refused.status == 403 and "Demande refusée" in await refused.text()
    assert client.server.app[PORTAL].guests.book.by_id == {}


async def test_pupils_and_other_schools_cannot_invite(client: TestClient) -> None:
    for login in ("lea.martin", "mme.autre"):  # (another school's login may be refused at the ENT step already)
        text = await (await sign_in(client, login)).text()
        page = await client.get("/portal/invitations/new")
        assert page.status in (302, 403) or page.url.path == "/portal/"
        assert 'name="partner_school"' not in await page.text()
        fields = form(csrf_of(text)) if 'name="csrf"' in text else form("")
        assert (await client.post("/portal/invitations/new", data=fields)).status == 403
        client.session.cookie_jar.clear()
    assert client.server.app[PORTAL].guests.book.by_id == {}


async def test_a_colleague_sees_neither_the_invitation_nor_its_sheet(client: TestClient) -> None:
    text = await (await sign_in(client, "mme.durand")).text()
    await client.post("/portal/invitations/new", data=form(csrf_of(text)))
    (invitation,) = client.server.app[PORTAL].guests.book.by_id.values()
    client.session.cookie_jar.clear()
    await sign_in(client, "m.bernard")
    for path in (f"/portal/invitations/{invitation.id}", f"/portal/invitations/{invitation.id}/sheet.pdf"):
        answer = await client.get(path)
        assert answer.status == 404 and "Invitation inconnue" in await answer.text()
    client.session.cookie_jar.clear()
    await sign_in(client, "m.leroy")  # the school's staff: the invitation, but its code was never theirs
    page = await client.get(f"/portal/invitations/{invitation.id}")
    assert page.status == 200 and "Gymnasium Köln" in (shown := await page.text())
    assert 'id="invitation-code"' not in shown and "n'en garde qu'une empreinte" in shown.replace("&#39;", "'")
    assert (await client.get(f"/portal/invitations/{invitation.id}/sheet.pdf")).status == 404
    assert invitation.active()  # still open: only its code was never theirs


async def test_an_invitation_for_a_lesson_takes_its_room_class_and_time(client: TestClient) -> None:
    text = await (await sign_in(client, "mme.durand")).text()
    lessons = client.server.app[PORTAL].world.features.get(Lessons)
    zone = ZoneInfo("Europe/Paris")
    start = (datetime.now(zone) + timedelta(hours=1)).replace(second=0, microsecond=0)
    me = session_of(client).identity
    lesson = await lessons.create(me, Checked("4A", "salle-103", start, start + timedelta(hours=1), "Anglais"))
    page = await (await client.get(f"/portal/invitations/new?lesson={lesson.id}")).text()
    assert "Pour le cours « Anglais » de la 4A" in page and f'name="lesson" value="{lesson.id}"' in page
    assert '<option value="salle-103" selected>' in page and re.search(r'value="4A"\s+checked', page)
    opens = (start - timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{opens}"' in page and f'value="{(start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}"' in page
    fields = form(csrf_of(text), room="salle-103", valid_from=opens, lesson=lesson.id)
    created = await client.post("/portal/invitations/new", data=fields, allow_redirects=False)
    assert created.status == 303
    (invitation,) = client.server.app[PORTAL].guests.book.by_id.values()
    assert (await lessons.visible(me, lesson.id)).invitation_id == invitation.id
    unknown = await client.get("/portal/invitations/new?lesson=l-nope")
    assert unknown.status == 404 and "Cours introuvable" in await unknown.text()
