"""Full-screen messages: "connecting…", and errors with Retry / Back buttons."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.ui.focus import FocusRing, button
from cybercollege.client.ui.login import BACKGROUND, CARD, label


class MessageScreen:
    """A card with a title, a text and buttons ``[(label, callback)]``; the first button has the focus."""

    def __init__(self, title: str, text: str, buttons: Sequence[tuple[str, Callable[[], object]]] = (),
                 error: bool = False, backdrop: bool = True) -> None:
        self.ring = FocusRing()
        self.root = DirectFrame(frameColor=BACKGROUND if backdrop else (0, 0, 0, 0.45),
                                frameSize=(-3, 3, -1, 1))
        card = DirectFrame(parent=self.root, frameColor=CARD, frameSize=(-0.9, 0.9, -0.42, 0.4))
        label(card, title, (0, 0.25), 0.07, style.ERROR if error else style.ACCENT, TextNode.A_center)
        self.text = label(card, text, (0, 0.1), 0.05, style.TEXT_DARK, TextNode.A_center, wrap=30)
        n = len(buttons)
        for i, (name, callback) in enumerate(buttons):
            button(card, name, callback, ((i - (n - 1) / 2) * 0.6, -0.28), width=0.55, ring=self.ring)
        if buttons:
            self.ring.move(1)

    def destroy(self) -> None:
        self.ring.destroy()
        self.root.destroy()
