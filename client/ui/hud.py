"""The in-world overlay: room name, connection status, people in the room, chat, action buttons, toasts."""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectFrame
from direct.gui.OnscreenText import OnscreenText
from panda3d.core import TextNode

from client import style
from client.i18n import tr
from client.ui.focus import FocusRing, button, entry

CHAT_LINES = 9
CHAT_BOTTOM = 0.16  # baseline of the newest chat line
LINE = 0.046  # height of a chat line
PEOPLE_LINES = 14
PEOPLE_WIDTH = 0.92
TOAST_SECONDS = 4.0
HELP_SECONDS = 20.0
STATUS_COLORS = {"connected": (0.3, 0.8, 0.4, 1), "reconnecting": (1.0, 0.7, 0.2, 1),
                 "offline": (0.9, 0.3, 0.3, 1)}


def _text(parent, pos: tuple[float, float], scale: float = 0.045, fg=style.TEXT, align=TextNode.A_left,
          wrap: float | None = None) -> OnscreenText:
    return OnscreenText(parent=parent, text="", pos=pos, scale=scale, fg=fg, align=align, wordwrap=wrap,
                        mayChange=True)


class Hud:
    """Callbacks: ``on_say(text)``, ``on_hand()``, ``on_sit()``, ``on_menu()``."""

    def __init__(self, base, on_say: Callable[[str], None], on_hand: Callable[[], None],
                 on_sit: Callable[[], None], on_menu: Callable[[], None]) -> None:
        self.base, self.on_say = base, on_say
        self.ring = FocusRing()
        self.root = base.aspect2d.attach_new_node("hud")
        left, right = base.a2dTopLeft, base.a2dTopRight
        self.top = left.attach_new_node("hud-top")
        top = DirectFrame(parent=self.top, frameColor=style.PANEL, frameSize=(0, 1.05, -0.2, 0))
        self.room = _text(top, (0.04, -0.08), 0.06)
        self.status = _text(top, (0.04, -0.155), 0.04, STATUS_COLORS["connected"])
        self.people_root = right.attach_new_node("hud-people")
        self.people_panel = people = DirectFrame(parent=self.people_root, frameColor=style.PANEL,
                                                 frameSize=(-PEOPLE_WIDTH, 0, -0.2, 0))
        self.people_title = _text(people, (0.04 - PEOPLE_WIDTH, -0.07), 0.045)
        self.people = _text(people, (0.04 - PEOPLE_WIDTH, -0.13), 0.038)
        self._chat(base)
        self._buttons(base, on_hand, on_sit, on_menu)
        self.toast_text = _text(base.aspect2d, (0, 0.55), 0.06, (1, 1, 1, 1), TextNode.A_center, wrap=30)
        self.toast_text.setBin("gui-popup", 10)
        self.help = _text(base.a2dBottomCenter, (0.25, 0.1), 0.032, (1, 1, 1, 0.95), TextNode.A_center,
                          wrap=42)
        self.help.setText(tr("help"))
        self.help["bg"] = (0.1, 0.13, 0.2, 0.6)
        base.taskMgr.doMethodLater(HELP_SECONDS, lambda task: self.help.hide(), "hud-help")
        self.lines: list[str] = []
        self.set_status("connected")

    def _chat(self, base) -> None:
        self.chat_root = base.a2dBottomLeft.attach_new_node("hud-chat")
        panel = DirectFrame(parent=self.chat_root, frameColor=style.PANEL,
                            frameSize=(0, 1.25, 0.04, CHAT_BOTTOM + 0.08 + CHAT_LINES * LINE))
        self.chat_title = _text(panel, (0.04, CHAT_BOTTOM + 0.02 + CHAT_LINES * LINE), 0.042,
                                (0.75, 0.85, 1, 1))
        self.chat_title.setText(tr("chat_title"))
        hint = _text(panel, (1.22, CHAT_BOTTOM + 0.02 + CHAT_LINES * LINE), 0.028, (0.75, 0.8, 0.9, 1),
                     TextNode.A_right)
        hint.setText(tr("chat_hint"))
        self.chat = _text(panel, (0.04, CHAT_BOTTOM), 0.038, wrap=31)
        self.entry = entry(panel, (0.03, 0.075), 1.19, "", self._send, scale=0.04, ring=self.ring)
        self.entry["focusInCommand"] = self._typing_on
        self.entry["focusOutCommand"] = self._typing_off
        self.typing = False

    def _buttons(self, base, on_hand, on_sit, on_menu) -> None:
        self.buttons_root = base.a2dBottomRight.attach_new_node("hud-buttons")
        self.hand = button(self.buttons_root, tr("raise_hand"), on_hand, (-0.4, 0.36), width=0.7,
                           scale=0.045, ring=self.ring)
        self.sit = button(self.buttons_root, tr("sit"), on_sit, (-0.4, 0.25), width=0.7, scale=0.045,
                          ring=self.ring)
        self.menu = button(self.buttons_root, tr("menu"), on_menu, (-0.4, 0.14), width=0.7, scale=0.045,
                           color=(0.4, 0.45, 0.55, 1), ring=self.ring)

    # --- updates ---

    def set_room(self, name: str) -> None:
        self.room.setText(name)

    def set_status(self, state: str) -> None:
        self.status.setText("● " + tr(f"status_{state}"))
        self.status.setFg(STATUS_COLORS[state])

    def set_people(self, people: list[tuple[str, str, bool, bool]]) -> None:
        """``people``: (name, role, is_me, hand_up) sorted for display."""
        self.people_title.setText(tr("people", count=len(people)))
        lines = [f"{name}{' (' + tr('you') + ')' if me else ''} · {tr('role_' + role)}"
                 f"{' · ' + tr('hand_up') if hand else ''}"
                 for name, role, me, hand in people[:PEOPLE_LINES]]
        self.people.setText("\n".join(lines))
        self.people_panel["frameSize"] = (-PEOPLE_WIDTH, 0, -0.12 - max(1, len(lines)) * 0.045, 0)

    def add_chat(self, name: str, text: str, private: bool = False) -> None:
        prefix = f"[{tr('private')}] " if private else ""
        self.lines.append(f"{prefix}{name} : {text}")
        self.lines = self.lines[-CHAT_LINES:]
        self.chat.setText("\n".join(self.lines[-CHAT_LINES:]))
        self._fit_chat()

    def _fit_chat(self) -> None:
        """Keep the newest lines visible when long lines wrap."""
        while len(self.lines) > 1 and self.chat.textNode.getNumRows() > CHAT_LINES:
            self.lines.pop(0)
            self.chat.setText("\n".join(self.lines))
        rows = self.chat.textNode.getNumRows()
        self.chat.setPos(0.04, CHAT_BOTTOM + (rows - 1) * LINE)

    def set_anim_labels(self, hand_up: bool, seated: bool) -> None:
        self.hand["text"] = tr("lower_hand" if hand_up else "raise_hand")
        self.sit["text"] = tr("stand" if seated else "sit")

    def toggle_help(self) -> None:
        self.help.show() if self.help.isHidden() else self.help.hide()

    def toast(self, text: str) -> None:
        self.toast_text.setText(text)
        self.base.taskMgr.remove("hud-toast")
        self.base.taskMgr.doMethodLater(TOAST_SECONDS, lambda task: self.toast_text.setText(""), "hud-toast")

    # --- chat entry ---

    def focus_chat(self) -> None:
        """Enter: write in the chat, unless a HUD button has the keyboard focus (Enter presses it)."""
        current = self.ring.current
        if current is None or current is self.entry:
            self.ring.focus(self.entry)

    def leave_chat(self) -> None:
        self.entry["focus"] = 0
        self.typing = False

    def _send(self, text: str) -> None:
        text = text.strip()
        self.entry.enterText("")
        if text:
            self.on_say(text)
        self.entry["focus"] = 0
        self.typing = False

    def _typing_on(self) -> None:
        self.typing = True

    def _typing_off(self) -> None:
        self.typing = False

    def destroy(self) -> None:
        self.base.taskMgr.remove("hud-toast")
        self.base.taskMgr.remove("hud-help")
        self.ring.destroy()
        self.entry.destroy()
        for node in (self.root, self.top, self.people_root, self.chat_root, self.buttons_root):
            node.remove_node()
        self.toast_text.destroy()
        self.help.destroy()
