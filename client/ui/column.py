"""A column of rows for side panels (the teacher's tabs): labels that wrap inside the column (never clipped),
each field under its label, buttons side by side with a gap (one to a row when two labels would not fit),
every size multiplied by the text factor (the large-text option, client/style.py).

Coordinates are the column's own: x from 0 to ``width``, z from 0 (top) down to ``-height``.
"""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectButton, DirectEntry, DirectFrame
from direct.gui.OnscreenText import OnscreenText
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.ui.focus import FIELD_LIMIT, button, entry

PAD = 0.03  # the column's margin
GAP = 0.022  # between two buttons, and between rows
TEXT = 0.033  # a label's letter size
TITLE = 0.04
BUTTON = 0.032
FIELD = 0.032
SHRINK = 0.8  # a button label shrunk below this share of its size: one button to the row instead
BUTTON_TOP, BUTTON_BOTTOM = 1.15, 0.6  # client/ui/focus.py button: its frame, in letter heights


def measure(text: str) -> float:
    """``text``'s width in letter heights, in the UI's font."""
    node = TextNode("measure")
    font = style.font()
    if font is not None:
        node.set_font(font)
    return max((node.calc_width(line) for line in text.split("\n")), default=0.0)


def fit(text: str, width: float, scale: float) -> float:
    """The largest letter size up to ``scale`` at which ``text`` fits in ``width`` (with a margin)."""
    em = measure(text)
    return scale if em <= 0 else min(scale, width * 0.9 / em)


class Column:
    """Rows added from the top; ``focusable`` lists the buttons and fields in Tab order."""

    def __init__(self, parent, width: float, factor: float = 1.0, name: str = "column") -> None:
        self.width, self.factor = width, factor
        self.frame = DirectFrame(parent=parent, frameColor=(0, 0, 0, 0), frameSize=(0, width, 0, 0))
        self.frame.setName(name)
        self.z = -PAD
        self.focusable: list = []
        self.texts: list[OnscreenText] = []
        self.buttons: list[DirectButton] = []

    @property
    def inner(self) -> float:
        return self.width - 2 * PAD

    @property
    def height(self) -> float:
        return -self.z + PAD - GAP

    def text(self, text: str, scale: float = TEXT, fg=None, rows: int = 1, center: bool = False) -> OnscreenText:
        """A text wrapped to the column's width; room for at least ``rows`` lines (texts that change)."""
        s = scale * self.factor
        x = self.width / 2 if center else PAD
        t = OnscreenText(parent=self.frame, text=text, pos=(x, self.z - s), scale=s, fg=fg or style.TEXT,
                         align=TextNode.A_center if center else TextNode.A_left, wordwrap=self.inner / s,
                         mayChange=True, font=style.font())
        t.setPythonTag("wrap", self.inner)
        lines = max(rows, t.textNode.get_num_rows())
        self.z -= s * (0.3 + 1.2 * lines) + GAP / 2
        self.texts.append(t)
        return t

    def title(self, text: str) -> OnscreenText:
        return self.text(text, TITLE, style.TITLE)

    def field(self, label: str, initial: str = "", limit: int | None = None) -> DirectEntry:
        """A label on its own line(s), then the field the column's width."""
        self.text(label)
        s = FIELD * self.factor
        e = entry(self.frame, (PAD, self.z - s * 1.0), self.inner, initial, scale=s, limit=limit or FIELD_LIMIT)
        e["text_font"] = style.font()
        self.z -= s * 1.55 + GAP
        self.focusable.append(e)
        return e

    def buttons_row(self, items: list[tuple[str, Callable, tuple]], per_row: int = 2,
                    color=None) -> list[DirectButton]:
        """``(label, command, extra args)`` buttons, ``per_row`` to a row (fewer if their labels would shrink
        too much), a gap between them."""
        scale = BUTTON * self.factor
        n = max(1, min(per_row, len(items)))
        while n > 1 and any(fit(text, self._width(n), scale) < scale * SHRINK for text, _, _ in items):
            n -= 1
        w = self._width(n)
        made = []
        for start in range(0, len(items), n):
            zc = self.z - scale * BUTTON_TOP
            for j, (text, command, extra) in enumerate(items[start:start + n]):
                b = button(self.frame, text, command, (PAD + j * (w + GAP) + w / 2, zc), width=w,
                           scale=fit(text, w, scale), color=color or style.ACCENT, extra=extra)
                b["text_fg"] = style.BUTTON_TEXT
                b["text_font"] = style.font()
                b.setPythonTag("width", w)
                b.setPythonTag("scale", scale)
                made.append(b)
            self.z = zc - scale * BUTTON_BOTTOM - GAP
        self.buttons += made
        self.focusable += made
        return made

    def chooser(self, previous: Callable, following: Callable) -> tuple[DirectButton, OnscreenText, DirectButton]:
        """``<  shown text  >`` on one row: the text between the buttons (cut to fit by the caller)."""
        scale = BUTTON * self.factor
        side = max(0.08, 2.2 * scale)
        zc = self.z - scale * BUTTON_TOP
        prev = button(self.frame, "<", previous, (PAD + side / 2, zc), width=side, scale=scale, color=style.ACCENT)
        nxt = button(self.frame, ">", following, (self.width - PAD - side / 2, zc), width=side, scale=scale,
                     color=style.ACCENT)
        for b in (prev, nxt):
            b["text_fg"] = style.BUTTON_TEXT
            b.setPythonTag("width", side)
            b.setPythonTag("scale", scale)
        shown = OnscreenText(parent=self.frame, text="", pos=(self.width / 2, zc), scale=TEXT * self.factor,
                             fg=style.TEXT, align=TextNode.A_center, mayChange=True, font=style.font())
        shown.setPythonTag("wrap", self.inner - 2 * side - 2 * GAP)
        self.z = zc - scale * BUTTON_BOTTOM - GAP
        self.texts.append(shown)
        self.buttons += [prev, nxt]
        self.focusable += [prev, nxt]
        return prev, shown, nxt

    def space(self, height: float = GAP) -> None:
        self.z -= height

    def _width(self, n: int) -> float:
        return (self.inner - GAP * (n - 1)) / n

    def destroy(self) -> None:
        self.frame.destroy()


def set_fitted(text: OnscreenText, value: str) -> None:
    """A one-line text (a chooser's) cut with "…" to its room."""
    room = text.getPythonTag("wrap") or 1.0
    scale = text.getScale()[0]
    while len(value) > 1 and measure(value) * scale > room:
        value = value[:-2] + "…"
    text.setText(value)


def relabel(b: DirectButton, text: str) -> None:
    """A button's new label, shrunk to fit its width."""
    if b["text"] != text:
        width, scale = b.getPythonTag("width"), b.getPythonTag("scale")
        s = fit(text, width, scale)
        b["text"] = text
        b.setScale(s)
        b["frameSize"] = (-width / s / 2, width / s / 2, -BUTTON_BOTTOM, BUTTON_TOP)
