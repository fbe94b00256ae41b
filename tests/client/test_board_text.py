"""The board's text tool: the input box opens where one clicked, long text (the protocol's 500 characters) is
written whole, and letters are readable from the back row.

"Readable" is measured: from the farthest seat of salle 103, at 1280×720, the capitals of a text written with
the finest pen are at least ``CAP_PX`` pixels high on the pupil's screen (the text's pixels found by
comparing the window before and after it is written).
"""

from __future__ import annotations

import math

from panda3d.core import PNMImage

from cybercollege.client.drawing import text_size
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol.whiteboard import MAX_TEXT_CHARS, BoardItem, WriteText
from cybercollege.server.classroom.export import text_layout
from tests.client.helpers import screenshot, until
from tests.client.keystrokes import fast_type, press_enter
from tests.client.sessions import in_room, in_world, start, stop
from tests.client.test_drawing import on_screen, teacher_at_the_board
from tests.client.test_invitation_card import window_size
from tests.client.test_text_input import press_keys, shots  # noqa: F401

CAP_PX = 12
WORDS = "Exercice : conjuguez les verbes au présent simple puis écrivez trois phrases sur vos vacances. "


async def test_the_box_opens_where_she_clicked_and_a_long_text_is_written_whole(
        base, server, http, driver, tmp_path, shots):  # noqa: F811
    async with teacher_at_the_board(base, server, http, driver, tmp_path) as (session, pupil):
        toolbar = session.classroom.toolbar
        session.hud.ring.focus(toolbar.buttons["tool_text"])  # Tab to the text tool, Enter
        await press_keys(base, driver, ["enter"])
        assert session.classroom.pen.writing
        mx, my = on_screen(base, session, 1500, 900)
        assert session.classroom.pen.press(mx, my)  # the click on the board
        box = toolbar.text_entry
        assert not box.is_hidden() and box.guiItem.get_focus(), "the box has the cursor"
        x, _, z = box.get_pos(base.aspect2d)
        assert abs(x - mx * base.getAspectRatio()) < 0.05 and abs(z - my) < 0.06, "the box is at the click"
        text = (WORDS * 8)[:MAX_TEXT_CHARS].strip()
        assert await fast_type(base, driver, box, text) == len(text), "the box takes the whole text"
        session.screenshot(shots / "1-typing-where-she-clicked.png")
        await press_enter(base, driver, box)
        await pupil.wait_for(lambda m: m.boards["tableau-103"].items, timeout=30)
        item = next(iter(pupil.mirror.boards["tableau-103"].items.values()))
        assert (item.kind, item.text, item.width) == (2, text, text_size(30)), "written whole, readable size"
        assert abs(item.points[0] - 1500) <= 12 and abs(item.points[1] - 900) <= 12, "where she clicked"
        texts = session.view.boards.panels["tableau-103"].texts
        await until(lambda: texts.get_num_children() == 1, what="the text on the teacher's board")
        node = texts.get_child(0)
        height = session.conn.mirror.boards["tableau-103"].height
        lines = text_layout(item, height).lines
        assert node.node().get_text() == "\n".join(lines), "the lines the export draws"
        assert " ".join(lines) == text, "written whole"
        lo, hi = node.get_tight_bounds(session.view.boards.panels["tableau-103"].frame)
        wb = session.view.boards.panels["tableau-103"].wb
        assert -wb.width / 2 - 0.01 <= lo.x and hi.x <= wb.width / 2 + 0.01, "within the board's width"
        assert -wb.height / 2 - 0.01 <= lo.z, "above the board's bottom edge: nothing cut"
        await driver.frames_later(3)
        session.screenshot(shots / "2-the-whole-text-on-the-board.png")


def darkened_rows(
    blank: PNMImage, inked: PNMImage, box: tuple[int, int, int, int] | None = None
) -> tuple[list[int], int]:
    """The rows (and count) of pixels that turned dark between two screenshots, within ``box`` (x0, y0, x1, y1;
    the whole window by default): the text's ink."""
    x0, y0, x1, y1 = box if box is not None else (0, 0, inked.get_x_size(), inked.get_y_size())
    rows, n = [], 0
    for y in range(y0, y1):
        hit = False
        for x in range(x0, x1):
            if blank.get_bright(x, y) - inked.get_bright(x, y) > 0.35:
                hit, n = True, n + 1
        if hit:
            rows.append(y)
    return rows, n


async def test_board_text_is_readable_from_the_farthest_seat(base, server, http, driver, tmp_path, shots):  # noqa: F811
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    teacher = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "mme.durand"))
    await teacher.connect()
    try:
        with window_size(base, 1280, 720):
            await in_world(session)
            world = server.world
            room = world.rooms["salle-103"]
            world.move_to(world.avatars[teacher.mirror.me], room, (36.0, 12.0, 270.0))
            geometry = session.view.world.rooms["salle-103"]  # the college as her client draws it
            board = next(wb for wb in geometry.whiteboards if wb.id == "tableau-103")
            bx, by = board.x, board.y
            seat = max(geometry.seats, key=lambda s: math.hypot(s.x - bx, s.y - by))
            world.move_to(world.avatars[session.conn.mirror.me], room, (seat.x + 0.2, seat.y, seat.heading))
            await in_room(session, driver, "salle-103")
            await teacher.wait_for(lambda m: "tableau-103" in m.boards, timeout=30)
            await press_keys(base, driver, ["e"])  # she sits at the nearest seat: the farthest from the board
            walker = session.view.walker
            await until(lambda: walker.seated, what="seated")
            assert (walker.x, walker.y) == (seat.x, seat.y), "at the farthest seat"
            await driver.frames_later(10)
            before = screenshot(base)
            await teacher.send(WriteText("tableau-103", 1, 0, 0x1A1A1A, text_size(30), 600, 400, "LISIBLE"))
            panel = session.view.boards.panels["tableau-103"]
            await until(lambda: panel.texts.get_num_children() == 1, what="the text on her board")
            await driver.frames_later(5)
            after = screenshot(base)
            session.screenshot(shots / "1-the-board-from-the-back-row.png")
        rows, inked = darkened_rows(before, after)
        assert inked > 50, "the text's pixels are on her screen"
        cap = max(rows) - min(rows) + 1
        distance = math.hypot(seat.x - bx, seat.y - by)
        print(f"cap height from the farthest seat ({distance:.1f} m from the board) at 1280x720: {cap} px")
        assert cap >= CAP_PX, f"capitals {cap} px high from the back row"
    finally:
        await teacher.close()
        await stop(session, task)


def test_the_board_and_the_export_break_lines_at_the_same_words(base):
    """The 3D board (client/boards.py) and the PNG / PDF export (server/classroom/export.py) draw a text in the
    same lines: the same words end each line, for texts written anywhere on salle 103's board."""
    from panda3d.core import NodePath

    from cybercollege.client import boards
    from cybercollege.worlds import default_world_path, load_world

    wb = load_world(default_world_path()).rooms["salle-103"].whiteboards[0]
    height = max(1, round(10_000 * wb.height / wb.width))
    texts = [WORDS * 3, "Présent perfect : have + participe passé", "Anticonstitutionnellement " * 4,
             "une\nliste\nà trois lignes"]
    root = NodePath("texts")
    try:
        for text in texts:
            for x, y, size in ((300, 300, 460), (5200, 900, 460), (8800, 2500, 900), (2000, 3000, 1000)):
                item = BoardItem(1, 0, 2, 0, 0xFF0000, size, [x, y], text.strip())
                boards._text(root, wb, item)
                drawn = root.get_child(root.get_num_children() - 1).node().get_text().split("\n")
                assert drawn == text_layout(item, height).lines, (text[:20], x, y)
                assert len(drawn) > 1 or x < 5000
    finally:
        root.remove_node()
