"""The file picker: slides and exports chosen with the keyboard or the mouse instead of typing a path.

Keys go through Panda3D's messenger as the ButtonThrower sends them; a mouse click on a line is the event its
PGButton throws when clicked (``click-mouse1-<id>``: offscreen there is no pointer to click with).
"""

from __future__ import annotations

from pathlib import Path

from direct.gui import DirectGuiGlobals as DGG

from cybercollege.client.ui import focus
from cybercollege.client.ui.filepicker import SLIDES, FilePicker, list_folder
from cybercollege.protocol.classroom import PageBackground
from tests.client.helpers import until
from tests.client.keystrokes import click, press_enter, type_text
from tests.client.sessions import stop
from tests.client.test_slides import png
from tests.client.test_teacher_panel import demo
from tests.client.test_text_input import press_keys, shots, show_field_tab, teacher_in_103  # noqa: F401


def tree(root: Path) -> Path:
    """A home with Documents (a folder of lessons, a picture, notes, a hidden folder) and a slides folder."""
    (root / "Documents" / "cours").mkdir(parents=True)
    (root / "Documents" / ".cache").mkdir()
    (root / "Documents" / "Photo.JPG").write_bytes(b"x")
    (root / "Documents" / "notes.txt").write_text("x")
    (root / "Diapos").mkdir()
    (root / "Diapos" / "lecon.png").write_bytes(png(320, 240, (40, 90, 200)))
    (root / "Diapos" / "plan.pdf").write_bytes(b"%PDF-1.4")
    return root


def clicked(row) -> None:
    """What a mouse click on a DirectButton makes its PGButton throw."""
    row.guiItem.get_state()  # the button exists
    from direct.showbase import ShowBaseGlobal

    ShowBaseGlobal.base.messenger.send(DGG.B1CLICK + row.guiId, [None])


def test_a_folder_lists_its_folders_then_the_files_asked_for(tmp_path):
    tree(tmp_path)
    listing = list_folder(tmp_path / "Documents", SLIDES)
    assert (listing.folders, listing.files) == (["cours"], ["Photo.JPG"]), "no notes.txt, no hidden folder"


async def test_keyboard_and_mouse_find_a_slide_in_another_folder(base, driver, tmp_path):
    tree(tmp_path)
    chosen: list[Path | None] = []
    picker = FilePicker(base, "Choisir", chosen.append, start=tmp_path / "Documents")
    try:
        assert [n for n, _ in picker.lines] == ["cours", "Photo.JPG"]
        assert focus.typing(), "the dialog has the keys: the avatar does not walk behind it"
        await press_keys(base, driver, ["backspace"])  # the parent folder, Documents chosen in it
        assert picker.folder == tmp_path and picker.chosen == ("Documents", True)
        await press_keys(base, driver, ["arrow_up"])  # Diapos comes before Documents
        assert picker.chosen == ("Diapos", True)
        await press_keys(base, driver, ["enter"])
        assert picker.folder == tmp_path / "Diapos" and [n for n, _ in picker.lines] == ["lecon.png", "plan.pdf"]
        clicked(picker.rows[1])  # the mouse: a click chooses plan.pdf, a click on lecon.png chooses it...
        assert picker.chosen == ("plan.pdf", False)
        clicked(picker.rows[0])
        clicked(picker.rows[0])  # ...and a second click on the chosen line opens it
        assert chosen == [tmp_path / "Diapos" / "lecon.png"]
        assert not focus.typing(), "closed: the keys are the world's again"
    finally:
        if not picker.done:
            picker.cancel()


async def test_escape_cancels_and_an_export_gets_a_name_in_a_folder(base, driver, tmp_path):
    tree(tmp_path)
    chosen: list[Path | None] = []
    FilePicker(base, "Choisir", chosen.append, start=tmp_path / "Documents")
    await press_keys(base, driver, ["escape"])
    assert chosen == [None]

    saver = FilePicker(base, "Enregistrer", chosen.append, extensions=(".png",), start=tmp_path / "Documents",
                       save_name="tableau-103-page1.png")
    assert saver.name is not None and saver.name.get() == "tableau-103-page1.png"
    await press_keys(base, driver, ["arrow_down", "enter"])  # into "cours"
    assert saver.folder == tmp_path / "Documents" / "cours"
    click(saver.name)
    await type_text(base, driver, saver.name, "-bis")  # the keys are the field's: no parent, no cancel
    assert saver.folder == tmp_path / "Documents" / "cours" and not saver.done
    await press_enter(base, driver, saver.name)
    assert chosen[-1] == tmp_path / "Documents" / "cours" / "tableau-103-page1.png-bis"


async def test_the_teacher_imports_a_slide_with_the_picker_and_the_board_shows_it(
        base, server, http, driver, tmp_path, monkeypatch, shots):  # noqa: F811
    home = tree(tmp_path / "home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CYBERCOLLEGE_DOCUMENTS", str(home / "Documents" / "Cybercollege"))
    session, task = await teacher_in_103(base, http, driver, server, tmp_path)
    lea = await demo(http, server, "lea.martin")
    backgrounds: list[PageBackground] = []
    lea.mirror.listeners.append(lambda m: backgrounds.append(m) if isinstance(m, PageBackground) else None)
    try:
        panel, tools = session.classroom.panel, session.classroom.tools
        await press_keys(base, driver, ["f2"])
        await until(lambda: panel.shown, what="the teacher's panel")
        upload = tools.buttons["slides_upload"]
        await show_field_tab(base, driver, session, upload)
        session.hud.ring.focus(upload)  # Tab to "import", then Enter
        await press_keys(base, driver, ["enter"])
        await until(lambda: tools.picker is not None, what="the file picker")
        picker = tools.picker
        assert picker.folder == home / "Documents", "it starts in my documents"
        session.screenshot(shots / "1-the-picker-in-documents.png")
        await press_keys(base, driver, ["backspace", "arrow_up", "enter"])  # home, Diapos
        assert picker.folder == home / "Diapos"
        session.screenshot(shots / "2-the-slides-folder.png")
        await press_keys(base, driver, ["enter"])  # lecon.png
        await until(lambda: tools.picker is None, what="the picker closed")
        await lea.wait_for(lambda m: any(b.board == "tableau-103" and b.sha256 for b in backgrounds), timeout=30)
        board = lea.mirror.boards["tableau-103"]
        assert board.pages >= 1 and any(b.sha256 for b in backgrounds if b.board == "tableau-103")
        panel_ = session.view.boards.panels["tableau-103"]
        await until(lambda: bool(panel_.slides), what="the slide on the teacher's board")
        await driver.frames_later(3)
        session.screenshot(shots / "3-the-board-shows-the-slide.png")
    finally:
        await lea.close()
        await stop(session, task)
