"""A line at the top of the screen saying what the teacher set: the class frozen, my chat muted, who is in
the spotlight, and the question asked on the board (everyone sees those two)."""

from __future__ import annotations

from direct.gui.OnscreenText import OnscreenText
from panda3d.core import TextNode

from cybercollege.client.i18n import tr
from cybercollege.protocol.teacher import RoomState


def notices(state: RoomState | None, me: int, teacher: bool) -> list[str]:
    """The catalogue keys that apply to me (teachers are never frozen nor muted)."""
    if state is None or teacher:
        return []
    keys = ["frozen"] if state.frozen else []
    if state.muted_all or me in state.muted:
        keys.append("muted")
    return keys


class ClassState:
    def __init__(self, base) -> None:
        self.text = OnscreenText(parent=base.a2dTopCenter, text="", pos=(0, -0.36), scale=0.045,
                                 fg=(1, 1, 1, 1), bg=(0.75, 0.2, 0.15, 0.85), align=TextNode.A_center,
                                 mayChange=True, wordwrap=30)
        self.keys: list[str] = []
        self.spotlight = ""
        """The name of the member in the spotlight ("" for nobody)."""
        self.question = ""
        """The open question's text ("" for none)."""

    def show(self, state: RoomState | None, me: int, teacher: bool, names: dict[int, str] | None = None) -> None:
        self.keys = notices(state, me, teacher)
        who = state.spotlight if state is not None else None
        self.spotlight = (names or {}).get(who, "") if who is not None else ""
        self._render()

    def set_question(self, text: str) -> None:
        self.question = text
        self._render()

    def _render(self) -> None:
        lines = [tr(k) for k in self.keys]
        if self.spotlight:
            lines.append(tr("spotlight", name=self.spotlight))
        if self.question:
            lines.append(tr("question_banner", text=self.question))
        self.text.setText("\n".join(lines))

    def destroy(self) -> None:
        self.text.destroy()
