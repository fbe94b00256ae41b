"""Typing into the client as a keyboard does, offscreen.

Each character is sent as its key press and release through Panda3D's messenger (what the ButtonThrower
sends: the world's shortcuts and movement keys hear it), and reaches the focused field as its keystroke.
Offscreen there is no keyboard device to feed the field, and Panda3D does not let Python call
``PGEntry::keystroke``, so :func:`keystroke` does what that C++ method does (panda/src/pgui/pgEntry.cxx,
1.10): nothing unless the field has the focus; refused once it holds ``max_chars``; and, unless the field is
in overflow mode, refused when the character makes the text wrap past the field's lines (which is how the
chat used to stop at about 56 characters).
"""

from __future__ import annotations

from direct.gui.DirectGui import DirectEntry
from panda3d.core import KeyboardButton, TextNode

KEYS = {" ": "space", ".": "."}


def key_event(ch: str) -> str:
    """The ButtonThrower's event for the key that types ``ch`` (a capital is Shift with the letter)."""
    return KEYS.get(ch) or (f"shift-{ch.lower()}" if ch.isupper() else ch)


def keystroke(field: DirectEntry, ch: str) -> bool:
    """``ch`` typed into ``field`` at its cursor, as Panda3D's PGEntry takes it; False if refused."""
    item = field.guiItem
    if not item.get_focus():
        return False
    text, cursor = item.get_plain_wtext(), min(item.get_cursor_position(), item.get_num_characters())
    if 0 < item.get_max_chars() <= len(text):
        return False
    new = text[:cursor] + ch + text[cursor:]
    if not item.get_overflow_mode() and not fits(field, new):
        return False
    item.set_wtext(new)
    item.set_cursor_position(cursor + 1)
    return True


def fits(field: DirectEntry, text: str) -> bool:
    """The text wraps within the field's lines, the last one not filled to the margin (PGEntry's test)."""
    item = field.guiItem
    node = TextNode("measure")
    node.set_font(item.get_text_def(0).get_font())
    node.set_wordwrap(item.get_max_width())
    node.set_wtext(text)
    rows = node.get_wordwrapped_wtext().split("\n")
    return len(rows) < item.get_num_lines() or (
        len(rows) == item.get_num_lines() and node.calc_width(rows[-1]) < item.get_max_width())


async def type_text(base, driver, field: DirectEntry, text: str) -> int:
    """Each character as a key press, the field's keystroke, then the key's release (two frames apart);
    returns how many characters the field took."""
    taken = 0
    for ch in text:
        event = key_event(ch)
        base.messenger.send(event)
        taken += keystroke(field, ch)
        await driver.frames_later(2)
        base.messenger.send(f"{event}-up")
    return taken


def click(field: DirectEntry) -> None:
    """What a mouse click on a text field does: it takes the keyboard focus."""
    field.guiItem.set_focus(True)


async def press_enter(base, driver, field: DirectEntry) -> None:
    """Enter: the world hears the key; a focused field accepts its text (PGEntry's accept event, which calls
    the DirectEntry's command)."""
    base.messenger.send("enter")
    if field.guiItem.get_focus():
        base.messenger.send(field.guiItem.get_accept_event(KeyboardButton.enter()), [None])
    await driver.frames_later(2)
    base.messenger.send("enter-up")


async def fast_type(base, driver, field: DirectEntry, text: str, per_frame: int = 20) -> int:
    """A long text typed quickly (``per_frame`` characters a frame, each its key press and keystroke)."""
    taken = 0
    for i, ch in enumerate(text):
        event = key_event(ch)
        base.messenger.send(event)
        taken += keystroke(field, ch)
        base.messenger.send(f"{event}-up")
        if i % per_frame == per_frame - 1:
            await driver.frames_later(1)
    return taken
