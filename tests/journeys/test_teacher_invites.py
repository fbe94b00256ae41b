"""Journey (a), issue 11: Mme Durand invites her partner class in Köln from the client and reads the whole code.

She logs in with the keyboard, opens her panel with F2, fills the invitation form field by field (Tab, then the
letters), creates the invitation with Enter and reads the card: the code on screen, every glyph of it inside
the window, redeems on the server; the sheet she prints is a German PDF with that code and link; Copy says
plainly that this machine has no clipboard. At 800x600 and in a narrow window.
"""

from __future__ import annotations

import asyncio

import pytest

from cybercollege.client.i18n import tr
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.focus import focused_entry
from cybercollege.client.ui.login import LoginScreen
from cybercollege.server.edge.services import SERVICES
from tests.client.helpers import until
from tests.client.sessions import in_world, stop
from tests.client.test_invitation_card import outside_window, window_size
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot
from tests.server.test_invitation_sheet import pdf_text_and_qr

FORM = (  # what she types, field by field; the room field shows her current room: she types over it
    ("inv_school", "Gymnasium Köln"),
    ("inv_country", "Allemagne"),
    ("inv_language", "de"),
    ("inv_room", "amphi"),
    ("inv_classes", "4A"),
    ("inv_max", "25"),
)
KEY_NAMES = {" ": "space"}


async def tab_to(session: Session, widget, max_tabs: int = 60) -> None:
    """Tab until ``widget`` has the focus (it is outlined, or its text field has the cursor)."""
    assert session.hud is not None, "in the world"
    ring = session.hud.ring
    for _ in range(max_tabs):
        if ring.current is widget:
            return
        await keyboard.press(session.base, "tab")
    raise AssertionError(f"Tab never reached {widget}")


async def type_text(session: Session, text: str, erase: int = 0) -> None:
    """Backspace ``erase`` times, then each character, into the focused text field: each key as Panda's
    ButtonThrower sends it, and as the field's keystroke (offscreen there is no keyboard device to feed the
    field itself, tests/client/test_focused_field.py)."""
    assert session.hud is not None, "in the world"
    field = session.hud.ring.current
    assert focused_entry() is not None and field.guiItem == focused_entry(), "no text field has the cursor"
    for _ in range(erase):
        session.base.messenger.send("backspace")
        field.enterText(field.get()[:-1])
        await keyboard.frames(session.base)
        session.base.messenger.send("backspace-up")
    for ch in text:
        event = KEY_NAMES.get(ch, ch)
        session.base.messenger.send(event)
        field.enterText(field.get() + ch)
        await keyboard.frames(session.base)
        session.base.messenger.send(f"{event}-up")


@pytest.mark.parametrize("size", [(800, 600), (360, 720)], ids=["800x600", "narrow-360x720"])
async def test_teacher_invites_and_reads_the_whole_code(base, driver, server, http, tmp_path, shots, monkeypatch,
                                                        size):
    documents = tmp_path / "Documents"
    monkeypatch.setenv("CYBERCOLLEGE_DOCUMENTS", str(documents))
    monkeypatch.delenv("DISPLAY", raising=False)  # a machine with no graphical session: no clipboard
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    server.app[SERVICES].settings.public_url = server.url  # as a deployed server is configured (port 0 here)
    session = Session(base, http, driver, Options(url=server.url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    try:
        with window_size(base, *size):
            await until(lambda: isinstance(session.screen, LoginScreen), what="the login screen")
            await keyboard.log_in(session, "mme.durand")
            await in_world(session)
            await keyboard.press(base, "f2")
            panel = session.classroom.panel
            await until(lambda: panel.shown, what="the teacher's panel")
            await tab_to(session, panel.tabs["invitations"])  # the panel's tabs: Tab to one, Enter opens it
            await keyboard.press(base, "enter")
            await save_shot(base, shots / "1-panel.png")

            for key, value in FORM:
                field = panel.fields[key]
                await tab_to(session, field)
                await type_text(session, value, erase=len(field.get()))
                assert field.get() == value
            await save_shot(base, shots / "2-form-filled.png")
            await tab_to(session, panel.buttons["inv_create"])
            await keyboard.press(base, "enter")
            await until(lambda: panel.card is not None, timeout=10, what="the invitation card")
            card = panel.card
            await save_shot(base, shots / "3-card.png")

            code = card.code_text.getText().replace("\n", "")  # read off the screen, lines put back together
            assert len(code) == 19 and code.count("-") == 3, code
            assert outside_window(base, card.root) == [], "every text and button of the card is in the window"
            low, high = card.code_text.get_tight_bounds(base.aspect2d)
            assert base.a2dLeft <= low.x and high.x <= base.a2dRight and base.a2dBottom <= low.z
            assert high.z <= base.a2dTop
            if size[0] < size[1]:
                assert "\n" in card.code_text.getText(), "in a narrow window the code wraps, never runs off"
            link = card.link_text.getText().replace("\n", "")
            assert link == f"{server.url}/invite/{code}"
            async with http.post(f"{server.url}/auth/guest/check", json={"code": code}) as resp:
                assert resp.status == 200, await resp.text()
                facts = await resp.json()
            assert (facts["partner_school"], facts["language"], facts["room"]) == ("Gymnasium Köln", "de", "amphi")

            assert session.hud.ring.current is card.buttons["copy"], "Copy has the focus when the card opens"
            await tab_to(session, panel.buttons["inv_create"])  # another invitation would lose this code
            await keyboard.press(base, "enter")
            assert card.status_text.getText().replace("\n", " ") == tr("card_close_first")
            assert panel.card is card and card.code_text.getText().replace("\n", "") == code
            assert session.hud.ring.current is card.buttons["copy"], "back on the card"
            await keyboard.press(base, "enter")
            await until(lambda: card.status_text.getText().replace("\n", " ") == tr("card_no_display"),
                        what="the card says there is no clipboard")
            await save_shot(base, shots / "4-no-clipboard.png")

            await keyboard.press(base, "tab")
            assert session.hud.ring.current is card.buttons["print"]
            await keyboard.press(base, "enter")
            await until(lambda: tr("card_saved", path="").strip() in card.status_text.getText(), timeout=20,
                        what="the sheet saved")
            sheets = list((documents).glob("*.pdf"))
            assert len(sheets) == 1 and str(sheets[0]) in card.status_text.getText().replace("\n", "")
            pages, text, qr = pdf_text_and_qr(sheets[0].read_bytes())
            flat = text.replace("\r", "").replace("\n", " ")
            assert pages == 1 and code in flat and link in text.replace("\r", "").replace("\n", "") and qr == [link]
            assert "Warten Sie, bis die französische Lehrkraft Sie hereinlässt." in flat
            assert outside_window(base, card.root) == [], "the saved path is wrapped inside the window too"
            await save_shot(base, shots / "5-sheet-saved.png")

            await keyboard.press(base, "tab")
            assert session.hud.ring.current is card.buttons["close"]
            await keyboard.press(base, "enter")
            await until(lambda: panel.card is None, what="the card closed")
            assert card.root.is_empty()
            await save_shot(base, shots / "6-closed.png")
    finally:
        await stop(session, task)
