"""Guests in the client: the waiting room shows only what works there; a host's controls on a guest's row
(make her the guest host of her class, take it back, send her back to the lobby), against a real server."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cybercollege.client import sources
from cybercollege.client.i18n import tr
from cybercollege.client.network import WorldConnection
from cybercollege.client.session import Options, Session
from cybercollege.protocol.conference import ConfRole
from cybercollege.protocol.invitation import Admit
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.client.test_connecting import guest_from_the_login_screen
from tests.client.test_media import Peer, into_amphi, loopback_ice  # noqa: F401 - a fixture
from tests.client.test_people_layout import resize
from tests.client.test_people_list import got, press
from tests.server.test_invitation import guest, invite

SHOTS = Path("var/journeys")


async def test_the_waiting_room_shows_only_its_message_and_the_menu(base, server, http, driver, tmp_path):
    status, invitation = await invite(http, server)
    assert status == 201, invitation
    teacher = WorldConnection(http, server.url, await _token(http, server, "mme.durand"))
    await teacher.connect()
    session = Session(base, http, driver, Options(url=server.url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    shots = SHOTS / "test_the_waiting_room_shows_only_its_message_and_the_menu"
    typed = " ".join(invitation["code"].replace("-", "").lower()[i : i + 4] for i in range(0, 16, 4))
    try:  # the code typed as the docs allow: spaces, lower case
        await guest_from_the_login_screen(base, driver, session, typed)
        await until(lambda: session.view is not None and session.view.waiting == "lobby", 10, "the lobby")
        hud = session.hud
        await driver.frames_later(2)
        assert hud.chat_root.is_hidden() and hud.hand.is_hidden() and hud.sit.is_hidden()
        assert not hud.waiting.is_hidden() and hud.waiting.getText() == tr("lobby_waiting")
        assert hud.people.frame is None, "no people list in the waiting room"
        assert hud.entry not in hud.ring.widgets and hud.hand not in hud.ring.widgets
        assert not hud.menu.is_hidden() and hud.menu in hud.ring.widgets, "the menu still works"
        for key in ("enter", "h", "e"):  # no chat to write in, no hand, no seat
            base.messenger.send(key)
            base.messenger.send(f"{key}-up")
        await driver.frames_later(2)
        assert not hud.typing and hud.toast_text.getText() == "" and session.screen is None
        session.screenshot(shots / "lobby.png")

        me = session.conn.mirror.me
        await teacher.wait_for(lambda m: me in [g.id for g in m.lobby])
        await teacher.send(Admit([me]))
        await until(lambda: session.view.walker is not None and session.view.walker.room.id == "amphi", 10,
                    "admitted into the amphitheatre")
        await driver.frames_later(3)
        assert not hud.chat_root.is_hidden() and not hud.hand.is_hidden() and hud.waiting.is_hidden()
        await until(lambda: hud.people.frame is not None and hud.entry in hud.ring.widgets, 10,
                    "the people list and the chat, laid out on the next pass")
        session.screenshot(shots / "admitted.png")
    finally:
        await teacher.close()
        await stop(session, task)


async def _token(http, server, login: str) -> str:
    from cybercollege.client.network import fetch_demo_token

    return await fetch_demo_token(http, server.url, login)


async def test_the_host_makes_a_guest_host_and_sends_her_back_to_the_lobby(base, server, http, driver, tmp_path):
    status, invitation = await invite(http, server)
    assert status == 201, invitation
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path,
                                devices=sources.Devices("none", "none"))
    await in_world(session)
    status, login = await guest(http, server, invitation["code"], "Emma")
    assert status == 200, login
    emma = Peer(WorldConnection(http, server.url, login["access_token"]))
    await emma.conn.connect()
    hud = session.hud
    try:
        await into_amphi(server, session.conn.mirror.me, (26.0, -6.0, 0.0))
        await session.conn.wait_for(lambda m: emma.conn.mirror.me in [g.id for g in m.lobby])
        await session.conn.send(Admit([emma.conn.mirror.me]))
        await emma.conn.wait_for(lambda m: m.room == "amphi")
        gid = emma.conn.mirror.me
        await until(lambda: gid in hud.people.rows and "host" in hud.people.rows[gid].buttons, 10,
                    "Emma's row with the make-host button")
        assert hud.people.rows[gid].buttons["remove"]["text"] == tr("conf_to_lobby")
        shown = "Emma · Gesamtschule Köln"  # a guest never passes for one of ours: her school in every view
        assert hud.people.rows[gid].name.getText().startswith(shown)
        await until(lambda: gid in session.view.layer.views, 10, "Emma's avatar drawn")
        tag = session.view.layer.views[gid].tag.find("**/+TextNode").node()
        assert tag.get_text() == f"{shown}\n{tr('role_guest')}"
        await emma.conn.say("Hallo !")
        await until(lambda: any("Hallo !" in line for line in hud.lines), 10, "her line in the chat")
        assert f"[{tr('role_guest')}] {shown} : Hallo !" in hud.lines
        await driver.frames_later(3)
        session.screenshot(SHOTS / "test_the_host_makes_a_guest_host" / "guest-marked.png")
        for size in ((800, 600), (1280, 720)):  # the controls' labels fit the column (look at these)
            resize(base, size)
            await driver.frames_later(15)
            session.screenshot(SHOTS / "test_the_host_makes_a_guest_host" / f"guest-row-{size[0]}.png")
        resize(base, (640, 360))

        await press(base, driver, hud, hud.people.rows[gid].buttons["host"])
        await until(lambda: got(emma, ConfRole, participant=gid, role="host"), 5, "Emma made guest host")
        await until(lambda: tr("conf_is_host") in hud.people.rows[gid].status.getText(), 3, "'host' in her row")
        assert hud.people.rows[gid].buttons["host"]["text"] == tr("conf_unmake_host")
        assert hud.people.rows[gid].buttons["floor"]["text"] == tr("conf_take_floor")

        await press(base, driver, hud, hud.people.rows[gid].buttons["floor"])  # takes it all back
        await until(lambda: got(emma, ConfRole, participant=gid, role="audience"), 5, "Emma in the audience")

        await press(base, driver, hud, hud.people.rows[gid].buttons["remove"])
        await emma.conn.wait_for(lambda m: m.room == "lobby", 5)
        await until(lambda: gid not in hud.people.rows, 5, "Emma gone from the amphitheatre's list")
    finally:
        resize(base, (640, 360))
        await emma.close()
        await stop(session, task)
