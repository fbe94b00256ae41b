"""The login screen: languages, keyboard only, demo accounts and the ENT (browser) path."""

from __future__ import annotations

import asyncio

from cybercollege.client import i18n, login
from cybercollege.client.i18n import tr
from cybercollege.client.network import fetch_demo_token
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginScreen
from tests.client.helpers import until
from tests.client.sessions import in_world, screen_text, stop


async def open_login(base, http, driver, url, tmp_path):
    session = Session(base, http, driver, Options(url=url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    await until(lambda: isinstance(session.screen, LoginScreen), what="the login screen")
    return session, task


async def test_language_buttons_switch_every_string(base, server, http, driver, tmp_path):
    session, task = await open_login(base, http, driver, server.url, tmp_path)
    try:
        text = screen_text(session)
        assert "Comptes de démonstration" in text
        assert all(name in text for name in i18n.LANGUAGES.values())
        english = next(w for w in session.screen.ring.widgets if w["text"] == "English")
        english["command"](*english["extraArgs"])
        await until(lambda: "Demo accounts" in screen_text(session), what="English screen")
        assert "Comptes de démonstration" not in screen_text(session)
    finally:
        i18n.set_language("fr")
        await stop(session, task)


async def test_keyboard_only_login(base, server, http, driver, tmp_path):
    session, task = await open_login(base, http, driver, server.url, tmp_path)
    try:
        ring = session.screen.ring
        while ring.current["text"] != "lea.martin":
            base.messenger.send("tab")
        base.messenger.send("enter")
        await in_world(session)
        assert session.conn.mirror.room == "hall"
    finally:
        await stop(session, task)


async def test_ent_login_goes_through_the_browser_flow(base, server, http, driver, tmp_path, monkeypatch):
    calls = []

    async def browser_login(url):  # what the browser + loopback redirect would return
        calls.append(url)
        token = await fetch_demo_token(http, url, "hugo.moreau")
        return login.LoginTokens(token, "refresh", 900)

    monkeypatch.setattr(login, "login", browser_login)
    session, task = await open_login(base, http, driver, server.url, tmp_path)
    try:
        ent = next(w for w in session.screen.ring.widgets if w["extraArgs"][:1] == ["ent"])
        ent["command"](*ent["extraArgs"])
        await in_world(session)
        assert calls == [server.url]
        assert session.welcome.you.name == "Hugo M."
    finally:
        await stop(session, task)


async def test_guest_with_an_invitation_code(base, server, http, driver, tmp_path):
    import time

    teacher = await fetch_demo_token(http, server.url, "mme.durand")
    body = {"room": "amphi", "partner_school": "Liceo Dante", "country": "Italia", "language": "italiano",
            "valid_until": time.time() + 3600}
    async with http.post(f"{server.url}/api/invitations", json=body,
                         headers={"Authorization": f"Bearer {teacher}"}) as resp:
        assert resp.status == 201, await resp.text()
        code = (await resp.json())["code"]
    session, task = await open_login(base, http, driver, server.url, tmp_path)
    try:
        screen = session.screen
        screen.guest.enterText("WRONG-CODE")
        screen.guest_name.enterText("Giulia")
        screen._guest()
        await until(lambda: "code d'invitation n'est pas valide" in screen_text(session), what="refused code")
        back = session.screen.ring.widgets[1]
        back["command"]()
        await until(lambda: isinstance(session.screen, LoginScreen), what="the login screen again")
        session.screen.guest.enterText(code)
        session.screen.guest_name.enterText("Giulia")
        session.screen._guest()
        await until(lambda: session.view is not None and session.view.waiting == "lobby", what="the lobby")
        assert session.welcome.you.role == "guest" and "Giulia" in session.welcome.you.name
        assert session.hud.room.getText() == tr("waiting_room")
    finally:
        await stop(session, task)
