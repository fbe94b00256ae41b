"""Léa (4A) logs in with the keyboard, opens the map in the hall (M), lets "go to my class" walk her to her English
class, sits down, raises her hand, writes a 300-character message in the chat (Hugo, a classmate's client, gets all
of it) and reads the board from her seat: the capitals of a text the teacher writes are at least
``CAP_PX`` pixels high on her screen at 1280×720. The walking by arrow keys through the corridor is
tests/journeys/test_corridor.py."""

from __future__ import annotations

import asyncio
import math

import pytest
from panda3d.core import Point2, Point3

from cybercollege.client.drawing import text_size
from cybercollege.client.i18n import tr
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.client.session import Options, Session
from cybercollege.client.ui import focus
from cybercollege.client.ui.login import LoginScreen
from cybercollege.client.ui.map import MapScreen
from cybercollege.protocol.messages import Anim
from cybercollege.protocol.whiteboard import WriteText
from cybercollege.server.classroom.teacher import TeacherTools
from tests.client.helpers import screenshot, until
from tests.client.keystrokes import fast_type, press_enter
from tests.client.sessions import in_world, stop
from tests.client.test_board_text import CAP_PX, darkened_rows
from tests.client.test_invitation_card import window_size
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot

SEAT = "salle-103-b-2-2"  # middle block, second row
WORDS = "Madame, je n'ai pas compris l'exercice 2 : faut-il conjuguer au présent simple ou au prétérit ? "


async def test_pupil_walks_to_class(base, driver, server, http, tmp_path, shots):
    session = Session(base, http, driver, Options(url=server.url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    try:
        await until(lambda: isinstance(session.screen, LoginScreen), what="the login screen")
        await keyboard.log_in(session, "lea.martin")
        await in_world(session)
        hud, me = session.hud, session.conn.mirror.me
        assert hud.room.getText() == "Hall d'entrée"
        await until(lambda: "Léa M. (vous)" in hud.people.getText(), what="Léa in the hall's people list")
        await save_shot(base, shots / "1-hall.png")

        await map_to_my_class(session, shots)
        assert hud.room.getText() == "Salle 103 – Anglais"
        await save_shot(base, shots / "3-classroom.png")

        seat = session.world.rooms["salle-103"].seat(SEAT)
        await keyboard.go_to(session, seat.x, seat.y, within=0.15)  # by her chair, not her neighbour's
        await keyboard.sit_down(session)
        walker, avatar = session.view.walker, server.world.avatars[me]
        assert (walker.x, walker.y) == (seat.x, seat.y) and hud.sit["text"] == tr("stand")
        await until(lambda: avatar.anim == Anim.SIT, what="the server sees Léa seated")
        assert abs(avatar.x - seat.x) < 0.02 and abs(avatar.y - seat.y) < 0.02
        await save_shot(base, shots / "4-seated.png")

        await keyboard.raise_hand(session)
        assert hud.hand["text"] == tr("lower_hand")
        await until(lambda: f"Léa M. ({tr('you')}) · {tr('role_pupil')} · {tr('hand_up')}" in hud.people.getText(),
                    what="my raised hand in the people panel")
        classroom = server.world.rooms["salle-103"]
        control = server.world.features.get(TeacherTools).control(classroom)
        await until(lambda: avatar.anim == Anim.HAND_UP and me in control.hands,
                    what="the server sees Léa's hand up in the queue")
        assert session.conn.mirror.room == avatar.room.id == "salle-103" and walker.seated
        await save_shot(base, shots / "5-hand-up.png")

        await chat_a_long_message(session, server, http, shots)
        await board_text_legible_from_her_seat(session, server, http, shots)
    finally:
        await stop(session, task)


async def map_to_my_class(session, shots) -> None:
    """M in the hall: the map, "you are here" on her; Enter on "go to my class": the autopilot walks her to salle
    103 (her class 4A's room), the map's marker following on the way."""
    base, walker = session.base, session.view.walker
    await keyboard.press(base, "m")
    await until(lambda: isinstance(session.screen, MapScreen), what="the map")
    screen = session.screen
    marker = screen.marker.get_pos(screen.plan)
    assert (marker[0], marker[2]) == pytest.approx(screen.to_map(walker.x, walker.y), abs=1e-4)
    assert screen.here_label.getText() == tr("map_here")
    assert screen.ring.current is screen.go and "Salle 103" in screen.go["text"]
    await save_shot(base, shots / "2a-map-you-are-here.png")
    await keyboard.press(base, "enter")
    await until(lambda: session.screen is None, what="the map closes as she sets off")
    await until(lambda: walker.room.id == "couloir", timeout=60, what="the autopilot takes her into the corridor")
    await keyboard.frames(base, 30)
    await save_shot(base, shots / "2b-on-the-way.png")
    await until(lambda: walker.room.id == "salle-103", timeout=90, what="the autopilot takes her into salle 103")
    await until(lambda: session.hud.toast_text.getText() == tr("map_arrived", room="Salle 103 – Anglais"),
                what="'here you are'")


async def connect_in_103(session, server, http, login: str, at: tuple[float, float, float]) -> WorldConnection:
    """Another person's client (a WorldConnection), put in salle 103 at ``at``, drawn in Léa's view."""
    conn = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, login))
    await conn.connect()
    world = server.world
    world.move_to(world.avatars[conn.mirror.me], world.rooms["salle-103"], at)
    await conn.wait_for(lambda m: m.room == "salle-103" and "tableau-103" in m.boards, timeout=30)
    await until(lambda: conn.mirror.me in session.view.layer.views, what=f"{login} drawn in Léa's view")
    return conn


async def chat_a_long_message(session, server, http, shots) -> None:
    """Enter opens the chat field, she types 300 characters with the keys, Enter: Hugo, a classmate, gets every
    character; she stays seated, her hand up."""
    base, driver, hud, walker = session.base, session.driver, session.hud, session.view.walker
    hugo = await connect_in_103(session, server, http, "hugo.moreau", (40.0, 16.5, 90.0))
    try:
        message = WORDS * 3 + "Merci bien !"
        assert len(message) == 300
        await keyboard.press(base, "enter")  # Enter: write in the chat
        await until(lambda: focus.focused_entry() == hud.entry.guiItem, what="the chat field focused by Enter")
        assert await fast_type(base, driver, hud.entry, message) == 300, "the field takes every character"
        assert hud.entry.get() == message and walker.seated, "typing never made her stand up"
        await save_shot(base, shots / "6a-typing-a-long-message.png")
        await press_enter(base, driver, hud.entry)
        await hugo.wait_for(lambda m: any(c.text == message for c in m.chat), timeout=30)
        said = next(c for c in hugo.mirror.chat if c.text == message)
        assert len(said.text) == 300, "Hugo got the whole message"
        assert walker.seated and session.hud.hand["text"] == tr("lower_hand")
        await save_shot(base, shots / "6b-hugo-got-it-whole.png")
    finally:
        await hugo.close()


def screen_box(base, np) -> tuple[int, int, int, int]:
    """The pixels (x0, y0, x1, y1) that ``np``'s bounds cover on the window, with a 6-pixel margin."""
    lo, hi = np.get_tight_bounds(base.cam)
    w, h = base.win.get_x_size(), base.win.get_y_size()
    xs, ys = [], []
    for x in (lo.x, hi.x):
        for y in (lo.y, hi.y):
            for z in (lo.z, hi.z):
                film = Point2()
                base.camLens.project(Point3(x, y, z), film)
                xs.append((film.x + 1) / 2 * w)
                ys.append((1 - film.y) / 2 * h)
    return (max(0, int(min(xs)) - 6), max(0, int(min(ys)) - 6), min(w, int(max(xs)) + 6), min(h, int(max(ys)) + 6))


async def board_text_legible_from_her_seat(session, server, http, shots) -> None:
    """Mme Durand (a WorldConnection at the board) writes "LISIBLE" with the finest pen; from Léa's seat, at
    1280×720, its capitals are at least CAP_PX pixels high (the rows of pixels that turned dark)."""
    base, driver = session.base, session.driver
    teacher = await connect_in_103(session, server, http, "mme.durand", (36.0, 12.0, 270.0))
    try:
        with window_size(base, 1280, 720):
            await driver.frames_later(10)
            await save_shot(base, shots / "7a-the-board-from-her-seat.png")
            before = screenshot(base)
            await teacher.send(WriteText("tableau-103", 1, 0, 0x1A1A1A, text_size(30), 600, 400, "LISIBLE"))
            panel = session.view.boards.panels["tableau-103"]
            await until(lambda: panel.texts.get_num_children() == 1, what="the text on her board")
            await driver.frames_later(5)
            after = screenshot(base)
            box = screen_box(base, panel.texts.get_child(0))
            await save_shot(base, shots / "7b-the-text-from-her-seat.png")
        rows, inked = darkened_rows(before, after, box)
        assert inked > 50, "the text's pixels are on her screen"
        cap = max(rows) - min(rows) + 1
        board = next(wb for wb in session.view.world.rooms["salle-103"].whiteboards if wb.id == "tableau-103")
        distance = math.hypot(session.view.walker.x - board.x, session.view.walker.y - board.y)
        print(f"cap height from her seat ({distance:.1f} m from the board) at 1280x720: {cap} px")
        assert session.view.walker.seated
        assert cap >= CAP_PX, f"capitals {cap} px high from her seat"
    finally:
        await teacher.close()
