"""In the world with the keyboard only: walk, chat, raise a hand, open the menu."""

from __future__ import annotations

from cybercollege.client.i18n import tr
from cybercollege.client.ui.dialogs import MessageScreen
from cybercollege.protocol.messages import Anim
from tests.client.helpers import until
from tests.client.sessions import in_world, screen_text, start, stop


async def test_keyboard_walk_chat_hand_and_menu(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    hud, walker = session.hud, session.view.walker
    try:
        walker.heading = 0.0
        y0 = walker.y
        base.messenger.send("arrow_up")
        await until(lambda: walker.y > y0 + 0.3, what="the up arrow walking forward")
        base.messenger.send("arrow_up-up")
        assert walker.y > y0 + 0.3, "the up arrow walks forward"

        base.messenger.send("enter")  # Enter: write in the chat
        await until(lambda: hud.typing, what="chat focus")
        y1 = walker.y
        base.messenger.send("z")
        await driver.frames_later(10)  # ten frames, each a step of the walker, with the key held
        base.messenger.send("z-up")
        assert walker.y == y1, "letters typed in the chat do not walk"
        hud.entry.enterText("Bonjour la classe")
        hud.entry["command"](hud.entry.get())  # what Enter in the field does
        await until(lambda: "Léa M. : Bonjour la classe" in hud.chat.getText(), what="my line in the chat")
        assert not hud.typing

        base.messenger.send("h")
        await until(lambda: walker.anim == Anim.HAND_UP, what="hand up")
        assert hud.hand["text"] == tr("lower_hand")

        base.messenger.send("escape")
        await until(lambda: isinstance(session.screen, MessageScreen), what="the menu")
        assert tr("logout") in screen_text(session) and tr("quit") in screen_text(session)
        base.messenger.send("escape")
        await until(lambda: session.screen is None, what="the menu closed")
    finally:
        await stop(session, task)
