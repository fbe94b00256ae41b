"""The people in my room, in a column at the right edge (client/ui/layout.py keeps it off the big screen).

One row per person: the name, role and raised hand; for conference participants a second line with who has
the floor, who is speaking and who is muted; and for a host, that participant's controls — give / take back
the floor, make a guest host, mute / unmute audio and video, send a guest back to the lobby / remove someone
(``CONF_FLOOR``, ``CONF_MUTE``, ``CONF_REMOVE``). Rows that do not fit scroll with ▲ / ▼.

Journey tests find participant N's row as ``hud.people.rows[N]`` and its buttons as
``row.buttons["floor" | "host" | "audio" | "video" | "remove"]`` (node names ``people-N-<kind>``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from direct.gui.DirectGui import DirectButton, DirectFrame
from direct.gui.OnscreenText import OnscreenText
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.ui.focus import FocusRing
from cybercollege.client.ui.layout import Rect
from cybercollege.protocol.conference import ConfFloor, ConfMute, ConfRemove

TITLE = 0.075  # height of the title line
NAME = 0.042  # a name line
STATUS = 0.036  # the conference line
CONTROLS = 0.052  # one line of host buttons
PAD = 0.025
TEXT = 0.034
SMALL = 0.029
BUTTON = 0.027  # largest text scale of a control
STATUS_COLOR = (0.55, 0.95, 0.6, 1.0)
FLOOR_COLOR = (0.2, 0.55, 0.35, 1.0)
MUTE_COLOR = (0.45, 0.5, 0.62, 1.0)
REMOVE_COLOR = style.ERROR


@dataclass(frozen=True, slots=True)
class Person:
    """One row: ``conf`` is the conference role (host / speaker / audience), "" when not taking part."""

    id: int
    name: str
    role: str
    me: bool = False
    hand: bool = False
    conf: str = ""
    speaking: bool = False
    audio_muted: bool = False
    video_muted: bool = False

    @property
    def has_floor(self) -> bool:
        return self.conf in ("host", "speaker")

    def line(self) -> str:
        you = f" ({tr('you')})" if self.me else ""
        hand = f" · {tr('hand_up')}" if self.hand else ""
        return f"{self.name}{you} · {tr('role_' + self.role)}{hand}"

    def status(self) -> str:
        parts = []
        if self.conf == "host":
            parts.append("★ " + tr("conf_is_host"))
        elif self.conf == "speaker":
            parts.append("★ " + tr("conf_has_floor"))
        if self.speaking:
            parts.append("♪ " + tr("conf_is_speaking"))
        if self.audio_muted:
            parts.append(tr("conf_audio_muted"))
        if self.video_muted:
            parts.append(tr("conf_video_muted"))
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Powers:
    """What I may do: ``host`` the floor controls (``guests_only``: a guest host, for guests only);
    ``make_host``: make a guest a guest host (a host of the college)."""

    host: bool = False
    guests_only: bool = False
    make_host: bool = False

    def controls(self, p: Person) -> bool:
        return self.host and not p.me and bool(p.conf) and (not self.guests_only or p.role == "guest")


def fitted_button(parent, text: str, command, x: float, z: float, width: float, color,
                  ring: FocusRing | None, name: str) -> DirectButton:
    """A button ``width`` wide whose label always fits (its text is scaled down if needed)."""
    scale = _fit(text, width)
    half = width / scale / 2
    b = DirectButton(parent=parent, text=text, command=command, pos=(x + width / 2, 0, z), scale=scale,
                     frameSize=(-half, half, -0.45, 1.05), frameColor=color, text_fg=style.label_on(color),
                     relief=1, pressEffect=1)
    b.setName(name)
    b.setPythonTag("color", color)
    if ring is not None:
        ring.add(b)
    return b


def _fit(text: str, width: float) -> float:
    measure = TextNode("measure")
    font = style.font()
    if font is not None:
        measure.set_font(font)
    em = max(measure.calc_width(text), 0.1)
    return min(BUTTON, width * 0.92 / em)


def control_lines(p: Person, powers: Powers) -> list[list[str]]:
    """A host's buttons for ``p``, two to a line: wide enough to read in a narrow column."""
    if powers.make_host and p.role == "guest":
        return [["floor", "host"], ["audio", "video"], ["remove"]]
    return [["floor", "remove"], ["audio", "video"]]


def _set(text: OnscreenText, value: str, width: float, scale: float) -> None:
    """``value`` at ``scale``, shrunk down to 80 % and then cut with "…" to fit ``width``."""
    measure = TextNode("measure")
    font = style.font()
    if font is not None:
        measure.set_font(font)
    em = measure.calc_width(value)
    fitted = max(scale * 0.8, min(scale, width / em)) if em > 0 else scale
    while value and measure.calc_width(value) * fitted > width:
        value = value[:-2] + "…"
    if text.getText() != value:
        text.setText(value)
    if abs(text.getScale()[0] - fitted) > 1e-6:
        text.setScale(fitted)


def relabel(b: DirectButton, text: str, width: float) -> None:
    if b["text"] != text:
        scale = _fit(text, width)
        b["text"] = text
        b.setScale(scale)
        b["frameSize"] = (-width / scale / 2, width / scale / 2, -0.45, 1.05)


class Row:
    """One person's lines and (for a host) buttons, from ``top`` down."""

    def __init__(self, parent, person: Person, powers: Powers, left: float, top: float, width: float,
                 ring: FocusRing, act: Callable[[str, int], None]) -> None:
        self.id, self.ring, self.width = person.id, ring, width
        self.name = OnscreenText(parent=parent, text="", pos=(left, top - NAME + 0.01), scale=TEXT,
                                 fg=style.TEXT, align=TextNode.A_left, mayChange=True)
        self.name.setName(f"people-{person.id}-name")
        self.status: OnscreenText | None = None
        self.buttons: dict[str, DirectButton] = {}
        z = top - NAME
        if person.conf:
            self.status = OnscreenText(parent=parent, text="", pos=(left + 0.02, z - STATUS + 0.01),
                                       scale=SMALL, fg=STATUS_COLOR, align=TextNode.A_left, mayChange=True)
            z -= STATUS
        if powers.controls(person):
            self._controls(parent, person, powers, left, z, width, act)
        self.update(person)

    def _controls(self, parent, person: Person, powers: Powers, left: float, z: float, width: float,
                  act) -> None:
        pid, gap = person.id, 0.015
        for line, kinds in enumerate(control_lines(person, powers)):
            w = (width - gap * (len(kinds) - 1)) / len(kinds)
            zz = z - CONTROLS * (line + 1) + 0.017
            for i, kind in enumerate(kinds):
                color = {"floor": FLOOR_COLOR, "host": FLOOR_COLOR, "remove": REMOVE_COLOR}.get(kind, MUTE_COLOR)
                self.buttons[kind] = fitted_button(parent, "", lambda k=kind: act(k, pid), left + i * (w + gap),
                                                   zz, w, color, self.ring, f"people-{pid}-{kind}")
                self.buttons[kind].setPythonTag("width", w)

    def update(self, p: Person) -> None:
        """New state, same layout: texts and labels only (a line too long for the column is shortened)."""
        _set(self.name, p.line(), self.width, TEXT)
        if self.status is not None:
            _set(self.status, p.status(), self.width - 0.02, SMALL)
        labels = {"floor": "conf_take_floor" if p.has_floor else "conf_give_floor",
                  "host": "conf_unmake_host" if p.conf == "host" else "conf_make_host",
                  "audio": "conf_unmute_audio" if p.audio_muted else "conf_mute_audio",
                  "video": "conf_unmute_video" if p.video_muted else "conf_mute_video",
                  "remove": "conf_to_lobby" if p.role == "guest" else "conf_remove"}
        for kind, b in self.buttons.items():
            relabel(b, tr(labels[kind]), b.getPythonTag("width"))

    @staticmethod
    def height(person: Person, powers: Powers) -> float:
        h = NAME + (STATUS if person.conf else 0.0)
        if powers.controls(person):
            h += len(control_lines(person, powers)) * CONTROLS
        return h + 0.008

    def destroy(self) -> None:
        for b in self.buttons.values():
            self.ring.remove(b)
            b.destroy()
        self.name.destroy()
        if self.status is not None:
            self.status.destroy()


class PeopleList:
    """The column; :meth:`show` gives it the people, my powers and its rectangle (None: hidden)."""

    def __init__(self, parent, ring: FocusRing, send: Callable[[object], None] = lambda msg: None) -> None:
        self.ring, self.send = ring, send
        self.root = parent.attach_new_node("people-list")
        self.panel = DirectFrame(parent=self.root, frameColor=style.PANEL, frameSize=(0, 0.1, -0.1, 0))
        self.title = OnscreenText(parent=self.root, text="", scale=0.042, fg=style.TEXT, align=TextNode.A_left,
                                  mayChange=True)
        self.up = fitted_button(self.root, "▲", lambda: self.scroll(-1), 0, 0, 0.08, MUTE_COLOR, None,
                                "people-up")
        self.down = fitted_button(self.root, "▼", lambda: self.scroll(1), 0, 0, 0.08, MUTE_COLOR, None,
                                  "people-down")
        self.people: dict[int, Person] = {}
        self.order: list[Person] = []
        self.rows: dict[int, Row] = {}
        self.powers = Powers()
        self.rect: Rect | None = None
        self.offset = 0
        self._shape: tuple = ()

    # --- state ---

    def show(self, people: list[Person], powers: Powers, rect: Rect | None) -> None:
        self.order, self.powers, self.rect = people, powers, rect
        self.people = {p.id: p for p in people}
        self.offset = max(0, min(self.offset, len(people) - 1))
        self._layout()

    def scroll(self, step: int) -> None:
        self.offset = max(0, min(self.offset + step, len(self.order) - 1))
        self._layout()

    def getText(self) -> str:
        """Every person's whole line (scrolled out ones too), as the OnscreenText this list replaced gave."""
        return "\n".join(p.line() for p in self.order)

    @property
    def frame(self) -> Rect | None:
        """Where the column is drawn, in aspect2d units (None: hidden)."""
        return None if self.root.is_hidden() else self.rect

    # --- layout ---

    def _layout(self) -> None:
        if self.rect is None:
            self.root.hide()
            return
        self.root.show()
        f = style.TEXT_SCALE  # large text: the whole column drawn f times larger in the same rectangle
        self.root.setScale(f)
        left, right, bottom, top = (v / f for v in self.rect)
        rect = (left, right, bottom, top)
        self.title.setText(tr("people", count=len(self.order)))
        self.title.setPos(left + PAD, top - 0.05)
        shown: list[Person] = []
        used = TITLE
        for p in self.order[self.offset:]:
            h = Row.height(p, self.powers)
            if used + h > top - bottom - PAD / 2 and shown:
                break
            shown.append(p)
            used += h
        scrolls = self.offset > 0 or len(shown) < len(self.order) - self.offset
        rows = tuple((p.id, p.conf != "", self.powers.controls(p), p.role) for p in shown)
        shape = (rect, f, style.HIGH_CONTRAST, self.offset, self.powers, rows, scrolls)
        if shape != self._shape:
            self._rebuild(shown, rect, scrolls)
            self._shape = shape
        else:
            for p in shown:
                self.rows[p.id].update(p)
        self.panel["frameSize"] = (left, right, top - used - PAD / 2, top)

    def _rebuild(self, shown: list[Person], rect: Rect, scrolls: bool) -> None:
        left, right, _, top = rect
        self.panel["frameColor"] = style.PANEL
        self.title.setFg(style.TEXT)
        for row in self.rows.values():
            row.destroy()
        self.rows = {}
        z = top - TITLE
        for p in shown:
            self.rows[p.id] = Row(self.root, p, self.powers, left + PAD, z, right - left - 2 * PAD, self.ring,
                                  self._act)
            z -= Row.height(p, self.powers)
        for b, x in ((self.up, right - 0.2), (self.down, right - 0.11)):
            b.setPos(x + 0.04, 0, top - 0.055)
            if scrolls:
                b.show()
            else:
                b.hide()

    def _act(self, kind: str, pid: int) -> None:
        """A host's button: the message for that participant's current state."""
        p = self.people.get(pid)
        if p is None:
            return
        if kind == "floor":
            self.send(ConfFloor(pid, not p.has_floor))
        elif kind == "host":
            self.send(ConfFloor(pid, True, p.conf != "host"))
        elif kind in ("audio", "video"):
            self.send(ConfMute(pid, kind, not (p.audio_muted if kind == "audio" else p.video_muted)))
        elif kind == "remove":
            self.send(ConfRemove(pid))

    def destroy(self) -> None:
        for row in self.rows.values():
            row.destroy()
        self.rows = {}
        self.up.destroy()
        self.down.destroy()
        self.title.destroy()
        self.panel.destroy()
        self.root.remove_node()
