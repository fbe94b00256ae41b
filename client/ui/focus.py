"""Keyboard navigation for DirectGUI: Tab / Shift+Tab move the focus, Enter or Space activates it.

While a text field has the keyboard focus (:func:`typing`), every key is the field's: Enter and Space
press no button, and the world's shortcuts and movement keys (client/controls.py) do nothing.
"""

from __future__ import annotations

from direct.gui.DirectGui import DirectButton, DirectEntry
from direct.showbase.DirectObject import DirectObject
from panda3d.core import ClockObject, NodePath, PGEntry, PGItem

from cybercollege.client import style

HIGHLIGHT = (0.93, 0.55, 0.1, 1.0)
FIELD = (0.9, 0.93, 0.97, 1.0)


def focused_entry() -> PGEntry | None:
    """The text field that has the keyboard focus, if any (a hidden one loses it)."""
    item = PGItem.get_focus_item()
    if not isinstance(item, PGEntry):
        return None
    if not NodePath(item).get_hidden_ancestor().is_empty():
        item.set_focus(False)
        return None
    return item


def typing() -> bool:
    """A text field has the keyboard focus: no key may reach a button, a shortcut or the avatar."""
    return focused_entry() is not None


def blur() -> None:
    """Take the keyboard focus from the focused text field (Escape)."""
    item = focused_entry()
    if item is not None:
        item.set_focus(False)


class FocusRing(DirectObject):
    """The widgets of one screen in Tab order; the focused one is outlined."""

    def __init__(self) -> None:
        super().__init__()
        self.widgets: list = []
        self.index = -1
        self.pressed_frame = -1
        """The frame in which Enter or Space last pressed a button: that key press is used up."""
        self.accept("tab", self.move, [1])
        self.accept("shift-tab", self.move, [-1])
        self.accept("enter", self.activate)
        self.accept("space", self.activate, [True])

    def add(self, widget) -> None:
        self.widgets.append(widget)

    def move(self, step: int) -> None:
        if not self.widgets:
            return
        self._follow_click()
        self._show(False)
        blur()  # a field of another ring, too, lets the keys go
        self.index = (self.index + step) % len(self.widgets)
        self._show(True)

    def remove(self, widget) -> None:
        """Take a widget out of the ring (hidden or destroyed); the focus stays where it was."""
        if widget not in self.widgets:
            return
        current = self.current
        if current is widget:
            self._show(False)
        self.widgets.remove(widget)
        self.index = self.widgets.index(current) if current in self.widgets else -1

    def just_pressed(self) -> bool:
        """Enter or Space pressed a button in this frame (other handlers of that key let it be)."""
        return self.pressed_frame == ClockObject.get_global_clock().get_frame_count()

    def focus(self, widget) -> None:
        """``widget`` gets the keyboard focus (a text field that had it lets the keys go)."""
        self._show(False)
        blur()
        self.index = self.widgets.index(widget)
        self._show(True)

    @property
    def current(self):
        return self.widgets[self.index] if 0 <= self.index < len(self.widgets) else None

    def _follow_click(self) -> None:
        """A field of this ring focused with the mouse becomes the ring's current widget."""
        item = focused_entry()
        for i, widget in enumerate(self.widgets):
            if isinstance(widget, DirectEntry) and widget.guiItem == item:
                if i != self.index:
                    self._show(False)
                    self.index = i
                return

    def activate(self, space: bool = False) -> None:
        """Enter / Space press the focused button, unless a text field has the keys (its own Enter)."""
        if typing():
            return
        widget = self.current
        if isinstance(widget, DirectButton) and widget["command"]:
            self.pressed_frame = ClockObject.get_global_clock().get_frame_count()
            widget["command"](*widget["extraArgs"])
        elif space and isinstance(widget, DirectEntry):
            return

    def _show(self, on: bool) -> None:
        widget = self.current
        if widget is None:
            return
        if isinstance(widget, DirectEntry):
            widget["focus"] = 1 if on else 0
        else:
            widget["frameColor"] = HIGHLIGHT if on else widget.getPythonTag("color")

    def destroy(self) -> None:
        self.ignore_all()
        self.widgets.clear()


def button(parent, text: str, command, pos: tuple[float, float], width: float = 0.5, scale: float = 0.055,
           color=style.ACCENT, ring: FocusRing | None = None, extra=()) -> DirectButton:
    """A flat coloured button of ``width`` (aspect2d units)."""
    half = width / scale / 2
    b = DirectButton(parent=parent, text=text, command=command, extraArgs=list(extra),
                     pos=(pos[0], 0, pos[1]), scale=scale, frameSize=(-half, half, -0.6, 1.15),
                     frameColor=color, text_fg=style.TEXT, relief=1, pressEffect=1)
    b.setPythonTag("color", color)
    if ring is not None:
        ring.add(b)
    return b


def entry(parent, pos: tuple[float, float], width: float, initial: str = "", command=None,
          scale: float = 0.05, ring: FocusRing | None = None, obscured: bool = False) -> DirectEntry:
    """A one-line text field ``width`` aspect2d units wide."""
    e = DirectEntry(parent=parent, initialText=initial, pos=(pos[0], 0, pos[1]), scale=scale,
                    width=width / scale, numLines=1, command=command, focus=0, obscured=obscured,
                    frameColor=FIELD, relief=2, borderWidth=(0.1, 0.1), text_fg=style.TEXT_DARK)
    if ring is not None:
        ring.add(e)
    return e
