"""A focused text field takes every key: letters, Space, Enter and the arrows reach no button, shortcut or
step of my avatar (issue 11: a teacher typing in her form walked; a guest's code with spaces pressed the login
screen's first button, which launched a browser).

Keys are sent as Panda3D's ButtonThrower sends them (``base.messenger``); the field is clicked as a mouse
click does it (``PGEntry.set_focus``, which does not move the Tab ring), and each character also reaches the
field as its keystroke would (offscreen there is no keyboard device to feed the field itself).
"""

from __future__ import annotations

from direct.gui.DirectGui import DirectEntry

from cybercollege.client.i18n import tr
from cybercollege.client.ui.login import LoginChoice, LoginScreen
from cybercollege.protocol.messages import Anim
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop

KEYS = {" ": "space"}
ARROWS = ("arrow_up", "arrow_left", "arrow_down", "arrow_right")


def click(field: DirectEntry) -> None:
    """What a mouse click on a text field does: it takes the keyboard focus."""
    field.guiItem.set_focus(True)


async def type_keys(base, driver, field: DirectEntry, text: str) -> None:
    """Each character as a key press and release (two frames apart), and as the field's keystroke."""
    for ch in text:
        event = KEYS.get(ch, ch)
        base.messenger.send(event)
        if field.guiItem.get_focus():
            field.enterText(field.get() + ch)
        await driver.frames_later(2)
        base.messenger.send(f"{event}-up")


async def hold_arrows(base, driver) -> None:
    for key in ARROWS:
        base.messenger.send(key)
        await driver.frames_later(5)
        base.messenger.send(f"{key}-up")


async def test_typing_in_the_chat_and_the_teachers_form_moves_nothing(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path)
    try:
        await in_world(session)
        hud, walker = session.hud, session.view.walker
        hud.ring.focus(hud.hand)  # the Tab ring sits on "raise my hand": Space or Enter would press it
        base.messenger.send("f2")  # the teacher's panel
        panel = session.classroom.panel
        await until(lambda: panel.shown, what="the teacher's panel")
        await until(lambda: hud.people.frame is None, 2, "the people list stepping aside for the panel")
        panel.tabs["polls"]["command"](*panel.tabs["polls"]["extraArgs"])  # a click on the polls tab
        for field in (hud.entry, panel.fields["poll_question"]):
            field.enterText("")
            click(field)
            x, y, heading = walker.x, walker.y, walker.heading
            await type_keys(base, driver, field, "a b h e w")
            await hold_arrows(base, driver)
            base.messenger.send("enter")  # the field's Enter, not the focused button's
            await driver.frames_later(3)
            assert field.get() == "a b h e w", "the text arrived"
            assert (walker.x, walker.y, walker.heading) == (x, y, heading), "the avatar did not move"
            assert walker.anim != Anim.HAND_UP and not walker.seated, "no hand raised, not seated"
            assert session.screen is None, "no menu, no screen"
            assert hud.hand["text"] == tr("raise_hand"), "the focused button was not pressed"
            base.messenger.send("escape")  # leaves the field, not the world
            await driver.frames_later(2)
            assert not hud.typing and session.screen is None
        base.messenger.send("arrow_up")  # with no field focused, the arrows walk again
        y0 = walker.y
        await until(lambda: abs(walker.y - y0) > 0.2, what="walking once the field let the keys go")
        base.messenger.send("arrow_up-up")
    finally:
        await stop(session, task)


async def test_a_guest_code_typed_with_spaces_presses_no_button(base, driver):
    choices: list[LoginChoice] = []
    screen = LoginScreen("http://127.0.0.1:1", [("ent", "ENT Test")], choices.append)
    try:
        assert screen.ring.current["text"] != "", "the ring starts on the first button (the ENT's)"
        click(screen.guest)
        await type_keys(base, driver, screen.guest, "92jq sw7r 8at5 c8xy")
        base.messenger.send("enter")
        await driver.frames_later(2)
        assert choices == [], "neither the ENT button nor any other was pressed"
        click(screen.guest_name)
        await type_keys(base, driver, screen.guest_name, "Giulia B")
        base.messenger.send("enter")  # the ring's Enter does nothing; the field's own Enter sends the form
        screen.guest_name["command"](screen.guest_name.get())
        await driver.frames_later(2)
        assert [(c.kind, c.value, c.name) for c in choices] == [("guest", "92jq sw7r 8at5 c8xy", "Giulia B")]
    finally:
        screen.destroy()


def test_board_shortcuts_wait_while_a_field_has_the_keys(base):
    """Ctrl+Z in the chat undoes typing, not my last stroke on the board (client/ui/toolbar.py)."""
    from cybercollege.client.ui.toolbar import _unless_typing

    undone: list[str] = []
    undo = _unless_typing(lambda: undone.append("stroke"))
    field = DirectEntry(parent=base.aspect2d, scale=0.05)
    try:
        click(field)
        undo()
        assert undone == [], "a focused field keeps Ctrl+Z"
        field.guiItem.set_focus(False)
        undo()
        assert undone == ["stroke"]
    finally:
        field.destroy()
