"""Full-screen messages: "connecting…", and errors with Retry / Back buttons."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.ui.column import measure
from cybercollege.client.ui.focus import FocusRing, button
from cybercollege.client.ui.login import BACKGROUND, CARD, label

WIDTH = 1.8  # the card
MARGIN = 0.05
BUTTON = 0.55
GAP = 0.05
ROW = 0.13  # between two rows of buttons


class MessageScreen:
    """A card with a title, a text and buttons ``[(label, callback)]``, as many to a row as the card holds
    (the menu's four: two rows of two); the first button has the focus."""

    def __init__(self, title: str, text: str, buttons: Sequence[tuple[str, Callable[[], object]]] = (),
                 error: bool = False, backdrop: bool = True) -> None:
        self.ring = FocusRing()
        self.root = DirectFrame(frameColor=BACKGROUND if backdrop else (0, 0, 0, 0.45),
                                frameSize=(-3, 3, -1, 1))
        n = len(buttons)
        per_row = max(1, min(n, int((WIDTH - 2 * MARGIN + GAP) // (BUTTON + GAP))))
        rows = -(-n // per_row) if n else 0
        bottom = -0.42 - max(0, rows - 1) * ROW
        self.card = DirectFrame(parent=self.root, frameColor=CARD, frameSize=(-WIDTH / 2, WIDTH / 2, bottom, 0.4))
        card = self.card
        label(card, title, (0, 0.25), 0.07, style.ERROR if error else style.ACCENT, TextNode.A_center)
        self.text = label(card, text, (0, 0.1), 0.05, style.TEXT_DARK, TextNode.A_center, wrap=30)
        self.buttons = []
        for i, (name, callback) in enumerate(buttons):
            row, col = divmod(i, per_row)
            in_row = min(per_row, n - row * per_row)
            x = (col - (in_row - 1) / 2) * (BUTTON + GAP)
            scale = min(0.055, BUTTON * 0.9 / max(0.1, measure(name)))
            self.buttons.append(button(card, name, callback, (x, -0.28 - row * ROW), width=BUTTON, scale=scale,
                                       ring=self.ring))
        if buttons:
            self.ring.move(1)

    def destroy(self) -> None:
        self.ring.destroy()
        self.root.destroy()
