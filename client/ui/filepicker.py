"""Choosing a file or where to save one, with the keyboard or the mouse, instead of typing a path.

A modal dialog (it takes the keys, client/ui/focus.py) lists the folders of the current folder, then its
files of the kinds asked for (``.pdf .png .jpg`` for slides). ↑ ↓ (Page Up / Down, the wheel) choose a line,
Enter or a click on the chosen line opens a folder or takes a file, Backspace goes to the parent folder,
Escape cancels. To save, a name field holds the suggested file name, and Enter (no line chosen, or in the
field, or "Enregistrer") saves it in the folder shown. ``on_done(path)`` gets the path chosen, or None if cancelled.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from direct.gui import DirectGuiGlobals as DGG
from direct.gui.DirectGui import DirectButton, DirectFrame
from direct.gui.OnscreenText import OnscreenText
from direct.showbase.DirectObject import DirectObject
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.ui.focus import FocusRing, button, entry, focused_entry

SLIDES = (".pdf", ".png", ".jpg", ".jpeg")
"""What the server takes as slides (server/classroom/slides.py)."""
ROWS = 10
ROW = 0.075
WIDTH = 1.7
PATH_CHARS = 60
HIGHLIGHT = (0.93, 0.55, 0.1, 1.0)
FOLDER = (0.85, 0.9, 1.0, 1.0)
LINE = (0.2, 0.25, 0.35, 1.0)


@dataclass(frozen=True, slots=True)
class Listing:
    """A folder's sub-folders and files (of the kinds asked for), each sorted by name."""

    folders: list[str]
    files: list[str]


def list_folder(folder: Path, extensions: Sequence[str]) -> Listing:
    """The folders and the files ending with one of ``extensions`` (any case) in ``folder``, hidden ones
    left out; raises OSError if the folder cannot be read."""
    folders, files = [], []
    with os.scandir(folder) as found:
        for item in found:
            if item.name.startswith("."):
                continue
            try:
                if item.is_dir():
                    folders.append(item.name)
                elif item.is_file() and item.name.lower().endswith(tuple(extensions)):
                    files.append(item.name)
            except OSError:
                continue  # a broken link, a file gone meanwhile
    return Listing(sorted(folders, key=str.casefold), sorted(files, key=str.casefold))


def start_folder(folder: Path | None = None) -> Path:
    """``folder`` or its nearest parent that exists; by default the user's Documents, else home."""
    if folder is None:
        documents = Path.home() / "Documents"
        folder = documents if documents.is_dir() else Path.home()
    folder = folder.expanduser().absolute()
    while not folder.is_dir() and folder.parent != folder:
        folder = folder.parent
    return folder


class FilePicker(DirectObject):
    """Pick a file of ``extensions`` (``save_name`` None), or a folder and a name to save as ``save_name``."""

    def __init__(self, base, title: str, on_done: Callable[[Path | None], None],
                 extensions: Sequence[str] = SLIDES, start: Path | None = None, save_name: str | None = None) -> None:
        super().__init__()
        self.base, self.on_done, self.extensions = base, on_done, tuple(e.lower() for e in extensions)
        self.saving = save_name is not None
        self.ring = FocusRing(modal=True)
        self.folder = start_folder(start)
        self.lines: list[tuple[str, bool]] = []
        """What the folder holds, as shown: (name, is a folder)."""
        self.selected = 0
        self.top = 0
        self.done = False
        self.root = DirectFrame(parent=base.aspect2d, frameColor=(0, 0, 0, 0.5), frameSize=(-4, 4, -2, 2),
                                state=DGG.NORMAL)  # takes the clicks: nothing behind it is drawn on
        self.root.setBin("gui-popup", 20)
        half = WIDTH / 2
        top = 0.15 + ROWS * ROW / 2 + 0.25
        bottom = -ROWS * ROW / 2 - (0.42 if self.saving else 0.3)
        card = DirectFrame(parent=self.root, frameColor=style.PANEL_LIGHT, frameSize=(-half, half, bottom, top))
        self.card = card
        _text(card, title, (-half + 0.05, top - 0.09), 0.06, style.ACCENT)
        self.path_text = _text(card, "", (-half + 0.05, top - 0.17), 0.04, style.TEXT_DARK)
        self.message = _text(card, "", (0, 0.05), 0.045, style.TEXT_DARK, TextNode.A_center)
        list_top = top - 0.24
        self.rows: list[DirectButton] = []
        for i in range(ROWS):
            z = list_top - (i + 0.5) * ROW
            row = DirectButton(parent=card, text="", text_align=TextNode.A_left, text_scale=0.045,
                               text_pos=(-half + 0.08, -0.015), text_fg=style.TEXT_DARK, relief=1,
                               frameColor=LINE, frameSize=(-half + 0.04, half - 0.04, -ROW / 2 + 0.004,
                                                           ROW / 2 - 0.004),
                               pos=(0, 0, z), command=self.click, extraArgs=[i], pressEffect=0)
            self.rows.append(row)
        z = list_top - ROWS * ROW - 0.07
        self.name = None
        if self.saving:
            _text(card, tr("picker_name"), (-half + 0.05, z - 0.01), 0.045, style.TEXT_DARK)
            self.name = entry(card, (-half + 0.45, z - 0.01), WIDTH - 0.55, save_name or "",
                              lambda text: self.choose(), scale=0.045, limit=200)
            z -= 0.1
        self.buttons = {
            "parent": button(card, tr("picker_parent"), self.parent, (-0.56, z), width=0.5, scale=0.045,
                             color=(0.4, 0.45, 0.55, 1), ring=self.ring),
            "open": button(card, tr("picker_save" if self.saving else "picker_open"), self.choose, (0.0, z),
                           width=0.5, scale=0.045, ring=self.ring),
            "cancel": button(card, tr("picker_cancel"), self.cancel, (0.56, z), width=0.5, scale=0.045,
                             color=(0.4, 0.45, 0.55, 1), ring=self.ring),
        }
        if self.name is not None:
            self.ring.widgets.insert(0, self.name)
        _text(card, tr("picker_hint"), (0, bottom + 0.04), 0.032, style.TEXT_DARK, TextNode.A_center)
        for key, step in (("arrow_up", -1), ("arrow_down", 1), ("page_up", -ROWS), ("page_down", ROWS),
                          ("wheel_up", -1), ("wheel_down", 1)):
            self.accept(key, self._step, [step])
            self.accept(f"{key}-repeat", self._step, [step])
        self.accept("enter", self._enter)
        self.accept("backspace", self._backspace)
        self.accept("escape", self.cancel)
        self.enter(self.folder)

    # --- what is shown ---

    def enter(self, folder: Path) -> None:
        """Show ``folder`` (the selection on its first line); an unreadable folder says so and stays put."""
        try:
            listing = list_folder(folder, self.extensions)
        except OSError:
            self.message.setText(tr("picker_unreadable"))
            return
        self.folder = folder
        self.lines = [(n, True) for n in listing.folders] + [(n, False) for n in listing.files]
        self.selected, self.top = (-1 if self.saving else 0), 0  # to save, Enter first means "here"
        path = str(folder)
        self.path_text.setText(path if len(path) <= PATH_CHARS else "…" + path[-PATH_CHARS + 1:])
        kinds = " ".join(e.lstrip(".").upper() for e in self.extensions if e != ".jpeg")
        self.message.setText("" if self.lines else tr("picker_empty", kinds=kinds))
        self._show()

    def _show(self) -> None:
        for i, row in enumerate(self.rows):
            n = self.top + i
            if n < len(self.lines):
                name, is_folder = self.lines[n]
                row["text"] = f"{name}/" if is_folder else name
                row["frameColor"] = HIGHLIGHT if n == self.selected else (FOLDER if is_folder else style.PANEL_LIGHT)
                row.show()
            else:
                row.hide()

    @property
    def chosen(self) -> tuple[str, bool] | None:
        """The line chosen: (name, is a folder)."""
        return self.lines[self.selected] if 0 <= self.selected < len(self.lines) else None

    # --- keys and clicks ---

    def _step(self, step: int) -> None:
        if focused_entry() is not None or not self.lines:  # the name field's cursor keys
            return
        self.select(max(0, min(len(self.lines) - 1, max(self.selected, 0 if step > 0 else -1) + step)))

    def select(self, n: int) -> None:
        """Choose line ``n`` (the list scrolls to show it); a file's name goes into the name field."""
        self.selected = n
        self.top = max(0, min(self.top, n, len(self.lines) - ROWS), n - ROWS + 1)
        line = self.chosen
        if self.name is not None and line is not None and not line[1]:
            self.name.enterText(line[0])
        self._show()

    def click(self, row: int) -> None:
        """A click chooses a line; a click on the chosen line opens it."""
        n = self.top + row
        if n == self.selected:
            self.open()
        elif n < len(self.lines):
            self.select(n)

    def _enter(self) -> None:
        if focused_entry() is not None or self.ring.current is not None:
            return  # the field's own Enter, or the focused button's
        self.open()

    def _backspace(self) -> None:
        if focused_entry() is None:
            self.parent()

    def open(self) -> None:
        """Enter the chosen folder, or take the chosen file (to save: over its name; no line chosen: here)."""
        line = self.chosen
        if line is None:
            if self.name is not None:
                self.choose()
            return
        name, is_folder = line
        if is_folder:
            self.enter(self.folder / name)
        elif self.name is None:
            self._finish(self.folder / name)
        else:
            self.choose()

    def choose(self) -> None:
        """"Ouvrir": the chosen line; "Enregistrer": the name field's name in the folder shown."""
        if self.name is None:
            self.open()
            return
        name = self.name.get().strip()
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            self.message.setText(tr("picker_bad_name"))
            return
        self._finish(self.folder / name)

    def parent(self) -> None:
        if self.folder.parent != self.folder:
            previous = self.folder.name
            self.enter(self.folder.parent)
            n = next((i for i, line in enumerate(self.lines) if line == (previous, True)), 0)
            self.select(n)

    def cancel(self) -> None:
        self._finish(None)

    def _finish(self, path: Path | None) -> None:
        if self.done:
            return
        self.done = True
        self.destroy()
        self.on_done(path)

    def destroy(self) -> None:
        self.ignore_all()
        self.ring.destroy()
        self.root.destroy()


def _text(parent, text: str, pos: tuple[float, float], scale: float, fg, align=TextNode.A_left) -> OnscreenText:
    return OnscreenText(parent=parent, text=text, pos=pos, scale=scale, fg=fg, align=align, mayChange=True)
