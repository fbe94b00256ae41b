"""A teacher's lesson, driven through the client's keys, a screenshot per step (var/journeys/<test>/).

Mme Durand logs in with the keyboard, walks to salle 103, draws on the board, runs a poll and a quiz from
the panel's polls tab (Léa, a pupil's client, gets a quiz's counts only once it is closed), puts Léa in the
spotlight and freezes the class from the class tab; typing in the panel's fields never moves her avatar.
She also writes a text where she clicked on the board (:func:`write_text_where_clicked`), imports a slide
with the file picker (:func:`import_a_slide`), and sees the star above Léa once she is in the spotlight,
which Léa's client is told (:func:`spotlight_marked_for_pupils`). She ends by exporting the board as a PDF
through the file picker's save mode (:func:`export_the_board`): the file is where she chose, and her text is on
its first page in the lines the board shows, at a size one reads on paper.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from pathlib import Path

from cybercollege.client.drawing import text_size
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginScreen
from cybercollege.protocol.classroom import PageBackground
from cybercollege.protocol.teacher import Poll, Vote
from tests.client import keystrokes
from tests.client.helpers import until
from tests.client.sessions import in_world, stop
from tests.client.test_drawing import on_screen
from tests.client.test_filepicker import tree
from tests.client.test_markers import on_screen as marker_on_screen
from tests.client.test_markers import shown
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot
from tests.journeys.test_teacher_invites import tab_to, type_text

PAPER_CAP_MM = 3.0
"""Capitals at least this high on the exported page (10 inches across, docs/whiteboard.md): read on paper."""

LESSON_TEXT = "Devoirs : exercice 3 page 42"
CLICK = (1500, 500)  # board units: the top left of tableau-103, above her stroke


def where(session: Session) -> tuple[float, float, float]:
    w = session.view.walker
    return (w.x, w.y, w.heading)


async def open_tab(session: Session, name: str) -> None:
    panel = session.classroom.panel
    await tab_to(session, panel.tabs[name])
    await keyboard.press(session.base, "enter")
    await until(lambda: panel.tab == name, what=f"the {name} tab")


async def press_button(session: Session, button) -> None:
    await tab_to(session, button)
    await keyboard.press(session.base, "enter")


async def fill(session: Session, field, text: str) -> None:
    """Tab to the field and type ``text`` over what it holds: her avatar stays where it is."""
    before = where(session)
    await tab_to(session, field)
    await type_text(session, text, erase=len(field.get()))
    assert field.get() == text
    assert where(session) == before, "typing in a field never moves her avatar"


async def log_in_and_walk_to_class(session: Session, shots: Path) -> None:
    await until(lambda: isinstance(session.screen, LoginScreen), what="the login screen")
    await keyboard.log_in(session, "mme.durand")
    await in_world(session)
    await save_shot(session.base, shots / "1-hall.png")
    await keyboard.go_to_room(session, "salle-103")
    await keyboard.go_to(session, 37.5, 15.0)
    await keyboard.turn_to(session, 90.0)  # facing the board
    await save_shot(session.base, shots / "2-classroom.png")


async def draw_on_the_board(session: Session, pupil: WorldConnection, shots: Path) -> None:
    """A stroke through the 3D board, as the mouse moves it (tests/client/test_drawing.py)."""
    base, pen = session.base, session.classroom.pen
    path = [(1500 + i * 300, 1300 + (i % 4) * 150) for i in range(12)]
    assert pen.press(*on_screen(base, session, *path[0]))
    for point in path[1:]:
        pen.drag(*on_screen(base, session, *point))
        await keyboard.frames(base)
    pen.release()
    await pupil.wait_for(lambda m: len(m.boards["tableau-103"].items) >= 1)
    await save_shot(base, shots / "3-drawn.png")


async def write_text_where_clicked(session: Session, pupil: WorldConnection, shots: Path) -> None:
    """Tab to the text tool, Enter; a click on the board opens the box there (tests/client/test_board_text.py);
    she types, Enter: Léa's board has the text where she clicked, at the size readable from the back row."""
    base, driver, toolbar = session.base, session.driver, session.classroom.toolbar
    await tab_to(session, toolbar.buttons["tool_text"])
    await keyboard.press(base, "enter")
    await until(lambda: session.classroom.pen.writing, what="the text tool chosen")
    before = where(session)
    mx, my = on_screen(base, session, *CLICK)
    assert session.classroom.pen.press(mx, my), "the click lands on the board"
    box = toolbar.text_entry
    await until(lambda: not box.is_hidden() and box.guiItem.get_focus(), what="the box open with the cursor")
    x, _, z = box.get_pos(base.aspect2d)
    assert abs(x - mx * base.getAspectRatio()) < 0.05 and abs(z - my) < 0.06, "the box opens where she clicked"
    assert await keystrokes.type_text(base, driver, box, LESSON_TEXT) == len(LESSON_TEXT)
    assert where(session) == before, "typing on the board never moves her avatar"
    await save_shot(base, shots / "3b-typing-where-she-clicked.png")
    await keystrokes.press_enter(base, driver, box)
    board = pupil.mirror.boards["tableau-103"]
    await pupil.wait_for(lambda m: any(i.text == LESSON_TEXT for i in board.items.values()))
    item = next(i for i in board.items.values() if i.text == LESSON_TEXT)
    assert item.kind == 2 and item.width >= text_size(30), "a text, at least the back row's readable size"
    assert abs(item.points[0] - CLICK[0]) <= 12 and abs(item.points[1] - CLICK[1]) <= 12, "where she clicked"
    texts = session.view.boards.panels["tableau-103"].texts
    await until(lambda: texts.get_num_children() >= 1, what="the text on the teacher's board")
    assert box.is_hidden() and where(session) == before
    await save_shot(base, shots / "3c-text-on-the-board.png")


async def import_a_slide(session: Session, pupil: WorldConnection, shots: Path) -> None:
    """Board tab → "Importer les diapositives" → the file picker (in her Documents) → Backspace to her home,
    Diapos, Enter on lecon.png; the slide reaches Léa's board and shows on the teacher's."""
    base, tools = session.base, session.classroom.tools
    backgrounds: list[PageBackground] = []
    pupil.mirror.listeners.append(lambda m: backgrounds.append(m) if isinstance(m, PageBackground) else None)
    await open_tab(session, "board")
    await press_button(session, tools.buttons["slides_upload"])
    await until(lambda: tools.picker is not None, what="the file picker")
    picker = tools.picker
    home = Path.home()
    assert picker.folder == home / "Documents", "it starts in her documents"
    await save_shot(base, shots / "3d-picker-in-documents.png")
    for key in ("backspace", "arrow_up", "enter"):  # her home, Diapos (just before Documents), open it
        await keyboard.press(base, key)
    await until(lambda: picker.folder == home / "Diapos", what="the slides folder")
    assert picker.chosen == ("lecon.png", False)
    await save_shot(base, shots / "3e-picker-in-diapos.png")
    await keyboard.press(base, "enter")  # lecon.png
    await until(lambda: tools.picker is None, what="the picker closed")
    await pupil.wait_for(lambda m: any(b.board == "tableau-103" and b.sha256 for b in backgrounds), timeout=30)
    panel = session.view.boards.panels["tableau-103"]
    await until(lambda: bool(panel.slides), what="the slide on the teacher's board")
    await save_shot(base, shots / "3f-slide-on-the-board.png")


async def poll_and_quiz(session: Session, pupil: WorldConnection, polls: list[Poll], shots: Path) -> None:
    base, panel = session.base, session.classroom.panel
    await open_tab(session, "polls")
    await fill(session, panel.fields["poll_question"], "On sort dans la cour ?")
    await fill(session, panel.fields["poll_options"], "oui/non")
    await press_button(session, panel.buttons["poll_open"])
    await pupil.wait_for(lambda m: polls and polls[-1].open and polls[-1].question == "On sort dans la cour ?")
    await pupil.send(Vote(polls[-1].id, [0]))
    await pupil.wait_for(lambda m: polls[-1].counts == [1, 0])
    await save_shot(base, shots / "4-poll-live.png")
    await press_button(session, panel.buttons["poll_close"])
    await pupil.wait_for(lambda m: not polls[-1].open)

    await fill(session, panel.fields["poll_question"], "Capitale de l'Allemagne ?")
    await fill(session, panel.fields["poll_options"], "Munich/*Berlin/Hambourg")
    await press_button(session, panel.buttons["poll_open"])
    await pupil.wait_for(lambda m: polls[-1].open and polls[-1].question == "Capitale de l'Allemagne ?")
    quiz = polls[-1].id
    await pupil.send(Vote(quiz, [1]))
    await until(lambda: session.classroom.poll.poll is not None and session.classroom.poll.poll.voters == 1,
                what="the teacher sees the answer come in")
    assert all(p.counts == [] for p in polls if p.id == quiz), "no counts for pupils while the quiz is open"
    await save_shot(base, shots / "5-quiz-open.png")
    await press_button(session, panel.buttons["poll_close"])
    await pupil.wait_for(lambda m: not polls[-1].open and polls[-1].counts == [0, 1, 0])
    assert polls[-1].correct == [1]
    await press_button(session, session.classroom.tools.buttons["poll_show"])
    await pupil.wait_for(lambda m: any("Berlin : 1" in (i.text or "") for i in m.boards["tableau-103"].items.values()))
    await save_shot(base, shots / "6-quiz-results.png")


async def spotlight_and_freeze(session: Session, pupil: WorldConnection, shots: Path) -> None:
    panel, tools = session.classroom.panel, session.classroom.tools
    await open_tab(session, "class")
    await until(lambda: tools.selected == pupil.mirror.me, what="Léa chosen")
    await press_button(session, tools.buttons["spotlight"])
    await pupil.wait_for(lambda m: m.room_state is not None and m.room_state.spotlight == m.me)
    await spotlight_marked_for_pupils(session, pupil, shots)
    await press_button(session, panel.buttons["freeze"])
    await pupil.wait_for(lambda m: m.room_state.frozen)
    await save_shot(session.base, shots / "7-spotlight-frozen.png")


async def spotlight_marked_for_pupils(session: Session, pupil: WorldConnection, shots: Path) -> None:
    """Léa's client is told she is in the spotlight (her mirror's room state: what draws the star in the
    pupils' views, tests/client/test_markers.py); the teacher turns to the class and sees the gold star above
    her, inside the frame."""
    lea = pupil.mirror.me
    assert pupil.mirror.room_state is not None and pupil.mirror.room_state.spotlight == lea
    await until(lambda: session.classroom.state.spotlight != "", what="the spotlight named in the class state")
    x, y, _ = pupil.mirror.position
    w = session.view.walker
    await keyboard.turn_to(session, math.degrees(math.atan2(-(x - w.x), y - w.y)) % 360.0)  # facing Léa
    views = session.view.layer.views
    await until(lambda: lea in views and views[lea].marks is not None and "star" in views[lea].marks.nodes,
                what="the star above Léa in the teacher's view")
    await keyboard.frames(session.base, 3)
    star = views[lea].marks.nodes["star"]
    assert shown(star) and marker_on_screen(session.base, star), "the star is inside the teacher's frame"
    assert all(v.marks is None or "star" not in v.marks.nodes for i, v in views.items() if i != lea)
    await save_shot(session.base, shots / "7a-star-above-lea.png")


async def export_the_board(session: Session, shots: Path) -> None:
    """Board tab → "Exporter en PDF" → the file picker saves (it opens in her documents' Cybercollege folder):
    Backspace to Documents, Tab to the name, a new name, Enter. The PDF is there; on its first page her text
    is one line of ink where she wrote it, as wide as the board draws it, its capitals ``PAPER_CAP_MM`` high."""
    import pypdfium2 as pdfium

    from cybercollege.protocol import boardtext
    from cybercollege.server.classroom.export import PDF_DPI

    base, driver, tools = session.base, session.driver, session.classroom.tools
    await open_tab(session, "board")
    await press_button(session, tools.buttons["export_pdf"])
    await until(lambda: tools.picker is not None and tools.picker.saving, what="the save dialog")
    picker, home = tools.picker, Path.home()
    assert picker.folder == home / "Documents" / "Cybercollege" and picker.name.get().endswith(".pdf")
    await save_shot(base, shots / "8-export-save-dialog.png")
    await keyboard.press(base, "backspace")  # up to her Documents
    await until(lambda: picker.folder == home / "Documents", what="her documents")
    await keyboard.press(base, "tab")  # the name field comes first
    await until(lambda: picker.name.guiItem.get_focus(), what="the name field has the cursor")
    while picker.name.get():
        base.messenger.send("backspace")  # in the field: a letter, not the parent folder
        picker.name.enterText(picker.name.get()[:-1])
        await driver.frames_later(1)
    assert picker.folder == home / "Documents"
    assert await keystrokes.type_text(base, driver, picker.name, "anglais-4A.pdf") == len("anglais-4A.pdf")
    await save_shot(base, shots / "8a-export-named.png")
    await keystrokes.press_enter(base, driver, picker.name)
    saved = home / "Documents" / "anglais-4A.pdf"
    await until(lambda: tools.picker is None and tools.saved == saved, what="the PDF saved", timeout=30)
    data = saved.read_bytes()
    assert data[:5] == b"%PDF-"
    page = pdfium.PdfDocument(data)[0].render(scale=PDF_DPI / 72).to_pil().convert("L")  # her text's page
    page.save(shots / "8c-the-pdf-first-page.png")
    board = session.conn.mirror.boards["tableau-103"]
    item = next(i for i in board.items.values() if i.text == LESSON_TEXT)
    scale = page.width / 10_000
    size = boardtext.layout(LESSON_TEXT, item.points[0], item.points[1], item.width, board.height).size * scale
    x0, y0 = round(item.points[0] * scale), round(item.points[1] * scale)
    rows = [y for y in range(y0, y0 + round(1.3 * size))  # down to the descenders, above her stroke
            if any(page.getpixel((x, y)) < 128 for x in range(x0, page.width, 2))]
    assert rows and all(b - a == 1 for a, b in itertools.pairwise(rows)), "one line of text"
    ink = [x for x in range(x0, page.width) if any(page.getpixel((x, y)) < 128 for y in rows[::2])]
    expected = boardtext.dejavu_width(LESSON_TEXT) * size
    assert abs((ink[-1] - ink[0]) - expected) < 0.08 * expected, "as wide as the text drawn on the board"
    cap = (y0 + size) - rows[0]  # the first baseline is a letter size below where she clicked
    assert cap / PDF_DPI * 25.4 >= PAPER_CAP_MM, f"capitals {cap / PDF_DPI * 25.4:.1f} mm high"
    await save_shot(base, shots / "8b-export-saved.png")


async def test_a_teacher_runs_a_lesson(base, driver, server, http, tmp_path, shots, monkeypatch):
    home = tree(tmp_path / "home")  # her Documents, and a Diapos folder holding lecon.png
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CYBERCOLLEGE_DOCUMENTS", str(home / "Documents" / "Cybercollege"))
    session = Session(base, http, driver, Options(url=server.url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    pupil = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "lea.martin"))
    polls: list[Poll] = []
    try:
        await log_in_and_walk_to_class(session, shots)
        await pupil.connect()
        world = server.world
        world.move_to(world.avatars[pupil.mirror.me], world.rooms["salle-103"], (40.0, 13.0, 90.0))
        await pupil.wait_for(lambda m: m.room == "salle-103" and "tableau-103" in m.boards)
        pupil.mirror.listeners.append(lambda m: polls.append(m) if isinstance(m, Poll) else None)
        await draw_on_the_board(session, pupil, shots)
        await write_text_where_clicked(session, pupil, shots)
        await keyboard.press(base, "f2")
        await until(lambda: session.classroom.panel.shown, what="the teacher's panel")
        await import_a_slide(session, pupil, shots)
        await poll_and_quiz(session, pupil, polls, shots)
        await spotlight_and_freeze(session, pupil, shots)
        await export_the_board(session, shots)
    finally:
        await pupil.close()
        await stop(session, task)
