"""The invitation card: the whole code, the link and its QR code, Copy, Print sheet and Close.

The server keeps only the code's hash, so the card stays on screen until the teacher closes it, and says that
the code cannot be shown again. Every text is wrapped to the card, measured with the font that draws it, and
the card is laid out again when the window's shape changes: no line runs off the window, whatever its size
and whatever the language.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from direct.gui.DirectGui import DirectFrame
from direct.gui.OnscreenImage import OnscreenImage
from direct.gui.OnscreenText import OnscreenText
from direct.showbase.DirectObject import DirectObject
from panda3d.core import TextNode, TransparencyAttrib

from cybercollege.client import clipboard, qr, style
from cybercollege.client.i18n import tr
from cybercollege.client.ui.focus import FocusRing, button

log = logging.getLogger("client")
MAX_WIDTH = 1.6
"""The card's widest (aspect2d units); narrower in a narrow window."""
MARGIN = 0.05
PAD = 0.05
CODE_SCALE = 0.085
TEXT_SCALE = 0.036
QR_LARGEST, QR_SMALLEST = 0.6, 0.3
ZOOM_LARGEST = 1.6
"""In a window narrower than tall, aspect2d's unit is half the window's width: texts grow (up to this) to stay
readable, and the code wraps sooner."""
YELLOW = (1.0, 0.85, 0.4, 1.0)
CARD = (0.1, 0.13, 0.2, 1.0)
"""Opaque: nothing of the panels behind shows through the code."""
BACKDROP = (0.0, 0.0, 0.0, 0.45)


@dataclass(frozen=True)
class Created:
    """An invitation just created: its code as shown (XXXX-XXXX-...), its link, for whom."""

    code: str
    link: str
    partner_school: str


def wrap(text: str, fits: Callable[[str], bool], breaks: str = " ") -> list[str]:
    """``text`` in lines that each ``fits``, broken after a character of ``breaks`` where possible, else
    between any two characters (a line holds at least one)."""
    chars = re.escape(breaks)
    tokens = re.findall(rf"[^{chars}]*[{chars}]|[^{chars}]+", text)
    lines: list[str] = []
    line = ""
    for token in tokens:
        if fits((line + token).rstrip()):
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        while len(token) > 1 and not fits(token.rstrip()):
            n = max(1, max((i for i in range(1, len(token)) if fits(token[:i])), default=1))
            lines.append(token[:n])
            token = token[n:]
        line = token.lstrip(" ") if lines else token
    if line.strip():
        lines.append(line.rstrip())
    return lines


class Measure:
    """Widths of texts as drawn in ``font`` at a ``scale``, in aspect2d units."""

    def __init__(self, bold: bool = False) -> None:
        self.node = TextNode("measure")
        font = style.font(bold)
        if font is not None:
            self.node.set_font(font)

    def width(self, text: str, scale: float) -> float:
        return self.node.calc_width(text) * scale

    def lines(self, text: str, scale: float, width: float, breaks: str = " ") -> list[str]:
        return wrap(text, lambda s: self.width(s, scale) <= width, breaks)


class InvitationCard(DirectObject):
    """``print_sheet()`` fetches and saves the PDF, returning where; it raises with a catalogue key as its
    message (``SheetFailed``). ``closed()`` is called once the teacher closed the card."""

    def __init__(
        self,
        base,
        ring: FocusRing,
        created: Created,
        print_sheet: Callable[[], Awaitable[Path]],
        closed: Callable[[], None] = lambda: None,
        copy: Callable[[str], None] = clipboard.copy,
    ) -> None:
        super().__init__()
        self.base, self.ring, self.created = base, ring, created
        self.print_sheet, self.closed, self.copy_text = print_sheet, closed, copy
        self.root = base.aspect2d.attach_new_node("invitation-card", sort=1000)
        self.root.set_bin("gui-popup", 20)  # over everything, the HUD's short messages too: nothing hides the code
        self.regular, self.bold = Measure(), Measure(bold=True)
        self.texture = qr.texture(created.link)
        self.status_key: tuple[str, dict[str, object]] = ("", {})
        self.tasks: set[asyncio.Task] = set()
        self.buttons: dict = {}
        self.zoom = 1.0
        self._layout()
        self.ring.focus(self.buttons["copy"])
        self.accept("aspectRatioChanged", self._relayout)

    # --- layout ---

    def _layout(self) -> None:
        """Build the card for the window's current shape, centred, as tall as it needs (the QR code shrinks
        if the window is too short)."""
        top, right = self.base.a2dTop, self.base.a2dRight
        width = min(MAX_WIDTH, 2 * right - 2 * MARGIN)
        self.zoom = min(ZOOM_LARGEST, max(1.0, top / right))
        qr_size = min(QR_LARGEST, width - 2 * PAD)
        while True:
            height = self._build(width, qr_size)
            if height <= 2 * top - 2 * MARGIN or qr_size <= QR_SMALLEST:
                break
            qr_size = max(QR_SMALLEST, qr_size - (height - (2 * top - 2 * MARGIN)) - 0.01)
        self.content.set_z(height / 2)
        self.backdrop.set_z(self.base.a2dTop - height / 2)  # the whole window, dimmed behind the card

    def _build(self, width: float, qr_size: float) -> float:
        """Lay out every element top down; returns the card's height."""
        self._clear()
        self.content = self.root.attach_new_node("invitation-content")
        inner, left = width - 2 * PAD, -width / 2 + PAD
        top, right = self.base.a2dTop, self.base.a2dRight
        self.backdrop = DirectFrame(parent=self.content, frameColor=BACKDROP, frameSize=(-right, right, -2 * top, 0))
        self.frame = DirectFrame(parent=self.content, frameColor=CARD, frameSize=(-width / 2, width / 2, -1, 0))
        z = -PAD
        z = self._text("title", tr("card_title", partner=self.created.partner_school), z, 0.05, inner, bold=True)
        z = self._text("code_label", tr("card_code"), z - 0.02, TEXT_SCALE, inner)
        group, code_scale = max(self.created.code.split("-"), key=len) + "-", CODE_SCALE * self.zoom
        while code_scale > 0.03 and self.bold.width(group, code_scale) > inner:  # a group of four on a line
            code_scale -= 0.005
        z = self._text("code", self.created.code, z - 0.01, code_scale / self.zoom, inner, bold=True, fg=YELLOW,
                       breaks="-")
        z = self._text("link_label", tr("card_link"), z - 0.02, TEXT_SCALE, inner)
        z = self._text("link", self.created.link, z, 0.032, inner, breaks="/-.:?&=", fg=(0.75, 0.85, 1, 1))
        z -= 0.03
        self.qr = OnscreenImage(image=self.texture, parent=self.content, scale=(qr_size / 2, 1, qr_size / 2),
                                pos=(0, 0, z - qr_size / 2))
        self.qr.set_name("invitation-qr")
        self.qr.set_transparency(TransparencyAttrib.M_none)
        z -= qr_size + 0.03
        z = self._text("once", tr("card_once"), z, TEXT_SCALE, inner, fg=YELLOW)
        z -= 0.02
        third = (inner - 0.04) / 3
        actions = (("copy", self.copy), ("print", self.print), ("close", self.close))
        widest = max(self.regular.width(tr(f"card_{key}"), 1.0) for key, _ in actions)
        scale = min(0.04 * self.zoom, (third - 0.04) / max(0.01, widest))
        for i, (key, command) in enumerate(actions):
            b = button(self.content, tr(f"card_{key}"), command,
                       (left + third / 2 + i * (third + 0.02), z - 0.05 * self.zoom), width=third, scale=scale)
            b.set_name(f"invitation-{key}")
            self.buttons[key] = b
            self.ring.add(b)
        z -= 0.1 * self.zoom
        key, values = self.status_key
        z = self._text("status", tr(key, **values) if key else "", z - 0.01, 0.032, inner, breaks=" /\\")
        height = -z + PAD
        self.frame["frameSize"] = (-width / 2, width / 2, -height, 0)
        return height

    def _text(self, name: str, text: str, z: float, scale: float, width: float, bold: bool = False,
              fg=style.TEXT, breaks: str = " ") -> float:
        """A left-aligned text of ``scale`` wrapped to ``width`` whose first line's top is at ``z``; returns
        the ``z`` below its last line."""
        scale *= self.zoom
        lines = (self.bold if bold else self.regular).lines(text, scale, width, breaks) if text else []
        node = OnscreenText(parent=self.content, text="\n".join(lines), pos=(-width / 2, z - scale * 0.9),
                            scale=scale, fg=fg, align=TextNode.A_left, font=style.font(bold), mayChange=True)
        node.set_name(f"invitation-{name}")
        setattr(self, f"{name}_text", node)
        bounds = node.get_tight_bounds(self.content)
        bottom = bounds[0].z if bounds is not None else z - scale
        return min(bottom, z - len(lines) * scale) - 0.2 * scale

    def _clear(self) -> None:
        for b in self.buttons.values():
            self.ring.remove(b)
        self.buttons = {}
        if getattr(self, "content", None) is not None:
            self.backdrop.destroy()
            self.frame.destroy()
            self.content.remove_node()

    def _relayout(self) -> None:
        focused = next((k for k, b in self.buttons.items() if b is self.ring.current), "copy")
        self._layout()
        self.ring.focus(self.buttons[focused])

    def say(self, key: str, **values: object) -> None:
        """Show the catalogue text ``key`` on the card's last line (instead of the last one)."""
        self.status_key = (key, values)
        self._relayout()

    # --- buttons ---

    def copy(self) -> None:
        """The code and the link to the system clipboard, or why not."""
        self._spawn(self._copy())

    async def _copy(self) -> None:
        text = f"{self.created.code}\n{self.created.link}\n"
        try:
            await asyncio.to_thread(self.copy_text, text)
        except clipboard.NoClipboard as exc:
            log.info("no clipboard: %s", exc)
            self.say(exc.key)
            return
        self.say("card_copied")

    def print(self) -> None:
        """Fetch the printable sheet and save it; say where."""
        self.say("card_printing")
        self._spawn(self._print())

    async def _print(self) -> None:
        try:
            path = await self.print_sheet()
        except Exception as exc:  # the teacher must read why, not lose the card
            log.info("no invitation sheet: %r", exc)
            reason = tr(str(exc)) if str(exc).startswith(("err_", "card_")) else tr("err_generic")
            self.say("card_sheet_failed", reason=reason)
            return
        self.say("card_saved", path=str(path))

    def close(self) -> None:
        self.destroy()
        self.closed()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def code_on_screen(self) -> str:
        """The code as the card shows it, its lines put back together."""
        return self.code_text.getText().replace("\n", "")

    def destroy(self) -> None:
        self.ignore_all()
        for task in self.tasks:
            task.cancel()
        self._clear()
        self.content = None
        self.root.remove_node()
