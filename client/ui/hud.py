"""The in-world overlay: room name, connection status, people in the room (client/ui/people.py), chat, action
buttons, toasts; in the waiting room (lobby) only the waiting message and the menu."""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectFrame
from direct.gui.OnscreenText import OnscreenText
from direct.showbase.DirectObject import DirectObject
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.ui import focus
from cybercollege.client.ui.focus import FocusRing, button, entry, repaint
from cybercollege.client.ui.layout import Rect, column, hud_top
from cybercollege.client.ui.people import PeopleList, Person, Powers
from cybercollege.protocol.limits import MAX_CHAT_CHARS

CHAT_LINES = 9
CHAT_BOTTOM = 0.16  # baseline of the newest chat line
LINE = 0.046  # height of a chat line
ROOM_SCALE = 0.06
ROOM_WIDTH = 0.97  # the top panel's width for the room's name
CHAT_WIDTH = 1.25
BUTTONS_WIDTH = 0.76  # the hand / sit / menu buttons from the right edge
HELP_SCALE = 0.032
PEOPLE_REFRESH_S = 0.2  # who speaks, who has the floor: the list follows 5 times a second
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
        left = base.a2dTopLeft
        self.top = left.attach_new_node("hud-top")
        top = self.top_panel = DirectFrame(parent=self.top, frameColor=style.PANEL, frameSize=(0, 1.05, -0.2, 0))
        self.room = _text(top, (0.04, -0.08), ROOM_SCALE)
        self.status = _text(top, (0.04, -0.155), 0.04, STATUS_COLORS["connected"])
        self.on_command: Callable[[object], None] = lambda msg: None  # a host's floor control, to send
        self.on_refresh: Callable[[], None] = lambda: None  # asks for set_people again (conference state)
        self.screen_rect: Callable[[], Rect | None] = lambda: None  # the big screen on the window
        self.people_blocked: Callable[[], bool] = lambda: False  # the teacher's panel is open over the column
        self.people = PeopleList(base.aspect2d, self.ring, lambda msg: self.on_command(msg))
        self._people: tuple[list[Person], Powers] = ([], Powers())
        self.waiting = _text(base.aspect2d, (0, 0.1), 0.07, (1, 1, 1, 1), TextNode.A_center, wrap=24)
        self.waiting["bg"] = (0.1, 0.13, 0.2, 0.75)
        self.waiting.hide()
        self.in_lobby = False
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
        self.restyle()
        style.on_change(self.restyle)
        self.events = DirectObject()
        self.events.accept("aspectRatioChanged", self._place_help)
        base.taskMgr.doMethodLater(PEOPLE_REFRESH_S, self._refresh_people, "hud-people")

    def restyle(self) -> None:
        """The large-text and high-contrast options (client/style.py): every part of the HUD grows from its
        corner by the text factor, and takes the palette's colours."""
        f = style.TEXT_SCALE
        for node in (self.top, self.chat_root, self.buttons_root):
            node.setScale(f)
        for frame in (self.top_panel, self.chat_panel):
            frame["frameColor"] = style.PANEL
        self.room.setFg(style.TEXT)
        self.chat.setFg(style.TEXT)
        self.chat_title.setFg(style.TITLE)
        self.chat_hint.setFg(style.TITLE if style.HIGH_CONTRAST else (0.75, 0.8, 0.9, 1))
        for b in (self.hand, self.sit, self.menu):
            repaint(b)
        self.help["bg"] = style.CARD if style.HIGH_CONTRAST else (0.1, 0.13, 0.2, 0.6)
        self.help["fg"] = style.CARD_TEXT if style.HIGH_CONTRAST else (1, 1, 1, 0.95)
        self.waiting["bg"] = style.CARD
        self.waiting["fg"] = style.CARD_TEXT
        self.waiting.setScale(0.07 * f)
        self._place_help()
        self.layout_people()

    def _place_help(self) -> None:
        """The help line between the chat and the buttons, its last line just above the window's bottom."""
        f, aspect = style.TEXT_SCALE, self.base.getAspectRatio()
        left, right = -aspect + CHAT_WIDTH * f, aspect - BUTTONS_WIDTH * f  # the chat's and the buttons' edges
        scale = HELP_SCALE * f
        self.help.setScale(scale)
        self.help["wordwrap"] = max(10.0, (right - left - 0.04) / scale)
        rows = self.help.textNode.get_num_rows()
        self.help.setPos((left + right) / 2, 0.06 + (rows - 1) * scale * 1.2)

    def _chat(self, base) -> None:
        self.chat_root = base.a2dBottomLeft.attach_new_node("hud-chat")
        panel = self.chat_panel = DirectFrame(parent=self.chat_root, frameColor=style.PANEL,
                                              frameSize=(0, CHAT_WIDTH, 0.04, CHAT_BOTTOM + 0.08 + CHAT_LINES * LINE))
        self.chat_title = _text(panel, (0.04, CHAT_BOTTOM + 0.02 + CHAT_LINES * LINE), 0.042,
                                (0.75, 0.85, 1, 1))
        self.chat_title.setText(tr("chat_title"))
        hint = self.chat_hint = _text(panel, (1.22, CHAT_BOTTOM + 0.02 + CHAT_LINES * LINE), 0.028, (0.75, 0.8, 0.9, 1),
                     TextNode.A_right)
        hint.setText(tr("chat_hint"))
        self.chat = _text(panel, (0.04, CHAT_BOTTOM), 0.038, wrap=31)
        self.entry = entry(panel, (0.03, 0.075), 1.19, "", self._send, scale=0.04, ring=self.ring,
                           limit=MAX_CHAT_CHARS)

    def _buttons(self, base, on_hand, on_sit, on_menu) -> None:
        self.buttons_root = base.a2dBottomRight.attach_new_node("hud-buttons")
        self.hand = button(self.buttons_root, tr("raise_hand"), on_hand, (-0.4, 0.36), width=0.7,
                           scale=0.045, ring=self.ring)
        self.sit = button(self.buttons_root, tr("sit"), on_sit, (-0.4, 0.25), width=0.7, scale=0.045,
                          ring=self.ring)
        self.menu = button(self.buttons_root, tr("menu"), on_menu, (-0.4, 0.14), width=0.7, scale=0.045,
                           color="muted", ring=self.ring)

    # --- updates ---

    def set_room(self, name: str) -> None:
        """The room's name, made smaller (down to half size) to fit the top panel."""
        self.room.setText(name)
        width = self.room.textNode.calc_width(name)
        self.room.setScale(max(0.03, min(ROOM_SCALE, ROOM_WIDTH / width)) if width > 0 else ROOM_SCALE)

    def set_status(self, state: str) -> None:
        self.status.setText("● " + tr(f"status_{state}"))
        self.status.setFg(STATUS_COLORS[state])

    def set_people(self, people: list[Person], powers: Powers | None = None) -> None:
        """``people`` sorted for display; ``powers``: my floor controls (client/ui/people.py)."""
        self._people = (people, powers or Powers())
        self.layout_people()

    def layout_people(self) -> None:
        """The column beside or below the big screen as the camera sees it now (client/ui/layout.py)."""
        blocked = self.in_lobby or self.people_blocked()
        rect = None if blocked else column(self.base.getAspectRatio(), self.screen_rect(), bottom=hud_top())
        self.people.show(*self._people, rect)

    def _refresh_people(self, task):
        self.on_refresh()
        self.layout_people()
        return task.again

    def set_lobby(self, on: bool) -> None:
        """The waiting room: only the waiting message and the menu (no chat, hand, seat or people)."""
        self.in_lobby = on
        for node in (self.chat_root, self.hand, self.sit):
            node.hide() if on else node.show()
        for widget in (self.entry, self.hand, self.sit):
            if on:
                self.ring.remove(widget)
            elif widget not in self.ring.widgets:
                self.ring.widgets.insert(0 if widget is self.entry else len(self.ring.widgets), widget)
        if on:
            focus.blur()
            self.help.hide()  # walking, sitting, hands: none of it works here
            self.waiting.setText(tr("lobby_waiting"))
            self.waiting.show()
        else:
            self.waiting.hide()
        self.layout_people()

    def add_chat(self, name: str, text: str, private: bool = False, guest: bool = False) -> None:
        """One line; a guest's is marked (her partner school is in her name)."""
        prefix = f"[{tr('private')}] " if private else ""
        if guest:
            prefix += f"[{tr('role_guest')}] "
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
        """A short message on a dark card, legible on any wall (client/style.py ``CARD``)."""
        self.toast_text["bg"] = style.CARD
        self.toast_text["fg"] = style.CARD_TEXT
        self.toast_text.setScale(0.06 * style.TEXT_SCALE)
        self.toast_text.setText(text)
        self.base.taskMgr.remove("hud-toast")
        self.base.taskMgr.doMethodLater(TOAST_SECONDS, lambda task: self.toast_text.setText(""), "hud-toast")

    # --- chat entry ---

    def focus_chat(self) -> None:
        """Enter: write in the chat, unless a HUD button has the keyboard focus (Enter presses it)."""
        if self.in_lobby or self.ring.just_pressed():  # that Enter pressed a button (which may be gone)
            return
        current = self.ring.current
        if current is None or current is self.entry:
            self.ring.focus(self.entry)

    @property
    def typing(self) -> bool:
        """A text field (the chat, a form's field...) has the keys (client/ui/focus.py ``typing``)."""
        return focus.typing()

    @typing.setter
    def typing(self, on: bool) -> None:
        """Kept for callers that say when they start typing: the focus itself is the state."""

    def leave_chat(self) -> None:
        """Escape: the focused field (the chat's or another) lets the keys go."""
        focus.blur()

    def _send(self, text: str) -> None:
        text = text.strip()
        self.entry.enterText("")
        if text:
            self.on_say(text)
        self.entry["focus"] = 0

    def destroy(self) -> None:
        style.forget(self.restyle)
        self.events.ignore_all()
        self.base.taskMgr.remove("hud-toast")
        self.base.taskMgr.remove("hud-help")
        self.base.taskMgr.remove("hud-people")
        self.people.destroy()
        self.waiting.destroy()
        self.ring.destroy()
        self.entry.destroy()
        for node in (self.root, self.top, self.chat_root, self.buttons_root):
            node.remove_node()
        self.toast_text.destroy()
        self.help.destroy()
