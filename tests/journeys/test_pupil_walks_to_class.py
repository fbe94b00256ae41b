"""Léa (4A) logs in with the keyboard, opens the map in the hall (M), lets "go to my class" walk her to her English
class, sits down, raises her hand. The walking by arrow keys through the corridor is tests/journeys/test_corridor.py."""

from __future__ import annotations

import asyncio

import pytest

from cybercollege.client.i18n import tr
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginScreen
from cybercollege.client.ui.map import MapScreen
from cybercollege.protocol.messages import Anim
from cybercollege.server.classroom.teacher import TeacherTools
from tests.client.helpers import until
from tests.client.sessions import in_world, stop
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot

SEAT = "salle-103-b-2-2"  # middle block, second row


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
