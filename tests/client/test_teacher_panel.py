"""The teacher's panel (invitation, lobby, freeze / lock / mute, call to the board, poll) and the pupils' side."""

from __future__ import annotations

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol.classroom import (
    AnswerLayer,
    AskQuestion,
    CalledToBoard,
    CloseQuestion,
    Question,
    RevealAnswer,
)
from cybercollege.protocol.messages import Anim
from cybercollege.protocol.teacher import Freeze, Hand, Mute, PollClose, PollOpen, Spotlight, Vote
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.client.test_drawing import on_screen


def press(widget) -> None:
    """As a click, or Tab to it and Enter."""
    widget["command"](*widget["extraArgs"])


async def demo(http, server, login: str, room: str = "salle-103", place=(40.0, 13.0, 90.0)) -> WorldConnection:
    conn = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, login))
    await conn.connect()
    world = server.world
    world.move_to(world.avatars[conn.mirror.me], world.rooms[room], place)
    await conn.wait_for(lambda m: m.room == room)
    return conn


async def test_the_teachers_panel(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path)
    await in_world(session)
    world = server.world
    world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], (38.0, 15.0, 90.0))
    await until(lambda: session.conn.mirror.room == "salle-103", what="the teacher in salle 103")
    pupil = await demo(http, server, "lea.martin")
    called: list[CalledToBoard] = []
    pupil.mirror.listeners.append(lambda m: called.append(m) if isinstance(m, CalledToBoard) else None)
    guest = None
    try:
        panel = session.classroom.panel
        assert panel is not None and panel.root.is_hidden()
        press(panel.toggle_button)
        press(panel.tabs["invitations"])  # the panel's tabs: one shows at a time
        assert not panel.root.is_hidden() and panel.fields["inv_school"] in session.hud.ring.widgets
        assert panel.fields["inv_room"].get() == "salle-103"

        for key, value in (
            ("inv_school", "Gesamtschule Köln"),
            ("inv_country", "Allemagne"),
            ("inv_language", "de"),
            ("inv_classes", "4A"),
            ("inv_max", "5"),
        ):
            panel.fields[key].enterText(value)
        press(panel.buttons["inv_create"])
        await until(lambda: panel.code, what="the invitation code")
        assert panel.card is not None and panel.card.code_on_screen() == panel.code

        async with http.post(f"{server.url}/auth/guest", json={"code": panel.code, "name": "Emma"}) as r:
            assert r.status == 200
            token = (await r.json())["access_token"]
        guest = WorldConnection(http, server.url, token)
        await guest.connect()
        await until(lambda: len(panel.guest_rows) == 3, what="Emma in the lobby list")
        assert "1" in panel.lobby_title.getText()
        admit = panel.guest_rows[1]
        assert admit["text"] == "Faire entrer"
        press(admit)
        await guest.wait_for(lambda m: m.room == "salle-103")
        await until(lambda: not panel.guest_rows, what="the lobby list emptied")

        press(panel.buttons["freeze"])
        await pupil.wait_for(lambda m: m.room_state is not None and m.room_state.frozen)
        await until(lambda: panel.buttons["freeze"]["text"] == "Libérer la classe", what="the freeze button flips")
        press(panel.buttons["lock"])
        press(panel.buttons["mute_all"])
        await pupil.wait_for(lambda m: m.room_state.locked and m.room_state.muted_all)
        press(panel.buttons["call_board"])
        await pupil.wait_for(lambda m: called)
        assert called[0].board == "tableau-103"

        await pupil.send(Hand(True))
        await until(lambda: panel.state.hands == [pupil.mirror.me], what="Léa's hand in the queue")
        press(panel.buttons["pen_give"])
        await pupil.wait_for(lambda m: m.boards["tableau-103"].pens == [m.me] and m.room_state.hands == [])
        press(panel.buttons["pen_take"])
        await pupil.wait_for(lambda m: m.boards["tableau-103"].pens == [])

        panel.fields["poll_question"].enterText("Quelle est la capitale de l'Allemagne ?")
        panel.fields["poll_options"].enterText("Berlin / Bonn / Munich")
        press(panel.buttons["poll_open"])
        await pupil.wait_for(lambda m: any(p.open for p in m.polls.values()))
        poll = next(iter(pupil.mirror.polls.values()))
        assert poll.options == ["Berlin", "Bonn", "Munich"]
        await pupil.send(Vote(poll.id, [0]))
        window = session.classroom.poll
        await until(lambda: window.labels() and window.labels()[0].endswith("— 1"), what="the live count")
        press(panel.buttons["poll_close"])
        await pupil.wait_for(lambda m: not m.polls[poll.id].open)

        panel.fields["poll_options"].enterText("Munich / *Berlin / Hambourg")  # a quiz, named this time
        press(panel.buttons["poll_named"])
        press(panel.buttons["poll_open"])
        await pupil.wait_for(lambda m: len(m.polls) == 2)
        quiz = max(pupil.mirror.polls.values(), key=lambda p: p.id)
        assert quiz.options == ["Munich", "Berlin", "Hambourg"] and not quiz.anonymous and not quiz.multiple
        await pupil.send(Vote(quiz.id, [1]))
        press(panel.buttons["poll_close"])
        await pupil.wait_for(lambda m: not m.polls[quiz.id].open and m.polls[quiz.id].correct == [1])
        await until(lambda: panel.last_poll == quiz.id, what="the panel knows the latest poll")
        press(session.classroom.tools.buttons["poll_show"])  # results on the board
        await pupil.wait_for(
            lambda m: any(i.text == "Berlin : 1 (100 %) ✓" for i in m.boards["tableau-103"].items.values())
        )

        questions: list[Question] = []
        pupil.mirror.listeners.append(lambda m: questions.append(m) if isinstance(m, Question) else None)
        press(panel.buttons["ask_question"])  # the question field's text, on the page shown
        await pupil.wait_for(lambda m: questions and questions[-1].open)
        assert (questions[-1].board, questions[-1].text) == ("tableau-103", "Quelle est la capitale de l'Allemagne ?")
        await until(lambda: panel.question is not None, what="the panel knows the question")
        press(panel.buttons["close_question"])
        await pupil.wait_for(lambda m: not questions[-1].open)
    finally:
        if guest is not None:
            await guest.close()
        await pupil.close()
        await stop(session, task)


async def test_a_pupils_side(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    world = server.world
    world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], (40.0, 13.0, 90.0))
    await until(lambda: session.conn.mirror.room == "salle-103", what="Léa in salle 103")
    teacher = await demo(http, server, "mme.durand", place=(36.0, 12.5, 270.0))
    try:
        assert session.classroom.panel is None and session.classroom.tools is None, "no teacher's tools for a pupil"
        session.controls.hand()
        me = session.conn.mirror.me
        await teacher.wait_for(lambda m: m.room_state is not None and m.room_state.hands == [me])
        session.controls.hand()
        await teacher.wait_for(lambda m: m.room_state.hands == [])
        session.controls.hand()
        await teacher.wait_for(lambda m: m.room_state.hands == [me])
        await teacher.send(Hand(False, me))  # the teacher lowers it
        await until(lambda: session.view.walker.anim != Anim.HAND_UP, what="Léa's hand lowered on screen")
        assert session.hud.hand["text"] == "Lever la main (H)"

        await teacher.send(Freeze(True))
        await teacher.send(Mute(True))
        state = session.classroom.state
        await until(lambda: state.keys == ["frozen", "muted"], what="frozen and muted shown")
        assert "figée" in state.text.getText() and "coupée" in state.text.getText()
        await teacher.send(Spotlight(me))
        name = session.conn.mirror.members[me].name
        await until(lambda: state.spotlight == name, what="the spotlight shown")
        assert f"À l'honneur : {name}" in state.text.getText()

        await teacher.send(PollOpen("Combien font 6 × 7 ?", ["42", "36"], correct=[0]))
        window = session.classroom.poll
        await until(lambda: window.shown and len(window.labels()) == 2, what="the poll window")
        press(window.answers[1])
        await teacher.wait_for(lambda m: any(p.counts == [0, 1] for p in m.polls.values()))
        poll_id = next(iter(teacher.mirror.polls))
        await teacher.send(PollClose(poll_id))
        await until(lambda: window.labels()[0].startswith("✓ 42"), what="the quiz's answer shown")
    finally:
        await teacher.close()
        await stop(session, task)


async def test_a_question_answered_on_private_layers(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    world = server.world
    world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], (38.0, 15.0, 90.0))
    await until(lambda: "tableau-103" in session.conn.mirror.boards, what="the board")
    teacher = await demo(http, server, "mme.durand", place=(36.0, 12.5, 270.0))
    hugo = await demo(http, server, "hugo.moreau", place=(40.0, 17.0, 90.0))
    seen: dict[str, list[AnswerLayer]] = {"teacher": [], "hugo": []}
    teacher.mirror.listeners.append(lambda m: seen["teacher"].append(m) if isinstance(m, AnswerLayer) else None)
    hugo.mirror.listeners.append(lambda m: seen["hugo"].append(m) if isinstance(m, AnswerLayer) else None)
    try:
        classroom, me = session.classroom, session.conn.mirror.me
        assert not classroom.toolbar.shown, "no pen"
        await teacher.send(AskQuestion("tableau-103", 0, "Dessinez un soleil"))
        await until(lambda: classroom.state.question == "Dessinez un soleil", what="the question shown")
        await until(lambda: classroom.toolbar.shown, what="the toolbar to answer with")

        pen = classroom.pen
        pen.colour, pen.width = 0x168A2E, 200
        assert pen.press(*on_screen(base, session, 3000, 1500))
        pen.drag(*on_screen(base, session, 7000, 1500))
        pen.release()
        await teacher.wait_for(lambda m: any(layer.author == me and layer.items for layer in seen["teacher"]))
        assert not any(layer.author == me for layer in seen["hugo"]), "a private layer"
        assert not pupil_board_items(teacher), "not on the board itself"
        canvas = session.view.boards.panels["tableau-103"].canvas
        await until(lambda: session.classroom.layers.get(me) is not None, what="my layer back")
        await until(lambda: not session.view.boards.dirty, what="the repaint")
        assert canvas.colour_at(5000, 1500) == (0x16, 0x8A, 0x2E), "my answer over the page"

        question = classroom.question.id
        await teacher.send(RevealAnswer(question, None, True))
        await hugo.wait_for(lambda m: any(layer.author == me for layer in seen["hugo"]))
        await teacher.send(CloseQuestion(question))
        await until(lambda: pen.answering is None and classroom.state.question == "", what="the question closed")
        await until(lambda: not classroom.toolbar.shown, what="the toolbar gone")
    finally:
        await hugo.close()
        await teacher.close()
        await stop(session, task)


def pupil_board_items(conn: WorldConnection) -> list:
    return list(conn.mirror.boards["tableau-103"].items.values())
