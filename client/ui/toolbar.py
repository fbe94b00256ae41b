"""The whiteboard toolbar: tools, shapes, colours, widths, undo / redo, pages and (teachers) clear page.

Shown only while I may draw (teachers, or a pupil holding the pen); its buttons join the HUD's Tab ring.
Ctrl+Z / Ctrl+Y undo and redo, Page Up / Page Down turn the board's pages.
"""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectButton
from direct.showbase.DirectObject import DirectObject

from cybercollege.client import style
from cybercollege.client.drawing import Pen
from cybercollege.client.i18n import tr
from cybercollege.client.ui.column import fit
from cybercollege.client.ui.focus import FocusRing, button, entry, typing
from cybercollege.protocol.whiteboard import MAX_TEXT_CHARS, Shape, Tool

TOOLS = (("tool_pen", Tool.PEN), ("tool_highlighter", Tool.HIGHLIGHTER), ("tool_eraser", Tool.ERASER))
SHAPES = (("shape_line", Shape.LINE), ("shape_arrow", Shape.ARROW), ("shape_rect", Shape.RECTANGLE),
          ("shape_ellipse", Shape.ELLIPSE))
COLOURS = (("colour_black", 0x1A1A1A), ("colour_blue", 0x1F4FC8), ("colour_red", 0xD01010),
           ("colour_green", 0x168A2E))
WIDTHS = (("width_fine", 30), ("width_medium", 80), ("width_thick", 200))
CHECK_SECONDS = 0.25
BUTTON = 0.25  # width of a button, aspect2d units
ROW = 0.065
TOP = -0.27
TEXT_BOX = 1.0
"""The text tool's input box (aspect2d units), where the board was clicked; longer text scrolls in it."""


def _swatch(rgb: int) -> tuple[float, float, float, float]:
    return ((rgb >> 16) / 255, ((rgb >> 8) & 255) / 255, (rgb & 255) / 255, 1.0)


class Toolbar(DirectObject):
    """Columns on the left of the screen, under the room's name, acting on ``pen``: two, three with large text
    (client/style.py) so that they end above the chat."""

    def __init__(self, base, pen: Pen, ring: FocusRing, typing: Callable[[bool], None] = lambda on: None) -> None:
        super().__init__()
        self.base, self.pen, self.ring, self.typing = base, pen, ring, typing
        self.root = base.a2dTopLeft.attach_new_node("toolbar")
        self.buttons: dict[str, DirectButton] = {}
        self.shown = False
        self._build()
        style.on_change(self.restyle)
        self.text_entry = entry(base.aspect2d, (0, 0), TEXT_BOX, "", self._write, scale=0.045, limit=MAX_TEXT_CHARS)
        self.text_entry.hide()
        pen.on_text = self.ask_text
        self.accept("escape", self.close_text)
        self.root.hide()
        self._mark()
        self.set_visible(pen.may_draw())
        self.accept("control-z", _unless_typing(pen.undo))
        self.accept("control-y", _unless_typing(pen.redo))
        self.accept("page_up", _unless_typing(pen.turn_page), [-1])
        self.accept("page_down", _unless_typing(pen.turn_page), [1])
        self.task = base.taskMgr.doMethodLater(CHECK_SECONDS, self._check, "toolbar-check")

    def _build(self) -> None:
        pen = self.pen
        tools = ([(key, self._set, ("tool", int(tool)), None) for key, tool in TOOLS]
                 + [(key, self._set, ("shape", int(shape)), None) for key, shape in SHAPES]
                 + [("tool_text", self._set, ("writing", True), None)])
        colours = [(key, self._set, ("colour", rgb), _swatch(rgb)) for key, rgb in COLOURS]
        widths = [(key, self._set, ("width", w), None) for key, w in WIDTHS]
        actions: list[tuple[str, Callable[..., None], tuple[int, ...], object]] = [
            ("undo", pen.undo, (), "muted"), ("redo", pen.redo, (), "muted"),
            ("page_prev", pen.turn_page, (-1,), "muted"), ("page_next", pen.turn_page, (1,), "muted")]
        if pen.teacher:
            actions.append(("clear_page", pen.clear_page, (), "error"))
        f = style.TEXT_SCALE
        columns: list[list] = [tools + colours, widths + actions] if f == 1 else [tools, colours + widths, actions]
        for i, entries in enumerate(columns):
            self._column((0.03 + BUTTON / 2 + i * (BUTTON + 0.02)) * f, entries, f)
        self._mark()

    def _column(self, x: float, entries: list, f: float) -> None:
        for i, (key, command, extra, colour) in enumerate(entries):
            b = button(self.root, tr(key), command, (x, (TOP - i * ROW) * f), width=BUTTON * f,
                       scale=fit(f"[{tr(key)}]", BUTTON * f, 0.032 * f), color=colour, extra=extra)
            b.setPythonTag("label", tr(key))
            self.buttons[key] = b

    def restyle(self) -> None:
        """The options changed: the buttons built again in the new size and colours (still in the Tab ring)."""
        shown = self.shown
        self.set_visible(False)
        for b in self.buttons.values():
            b.destroy()
        self.buttons = {}
        self._build()
        self.set_visible(shown)

    def _set(self, attribute: str, value: int) -> None:
        """Choose a tool (a stroke), a shape, the text tool, a colour or a width."""
        if attribute in ("tool", "shape", "writing"):
            self.pen.shape, self.pen.writing = None, False
        setattr(self.pen, attribute, value)
        self._mark()

    def ask_text(self) -> None:
        """The text tool clicked on the board: type the text (Enter writes it, Escape gives up)."""
        self.text_entry.enterText("")
        mx, my = self.pen.text_screen  # where the board was clicked: the box's left end, just below
        ratio = self.base.getAspectRatio()
        x = max(-ratio + 0.02, min(ratio - TEXT_BOX - 0.02, mx * ratio))
        self.text_entry.set_pos(x, 0, max(-0.95, min(0.9, my - 0.03)))
        self.text_entry.show()
        if self.text_entry not in self.ring.widgets:
            self.ring.add(self.text_entry)
        self.ring.focus(self.text_entry)
        self.typing(True)

    def _write(self, text: str) -> None:
        self.pen.write(text)
        self.close_text()

    def close_text(self) -> None:
        if self.text_entry.is_hidden():
            return
        self.ring.remove(self.text_entry)
        self.text_entry["focus"] = 0
        self.text_entry.hide()
        self.typing(False)

    def _mark(self) -> None:
        """Brackets around the chosen tool, colour and width."""
        pen = self.pen
        chosen = {key for key, tool in TOOLS if tool == pen.tool and pen.shape is None and not pen.writing}
        chosen |= {"tool_text"} if pen.writing else set()
        chosen |= {key for key, shape in SHAPES if shape == self.pen.shape}
        chosen |= {key for key, rgb in COLOURS if rgb == self.pen.colour}
        chosen |= {key for key, w in WIDTHS if w == self.pen.width}
        for key, b in self.buttons.items():
            label = b.getPythonTag("label")
            b["text"] = f"[{label}]" if key in chosen else label

    def set_visible(self, visible: bool) -> None:
        if visible == self.shown:
            return
        self.shown = visible
        if visible:
            self.root.show()
            for b in self.buttons.values():
                self.ring.add(b)
        else:
            self.close_text()
            self.root.hide()
            for b in self.buttons.values():
                self.ring.remove(b)

    def _check(self, task):
        self.set_visible(self.pen.may_draw())
        return task.again

    def destroy(self) -> None:
        style.forget(self.restyle)
        self.set_visible(False)
        self.ignore_all()
        self.base.taskMgr.remove(self.task)
        self.text_entry.destroy()
        self.root.remove_node()


def _unless_typing(action: Callable[..., None]) -> Callable[..., None]:
    """A board shortcut, unless a text field has the keys (Ctrl+Z there undoes typing, not a stroke)."""

    def shortcut(*args: object) -> None:
        if not typing():
            action(*args)

    return shortcut
