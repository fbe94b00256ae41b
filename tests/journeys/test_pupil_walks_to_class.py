"""Léa (4A) logs in with the keyboard, walks from the hall to her English class, sits down, raises her hand."""

from __future__ import annotations

import asyncio

from cybercollege.client.i18n import tr
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginScreen
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

        await keyboard.go_to_room(session, "couloir")
        assert hud.room.getText() == "Couloir des salles"
        await keyboard.hold(base, keyboard.FORWARD, 45)  # a few steps on, so that the camera is behind her
        await save_shot(base, shots / "2-corridor.png")

        await keyboard.go_to_room(session, "salle-103")
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
