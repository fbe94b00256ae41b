"""The teacher's tools on the panel's tabs: one pupil's pen, send-out and spotlight (class); breakout groups
(groups); slides and exports (board); the poll's results on the board (polls).

Rows of the teacher's panel (client/ui/teacher.py), built again with it; its widgets join the panel's (and so
its Tab ring when their tab shows). Breakout groups are world messages (docs/classroom.md §3); attendance,
slides and exports go through the HTTP API (client/teacherfiles.py) and downloads are saved in the user's
documents folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from direct.gui.DirectGui import DirectButton

from cybercollege.client.i18n import tr
from cybercollege.client.teacherfiles import FileRefused, download, save, upload_slides
from cybercollege.client.ui.column import relabel, set_fitted
from cybercollege.client.ui.filepicker import FilePicker
from cybercollege.client.ui.teacher import TeacherPanel
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
NOTE = (1.0, 0.85, 0.4, 1.0)
"""A status line (the breakout's countdown, where a file was saved)."""
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
        self.picker: FilePicker | None = None
        self.buttons: dict[str, DirectButton] = {}
        panel.extensions.append(self._build)
        self._build()
        panel.base.taskMgr.doMethodLater(1.0, self._tick, "teacher-tools-clock")

    # --- layout ---

    def _build(self) -> None:
        """My rows on the panel's tabs: one pupil (class), breakout groups (groups), slides, exports and the
        poll's results (board, polls); built again with the panel's tabs."""
        pages = self.panel.pages
        page = pages["class"]
        page.space()
        page.title(tr("tools_pupil"))
        prev, self.pupil_text, nxt = page.chooser(lambda: self.choose(-1), lambda: self.choose(1))
        self._add("pupil_prev", prev)
        self._add("pupil_next", nxt)
        self._buttons("class", [("pupil_pen", tr("pupil_pen_give"), self.toggle_pen),
                                ("spotlight", tr("spotlight_on"), self.toggle_spotlight),
                                ("send_out", tr("send_out"), self.send_out),
                                ("pupil_mute", tr("pupil_mute"), self.toggle_mute)])
        page.space()
        self._buttons("class", [("attendance", tr("attendance"), self.attendance)], 1)

        page = pages["groups"]
        page.title(tr("breakout_groups"))
        less, self.groups_text, more = page.chooser(lambda: self.set_groups(self.groups - 1),
                                                    lambda: self.set_groups(self.groups + 1))
        less["text"], more["text"] = "-", "+"
        self._add("groups_less", less)
        self._add("groups_more", more)
        self.groups_text.setText(str(self.groups))
        self.panel.fields["breakout_minutes"] = page.field(tr("breakout_minutes"), MINUTES, limit=4)
        self._buttons("groups", [("breakout_start", tr("breakout_start"), self.start_breakout),
                                 ("breakout_recall", tr("breakout_recall"), self.recall)])
        self.breakout_text = page.text(tr("breakout_none"), fg=NOTE, rows=2)
        page.title(tr("breakout_board"))
        prev, self.board_text, nxt = page.chooser(lambda: self.look(-1), lambda: self.look(1))
        self._add("board_prev", prev)
        self._add("board_next", nxt)
        set_fitted(self.board_text, tr("breakout_board_class"))

        page = pages["board"]
        page.space()
        self._buttons("board", [("slides_upload", tr("slides_upload"), self.upload)], 1)
        self._buttons("board", [("export_png", tr("export_png"), lambda: self.export("png")),
                                ("export_pdf", tr("export_pdf"), lambda: self.export("pdf"))])
        self.saved_text = page.text("", 0.029, NOTE, rows=3)

        self._buttons("polls", [("poll_show", tr("poll_show"), self.show_results)], 1)
        if self.breakout is not None:
            self._show_breakout()
        if self.saved is not None:
            self.saved_text.setText(tr("files_saved", path=str(self.saved)))
        self.refresh()

    def _add(self, key: str, b: DirectButton) -> None:
        self.buttons[key] = b
        self.panel.widgets.append(b)

    def _buttons(self, tab: str, items: list[tuple[str, str, Callable]], per_row: int = 2) -> None:
        for (key, _, _), b in zip(items, self.panel.add_buttons(tab, items, per_row), strict=True):
            self.buttons[key] = b

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
        set_fitted(self.pupil_text, name)
        has_pen = self.selected in self.panel.pens()
        relabel(self.buttons["pupil_pen"], tr("pupil_pen_take" if has_pen else "pupil_pen_give"))
        lit = self.selected and self.panel.state.spotlight == self.selected
        relabel(self.buttons["spotlight"], tr("spotlight_off" if lit else "spotlight_on"))
        muted = self.selected in self.panel.state.muted
        relabel(self.buttons["pupil_mute"], tr("pupil_unmute" if muted else "pupil_mute"))

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
        set_fitted(self.board_text, tr("breakout_board_group", number=group) if group else tr("breakout_board_class"))

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
        """The board's export, saved where the teacher says in the file picker (client/ui/filepicker.py)."""
        if self.panel.board():
            self._spawn(self._download(f"/api/boards/{self.panel.board()}/export.{kind}", ask=True))

    def upload(self) -> None:
        """A PDF or a picture chosen in the file picker, sent to the room's board as slides."""
        board = self.panel.board()
        if board and self.picker is None:
            self.picker = FilePicker(self.panel.base, tr("picker_slide_title"),
                                     lambda path: self._picked(path, board))

    def _picked(self, path: Path | None, board: str) -> None:
        self.picker = None
        if path is not None:
            self._spawn(self._upload(path, board))

    async def _download(self, path: str, ask: bool = False) -> None:
        p = self.panel
        try:
            name, data = await download(p.http, p.url(), p.token(), path)
            folder = self.folder()
            if ask:  # where to save it, and as what
                chosen = await self._save_as(folder, name)
                if chosen is None:
                    return
                folder, name = chosen.parent, chosen.name
            self.saved = await asyncio.to_thread(save, folder, name, data)
        except (FileRefused, OSError) as exc:
            self._refused(exc)
            return
        self.saved_text.setText(tr("files_saved", path=str(self.saved)))

    async def _save_as(self, folder: Path, name: str) -> Path | None:
        """The file picker, opened on ``folder`` with ``name``: the path chosen, or None (cancelled)."""
        if self.picker is not None:
            return None
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)  # where downloads go (the picker starts there)
        answer: asyncio.Future[Path | None] = asyncio.get_running_loop().create_future()
        self.picker = FilePicker(self.panel.base, tr("picker_export_title"),
                                 lambda path: None if answer.done() else answer.set_result(path),
                                 extensions=(Path(name).suffix or ".png",), start=folder, save_name=name)
        try:
            return await answer
        finally:
            self.picker = None

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
        if self.picker is not None:
            self.picker.cancel()
        self.panel.base.taskMgr.remove("teacher-tools-clock")
        for task in self.tasks:
            task.cancel()
