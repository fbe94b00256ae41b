"""The printable invitation sheet: a one-page PDF in the partner's language, for the teachers who may manage it."""

from __future__ import annotations

import io
import time

import aiohttp
import pypdfium2 as pdfium
import zxingcpp
from aiohttp.test_utils import TestServer

from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.edge.services import Services
from cybercollege.server.guests.feature import Guests
from cybercollege.server.guests.invitation import display_code, normalise_code
from cybercollege.server.guests.sheet import sheet_name
from tests.server.test_invitation import bearer, invite


def pdf_text_and_qr(data: bytes) -> tuple[int, str, list[str]]:
    """The page count, the text of the first page and the QR codes read from it rendered at 144 dpi."""
    document = pdfium.PdfDocument(io.BytesIO(data))
    try:
        page = document[0]
        text = page.get_textpage().get_text_bounded()
        picture = page.render(scale=2).to_pil()
        return len(document), text, [r.text for r in zxingcpp.read_barcodes(picture)]
    finally:
        document.close()


async def sheet(http: aiohttp.ClientSession, server: TestServer, code: object, login: str = "mme.durand"):
    async with http.post(
        server.make_url("/api/invitations/sheet"), json={"code": code}, headers=await bearer(http, server, login)
    ) as r:
        body = await r.read()
        return r.status, r.headers, body


async def test_a_german_sheet_has_the_school_the_link_the_code_and_the_how_to(server, services: Services, http):
    status, made = await invite(http, server, partner_school="Gymnasium Köln", language="de")
    assert status == 201
    code, link = made["code"], made["link"]
    typed = " " + normalise_code(code).lower()[:8] + " - " + normalise_code(code)[8:] + " "  # as a person types
    status, headers, data = await sheet(http, server, typed)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith('attachment; filename="invitation-Gymnasium-Koln-')
    pages, text, qr = pdf_text_and_qr(data)
    assert pages == 1
    flat = text.replace("\r", "").replace("\n", " ")
    assert code in flat and link in text.replace("\r", "").replace("\n", "")
    assert qr == [link]
    assert "Einladung ins Cybercollège" in flat
    assert "Collège de démonstration Jules-Verne lädt Gymnasium Köln" in flat
    for step in (
        "1. Öffnen Sie den Link in einem Browser auf dem Klassen-PC oder dem interaktiven Whiteboard.",
        "2. Geben Sie einen Namen für die Klasse ein.",
        "3. Warten Sie, bis die französische Lehrkraft Sie hereinlässt.",
    ):
        assert step in flat, step
    assert "Gültig vom" in flat and "(Pariser Zeit)" in flat


async def test_another_teacher_of_the_school_may_print_it_in_french_or_english(server, http):
    _, made = await invite(http, server, language="Français")
    status, _, data = await sheet(http, server, made["code"], login="m.bernard")
    assert status == 200
    assert "Invitation au Cybercollège" in pdf_text_and_qr(data)[1]
    _, made = await invite(http, server, language="klingon")  # no catalogue: English for a foreign class
    status, _, data = await sheet(http, server, made["code"])
    assert status == 200 and "How to join" in pdf_text_and_qr(data)[1]


async def test_bad_codes_and_other_peoples_invitations_get_stable_errors(server, services: Services, http):
    _, made = await invite(http, server)
    code = made["code"]
    other_school = Identity("t-lyon", "M. Autre", Role.TEACHER, "ent", school_uai="0691234A", classes=("4B",))
    _, their_code = services.world.features.get(Guests).book.create(
        other_school, partner_school="Liceo Roma", country="Italie", language="it", room="amphi", classes=(),
        valid_from=time.time(), valid_until=time.time() + 3600, max_guests=5)
    cases = [
        ("ZZZZ-ZZZZ-ZZZZ-ZZZZ", "mme.durand", 404, "invitation_unknown"),
        (display_code(their_code), "mme.durand", 403, "invitation_not_yours"),
        (code, "lea.martin", 403, "invitation_forbidden"),
        ("", "mme.durand", 400, "code_invalid"),
        (42, "mme.durand", 400, "code_invalid"),
        ("A" * 65, "mme.durand", 400, "code_invalid"),
    ]
    for value, login, status, error in cases:
        got, headers, body = await sheet(http, server, value, login)
        assert got == status and headers["Content-Type"].startswith("application/json"), (value, login, body)
        assert error.encode() in body, (value, body)

    services.world.features.get(Guests).book.revoke(made["invitation"]["id"])
    got, _, body = await sheet(http, server, code)
    assert got == 410 and b"invitation_revoked" in body
    async with http.post(server.make_url("/api/invitations/sheet"), data=b"{not json",
                         headers=await bearer(http, server, "mme.durand")) as r:
        assert r.status == 400 and (await r.json())["error"] == "bad_json"
    async with http.post(server.make_url("/api/invitations/sheet"), json={"code": code}) as r:
        assert r.status == 401 and (await r.json())["error"] == "token_missing"


async def test_an_expired_invitation_has_no_sheet(server, services: Services, http):
    _, made = await invite(http, server)
    services.world.features.get(Guests).book.by_id[made["invitation"]["id"]].valid_until = time.time() - 1
    got, _, body = await sheet(http, server, made["code"])
    assert got == 410 and b"invitation_expired" in body


def test_the_file_name_is_plain_ascii():
    day = time.mktime((2026, 12, 2, 12, 0, 0, 0, 0, -1))
    assert sheet_name("Gymnasium Köln", day) == "invitation-Gymnasium-Koln-2026-12-02.pdf"
    assert sheet_name("東京", day) == "invitation-classe-2026-12-02.pdf"
