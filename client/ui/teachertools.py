"""The teacher's second column: one pupil's pen, send-out and spotlight; breakout groups; files.

Shown with the teacher's panel (client/ui/teacher.py), to its left; its widgets join the panel's (and so
its Tab ring). Breakout groups are world messages (docs/classroom.md §3); attendance, slides and exports
go through the HTTP API (client/teacherfiles.py) and downloads are saved in the user's documents folder.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from direct.gui.DirectGui import DirectButton, DirectFrame
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.teacherfiles import FileRefused, download, save, upload_slides
from cybercollege.client.ui.focus import button, entry
from cybercollege.client.ui.teacher import ROW, WIDTH, TeacherPanel, _label
from cybercollege.protocol.classroom import (
    MAX_BREAKOUT_S,
    MAX_GROUPS,
    MIN_BREAKOUT_S,
    Breakout,
    BreakoutRecall,
    BreakoutStart,
)
from cybercollege.protocol.messages import Member
from cybercollege.protocol.teacher import Hand, Mute, PollShow, SendOut, Spotlight
from cybercollege.protocol.whiteboard import GivePen

log = logging.getLogger("client")
LEFT = -2 * WIDTH - 0.04
"""The column's left edge, relative to the panel's right edge."""
PUPIL_ROLES = ("pupil", "guest")
GROUPS = 4
MINUTES = "10"
REFUSALS = {
    "upload_too_large": "files_too_large",
    "too_many_pages": "files_too_large",
    "image_too_large": "files_too_large",
    "unsupported_file": "files_unreadable",
    "pdf_unreadable": "files_unreadable",
    "image_unreadable": "files_unreadable",
    "file_missing": "files_missing",
}


def _clock(ms: int) -> str:
    seconds = max(0, ms // 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


class TeacherTools:
    """Beside ``panel``: ``members()`` are the room's members, ``folder()`` where downloads go."""

    def __init__(
        self,
        panel: TeacherPanel,
        members: Callable[[], list[Member]],
        me: Callable[[], int],
        folder: Callable[[], Path],
        watch: Callable[[int], str] = lambda step: "",
    ) -> None:
        """``watch(step)`` shows the previous or next group's board (or the class's) and returns it."""
        self.panel, self.members, self.me, self.folder, self.watch = panel, members, me, folder, watch
        self.selected = 0
        self.groups = GROUPS
        self.breakout: Breakout | None = None
        self.ends = 0.0
        self.saved: Path | None = None
        self.tasks: set[asyncio.Task] = set()
        self.frame = DirectFrame(
            parent=panel.frame, frameColor=style.PANEL, frameSize=(LEFT, -WIDTH - 0.04, -0.47 - ROW, 0.76)
        )
        self.buttons: dict[str, DirectButton] = {}
        self._build()
        panel.base.taskMgr.doMethodLater(1.0, self._tick, "teacher-tools-clock")

    # --- layout ---

    def _build(self) -> None:
        x0, z = LEFT + 0.02, 0.70
        _label(self.frame, tr("tools_title"), (x0, z), 0.045, (0.75, 0.85, 1, 1))
        z -= ROW + 0.01
        _label(self.frame, tr("tools_pupil"), (x0, z))
        self._button("pupil_prev", "<", lambda: self.choose(-1), (x0 + 0.27, z + 0.01), 0.08)
        self.pupil_text = _label(self.frame, "", (x0 + 0.33, z), 0.032)
        self._button("pupil_next", ">", lambda: self.choose(1), (x0 + 0.9, z + 0.01), 0.08)
        z -= ROW
        self._button("pupil_pen", tr("pupil_pen_give"), self.toggle_pen, (x0 + 0.24, z), 0.46)
        self._button("spotlight", tr("spotlight_on"), self.toggle_spotlight, (x0 + 0.74, z), 0.46)
        z -= ROW
        self._button("send_out", tr("send_out"), self.send_out, (x0 + 0.24, z), 0.46)
        self._button("pupil_mute", tr("pupil_mute"), self.toggle_mute, (x0 + 0.74, z), 0.46)
        z -= ROW + 0.03
        _label(self.frame, tr("breakout_groups"), (x0, z))
        self._button("groups_less", "-", lambda: self.set_groups(self.groups - 1), (x0 + 0.33, z + 0.01), 0.08)
        self.groups_text = _label(self.frame, str(self.groups), (x0 + 0.41, z), 0.034, align=TextNode.A_center)
        self._button("groups_more", "+", lambda: self.set_groups(self.groups + 1), (x0 + 0.49, z + 0.01), 0.08)
        _label(self.frame, tr("breakout_minutes"), (x0 + 0.56, z))
        self.panel.fields["breakout_minutes"] = entry(self.frame, (x0 + 0.84, z - 0.005), 0.12, MINUTES, scale=0.032)
        z -= ROW
        self._button("breakout_start", tr("breakout_start"), self.start_breakout, (x0 + 0.24, z), 0.46)
        self._button("breakout_recall", tr("breakout_recall"), self.recall, (x0 + 0.74, z), 0.46)
        z -= ROW
        self.breakout_text = _label(self.frame, tr("breakout_none"), (x0, z), 0.032, (1.0, 0.85, 0.4, 1))
        z -= ROW
        _label(self.frame, tr("breakout_board"), (x0, z))
        self._button("board_prev", "<", lambda: self.look(-1), (x0 + 0.27, z + 0.01), 0.08)
        self.board_text = _label(self.frame, tr("breakout_board_class"), (x0 + 0.33, z), 0.032)
        self._button("board_next", ">", lambda: self.look(1), (x0 + 0.9, z + 0.01), 0.08)
        z -= ROW + 0.03
        self._button("attendance", tr("attendance"), self.attendance, (x0 + 0.24, z), 0.46)
        self._button("poll_show", tr("poll_show"), self.show_results, (x0 + 0.74, z), 0.46)
        z -= ROW
        _label(self.frame, tr("slides_file"), (x0, z))
        self.panel.fields["slides_file"] = entry(self.frame, (x0 + 0.27, z - 0.005), 0.69, "", scale=0.032)
        z -= ROW
        self._button("slides_upload", tr("slides_upload"), self.upload, (x0 + 0.24, z), 0.46)
        z -= ROW
        self._button("export_png", tr("export_png"), lambda: self.export("png"), (x0 + 0.24, z), 0.46)
        self._button("export_pdf", tr("export_pdf"), lambda: self.export("pdf"), (x0 + 0.74, z), 0.46)
        z -= ROW
        self.saved_text = _label(self.frame, "", (x0, z), 0.028, (1.0, 0.85, 0.4, 1))
        self.saved_text["wordwrap"] = 34

    def _button(self, key: str, text: str, command, pos: tuple[float, float], width: float) -> None:
        self.buttons[key] = b = button(self.frame, text, command, pos, width=width, scale=0.032)
        self.panel.widgets.append(b)

    # --- one pupil ---

    def pupils(self) -> list[Member]:
        return sorted(
            (m for m in self.members() if m.role in PUPIL_ROLES and m.id != self.me()), key=lambda m: m.name.casefold()
        )

    def choose(self, step: int) -> None:
        """The previous or next pupil of the room (alphabetical)."""
        ids = [m.id for m in self.pupils()]
        if self.selected in ids:
            self.selected = ids[(ids.index(self.selected) + step) % len(ids)]
        self.refresh()

    def refresh(self) -> None:
        """The chosen pupil (the first if mine left) and the labels that follow them."""
        pupils = self.pupils()
        if self.selected not in [m.id for m in pupils]:
            self.selected = pupils[0].id if pupils else 0
        name = next((m.name for m in pupils if m.id == self.selected), tr("tools_nobody"))
        self.pupil_text.setText(name[:24])
        has_pen = self.selected in self.panel.pens()
        self.buttons["pupil_pen"]["text"] = tr("pupil_pen_take" if has_pen else "pupil_pen_give")
        lit = self.selected and self.panel.state.spotlight == self.selected
        self.buttons["spotlight"]["text"] = tr("spotlight_off" if lit else "spotlight_on")
        muted = self.selected in self.panel.state.muted
        self.buttons["pupil_mute"]["text"] = tr("pupil_unmute" if muted else "pupil_mute")

    def toggle_pen(self) -> None:
        board, who = self.panel.board(), self.selected
        if board and who:
            give = who not in self.panel.pens()
            self.panel.send(GivePen(board, who, give))
            if give and who in self.panel.state.hands:
                self.panel.send(Hand(False, who))

    def toggle_spotlight(self) -> None:
        lit = self.panel.state.spotlight
        if lit is not None and (lit == self.selected or not self.selected):
            self.panel.send(Spotlight(None))
        elif self.selected:
            self.panel.send(Spotlight(self.selected))

    def show_results(self) -> None:
        """The latest poll's results written on the room's board."""
        if self.panel.last_poll:
            self.panel.send(PollShow(self.panel.last_poll))

    def toggle_mute(self) -> None:
        """Mute or unmute the chosen pupil's chat (the whole class: "mute all" in the panel)."""
        if self.selected:
            self.panel.send(Mute(self.selected not in self.panel.state.muted, self.selected))

    def send_out(self) -> None:
        if self.selected:
            self.panel.send(SendOut(self.selected))

    # --- breakout groups ---

    def set_groups(self, count: int) -> None:
        self.groups = max(1, min(MAX_GROUPS, count))
        self.groups_text.setText(str(self.groups))

    def start_breakout(self) -> None:
        try:
            minutes = float(self.panel.fields["breakout_minutes"].get().replace(",", ".") or MINUTES)
        except ValueError:
            self.panel.toast(tr("breakout_minutes_bad"))
            return
        seconds = max(MIN_BREAKOUT_S, min(MAX_BREAKOUT_S, round(minutes * 60)))
        self.panel.send(BreakoutStart(seconds, count=self.groups))

    def recall(self) -> None:
        if self.breakout is not None and self.breakout.active:
            self.panel.send(BreakoutRecall())

    def look(self, step: int) -> None:
        """Look at the previous or next group's board, or the class's."""
        self.show_watched(self.watch(step))

    def show_watched(self, board: str) -> None:
        """The name of the board looked at: a group's, or the class's."""
        groups = self.breakout.groups if self.breakout is not None else []
        group = next((g.number for g in groups if g.board == board), 0)
        self.board_text.setText(tr("breakout_board_group", number=group) if group else tr("breakout_board_class"))

    def breakout_changed(self, breakout: Breakout) -> None:
        self.breakout = breakout
        self.ends = time.monotonic() + breakout.remaining_ms / 1000
        self._show_breakout()

    def _show_breakout(self) -> None:
        b = self.breakout
        if b is None or not b.groups:
            text = tr("breakout_none")
        elif b.active:
            left = round((self.ends - time.monotonic()) * 1000)
            text = tr("breakout_running", count=len(b.groups), time=_clock(left))
        else:
            text = tr("breakout_ended", count=len(b.groups))
        self.breakout_text.setText(text)

    def _tick(self, task):
        if self.breakout is not None and self.breakout.active:
            self._show_breakout()
        return task.again

    # --- files ---

    def attendance(self) -> None:
        self._spawn(self._download(f"/api/rooms/{self.panel.room()}/attendance.csv"))

    def export(self, kind: str) -> None:
        if self.panel.board():
            self._spawn(self._download(f"/api/boards/{self.panel.board()}/export.{kind}"))

    def upload(self) -> None:
        text = self.panel.fields["slides_file"].get().strip().strip('"')
        if text and self.panel.board():
            self._spawn(self._upload(Path(text).expanduser(), self.panel.board()))

    async def _download(self, path: str) -> None:
        p = self.panel
        try:
            name, data = await download(p.http, p.url(), p.token(), path)
            self.saved = await asyncio.to_thread(save, self.folder(), name, data)
        except (FileRefused, OSError) as exc:
            self._refused(exc)
            return
        self.saved_text.setText(tr("files_saved", path=str(self.saved)))

    async def _upload(self, file: Path, board: str) -> None:
        p = self.panel
        try:
            count = await upload_slides(p.http, p.url(), p.token(), board, file)
        except FileRefused as exc:
            self._refused(exc)
            return
        self.saved_text.setText(tr("slides_sent", count=count))

    def _refused(self, exc: Exception) -> None:
        log.info("teacher's file refused: %s", exc)
        self.panel.toast(tr(REFUSALS.get(getattr(exc, "code", ""), "files_failed")))

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def destroy(self) -> None:
        self.panel.base.taskMgr.remove("teacher-tools-clock")
        for task in self.tasks:
            task.cancel()
