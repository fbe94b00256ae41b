"""Keyboard navigation for DirectGUI: Tab / Shift+Tab move the focus, Enter or Space activates it.

One focus model: while a text field has the keyboard focus, or a modal dialog is open (:func:`typing`), every
key is theirs: Enter and Space press no button behind them, and the world's shortcuts and movement keys
(client/controls.py, :func:`unless_typing`) do nothing. Escape leaves the field. Every field scrolls
sideways as one types (Panda3D's overflow mode) and takes up to its limit, shown by a counter near the end.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from direct.gui.DirectGui import DirectButton, DirectEntry
from direct.gui.OnscreenText import OnscreenText
from direct.showbase.DirectObject import DirectObject
from panda3d.core import ClockObject, NodePath, PGEntry, PGItem, TextNode

from cybercollege.client import style

HIGHLIGHT = (0.93, 0.55, 0.1, 1.0)
FIELD = (0.9, 0.93, 0.97, 1.0)
FIELD_LIMIT = 500
"""Characters a field takes unless told otherwise: the protocol's longest text (chat, board text, questions)."""
COUNTER_FROM = 0.8
"""The counter shows once a field holds this share of its limit (red at the limit: no more is taken)."""
FULL = (1.0, 0.45, 0.4, 1.0)
_modal: list[object] = []
"""The open modal dialogs (their Tab rings), newest last: they take the keys from the world and other rings."""


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
    """A text field has the keyboard focus, or a modal dialog is open: no key may reach a button behind it, a
    shortcut or the avatar."""
    return focused_entry() is not None or bool(_modal)


def unless_typing(action: Callable[..., object]) -> Callable[..., None]:
    """A shortcut (F2, M, Ctrl+Z...) that does nothing while a field or a dialog has the keys."""

    def shortcut(*args: object) -> None:
        if not typing():
            action(*args)

    return shortcut


def blur() -> None:
    """Take the keyboard focus from the focused text field (Escape)."""
    item = focused_entry()
    if item is not None:
        item.set_focus(False)


class FocusRing(DirectObject):
    """The widgets of one screen in Tab order; the focused one is outlined."""

    def __init__(self, modal: bool = False) -> None:
        """``modal``: a dialog's ring, which takes the keys until :meth:`destroy` (the others wait)."""
        super().__init__()
        self.modal = modal
        if modal:
            _modal.append(self)
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

    def waiting(self) -> bool:
        """A modal dialog above this ring has the keys."""
        return bool(_modal) and _modal[-1] is not self

    def move(self, step: int) -> None:
        if not self.widgets or self.waiting():
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
        if focused_entry() is not None or self.waiting():
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
        if self in _modal:
            _modal.remove(self)


def button(parent, text: str, command, pos: tuple[float, float], width: float = 0.5, scale: float = 0.055,
           color=None, ring: FocusRing | None = None, extra=()) -> DirectButton:
    """A flat coloured button of ``width`` (aspect2d units); ``color`` as client/style.py ``fill`` reads it
    (None: the accent), so that :func:`repaint` follows a change of palette."""
    half = width / scale / 2
    b = DirectButton(parent=parent, text=text, command=command, extraArgs=list(extra),
                     pos=(pos[0], 0, pos[1]), scale=scale, frameSize=(-half, half, -0.6, 1.15),
                     relief=1, pressEffect=1)
    b.setPythonTag("paint", color)
    repaint(b)
    if ring is not None:
        ring.add(b)
    return b


def repaint(b: DirectButton) -> None:
    """A button's colours in the current palette (the high-contrast option changed)."""
    paint = b.getPythonTag("paint")
    b.setPythonTag("color", style.fill(paint))
    if tuple(b["frameColor"]) != HIGHLIGHT:  # the focused one keeps its outline colour
        b["frameColor"] = style.fill(paint)
    b["text_fg"] = style.label_on(paint)


def entry(parent, pos: tuple[float, float], width: float, initial: str = "", command=None,
          scale: float = 0.05, ring: FocusRing | None = None, obscured: bool = False,
          limit: int = FIELD_LIMIT) -> DirectEntry:
    """A one-line text field ``width`` aspect2d units wide that scrolls sideways as one types and takes up to
    ``limit`` characters (a counter shows near the limit)."""
    e = DirectEntry(parent=parent, initialText=initial, pos=(pos[0], 0, pos[1]), scale=scale,
                    width=width / scale, numLines=1, command=command, focus=0, obscured=obscured, overflow=1,
                    frameColor=FIELD, relief=2, borderWidth=(0.1, 0.1), text_fg=style.TEXT_DARK)
    e.guiItem.set_max_chars(limit)
    Counter(e, limit)
    if ring is not None:
        ring.add(e)
    return e


class Counter:
    """``450/500`` above the right end of a field once it is nearly full; red when it takes no more."""

    def __init__(self, field: DirectEntry, limit: int) -> None:
        self.field, self.limit = field, limit
        self.text = OnscreenText(parent=field, text="", pos=(field["width"], 1.05), scale=0.7,
                                 fg=style.TEXT, align=TextNode.A_right, mayChange=True)
        self.shown = ""
        field.setPythonTag("counter", self)
        _counters.add(self)
        if not _counters_task:
            from direct.showbase import ShowBaseGlobal

            _counters_task.append(ShowBaseGlobal.base.taskMgr.add(_follow_counters, "field-counters", sort=50))

    def follow(self) -> None:
        n = self.field.guiItem.get_num_characters()
        text = f"{n}/{self.limit}" if n >= self.limit * COUNTER_FROM else ""
        if text != self.shown:
            self.shown = text
            self.text.setText(text)
            self.text.setFg(FULL if n >= self.limit else style.TEXT)


_counters: weakref.WeakSet[Counter] = weakref.WeakSet()
_counters_task: list = []


def _follow_counters(task):
    """Once a frame: each live field's counter follows what it holds."""
    for counter in list(_counters):
        if getattr(counter.field, "guiItem", None) is None or counter.field.is_empty():
            _counters.discard(counter)
        else:
            counter.follow()
    return task.cont
