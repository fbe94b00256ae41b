"""The poll window: the question, one button per answer (a click votes) and the live counts.

Everyone in the room sees it while a poll is open (docs/teacher-tools.md); a closed poll shows its final
counts, and a quiz its correct answers (✓), for ``RESULT_SECONDS``. During a quiz pupils get no counts (the
server sends none until it closes): their buttons show the answers only.
"""

from __future__ import annotations

from collections.abc import Callable

from direct.gui.DirectGui import DirectFrame
from direct.gui.OnscreenText import OnscreenText
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.ui.column import fit
from cybercollege.client.ui.focus import FocusRing, button
from cybercollege.protocol.teacher import Poll

RESULT_SECONDS = 15.0
TOP = -0.1
"""The window's top edge: below the board as the class sees it from the desks (it was drawn over it)."""
WIDTH = 0.9
ROW = 0.075


class PollWindow:
    """``vote(poll_id, choices)`` sends my answer."""

    def __init__(self, base, ring: FocusRing, vote: Callable[[int, list[int]], None]) -> None:
        self.base, self.ring, self.vote = base, ring, vote
        self.root = base.aspect2d.attach_new_node("poll")
        self.root.set_pos(0, 0, TOP)
        self.poll: Poll | None = None
        self.chosen: list[int] = []
        self.widgets: list = []
        self.answers: list = []
        """The answer buttons, in order."""
        self.question: OnscreenText | None = None
        style.on_change(self.restyle)

    def restyle(self) -> None:
        """The options changed: an open window is drawn again in the new size and colours."""
        if self.poll is not None and self.shown:
            self._build(self.poll)

    def show(self, poll: Poll) -> None:
        """A new or updated poll (the live counts change after each answer)."""
        if self.poll is not None and self.poll.id != poll.id:
            self.chosen = []
        self.poll = poll
        self._build(poll)
        self.base.taskMgr.remove("poll-hide")
        if not poll.open:
            self.base.taskMgr.doMethodLater(RESULT_SECONDS, lambda task: self.hide(), "poll-hide")

    def _build(self, poll: Poll) -> None:
        """The window at the text factor's size (client/style.py), its question wrapped to its width."""
        self._clear()
        f = style.TEXT_SCALE
        self.root.setScale(f)
        self.root.set_z(TOP * f if f > 1 else TOP)  # larger: lower only as much as it grew (its top stays near)
        self.question = OnscreenText(parent=self.root, text=poll.question, pos=(0, -0.07), scale=0.045,
                                     fg=style.TEXT, align=TextNode.A_center, wordwrap=(WIDTH - 0.08) / 0.045)
        top = -0.07 - 0.045 * 1.2 * (self.question.textNode.get_num_rows() - 1)
        height = -top + 0.13 + ROW * len(poll.options)
        frame = DirectFrame(parent=self.root, frameColor=style.PANEL, frameSize=(-WIDTH / 2, WIDTH / 2, -height, 0))
        self.question.reparentTo(frame)
        self.widgets.append(frame)
        for i, option in enumerate(poll.options):
            mark = "✓ " if i in poll.correct else ("● " if i in self.chosen else "")
            label = f"{mark}{option} — {poll.counts[i]}" if i < len(poll.counts) else f"{mark}{option}"
            b = button(frame, label, self._pick, (0, top - 0.08 - i * ROW), width=WIDTH - 0.08,
                       scale=fit(label, WIDTH - 0.08, 0.036), ring=self.ring if poll.open else None, extra=(i,))
            self.widgets.append(b)
            self.answers.append(b)
        results = OnscreenText(parent=frame, text=tr("poll_results", voters=poll.voters),
                               pos=(0, -height + 0.03), scale=0.034, fg=style.TITLE, align=TextNode.A_center)
        self.widgets.append(results)

    def _pick(self, index: int) -> None:
        poll = self.poll
        if poll is None or not poll.open:
            return
        if poll.multiple:
            self.chosen = [c for c in self.chosen if c != index] if index in self.chosen else [*self.chosen, index]
        else:
            self.chosen = [index]
        self.vote(poll.id, sorted(self.chosen))
        self._build(poll)

    @property
    def shown(self) -> bool:
        return bool(self.widgets)

    def labels(self) -> list[str]:
        """The answer buttons' texts (tests)."""
        return [b["text"] for b in self.answers]

    def _clear(self) -> None:
        for w in reversed(self.widgets):
            self.ring.remove(w)
            w.destroy()
        self.widgets, self.answers = [], []

    def hide(self) -> None:
        self._clear()

    def destroy(self) -> None:
        style.forget(self.restyle)
        self.base.taskMgr.remove("poll-hide")
        self._clear()
        self.root.remove_node()
