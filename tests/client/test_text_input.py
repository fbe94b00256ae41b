"""One focus model: a focused field takes every key (the world's shortcuts and movement keys included), Escape
leaves it; fields scroll sideways and take their limit (the chat: the protocol's 500 characters).

Issue 13: typing "lecon.png" in the teacher's panel made her sit, "Gesamtschule" raised her hand, z/q/s/d
walked; the chat stopped taking characters at about 56 and the rest of the message was lost.
"""

from __future__ import annotations

from pathlib import Path

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.client.ui import focus
from cybercollege.protocol.limits import MAX_CHAT_CHARS
from cybercollege.protocol.messages import Anim
from tests.client.helpers import until
from tests.client.keystrokes import click, fast_type, keystroke, press_enter, type_text
from tests.client.sessions import in_room, in_world, start, stop
from tests.journeys.conftest import shots  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[2]
EVERY_SHORTCUT = "zqsd wasd e h m Lecon.png Gesamtschule"
"""Every letter the world answers to (walking ZQSD/WASD, E sits, H raises a hand, M the map), in words."""
ARROWS = ("arrow_up", "arrow_left", "arrow_down", "arrow_right")
F_KEYS = ("f1", "f2", "f3", "f4")



async def teacher_in_103(base, http, driver, server, tmp_path):
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path)
    await in_world(session)
    world = server.world
    world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], (38.0, 15.0, 90.0))
    await in_room(session, driver, "salle-103")
    await until(lambda: session.classroom is not None and session.classroom.panel is not None, what="the panel")
    return session, task


async def show_field_tab(base, driver, session, widget) -> None:
    """Tab to the teacher panel's tab that holds ``widget`` and press Enter on it (a hidden field takes no key)."""
    panel = session.classroom.panel
    for name, page in getattr(panel, "pages", {}).items():
        if page.frame.is_ancestor_of(widget) and panel.tab != name:
            session.hud.ring.focus(panel.tabs[name])
            await press_keys(base, driver, ["enter"])
            await until(lambda: not widget.is_hidden() and widget.get_hidden_ancestor().is_empty(),
                        what=f"the {name} tab shown")


async def press_keys(base, driver, keys) -> None:
    for key in keys:
        base.messenger.send(key)
        await driver.frames_later(3)
        base.messenger.send(f"{key}-up")


async def test_every_field_takes_every_key_and_escape_gives_them_back(base, server, http, driver, tmp_path, shots):  # noqa: F811 - the journeys\' shots fixture
    session, task = await teacher_in_103(base, http, driver, server, tmp_path)
    try:
        hud, walker = session.hud, session.view.walker
        if not hud.help.isHidden():  # F1 hides the help line (its timer could only hide it too)
            await press_keys(base, driver, ["f1"])
        assert hud.help.isHidden()
        base.messenger.send("f2")  # the teacher's panel
        panel = session.classroom.panel
        await until(lambda: panel.shown, what="the teacher's panel")
        fields = {"chat": hud.entry, **panel.fields}
        assert {"inv_school", "inv_classes", "poll_question", "poll_options", "breakout_minutes"} <= set(fields)
        for name, field in fields.items():
            if name != "chat":
                await show_field_tab(base, driver, session, field)
            field.enterText("")
            click(field)
            assert focus.typing(), f"{name}: the field has the cursor"
            before = (walker.x, walker.y, walker.heading, walker.anim, walker.seated)
            taken = await type_text(base, driver, field, EVERY_SHORTCUT)
            await press_keys(base, driver, ARROWS + F_KEYS)
            if name == "inv_school":
                session.screenshot(shots / "1-typing-in-the-invitation-form.png")
            limit = field.guiItem.get_max_chars()  # a field's documented limit (minutes: 4 digits)
            expected = EVERY_SHORTCUT[:limit] if limit else EVERY_SHORTCUT
            assert (taken, field.get()) == (len(expected), expected), f"{name}: the whole text, up to its limit"
            assert (walker.x, walker.y, walker.heading, walker.anim, walker.seated) == before, \
                f"{name}: the avatar did not move, sit or raise her hand"
            assert walker.anim != Anim.HAND_UP and not walker.seated
            assert panel.shown and hud.help.isHidden(), f"{name}: F1 and F2 were the field's"
            assert session.screen is None, f"{name}: no menu"
            base.messenger.send("escape")  # leaves the field, not the world
            await driver.frames_later(2)
            assert not focus.typing() and session.screen is None, f"{name}: Escape left the field"
        base.messenger.send("arrow_up")  # no field focused: the keys walk again
        y0, x0 = walker.y, walker.x
        await until(lambda: abs(walker.x - x0) + abs(walker.y - y0) > 0.2, what="walking once Escape let go")
        base.messenger.send("arrow_up-up")
        session.screenshot(shots / "2-escape-then-walking.png")
    finally:
        await stop(session, task)


async def test_a_field_without_overflow_stopped_where_the_chat_did(base, driver):
    """The keystroke model reproduces the finding: a field as the chat's was (1.19 wide, no overflow mode)
    stops taking characters at about 56; the same field now scrolls and takes 500."""
    from direct.gui.DirectGui import DirectEntry

    old = DirectEntry(parent=base.aspect2d, scale=0.04, width=1.19 / 0.04, numLines=1, focus=0)
    new = focus.entry(base.aspect2d, (0, 0), 1.19, scale=0.04, limit=MAX_CHAT_CHARS)
    try:
        text = "Bonjour à tous, voici la consigne pour demain : lire le chapitre trois " * 10
        click(old)
        for ch in text:
            keystroke(old, ch)
        cut = len(old.get().rstrip())  # (spaces at the end of a full line still go in, as in PGEntry)
        assert 40 <= cut <= 70 and text.startswith(old.get().rstrip()), f"the old chat field kept {cut} characters"
        click(new)
        assert sum(keystroke(new, ch) for ch in text) == MAX_CHAT_CHARS
        assert new.get() == text[:MAX_CHAT_CHARS]
    finally:
        old.destroy()
        new.destroy()


async def test_a_300_character_message_arrives_whole_and_the_chat_refuses_past_500(
        base, server, http, driver, tmp_path, shots):  # noqa: F811 - the journeys\' shots fixture
    session, task = await teacher_in_103(base, http, driver, server, tmp_path)
    lea = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "lea.martin"))
    await lea.connect()
    try:
        world = server.world
        world.move_to(world.avatars[lea.mirror.me], world.rooms["salle-103"], (40.0, 13.0, 90.0))
        await lea.wait_for(lambda m: m.room == "salle-103", timeout=30)
        hud = session.hud
        words = "Pour jeudi, relisez le chapitre 4 et préparez trois questions sur le texte de Roald Dahl. "
        message = (words * 4)[:300].rstrip() + "."
        base.messenger.send("enter")  # Enter: write in the chat
        base.messenger.send("enter-up")
        await until(lambda: focus.focused_entry() == hud.entry.guiItem, what="the chat field focused by Enter")
        assert await fast_type(base, driver, hud.entry, message) == len(message)
        assert hud.entry.get() == message, "the field holds the whole message (it scrolls)"
        session.screenshot(shots / "1-a-long-message-scrolls-in-the-field.png")
        await press_enter(base, driver, hud.entry)
        await lea.wait_for(lambda m: any(c.text == message for c in m.chat), timeout=30)
        said = next(c for c in lea.mirror.chat if c.text == message)
        assert len(said.text) == len(message) >= 300, "the other client got every character"
        session.screenshot(shots / "2-sent.png")

        base.messenger.send("enter")
        base.messenger.send("enter-up")
        await until(lambda: focus.focused_entry() == hud.entry.guiItem, what="the chat field again")
        too_long = (words * 8)[: MAX_CHAT_CHARS + 20]
        assert await fast_type(base, driver, hud.entry, too_long) == MAX_CHAT_CHARS, "500 taken, no more"
        counter = hud.entry.getPythonTag("counter")
        await until(lambda: counter.shown == f"{MAX_CHAT_CHARS}/{MAX_CHAT_CHARS}", what="the counter at the limit")
        assert counter.text.fg == focus.FULL, "the counter turns red: no more is taken"
        session.screenshot(shots / "3-the-counter-at-500.png")
    finally:
        await lea.close()
        await stop(session, task)
