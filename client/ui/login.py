"""The login screen: ENT buttons (if the server offers some), demo accounts, guest code, server, language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from direct.gui.DirectGui import DirectFrame, DirectLabel
from panda3d.core import TextNode

from cybercollege.client import i18n, style
from cybercollege.client.i18n import tr
from cybercollege.client.ui.focus import FocusRing, button, entry

BACKGROUND = (0.86, 0.91, 0.96, 1.0)
CARD = (1.0, 1.0, 1.0, 0.97)
DEMO_SUGGESTIONS = ("lea.martin", "hugo.moreau", "mme.durand")


@dataclass(frozen=True)
class LoginChoice:
    """What the user picked: ``kind`` is ``"ent"``, ``"demo"`` or ``"guest"``; ``value`` the ENT id,
    login or code; ``url`` the server."""

    kind: str
    value: str
    url: str
    name: str = ""
    """The name a guest gives."""


def label(parent, text: str, pos: tuple[float, float], scale: float = 0.05, color=style.TEXT_DARK,
          align=TextNode.A_left, wrap: float | None = None) -> DirectLabel:
    return DirectLabel(parent=parent, text=text, pos=(pos[0], 0, pos[1]), scale=scale, text_fg=color,
                       text_align=align, frameColor=(0, 0, 0, 0), text_wordwrap=wrap)


class LoginScreen:
    """Shown until the user picks a way in; ``on_choice`` receives a :class:`LoginChoice`."""

    def __init__(self, url: str, ents: list[tuple[str, str]], on_choice: Callable[[LoginChoice], None],
                 message: str = "", on_language: Callable[[], None] | None = None) -> None:
        self.on_choice, self.on_language = on_choice, on_language
        self.ring = FocusRing()
        self.root = DirectFrame(frameColor=BACKGROUND, frameSize=(-3, 3, -1, 1))
        r = self.root
        label(r, tr("title"), (0, 0.78), 0.13, style.ACCENT, TextNode.A_center)
        label(r, tr("subtitle"), (0, 0.68), 0.055, style.TEXT_DARK, TextNode.A_center)
        self.message = label(r, message, (0, 0.58), 0.048, style.ERROR, TextNode.A_center, wrap=30)
        self._ent_card(ents)
        self._demo_card()
        self._guest_card()
        self._footer(url)
        self.ring.move(1)

    def _card(self, x: float, title: str) -> DirectFrame:
        card = DirectFrame(parent=self.root, frameColor=CARD, frameSize=(-0.5, 0.5, -0.5, 0.42),
                           pos=(x, 0, 0.05))
        label(card, title, (0, 0.32), 0.048, style.TEXT_DARK, TextNode.A_center, wrap=19)
        return card

    def _ent_card(self, ents: list[tuple[str, str]]) -> None:
        """The ENT login runs in the browser, whose page lists the server's ENTs."""
        card = self._card(-1.1, tr("ent_heading"))
        label(card, tr("ent_help"), (0, 0.16), 0.04, (0.35, 0.35, 0.4, 1), TextNode.A_center, wrap=21)
        names = ", ".join(name for _, name in ents[:4])
        if names:
            label(card, names, (0, -0.02), 0.04, style.TEXT_DARK, TextNode.A_center, wrap=21)
        button(card, tr("ent_button"), self._choose, (0, -0.2), width=0.85, ring=self.ring,
               extra=("ent", ents[0][0] if ents else "ent"))

    def _demo_card(self) -> None:
        card = self._card(0.0, tr("demo_heading"))
        label(card, tr("demo_login"), (-0.42, 0.17), 0.042)
        self.demo = entry(card, (-0.42, 0.07), 0.84, "", lambda text: self._choose("demo", text),
                          ring=self.ring)
        for i, login in enumerate(DEMO_SUGGESTIONS):
            button(card, login, self._choose, (0, -0.08 - i * 0.12), width=0.6, scale=0.045,
                   color=(0.35, 0.45, 0.6, 1), ring=self.ring, extra=("demo", login))

    def _guest_card(self) -> None:
        card = self._card(1.1, tr("guest_heading"))
        label(card, tr("guest_code"), (-0.42, 0.19), 0.04)
        self.guest = entry(card, (-0.42, 0.11), 0.84, "", lambda text: self._guest(), ring=self.ring)
        label(card, tr("guest_name"), (-0.42, 0.02), 0.04)
        self.guest_name = entry(card, (-0.42, -0.06), 0.84, "", lambda text: self._guest(), ring=self.ring)
        button(card, tr("enter"), self._guest, (0, -0.25), ring=self.ring)

    def _guest(self) -> None:
        self._choose("guest", self.guest.get(), self.guest_name.get().strip())

    def _footer(self, url: str) -> None:
        r = self.root
        label(r, tr("server"), (-1.6, -0.66), 0.045)
        self.url = entry(r, (-1.3, -0.66), 1.0, url, ring=self.ring, scale=0.045)
        label(r, tr("language"), (-0.05, -0.66), 0.045)
        for i, (code, name) in enumerate(i18n.LANGUAGES.items()):
            color = style.ACCENT if code == i18n.language() else (0.5, 0.55, 0.62, 1)
            button(r, name, self._language, (0.42 + i * 0.27, -0.645), width=0.25, scale=0.04,
                   color=color, ring=self.ring, extra=(code,))

    def _choose(self, kind: str, value: str, name: str = "") -> None:
        value = value.strip()
        if value and (kind != "guest" or name):
            self.on_choice(LoginChoice(kind, value, self.url.get().strip().rstrip("/"), name))

    def _language(self, code: str) -> None:
        i18n.set_language(code)
        if self.on_language is not None:
            self.on_language()

    def destroy(self) -> None:
        self.ring.destroy()
        self.root.destroy()
