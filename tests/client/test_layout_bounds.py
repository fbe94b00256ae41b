"""The teacher's panel and the people list keep off the board; every label fits its widget and every button
lies inside its panel, in the five languages, with and without large text."""

from __future__ import annotations

import pytest
from direct.gui.DirectGui import DirectButton, DirectEntry
from panda3d.core import TextNode

from cybercollege.client import i18n, style
from cybercollege.client.ui import layout
from cybercollege.client.ui.column import PAD, measure
from cybercollege.client.ui.focus import FocusRing
from cybercollege.client.ui.teacher import TABS, WIDTH, TeacherPanel
from cybercollege.client.ui.teachertools import TeacherTools
from cybercollege.protocol.invitation import Guest
from cybercollege.protocol.messages import Member
from cybercollege.protocol.teacher import RoomState
from tests.client.sessions import stop
from tests.client.test_invitation_card import window_size
from tests.client.test_teacher_tabs import open_tab, shots, teacher_at
from tests.journeys.keyboard import press

SIZES = [(800, 600), (1280, 720), (1920, 1080)]
EPS = 1e-4


def button_box(b: DirectButton, frame) -> tuple[float, float, float, float]:
    """A button's frame in ``frame``'s coordinates: (left, right, bottom, top)."""
    x, _, z = b.get_pos(frame)
    scale = b.get_scale(frame)[0]
    left, right, bottom, top = b["frameSize"]
    return x + left * scale, x + right * scale, z + bottom * scale, z + top * scale


def text_width(t) -> float:
    """The widest line of an OnscreenText as drawn (after word wrapping), in its parent's units."""
    node = t.textNode
    lines = node.get_wordwrapped_text().split("\n") if node.has_wordwrap() else t.getText().split("\n")
    return max((measure(line) for line in lines), default=0.0) * t.getScale()[0]


def problems(panel: TeacherPanel) -> list[str]:
    """Each button of the shown tab (and the tab bar) that sticks out of the panel's frame, each button whose
    label is wider than the button, each line of text wider than its room and each field beyond the column."""
    out = []
    left, right, bottom, top = 0.0, WIDTH, -panel.height, 0.0
    for column in (panel.bar, panel.pages[panel.tab]):
        for b in column.buttons:
            box = button_box(b, panel.frame)
            if box[0] < left - EPS or box[1] > right + EPS or box[2] < bottom - EPS or box[3] > top + EPS:
                out.append(f"button {b['text']!r} {box} outside the panel {(left, right, bottom, top)}")
            label = measure(b["text"]) * b.get_scale(panel.frame)[0]
            if label > box[1] - box[0] + EPS:
                out.append(f"button {b['text']!r}: its label ({label:.3f}) is wider than it ({box[1] - box[0]:.3f})")
        for t in column.texts:
            width, room = text_width(t), t.getPythonTag("wrap")
            if width > room + EPS:
                out.append(f"text {t.getText()!r}: {width:.3f} wide in {room:.3f}")
            x, z = t.getPos()  # an OnscreenText's place, in its column
            start = x - width / 2 if t.textNode.get_align() == TextNode.A_center else x
            if start < PAD - EPS or start + width > WIDTH - PAD + EPS:
                out.append(f"text {t.getText()!r} beyond the column's margins")
            z += column.frame.get_z(panel.frame)
            if z > top or z < bottom:
                out.append(f"text {t.getText()!r} outside the panel")
        for w in column.focusable:
            if isinstance(w, DirectEntry):
                x, _, z = w.get_pos(column.frame)
                if x < PAD - EPS or x + w["width"] * w.get_scale(column.frame)[0] > WIDTH - PAD + EPS:
                    out.append(f"field {w.get()!r} beyond the column")
                if not bottom < w.get_pos(panel.frame)[2] < top:
                    out.append(f"field {w.get()!r} outside the panel")
    return out


def build(base) -> tuple[TeacherPanel, TeacherTools]:
    """A panel and its tools, as the classroom builds them, fed a lobby, a frozen room and two pupils."""
    members = [Member(2, "Léa Martin-Dubois-Lefèvre", "pupil"),
               Member(3, "Hugo M.", "pupil")]
    panel = TeacherPanel(base, FocusRing(), lambda msg: None, None, lambda: "", lambda: "", lambda: "salle-103",
                         lambda: "tableau-103", lambda: 0, lambda: [2], lambda text: None)
    tools = TeacherTools(panel, lambda: members, lambda: 1, lambda: base_dir)
    panel.set_lobby([Guest(10 + i, "Annalena Schmidt-Hoffmann", "inv", "Städtisches Gymnasium Köln-Deutz")
                     for i in range(4)])
    panel.set_state(RoomState([2], [2], True, True, True, 2))
    tools.refresh()
    return panel, tools


base_dir = None


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_every_label_fits_and_every_button_is_inside_the_panel_in_five_languages(base, large):
    style.configure(large, False)
    try:
        for lang in i18n.LANGUAGES:
            i18n.set_language(lang)
            panel, tools = build(base)
            try:
                for name in TABS:
                    panel.show_tab(name)
                    assert problems(panel) == [], f"{lang}, tab {name}"
            finally:
                tools.destroy()
                panel.destroy()
    finally:
        i18n.set_language("fr")
        style.configure(False, False)


def test_a_panel_beside_a_board_is_scaled_to_the_room_left():
    board, screen = (-0.43, 0.43, -0.1, 0.18), (0.49, 0.88, -0.03, 0.18)
    left, top, scale = layout.side_panel(4 / 3, [board], [screen], WIDTH, 1.2)
    assert not layout.overlap((left, left + WIDTH * scale, top - 1.2 * scale, top), board)
    assert scale > 0.85 and left + WIDTH * scale == pytest.approx(4 / 3), "at the right edge, beside the board"
    left, top, scale = layout.side_panel(16 / 9, [board], [screen], WIDTH, 1.2)
    assert left >= screen[1] + layout.GAP - EPS and scale >= layout.COMFORT, "wide window: beside the big screen too"
    left, top, scale = layout.side_panel(4 / 3, [board], [], WIDTH, 3.0)
    assert top - 3.0 * scale >= layout.PANEL_BOTTOM - 1e-9, "never lower than the HUD's buttons"


async def _tabs_keep_off_the_board(session, driver, size, folder, tag: str) -> None:
    panel, hud = session.classroom.panel, session.hud
    for name in TABS:
        await open_tab(session, name)
        await driver.frames_later(2)
        panel.place()
        boards, _ = layout.room_rects(session.base, session.view.root, session.view.walker.room)
        assert boards, "the board is in view"
        rect = panel.rect
        assert rect is not None
        for board in boards:
            assert not layout.overlap(rect, board), f"{size} {tag}: the {name} tab {rect} over the board {board}"
        assert rect[1] <= session.base.getAspectRatio() + EPS and rect[2] >= -1 - EPS, "inside the window"
        assert problems(panel) == [], f"{size} {tag} {name}"
        assert hud.people.frame is None, "the people list steps aside for the panel"
        session.screenshot(folder / f"{size[0]}x{size[1]}-{tag}-{TABS.index(name) + 1}-{name}.png")


@pytest.mark.parametrize("place", [(42.1, 15.0, 90.0), (38.0, 15.0, 90.0)], ids=["back-of-the-room", "mid-room"])
async def test_the_panel_and_the_people_list_keep_off_the_board(base, server, http, driver, tmp_path, place):
    session, task = await teacher_at(base, http, driver, server, tmp_path, place)
    folder = shots(f"test_layout_bounds_{place[0]}")
    try:
        for size in SIZES:
            with window_size(base, *size):
                await driver.frames_later(3)
                session.hud.layout_people()
                people = session.hud.people.frame
                rects = layout.room_rects(base, session.view.root, session.view.walker.room)
                assert people is not None, "the people list shows"
                for r in rects[0] + rects[1]:
                    assert not layout.overlap(people, r), f"{size}: the people list {people} over {r}"
                await press(base, "f2")
                await _tabs_keep_off_the_board(session, driver, size, folder, "normal")
                await press(base, "f2")
                assert session.classroom.panel.rect is None
    finally:
        await stop(session, task)
